/**
 * A host's own clock: what a program on that host believes the time is. Real oscillators are
 * off by an offset and run fast or slow by some parts per million, and operators (or bugs) step
 * them; a clock discipline (NTP, Cristian, Berkeley) corrects them by stepping or by slewing.
 *
 * The reading is a pure function of simulation time and the clock's state: the state is a
 * linear segment (anchor instant, reading at the anchor, rate) plus a pending slew and a list of
 * scheduled steps. Every adjustment re-anchors the segment at the current instant, so earlier
 * readings never change.
 *
 * Programs measure durations and run timers on the clock's monotonic reading (`monotonic()`,
 * `timer`, `after`): like CLOCK_MONOTONIC it follows the drift, frequency corrections and slews
 * but not steps, because a timer or an RTT must not jump when an operator or NTP sets the time.
 * The only events the clock schedules are those of its timers.
 */
import { LocalTimer } from "./local-timer.js";
import type { Simulator } from "./simulator.js";
import type { Nanos } from "./time.js";

/** A step the clock takes by itself at a given simulation instant (an operator, a leap, a bug). */
export interface ScheduledClockStep {
  /** Simulation time at which the step happens. */
  at: Nanos;
  /** Amount added to the reading, in ns (negative: the clock jumps back). */
  by: number;
}

/** How a clock starts out. Every field defaults to a perfect clock. */
export interface HostClockOptions {
  /** Reading minus simulation time at simulation time 0, in ns (default 0). */
  offset?: number;
  /** Oscillator error in parts per million: +50 gains 50 µs per second (default 0). */
  driftPpm?: number;
  /** Steps taken at given simulation instants (default none). */
  steps?: readonly ScheduledClockStep[];
  /** Fastest rate at which `slew` moves the reading, in ppm (default 500, as adjtime/ntpd). */
  maxSlewPpm?: number;
  /** Largest frequency correction `adjustFrequency` accepts, in ppm (default 500). */
  maxFrequencyPpm?: number;
}

const PPM = 1e-6;

/**
 * A host clock. Applications read local time with `now()` and must never use simulation time
 * directly: simulation time is the "true" time no host can see. Disciplines adjust the clock
 * with `step`, `slew` and `adjustFrequency`. `error()` (reading minus true time) is for tests and
 * observers only.
 */
export class HostClock {
  private anchorSim: Nanos = 0;
  private anchorLocal = 0;
  private anchorMono = 0;
  /**
   * Armed local timers, re-timed when the rate or slew changes: an intrusive list threaded
   * through the timers (oldest first, as a Set would iterate), so arming and disarming, which
   * TCP does on almost every segment, cost a few pointer writes instead of a hash update.
   */
  private armedHead: LocalTimer | undefined;
  private armedTail: LocalTimer | undefined;
  private drift = 0;
  private frequency = 0;
  private slewRemaining = 0;
  private steps: ScheduledClockStep[] = [];
  private maxSlew = 500;
  private maxFrequency = 500;
  /**
   * Rate exactly 1, no slew and an integer monotonic anchor: the monotonic reading is simulation
   * time plus an integer, so converting an integer deadline needs no search (the fast path that
   * keeps a perfect clock as cheap as a simulator Timer).
   */
  private steady = true;

  constructor(
    readonly sim: Simulator,
    options: HostClockOptions = {},
  ) {
    this.configure(options);
  }

  /**
   * Resets the clock to the given imperfections, as if it had them since simulation time 0
   * (so configure before the run or before anything reads the clock).
   */
  configure(options: HostClockOptions): void {
    const drift = options.driftPpm ?? 0;
    const maxSlew = options.maxSlewPpm ?? 500;
    const maxFrequency = options.maxFrequencyPpm ?? 500;
    for (const [name, v] of [
      ["offset", options.offset ?? 0],
      ["driftPpm", drift],
    ] as const) {
      if (!Number.isFinite(v)) throw new RangeError(`clock ${name} must be finite`);
    }
    if (Math.abs(drift) >= 1e6) throw new RangeError("clock drift must be below 10^6 ppm");
    if (!(maxSlew > 0 && maxSlew < 1e6)) throw new RangeError("maxSlewPpm must be in (0, 10^6)");
    if (!(maxFrequency >= 0 && maxFrequency < 1e5)) {
      throw new RangeError("maxFrequencyPpm must be in [0, 10^5)");
    }
    const steps = [...(options.steps ?? [])];
    for (const s of steps) {
      if (!Number.isInteger(s.at) || s.at < 0 || !Number.isFinite(s.by)) {
        throw new RangeError("a scheduled clock step needs an integer time >= 0 and a finite size");
      }
    }
    // Stable sort: steps at the same instant apply in the order given.
    steps.sort((a, b) => a.at - b.at);
    this.anchorSim = 0;
    this.anchorMono = 0;
    // A step at instant 0 is part of the starting offset (segments exclude their anchor).
    this.anchorLocal =
      (options.offset ?? 0) + steps.reduce((a, s) => a + (s.at === 0 ? s.by : 0), 0);
    this.drift = drift;
    this.frequency = 0;
    this.slewRemaining = 0;
    this.steps = steps.filter((s) => s.at > 0);
    this.maxSlew = maxSlew;
    this.maxFrequency = maxFrequency;
    this.updateSteady();
    this.retimeAll();
  }

