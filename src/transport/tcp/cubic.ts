/**
 * CUBIC (RFC 9438) behind the `CongestionControl` interface: the RFC's segment formulas scaled by
 * SMSS into float bytes, exposed floored to whole bytes; time is the simulator's integer ns.
 * Loss recovery (inflation, partial ACKs, exit) stays RFC 5681/6582's, as §4.2 leaves it unchanged.
 */
import { type Nanos, NS_PER_S } from "../../sim/time.js";
import {
  type CongestionControl,
  type CongestionFactory,
  type CongestionInit,
  initialWindowBytes,
  SSTHRESH_INFINITE,
} from "./congestion.js";

/** RFC 9438 §5.1: the scaling constant C, in segments per second cubed. */
export const CUBIC_C = 0.4;
/** RFC 9438 §4.6: the multiplicative decrease factor β_cubic. */
export const CUBIC_BETA = 0.7;
/** RFC 9438 §4.3: α_cubic = 3·(1−β)/(1+β), the Reno-friendly additive increase (≈ 0.529). */
export const CUBIC_ALPHA = (3 * (1 - CUBIC_BETA)) / (1 + CUBIC_BETA);

/**
 * RFC 9438 §4.2 eq. 2: K = cbrt((W_max − cwnd_epoch)/C), in seconds, windows in segments.
 * After a loss cwnd_epoch = β·W_max, so K = cbrt(W_max·(1−β)/C).
 */
export function cubicK(wMax: number, cwndEpoch: number): number {
  return Math.cbrt((wMax - cwndEpoch) / CUBIC_C);
}

/** RFC 9438 §4.2 eq. 1: W_cubic(t) = C·(t−K)^3 + W_max, in segments, t and K in seconds. */
export function cubicWindow(t: number, k: number, wMax: number): number {
  const d = t - k;
  return CUBIC_C * d * d * d + wMax;
}

/** Which rule set the window on the last event (RFC 9438 §4.2's three regions, plus two). */
export type CubicRegion = "slow-start" | "recovery" | "reno-friendly" | "concave" | "convex";

/** Knobs for {@link Cubic}; the RFC's constants (C, β) are fixed. */
export interface CubicOptions {
  /** RFC 9438 §4.7 fast convergence: on by default (a SHOULD); the RFC disables it for a lone flow. */
  readonly fastConvergence?: boolean;
}

/**
 * CUBIC congestion control. The target W_cubic(t + RTT) uses the minimum RTT sample seen in
 * `onAck` (RFC 9438 §4.2 names SRTT): it excludes queueing delay, so a filling queue does not
 * push the target further ahead, and it is stable from one ACK to the next. Before any sample the
 * target is W_cubic(t). Not implemented: HyStart++ (one RTT sample per round is too few), the
 * application-limited pause of t (§4.2, §5.8: the interface cannot tell), and the spurious-loss
 * undo (§4.9: the interface has no hook for it).
 */
export class Cubic implements CongestionControl {
  readonly name: string = "cubic";
  /** Congestion window in bytes, unrounded. */
  private w: number;
  private ssth: number = SSTHRESH_INFINITE;
  private smss: number;
  private readonly fastConvergence: boolean;
  /** W_max in bytes (0: no congestion event yet). */
  private wMaxBytes = 0;
  /** cwnd_prior in bytes: cwnd when ssthresh was last set (§4.1.2). */
  private cwndPriorBytes = 0;
  /** W_est in bytes (§4.3). */
  private wEstBytes = 0;
  private alpha: number = CUBIC_ALPHA;
  private kSec = 0;
  /** t_epoch; -1 until the first ACK of a congestion-avoidance stage. */
  private epoch: Nanos = -1;
  private rttMin: Nanos = -1;
  /** The next stage is the first after a timeout (§4.8). */
  private afterRto = false;
  private lastRegion: CubicRegion = "slow-start";

  constructor(init: CongestionInit, options: CubicOptions = {}) {
    this.smss = init.mss;
    this.w = initialWindowBytes(init.mss, init.initialWindow);
    this.fastConvergence = options.fastConvergence ?? true;
  }

  get cwnd(): number {
    return Math.floor(this.w);
  }

  get ssthresh(): number {
    return this.ssth;
  }

  /** W_max in bytes: the window the cubic curve plateaus at (0 before any congestion event). */
  get wMax(): number {
    return this.wMaxBytes;
  }

  /** K in seconds for the current congestion-avoidance stage (§4.2 eq. 2). */
  get k(): number {
    return this.kSec;
  }

  /** W_est in bytes, the Reno estimate of the current stage (§4.3). */
  get wEst(): number {
    return this.wEstBytes;
  }

  /** The current α_cubic: {@link CUBIC_ALPHA}, or 1 once W_est reached cwnd_prior (§4.3). */
  get alphaCubic(): number {
    return this.alpha;
  }

  /** Start of the current congestion-avoidance stage in ns, or -1 outside one. */
  get epochStart(): Nanos {
    return this.epoch;
  }

  /** The smallest RTT sample seen, in ns, or -1 before any. */
  get minRtt(): Nanos {
    return this.rttMin;
  }

  /** The rule that set the window last. */
  get region(): CubicRegion {
    return this.lastRegion;
  }

  setMss(mss: number): void {
    this.smss = mss;
    if (this.w < mss) this.w = mss;
  }

