/**
 * The retransmission timeout of RFC 6298: SRTT and RTTVAR from RTT samples, Karn's rule (the
 * caller never samples a retransmitted segment), exponential backoff, and configurable bounds.
 * Times are integer nanoseconds; the estimator keeps doubles and rounds the RTO it hands out.
 */
import type { Nanos } from "../../sim/time.js";

/** Bounds and constants of the estimator. */
export interface RttConfig {
  /** Lower bound on the RTO (RFC 6298 (2.4): 1 s; Linux uses 200 ms). */
  minRto: Nanos;
  /** Upper bound on the RTO (RFC 6298 (2.5): at least 60 s). */
  maxRto: Nanos;
  /** RTO before the first sample (RFC 6298 (2.1): 1 s). */
  initialRto: Nanos;
  /** Clock granularity G of RFC 6298 (2.2)-(2.3). */
  granularity: Nanos;
}

const ALPHA = 1 / 8; // RFC 6298 §2
const BETA = 1 / 4;
const K = 4;

export class RttEstimator {
  /** Smoothed RTT in ns, or -1 before the first sample. */
  srtt = -1;
  /** RTT variation in ns, or -1 before the first sample. */
  rttvar = -1;
  /** Latest sample in ns, or -1. */
  latest = -1;
  /** Smallest sample seen, or -1. */
  min = -1;
  /** Number of times the timer has been backed off since the last sample. */
  backoffs = 0;
  /** Samples taken. */
  samples = 0;
  private base: Nanos;

  constructor(private readonly cfg: RttConfig) {
    this.base = cfg.initialRto;
  }

  /** The current RTO: RFC 6298 (2.4)-(2.5) bounds, then doubled per backoff (5.5). */
  get rto(): Nanos {
    const bounded = Math.max(this.cfg.minRto, this.base);
    return Math.min(this.cfg.maxRto, bounded * 2 ** this.backoffs);
  }

  /** Takes an RTT sample `r` ns (from a segment sent once, per Karn's rule). */
  sample(r: Nanos): void {
    if (r < 0) return;
    if (this.srtt < 0) {
      // RFC 6298 (2.2)
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      // RFC 6298 (2.3): RTTVAR first, with the old SRTT.
      this.rttvar = (1 - BETA) * this.rttvar + BETA * Math.abs(this.srtt - r);
      this.srtt = (1 - ALPHA) * this.srtt + ALPHA * r;
    }
    this.base = Math.round(this.srtt + Math.max(this.cfg.granularity, K * this.rttvar));
    this.latest = r;
    if (this.min < 0 || r < this.min) this.min = r;
    this.samples++;
    // RFC 6298 §5.7 and Karn: a valid sample ends the backoff.
    this.backoffs = 0;
  }

  /** RFC 6298 (5.5): doubles the RTO after an expiry (bounded by maxRto). */
  backoff(): void {
    if (Math.max(this.cfg.minRto, this.base) * 2 ** this.backoffs < this.cfg.maxRto)
      this.backoffs++;
  }

  /**
   * RFC 6298 (5.7): when the timer expired on a SYN and no sample exists yet, the RTO once data
   * flows is 3 s.
   */
  resetAfterSynTimeout(): void {
    if (this.srtt < 0) this.base = Math.max(this.base, 3_000_000_000);
    this.backoffs = 0;
  }
}