  /** The local time now, in ns since the simulation's epoch as this host believes it. */
  now(): number {
    return this.readAt(this.sim.now);
  }

  /**
   * The reading at simulation time `t` (not before the last adjustment): a pure function of `t`
   * and the state, so tests can ask "what would the clock say at t".
   */
  readAt(t: Nanos): number {
    if (t < this.anchorSim) {
      throw new RangeError(`cannot read a clock before its last adjustment (t=${t})`);
    }
    const elapsed = t - this.anchorSim;
    let local = this.anchorLocal + elapsed * this.rate;
    if (this.slewRemaining !== 0) {
      // The slew runs at maxSlew ppm of simulation time until it has moved the whole amount.
      const moved = elapsed * this.maxSlew * PPM;
      local +=
        Math.abs(this.slewRemaining) <= moved
          ? this.slewRemaining
          : Math.sign(this.slewRemaining) * moved;
    }
    for (const s of this.steps) {
      if (s.at > t) break;
      if (s.at > this.anchorSim) local += s.by;
    }
    return local;
  }

  /**
   * The monotonic reading now, in ns since simulation time 0: runs at the clock's rate and
   * follows slews, but ignores the offset and every step (CLOCK_MONOTONIC). Use it to measure
   * durations (RTTs, intervals, ages); with a perfect clock it equals simulation time.
   */
  monotonic(): number {
    // Steady: rate 1 and no slew, so the general formula reduces to this, exactly.
    if (this.steady) return this.anchorMono + (this.sim.now - this.anchorSim);
    return this.monotonicAt(this.sim.now);
  }

  /** The monotonic reading at simulation time `t` (not before the last adjustment). */
  monotonicAt(t: Nanos): number {
    if (t < this.anchorSim) {
      throw new RangeError(`cannot read a clock before its last adjustment (t=${t})`);
    }
    const elapsed = t - this.anchorSim;
    let mono = this.anchorMono + elapsed * this.rate;
    if (this.slewRemaining !== 0) {
      const moved = elapsed * this.maxSlew * PPM;
      mono +=
        Math.abs(this.slewRemaining) <= moved
          ? this.slewRemaining
          : Math.sign(this.slewRemaining) * moved;
    }
    return mono;
  }

  /**
   * Simulation ns from now until the monotonic reading has advanced by `localDelay` (the
   * smallest integer such delay, given the rate and slew in force now). Exactly `localDelay`
   * for a clock running at rate 1 with no slew pending, so perfect clocks change nothing.
   */
  simDelayFor(localDelay: number): Nanos {
    if (this.steady) return localDelay;
    if (this.rate === 1 && this.pendingSlew === 0) return localDelay;
    return this.simDelayUntil(this.monotonic() + localDelay);
  }

  /** Simulation ns from now until the monotonic reading reaches `mono` (0 if it has). */
  simDelayUntil(mono: number): Nanos {
    const t0 = this.sim.now;
    if (this.steady && Number.isInteger(mono)) {
      // Integer arithmetic below 2^53 is exact: the first instant at which the reading reaches it.
      const need = mono - (this.anchorMono + (t0 - this.anchorSim));
      return need > 0 ? need : 0;
    }
    const need = mono - this.monotonicAt(t0);
    if (!(need > 0)) return 0;
    let dt: number;
    if (this.rate === 1 && this.pendingSlew === 0) {
      dt = Math.ceil(need);
    } else {
      // While a slew is pending the reading moves at rate ± maxSlew ppm, then at rate.
      const slew = this.pendingSlew;
      const slewRate = this.maxSlew * PPM;
      const slewFor = slew === 0 ? 0 : Math.abs(slew) / slewRate;
      const fast = this.rate + Math.sign(slew) * slewRate;
      const gained = fast * slewFor;
      dt = Math.ceil(need <= gained ? need / fast : slewFor + (need - gained) / this.rate);
    }
    // Rounding of the readings can put the estimate a nanosecond either side: settle it on the
    // first instant at which the reading has reached `mono`.
    while (this.monotonicAt(t0 + dt) < mono) dt++;
    while (dt > 0 && this.monotonicAt(t0 + dt - 1) >= mono) dt--;
    return dt;
  }

