/**
 * Congestion control behind one interface, and NewReno (RFC 5681 + RFC 6582) implementing it.
 * The connection runs loss detection and recovery (duplicate ACKs, SACK, timers) and tells the
 * algorithm what happened; the algorithm only does window arithmetic, in bytes. That split lets
 * CUBIC (RFC 9438) or any other algorithm plug in without touching the state machine, and lets
 * one conformance suite (congestion-conformance.ts) drive every implementation the same way.
 */
import type { Nanos } from "../../sim/time.js";

/** What an algorithm is created with. */
export interface CongestionInit {
  /** Sender maximum segment size (SMSS) in bytes. */
  readonly mss: number;
  /** Initial window in segments (RFC 6928: 10). */
  readonly initialWindow: number;
  /** Simulated time of creation. */
  readonly now: Nanos;
}

/** Creates a congestion controller for one connection. */
export type CongestionFactory = (init: CongestionInit) => CongestionControl;

/**
 * The contract between a connection and its congestion control. All quantities are bytes.
 * "inFlight" is the connection's estimate of bytes in the network (RFC 5681 FlightSize, or the
 * RFC 6675 pipe during SACK recovery). Call order for one loss episode without SACK:
 * `onFastRetransmit`, then `onDupAck` / `onPartialAck` as ACKs arrive, then `onRecoveryExit`.
 * With SACK the connection paces recovery itself by `pipe` against `ssthresh` (RFC 6675 §5
 * step 4.2) and calls only `onFastRetransmit` and `onRecoveryExit`. Outside recovery every ACK
 * of new data calls `onAck`. A retransmission timeout calls `onRto` instead of all the above.
 */
export interface CongestionControl {
  /** Short name for traces ("newreno", "cubic"). */
  readonly name: string;
  /** Congestion window in bytes; the connection sends while in-flight < min(cwnd, rwnd). */
  readonly cwnd: number;
  /** Slow-start threshold in bytes (very large until the first loss). */
  readonly ssthresh: number;
  /** The path MSS changed (PMTUD); keep the window in whole segments if the algorithm likes. */
  setMss(mss: number): void;
  /**
   * New data was cumulatively acknowledged outside recovery. `rtt` is a fresh RTT sample in ns
   * or -1 when this ACK gave none (Karn's rule). `inFlight` is what is left outstanding.
   */
  onAck(bytesAcked: number, rtt: Nanos, inFlight: number, now: Nanos): void;
  /** Loss detected by duplicate ACKs or SACK: fast retransmit and enter fast recovery. */
  onFastRetransmit(inFlight: number, now: Nanos): void;
  /** A further duplicate ACK during non-SACK fast recovery (RFC 5681 §3.2 step 4). */
  onDupAck(inFlight: number): void;
  /** An ACK of some but not all data outstanding at recovery start (RFC 6582 §3.2 step 5). */
  onPartialAck(bytesAcked: number, inFlight: number): void;
  /** The ACK covering the recovery point arrived (RFC 6582 §3.2 step 3). */
  onRecoveryExit(inFlight: number, now: Nanos): void;
  /**
   * The retransmission timer expired. `repeated` is true when it expires again before the
   * data outstanding at the first expiry is acknowledged; RFC 5681 §3.1 keeps ssthresh then.
   */
  onRto(inFlight: number, now: Nanos, repeated: boolean): void;
}

/** RFC 6928 §2: IW = min(10·MSS, max(2·MSS, 14600)), generalised to `segments` segments. */
export function initialWindowBytes(mss: number, segments: number): number {
  return Math.min(segments * mss, Math.max(2 * mss, segments * 1460));
}

/** Effectively infinite ssthresh ("arbitrarily high", RFC 5681 §3.1). */
export const SSTHRESH_INFINITE = 0x7fffffff;

/** NewReno: RFC 5681 slow start and congestion avoidance, RFC 6582 fast recovery. */
export class NewReno implements CongestionControl {
  readonly name: string = "newreno";
  protected cwndBytes: number;
  protected ssthreshBytes = SSTHRESH_INFINITE;
  protected smss: number;
  /** Bytes acknowledged toward the next congestion-avoidance increment (RFC 5681 §3.1). */
  protected caAcked = 0;

  constructor(init: CongestionInit) {
    this.smss = init.mss;
    this.cwndBytes = initialWindowBytes(init.mss, init.initialWindow);
  }

  get cwnd(): number {
    return this.cwndBytes;
  }

  get ssthresh(): number {
    return this.ssthreshBytes;
  }

  setMss(mss: number): void {
    this.smss = mss;
    if (this.cwndBytes < mss) this.cwndBytes = mss;
  }

  onAck(bytesAcked: number, _rtt: Nanos, _inFlight: number, _now: Nanos): void {
    if (this.cwndBytes < this.ssthreshBytes) {
      // RFC 5681 §3.1 eq. (2): slow start grows by min(N, SMSS) per ACK.
      this.cwndBytes += Math.min(bytesAcked, this.smss);
      return;
    }
    // RFC 5681 §3.1: congestion avoidance, one SMSS per cwnd of acknowledged bytes
    // (the byte-counting variant the RFC recommends over eq. (3)).
    this.caAcked += bytesAcked;
    if (this.caAcked >= this.cwndBytes) {
      this.caAcked -= this.cwndBytes;
      this.cwndBytes += this.smss;
    }
  }

  /** ssthresh after a loss: RFC 5681 §3.1 eq. (4). */
  protected reducedSsthresh(inFlight: number): number {
    return Math.max(Math.floor(inFlight / 2), 2 * this.smss);
  }

  onFastRetransmit(inFlight: number, _now: Nanos): void {
    // RFC 5681 §3.2 steps 2-3: halve, then inflate by the three segments that left.
    this.ssthreshBytes = this.reducedSsthresh(inFlight);
    this.cwndBytes = this.ssthreshBytes + 3 * this.smss;
    this.caAcked = 0;
  }

  onDupAck(_inFlight: number): void {
    this.cwndBytes += this.smss; // RFC 5681 §3.2 step 4
  }

  onPartialAck(bytesAcked: number, _inFlight: number): void {
    // RFC 6582 §3.2 step 5: deflate by the new data acked, add back one SMSS if >= SMSS.
    this.cwndBytes -= bytesAcked;
    if (bytesAcked >= this.smss) this.cwndBytes += this.smss;
    if (this.cwndBytes < this.smss) this.cwndBytes = this.smss;
  }

  onRecoveryExit(inFlight: number, _now: Nanos): void {
    // RFC 6582 §3.2 step 3, option (1): min(ssthresh, max(FlightSize, SMSS) + SMSS).
    this.cwndBytes = Math.min(this.ssthreshBytes, Math.max(inFlight, this.smss) + this.smss);
    this.caAcked = 0;
  }

  onRto(inFlight: number, _now: Nanos, repeated: boolean): void {
    // RFC 5681 §3.1 eq. (4), kept on repeated timeouts; cwnd = LW = 1 SMSS.
    if (!repeated) this.ssthreshBytes = this.reducedSsthresh(inFlight);
    this.cwndBytes = this.smss;
    this.caAcked = 0;
  }
}

/** The NewReno factory. */
export const newReno: CongestionFactory = (init) => new NewReno(init);