  onAck(bytesAcked: number, rtt: Nanos, _inFlight: number, now: Nanos): void {
    if (rtt >= 0 && (this.rttMin < 0 || rtt < this.rttMin)) this.rttMin = rtt;
    if (this.w < this.ssth) {
      // RFC 9438 §4.10 / RFC 5681 §3.1 eq. (2): slow start grows by min(N, SMSS) per ACK.
      this.w += Math.min(bytesAcked, this.smss);
      this.lastRegion = "slow-start";
      return;
    }
    if (this.epoch < 0) this.beginEpoch(now);
    const mss = this.smss;
    const t = (now - this.epoch) / NS_PER_S;
    // RFC 9438 §4.3 eq. 4, in bytes: W_est += α·segments_acked/cwnd.
    this.wEstBytes += (this.alpha * bytesAcked * mss) / this.w;
    // RFC 9438 §4.3: α_cubic becomes 1 once W_est reaches cwnd_prior.
    if (this.wEstBytes >= this.cwndPriorBytes) this.alpha = 1;
    if (cubicWindow(t, this.kSec, this.wMaxBytes / mss) * mss < this.wEstBytes) {
      // RFC 9438 §4.3: Reno-friendly region, cwnd = W_est (never lowered by an ACK).
      if (this.wEstBytes > this.w) this.w = this.wEstBytes;
      this.lastRegion = "reno-friendly";
      return;
    }
    // RFC 9438 §4.2: target = W_cubic(t + RTT), clamped to [cwnd, 1.5·cwnd].
    const ahead = this.rttMin > 0 ? this.rttMin / NS_PER_S : 0;
    const cubic = cubicWindow(t + ahead, this.kSec, this.wMaxBytes / mss) * mss;
    const target = Math.min(Math.max(cubic, this.w), 1.5 * this.w);
    // RFC 9438 §4.4 (concave) and §4.5 (convex): + (target − cwnd)/cwnd per segment acked.
    this.lastRegion = this.w < this.wMaxBytes ? "concave" : "convex";
    this.w += ((target - this.w) / this.w) * bytesAcked;
  }

  /** The first ACK of a congestion-avoidance stage: fix t_epoch, W_max, K and W_est. */
  private beginEpoch(now: Nanos): void {
    this.epoch = now;
    const start = this.w;
    // RFC 9438 §4.8: after a timeout, W_max = cwnd_epoch and K = 0; likewise (our choice) when
    // the stage starts at or above W_max, where eq. 2 would give K <= 0.
    if (this.afterRto || this.wMaxBytes <= start) {
      this.wMaxBytes = start;
      this.kSec = 0;
    } else {
      this.kSec = cubicK(this.wMaxBytes / this.smss, start / this.smss);
    }
    this.afterRto = false;
    this.wEstBytes = start; // RFC 9438 §4.3: W_est = cwnd_epoch
    if (this.wEstBytes >= this.cwndPriorBytes) this.alpha = 1;
  }

  /**
   * RFC 9438 §4.6: ssthresh = max(β·flight, 2·SMSS). The RFC lets cwnd stand in for flight_size
   * only with app-limited guards this interface cannot provide, so take the smaller of the two:
   * equal to β·cwnd whenever the sender fills its window.
   */
  private reduce(inFlight: number): void {
    // β = 7/10 in integer steps, so that β·100 segments is exactly 70 segments.
    this.ssth = Math.max(Math.floor((Math.min(this.w, inFlight) * 7) / 10), 2 * this.smss);
    this.cwndPriorBytes = this.w; // RFC 9438 §4.6: cwnd_prior = cwnd
    this.alpha = CUBIC_ALPHA;
    this.epoch = -1;
  }

  onFastRetransmit(inFlight: number, _now: Nanos): void {
    // RFC 9438 §4.7: fast convergence lowers W_max when the saturation point fell.
    const lower = this.fastConvergence && this.w < this.wMaxBytes;
    this.wMaxBytes = lower ? (this.w * (1 + CUBIC_BETA)) / 2 : this.w;
    this.afterRto = false;
    this.reduce(inFlight);
    // RFC 5681 §3.2 step 3: cwnd = ssthresh + 3·SMSS, for the duplicate ACKs already received.
    this.w = this.ssth + 3 * this.smss;
    this.lastRegion = "recovery";
  }

  onDupAck(_inFlight: number): void {
    this.w += this.smss; // RFC 5681 §3.2 step 4
  }

  onPartialAck(bytesAcked: number, _inFlight: number): void {
    // RFC 6582 §3.2 step 5: deflate by the new data acked, add back one SMSS if >= SMSS;
    // RFC 9438 §4.6: keep cwnd >= 2·SMSS after a loss.
    this.w -= bytesAcked;
    if (bytesAcked >= this.smss) this.w += this.smss;
    if (this.w < 2 * this.smss) this.w = 2 * this.smss;
  }

  onRecoveryExit(inFlight: number, _now: Nanos): void {
    // RFC 6582 §3.2 step 3, option (1): min(ssthresh, max(FlightSize, SMSS) + SMSS) >= 2·SMSS.
    this.w = Math.min(this.ssth, Math.max(inFlight, this.smss) + this.smss);
    if (this.w < this.ssth) this.lastRegion = "slow-start";
    else this.lastRegion = this.w < this.wMaxBytes ? "concave" : "convex";
  }

  onRto(inFlight: number, _now: Nanos, repeated: boolean): void {
    // RFC 9438 §4.8: ssthresh by β as in §4.6 (kept on a repeated timeout, RFC 5681 §3.1),
    // cwnd = LW = 1 SMSS, and the next stage starts with K = 0 and W_max = cwnd_epoch.
    if (!repeated) this.reduce(inFlight);
    this.epoch = -1;
    this.afterRto = true;
    this.w = this.smss;
    this.lastRegion = "slow-start";
  }
}

/** A CUBIC factory with the given options (e.g. fast convergence off for a lone flow). */
export function cubicWith(options: CubicOptions): CongestionFactory {
  return (init) => new Cubic(init, options);
}

/** The CUBIC factory, with RFC 9438's defaults (fast convergence on). */
export const cubicFactory: CongestionFactory = (init) => new Cubic(init);
