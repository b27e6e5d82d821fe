/**
 * The clock filter of RFC 5905 §10, reduced to its core: keep the last eight samples and trust
 * the one with the least round-trip delay, because queueing only ever adds delay, and the less
 * a sample waited the less room its offset had to be wrong (the error is at most delay / 2).
 * As in the RFC, a sample's distance is delay / 2 plus a dispersion growing at 15 ppm with its
 * age, so among samples of nearly equal delay the newest wins and an old one cannot hold the
 * filter for eight polls because its delay was smaller by a few microseconds.
 */

/** One on-wire exchange, as the client computed it (all times in local ns). */
export interface NtpSample {
  /** Sequence number of the sample at its client (1, 2, ...): tells newer from older. */
  seq: number;
  /** Simulation time of T4, for plots and tests only (the client itself never reads it). */
  simTime: number;
  /** T1: request sent (client clock); T2: received (server); T3: reply sent (server); T4: reply received (client). */
  t1: number;
  t2: number;
  t3: number;
  t4: number;
  /** theta = ((T2 - T1) + (T3 - T4)) / 2 (RFC 5905 §8): how far the server is ahead of us. */
  offset: number;
  /** delta = (T4 - T1) - (T3 - T2) (RFC 5905 §8): the round trip without the server's time. */
  delay: number;
  /** The client clock's slew still pending at T4 (the discipline subtracts it). */
  pendingSlew: number;
}

/** Offset and delay of an exchange from its four timestamps (RFC 5905 §8). */
export function onWireOffsetDelay(
  t1: number,
  t2: number,
  t3: number,
  t4: number,
): { offset: number; delay: number } {
  return { offset: (t2 - t1 + (t3 - t4)) / 2, delay: t4 - t1 - (t3 - t2) };
}

/** RFC 5905 §7.2 (PHI): frequency tolerance, 15 ppm; dispersion grows with age at this rate. */
export const NTP_PHI = 15e-6;

/** Samples kept by the filter (RFC 5905 §10: an eight-stage shift register). */
export const CLOCK_FILTER_STAGES = 8;

/** A shift register of the last samples; `best()` is the one with the least delay. */
export class ClockFilter {
  private readonly samples: NtpSample[] = [];

  constructor(readonly stages = CLOCK_FILTER_STAGES) {
    if (!Number.isInteger(stages) || stages < 1) throw new RangeError("stages must be >= 1");
  }

  /** Samples held, oldest first. */
  get held(): readonly NtpSample[] {
    return this.samples;
  }

  /** Shifts a sample in, dropping the oldest beyond the register's size. */
  add(s: NtpSample): void {
    this.samples.push(s);
    if (this.samples.length > this.stages) this.samples.shift();
  }

  /**
   * The sample with the least distance (delay / 2 + PHI x age, RFC 5905 §10) at local time
   * `now` (default: the newest sample's T4); among equal distances the newest.
   */
  best(now?: number): NtpSample | undefined {
    const t = now ?? this.samples.at(-1)?.t4 ?? 0;
    let best: NtpSample | undefined;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const s of this.samples) {
      const d = s.delay / 2 + NTP_PHI * (t - s.t4);
      if (d <= bestDistance) {
        best = s;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Forgets every sample (after a step they describe a clock that no longer exists). */
  clear(): void {
    this.samples.length = 0;
  }
}
