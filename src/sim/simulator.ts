/**
 * The simulator: virtual clock, event queue, seeded random streams and the run loop.
 *
 * Nothing here reads the wall clock or ambient randomness. Work scheduled for time t runs in
 * insertion order before the clock moves past t, so a run is a pure function of its seed and its
 * inputs. An event budget stops runaway runs (a livelock of zero-delay events) with a clear error.
 */
import { type EventFn, type EventId, EventQueue, PoppedEvent } from "./event-queue.js";
import { type RandomStream, RandomStreams, type Seed } from "./random.js";
import { formatTime, MAX_TIME, type Nanos } from "./time.js";

export interface SimulatorOptions {
  /** Master seed for every random stream (default 1). */
  seed?: Seed;
  /**
   * Most events a single `run`/`runUntil` call may execute before it throws
   * `EventBudgetExceeded` (default: unlimited).
   */
  eventBudget?: number;
}

/** Thrown when a run executes more events than its budget allows: usually a livelock. */
export class EventBudgetExceeded extends Error {
  constructor(
    readonly budget: number,
    readonly at: Nanos,
  ) {
    super(`event budget of ${budget} exceeded at t=${formatTime(at)}s (livelock?)`);
    this.name = "EventBudgetExceeded";
  }
}

/** Why a run returned. */
export type RunResult = "idle" | "until" | "stopped";

export class Simulator {
  private readonly queue = new EventQueue();
  private readonly popped = new PoppedEvent();
  private nowNs: Nanos = 0;
  private stopRequested = false;
  private executed = 0;
  readonly random: RandomStreams;
  eventBudget: number;

  constructor(options: SimulatorOptions = {}) {
    this.random = new RandomStreams(options.seed ?? 1);
    this.eventBudget = options.eventBudget ?? Number.POSITIVE_INFINITY;
  }

  /** Current virtual time in nanoseconds. */
  get now(): Nanos {
    return this.nowNs;
  }

  /** Events run since the simulator was created. */
  get eventsExecuted(): number {
    return this.executed;
  }

  /** Events waiting to run. */
  get pending(): number {
    return this.queue.size;
  }

  /** The named random stream (see RandomStreams). */
  rng(name: string): RandomStream {
    return this.random.stream(name);
  }

  /**
   * Runs `fn(arg)` at absolute time `at` (>= now). Passing a shared function and a per-event
   * argument avoids allocating a closure per packet on hot paths.
   */
  at<A>(at: Nanos, fn: (arg: A) => void, arg?: A): EventId {
    // now >= 0, so these three tests are isValidTime(at) && at >= now, without a call.
    if (at >= this.nowNs && at <= MAX_TIME && Number.isInteger(at)) {
      return this.queue.push(at, fn as EventFn, arg);
    }
    throw new RangeError(`cannot schedule at t=${at} (now ${this.nowNs}; integer ns required)`);
  }

  /** Runs `fn(arg)` after `delay` nanoseconds (>= 0). */
  after<A>(delay: Nanos, fn: (arg: A) => void, arg?: A): EventId {
    return this.at(this.nowNs + delay, fn, arg);
  }

  /** Cancels a scheduled event; false if it already ran or was cancelled. */
  cancel(id: EventId): boolean {
    return this.queue.cancel(id);
  }

  /** A reusable timer bound to this simulator. */
  timer(fn: () => void): Timer {
    return new Timer(this, fn);
  }

  /** Runs the next event, if any. Returns false when nothing is pending. */
  step(): boolean {
    if (!this.queue.pop(this.popped)) return false;
    this.fire();
    return true;
  }

  /** Runs until no events remain or `stop()` is called. */
  run(): RunResult {
    return this.runUntil(Number.POSITIVE_INFINITY);
  }

  /**
   * Runs every event with time <= `until`, then sets the clock to `until` (if finite).
   * Returns why it returned.
   */
  runUntil(until: Nanos): RunResult {
    this.stopRequested = false;
    const queue = this.queue;
    const popped = this.popped;
    const limit = this.executed + this.eventBudget;
    while (!this.stopRequested) {
      if (this.executed >= limit && queue.peekTime() <= until) {
        throw new EventBudgetExceeded(this.eventBudget, this.nowNs);
      }
      if (!queue.pop(popped, until)) {
        if (until !== Number.POSITIVE_INFINITY && until > this.nowNs) this.nowNs = until;
        return queue.size === 0 ? "idle" : "until";
      }
      this.fire();
    }
    return "stopped";
  }

  /** Asks the current run to return after the event now running. */
  stop(): void {
    this.stopRequested = true;
  }

  private fire(): void {
    const popped = this.popped;
    this.nowNs = popped.time;
    this.executed++;
    const fn = popped.fn;
    const arg = popped.arg;
    popped.arg = undefined;
    fn(arg);
  }
}

/**
 * A restartable one-shot timer (retransmission, delayed ACK, keepalive). Re-arming cancels the
 * previous expiry in O(1); the old heap entry is dropped lazily.
 */
export class Timer {
  private id: EventId = -1;
  private expiry: Nanos = -1;
  private readonly onFire: () => void;
  private readonly fireBound: () => void;

  constructor(
    private readonly sim: Simulator,
    fn: () => void,
  ) {
    this.onFire = fn;
    this.fireBound = () => {
      this.id = -1;
      this.expiry = -1;
      this.onFire();
    };
  }

  /** True while armed. */
  get armed(): boolean {
    return this.id !== -1;
  }

  /** Absolute expiry time, or -1 when not armed. */
  get deadline(): Nanos {
    return this.expiry;
  }

  /** Arms (or re-arms) the timer to fire `delay` ns from now. */
  set(delay: Nanos): void {
    this.setAt(this.sim.now + delay);
  }

  /** Arms (or re-arms) the timer to fire at absolute time `at`. */
  setAt(at: Nanos): void {
    if (this.id !== -1) this.sim.cancel(this.id);
    this.id = this.sim.at(at, this.fireBound);
    this.expiry = at;
  }

  /** Disarms the timer; harmless when not armed. */
  cancel(): void {
    if (this.id !== -1) {
      this.sim.cancel(this.id);
      this.id = -1;
      this.expiry = -1;
    }
  }
}
