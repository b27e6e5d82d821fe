/**
 * A simple clock discipline in the spirit of RFC 5905 §11.3 without its loop filter's details:
 * an offset beyond the step threshold (128 ms) steps the clock; a smaller one is slewed away,
 * and what remains of the previous correction after one poll interval is frequency error, fed
 * back into the clock's frequency with a gain below one so that noise averages out.
 */
import type { HostClock } from "../../sim/host-clock.js";
import type { NtpSample } from "./clock-filter.js";

/** RFC 5905 §11.3 (STEPT): offsets above 128 ms are stepped rather than slewed. */
export const NTP_STEP_THRESHOLD_NS = 128_000_000;

/** RFC 5905 §11.3 (PPM): the largest frequency error a clock is assumed to have. */
export const MAX_FREQUENCY_ERROR_PPM = 500;

export interface DisciplineOptions {
  /** Offsets whose magnitude exceeds this are stepped (default 128 ms). */
  stepThreshold?: number;
  /** Fraction of the measured frequency error corrected per update, in (0, 1] (default 0.25). */
  frequencyGain?: number;
}

/** What an update did. */
export type DisciplineAction = "step" | "slew";

export class ClockDiscipline {
  private readonly stepThreshold: number;
  private readonly gain: number;
  /** The sample behind the last slew, the base for the next frequency estimate. */
  private last: NtpSample | undefined;
  /** Sequence number of the newest sample when the clock was last adjusted. */
  private adjustedAfter = 0;

  constructor(
    private readonly clock: HostClock,
    options: DisciplineOptions = {},
  ) {
    this.stepThreshold = options.stepThreshold ?? NTP_STEP_THRESHOLD_NS;
    this.gain = options.frequencyGain ?? 0.25;
    if (!(this.stepThreshold > 0)) throw new RangeError("stepThreshold must be positive");
    if (!(this.gain > 0 && this.gain <= 1)) throw new RangeError("frequencyGain must be in (0, 1]");
  }

  /**
   * True when `s` was measured after the last adjustment: older samples describe the clock
   * before it was corrected, and using them would correct the same error twice.
   */
  fresh(s: NtpSample): boolean {
    return s.seq > this.adjustedAfter;
  }

  /** Applies the filtered sample `s`; `newest` is the newest sample's sequence number. */
  update(s: NtpSample, newest: number): DisciplineAction {
    this.adjustedAfter = newest;
    if (Math.abs(s.offset) > this.stepThreshold) {
      this.clock.step(s.offset);
      this.last = undefined;
      return "step";
    }
    // The part of the offset the pending slew was already going to remove is not an error
    // of the frequency; what is left over one interval is.
    const residual = s.offset - s.pendingSlew;
    if (this.last !== undefined && s.t4 > this.last.t4) {
      const ppm = (residual / (s.t4 - this.last.t4)) * 1e6;
      // No oscillator is off by more than 500 ppm (RFC 5905 §11.3, PPM): a bigger apparent
      // error is a phase jump (the clock was stepped, a path changed); slew it, keep the frequency.
      if (Math.abs(ppm) <= MAX_FREQUENCY_ERROR_PPM) {
        this.clock.adjustFrequency(this.clock.frequencyPpm + this.gain * ppm);
      }
    }
    // Slew from now: the offset less what the slew moved since the sample was taken.
    const movedSince = s.pendingSlew - this.clock.pendingSlew;
    this.clock.slew(s.offset - movedSince);
    this.last = s;
    return "slew";
  }

  /** Forgets the frequency base (after the client lost its server, for instance). */
  reset(): void {
    this.last = undefined;
  }
}