  /**
   * A reusable one-shot timer whose durations are in this clock's local (monotonic) time: a
   * 1 s timer on a clock running 100 ppm fast fires after 1/(1 + 1e-4) s of simulation time.
   */
  timer(fn: () => void): LocalTimer {
    return new LocalTimer(this, this.sim, fn);
  }

  /** Runs `fn` once after `localDelay` ns of local time; returns the timer (to cancel it). */
  after(localDelay: number, fn: () => void): LocalTimer {
    const t = new LocalTimer(this, this.sim, fn);
    t.set(localDelay);
    return t;
  }

  /** Called by LocalTimer when it is armed or disarmed. */
  track(timer: LocalTimer, armed: boolean): void {
    const linked = timer.armedPrev !== undefined || this.armedHead === timer;
    if (armed) {
      if (linked) return;
      timer.armedPrev = this.armedTail;
      timer.armedNext = undefined;
      if (this.armedTail === undefined) this.armedHead = timer;
      else this.armedTail.armedNext = timer;
      this.armedTail = timer;
    } else {
      if (!linked) return;
      const prev = timer.armedPrev;
      const next = timer.armedNext;
      if (prev === undefined) this.armedHead = next;
      else prev.armedNext = next;
      if (next === undefined) this.armedTail = prev;
      else next.armedPrev = prev;
      timer.armedPrev = undefined;
      timer.armedNext = undefined;
    }
  }

  /** Reading minus simulation time: how wrong the clock is (for tests and observers only). */
  error(): number {
    return this.now() - this.sim.now;
  }

  /** The oscillator's drift in ppm (what the host cannot know; for tests and reports). */
  get driftPpm(): number {
    return this.drift;
  }

  /** The frequency correction in force, in ppm (set by `adjustFrequency`). */
  get frequencyPpm(): number {
    return this.frequency;
  }

  /** Local ns per simulation ns, without the slew: 1 + (drift + correction) ppm. */
  get rate(): number {
    return 1 + (this.drift + this.frequency) * PPM;
  }

  /** Part of the last `slew` not yet applied, in ns. */
  get pendingSlew(): number {
    const elapsed = this.sim.now - this.anchorSim;
    const moved = elapsed * this.maxSlew * PPM;
    if (Math.abs(this.slewRemaining) <= moved) return 0;
    return this.slewRemaining - Math.sign(this.slewRemaining) * moved;
  }

  /** Steps the reading by `by` ns at once (settimeofday); cancels a pending slew. */
  step(by: number): void {
    if (!Number.isFinite(by)) throw new RangeError("a clock step must be finite");
    this.reanchor();
    this.anchorLocal += by;
    // The step itself leaves the monotonic reading alone; cancelling a slew changes its pace.
    const hadSlew = this.slewRemaining !== 0;
    this.slewRemaining = 0;
    this.updateSteady();
    if (hadSlew) this.retimeAll();
  }

  /** Sets the reading to `local` ns at once. */
  set(local: number): void {
    this.step(local - this.now());
  }

  /**
   * Moves the reading by `by` ns gradually, at most maxSlewPpm of elapsed time, so it never
   * jumps and never runs backwards. Replaces any slew still pending, as adjtime(3) does.
   */
  slew(by: number): void {
    if (!Number.isFinite(by)) throw new RangeError("a clock slew must be finite");
    this.reanchor();
    this.slewRemaining = by;
    this.updateSteady();
    this.retimeAll();
  }

  /** Sets the frequency correction to `ppm` (clamped to ±maxFrequencyPpm); returns what was set. */
  adjustFrequency(ppm: number): number {
    if (!Number.isFinite(ppm)) throw new RangeError("a frequency correction must be finite");
    this.reanchor();
    this.frequency = Math.max(-this.maxFrequency, Math.min(this.maxFrequency, ppm));
    this.updateSteady();
    this.retimeAll();
    return this.frequency;
  }

  /** Starts a new segment at the current instant, folding in the slew and past steps. */
  private reanchor(): void {
    const t = this.sim.now;
    const local = this.readAt(t);
    const mono = this.monotonicAt(t);
    this.slewRemaining = this.pendingSlew;
    this.anchorSim = t;
    this.anchorLocal = local;
    this.anchorMono = mono;
    this.steps = this.steps.filter((s) => s.at > t);
    this.updateSteady();
  }

  private updateSteady(): void {
    this.steady = this.rate === 1 && this.slewRemaining === 0 && Number.isInteger(this.anchorMono);
  }

  /** Moves every armed local timer to the instant its local deadline now falls on. */
  private retimeAll(): void {
    // Re-timing moves a timer's simulator event but never arms or disarms it.
    for (let t = this.armedHead; t !== undefined; t = t.armedNext) t.retime();
  }
}
