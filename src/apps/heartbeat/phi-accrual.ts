/**
 * The phi accrual failure detector (Hayashibara, Défago, Yared, Katayama, "The φ Accrual
 * Failure Detector", SRDS 2004): suspicion phi = -log10(P_later(t - t_last)), where P_later is
 * the chance that a heartbeat comes later than the silence so far, estimated from a sliding
 * window of inter-arrival times. Instead of a fixed timeout it adapts to the observed network.
 */
import type { Nanos } from "../../sim/time.js";
import { DeadlineDetector } from "./detector.js";

/**
 * How inter-arrival times are modelled. "normal" is the paper's choice (§3.2: mean and
 * variance of the window): it detects fast when arrivals are regular but its light tail makes
 * a run of lost heartbeats look like death, hence `acceptablePause` and `minStdDev`.
 * "exponential" (as Cassandra does) has P_later = exp(-t/mean): phi grows linearly with the
 * silence, so it tolerates lost heartbeats and detects slowly (phi 8 ≈ 18.4 mean intervals).
 */
export type PhiDistribution = "normal" | "exponential";

export interface PhiAccrualOptions {
  /** Phi at which the peer is suspected (default 8: P_later = 1e-8). */
  threshold?: number;
  /** Phi at which it is declared dead (default twice the threshold). */
  deadThreshold?: number;
  distribution?: PhiDistribution;
  /** Inter-arrival times kept (default 100; the paper's experiments used 1,000). */
  windowSize?: number;
  /** Floor on the standard deviation, so perfectly regular arrivals do not make phi explode. */
  minStdDev?: Nanos;
  /** Added to the mean: a pause this long is not suspicious (Akka's acceptable-heartbeat-pause). */
  acceptablePause?: Nanos;
  /** Mean assumed before two heartbeats have arrived; its standard deviation is a quarter of it. */
  firstInterval?: Nanos;
}

const MS = 1_000_000;

// Chebyshev fit of erfc from Numerical Recipes (Press et al., 2nd ed., §6.2, erfcc):
// erfc(x) = t·exp(-x² + P(t)), t = 1/(1 + x/2), fractional error below 1.2e-7 for x >= 0.
const ERFC_COEFFICIENTS = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
];

/** ln erfc(x) for x >= 0, in log space so large x cannot underflow. */
function lnErfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const c = ERFC_COEFFICIENTS;
  let poly = 0;
  for (let i = c.length - 1; i >= 0; i--) poly = c[i]! + t * poly;
  return Math.log(t) - x * x + poly;
}

/** log10 of the standard normal upper tail Q(z) = P(Z > z) = erfc(z/√2)/2. */
export function log10NormalTail(z: number): number {
  if (z >= 0) return (lnErfc(z / Math.SQRT2) - Math.LN2) / Math.LN10;
  // Q(z) = 1 - Q(-z) for z < 0.
  return Math.log10(1 - 0.5 * Math.exp(lnErfc(-z / Math.SQRT2)));
}

/** The z at which -log10 Q(z) reaches `phi` (bisection: the function is increasing). */
export function zForPhi(phi: number): number {
  let lo = -40;
  let hi = 60;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (-log10NormalTail(mid) >= phi) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** A phi accrual detector for one peer. */
export class PhiAccrualDetector extends DeadlineDetector {
  readonly name: string;
  readonly threshold: number;
  readonly deadThreshold: number;
  readonly distribution: PhiDistribution;
  private readonly window: Float64Array;
  private count = 0;
  private head = 0;
  private readonly minStdDev: Nanos;
  private readonly pause: Nanos;
  private readonly firstInterval: Nanos;
  private mu = 0;
  private sigma = 0;

  constructor(options: PhiAccrualOptions = {}) {
    super();
    this.threshold = options.threshold ?? 8;
    this.deadThreshold = options.deadThreshold ?? 2 * this.threshold;
    this.distribution = options.distribution ?? "normal";
    const size = options.windowSize ?? 100;
    this.minStdDev = options.minStdDev ?? 100 * MS;
    this.pause = options.acceptablePause ?? 0;
    this.firstInterval = options.firstInterval ?? 1000 * MS;
    if (!(this.threshold > 0) || !(this.deadThreshold >= this.threshold)) {
      throw new RangeError("phi thresholds must satisfy 0 < threshold <= deadThreshold");
    }
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`bad windowSize ${size}`);
    if (!(this.minStdDev > 0) || !(this.firstInterval > 0) || !(this.pause >= 0)) {
      throw new RangeError("minStdDev and firstInterval must be > 0, acceptablePause >= 0");
    }
    this.window = new Float64Array(size);
    this.name = `phi(${this.threshold},${this.distribution})`;
  }

  /** Mean inter-arrival time used by the model (ns), without the acceptable pause. */
  get mean(): number {
    return this.mu;
  }

  /** Standard deviation used by the model (ns), after the floor. */
  get stdDev(): number {
    return this.sigma;
  }

  /** Inter-arrival samples in the window. */
  get samples(): number {
    return this.count;
  }

  protected update(now: Nanos, previous: Nanos | undefined): void {
    if (previous !== undefined) this.record(now - previous);
    this.estimate();
    this.suspectAt = now + this.silenceFor(this.threshold);
    this.deadAt = now + this.silenceFor(this.deadThreshold);
  }

  private record(interval: number): void {
    this.window[this.head] = interval;
    this.head = (this.head + 1) % this.window.length;
    if (this.count < this.window.length) this.count++;
  }

  /** Mean and standard deviation of the window (two passes: exact enough at ns scale). */
  private estimate(): void {
    const n = this.count;
    if (n === 0) {
      this.mu = this.firstInterval;
      this.sigma = Math.max(this.minStdDev, this.firstInterval / 4);
      return;
    }
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.window[i]!;
    const mean = sum / n;
    let sq = 0;
    for (let i = 0; i < n; i++) sq += (this.window[i]! - mean) ** 2;
    this.mu = mean;
    this.sigma = Math.max(this.minStdDev, Math.sqrt(sq / n));
  }

  /** Silence (integer ns, >= 1) after which phi reaches `phi`. */
  private silenceFor(phi: number): Nanos {
    const mean = this.mu + this.pause;
    const t =
      this.distribution === "exponential"
        ? phi * Math.LN10 * mean
        : mean + zForPhi(phi) * this.sigma;
    return Math.max(1, Math.ceil(t));
  }

  /** phi at `now` (0 before the first heartbeat). */
  suspicion(now: Nanos): number {
    if (this.last === undefined) return 0;
    const silence = Math.max(0, now - this.last);
    const mean = this.mu + this.pause;
    if (this.distribution === "exponential") return silence / (mean * Math.LN10);
    return -log10NormalTail((silence - mean) / this.sigma);
  }
}
