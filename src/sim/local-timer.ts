/**
 * A one-shot timer on a host's own clock: its durations and deadlines are in the clock's
 * monotonic local time, so a program's "wait 1 s" lasts one second as that host counts them.
 * It rides on a simulator Timer set to the simulation instant the deadline falls on; the clock
 * moves it when a slew or frequency correction changes that instant (a step does not, as with
 * CLOCK_MONOTONIC timers).
 */
import type { HostClock } from "./host-clock.js";
import type { Simulator, Timer } from "./simulator.js";

/** A restartable timer whose delays are local nanoseconds on a HostClock. */
export class LocalTimer {
  private readonly inner: Timer;
  private target = -1;
  /** Registered with the clock (armed): a re-arm of an armed timer skips the clock's list. */
  private tracked = false;
  /** Neighbours in the clock's list of armed timers (maintained by HostClock.track only). */
  armedPrev: LocalTimer | undefined;
  armedNext: LocalTimer | undefined;

  constructor(
    private readonly clock: HostClock,
    sim: Simulator,
    fn: () => void,
  ) {
    this.inner = sim.timer(() => {
      this.target = -1;
      this.untrack();
      fn();
    });
  }

  /** True while armed. */
  get armed(): boolean {
    return this.inner.armed;
  }

  /** Monotonic local time at which it fires, or -1 when not armed. */
  get deadline(): number {
    return this.target;
  }

  /** Simulation time at which it will fire as things stand, or -1 (for observers and tests). */
  get simDeadline(): number {
    return this.inner.deadline;
  }

  /** Arms (or re-arms) the timer to fire after `localDelay` ns of local time. */
  set(localDelay: number): void {
    this.target = this.clock.monotonic() + localDelay;
    this.inner.set(this.clock.simDelayFor(localDelay));
    this.trackArmed();
  }

  /** Arms (or re-arms) the timer to fire when the monotonic reading reaches `mono`. */
  setAt(mono: number): void {
    this.target = mono;
    this.inner.set(this.clock.simDelayUntil(mono));
    this.trackArmed();
  }

  /** Disarms the timer; harmless when not armed. */
  cancel(): void {
    this.inner.cancel();
    this.target = -1;
    this.untrack();
  }

  private trackArmed(): void {
    if (this.tracked) return;
    this.tracked = true;
    this.clock.track(this, true);
  }

  private untrack(): void {
    if (!this.tracked) return;
    this.tracked = false;
    this.clock.track(this, false);
  }

  /** Called by the clock after a rate or slew change: fire when the deadline now falls due. */
  retime(): void {
    if (!this.inner.armed) return;
    const at = this.clock.sim.now + this.clock.simDelayUntil(this.target);
    if (at !== this.inner.deadline) this.inner.setAt(at);
  }
}
