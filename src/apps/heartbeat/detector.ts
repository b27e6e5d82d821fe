/**
 * Failure detectors for one monitored process, behind one interface: fed heartbeat arrival
 * times, they answer alive/suspect/dead for any instant and say when that answer would next
 * change, so a monitor arms one timer instead of polling. Here the fixed-timeout detector.
 */
import type { Nanos } from "../../sim/time.js";

/** A detector's verdict. Without heartbeats it only moves forward: alive, suspect, dead. */
export type Health = "alive" | "suspect" | "dead";

/**
 * One monitored process. Deterministic: answers depend only on the arrival times given and the
 * instant asked about, never on a clock of its own.
 */
export interface FailureDetector {
  /** Short description for logs, e.g. "fixed(5s)" or "phi(8,normal)". */
  readonly name: string;
  /** A heartbeat arrived at `now` (times never decrease). */
  heartbeat(now: Nanos): void;
  /** Time of the last heartbeat, or undefined before the first. */
  readonly lastHeartbeat: Nanos | undefined;
  /** The verdict at `now` (>= the last heartbeat); "alive" before any heartbeat. */
  health(now: Nanos): Health;
  /**
   * The first instant after `now` at which `health` changes if no heartbeat arrives, or
   * undefined when it never will (already dead, or no heartbeat yet).
   */
  nextChange(now: Nanos): Nanos | undefined;
  /** How suspicious the silence is at `now`: phi for phi accrual, elapsed/timeout otherwise. */
  suspicion(now: Nanos): number;
}

/** Builds a fresh detector for a newly seen peer. */
export type DetectorFactory = (peer: string) => FailureDetector;

/**
 * Shared logic of detectors that, after each heartbeat, fix two deadlines: suspect from one
 * instant, dead from a later (or the same) one.
 */
export abstract class DeadlineDetector implements FailureDetector {
  abstract readonly name: string;
  protected last: Nanos | undefined;
  protected suspectAt = Number.POSITIVE_INFINITY;
  protected deadAt = Number.POSITIVE_INFINITY;

  get lastHeartbeat(): Nanos | undefined {
    return this.last;
  }

  heartbeat(now: Nanos): void {
    if (this.last !== undefined && now < this.last) {
      throw new RangeError(`heartbeat at ${now} before the previous one at ${this.last}`);
    }
    const previous = this.last;
    this.last = now;
    this.update(now, previous);
  }

  /**
   * Recomputes `suspectAt` and `deadAt` (integers, > `now`) after a heartbeat at `now`;
   * `previous` is the heartbeat before it.
   */
  protected abstract update(now: Nanos, previous: Nanos | undefined): void;

  abstract suspicion(now: Nanos): number;

  health(now: Nanos): Health {
    if (now >= this.deadAt) return "dead";
    if (now >= this.suspectAt) return "suspect";
    return "alive";
  }

  nextChange(now: Nanos): Nanos | undefined {
    if (now < this.suspectAt) return this.suspectAt === Infinity ? undefined : this.suspectAt;
    if (now < this.deadAt) return this.deadAt === Infinity ? undefined : this.deadAt;
    return undefined;
  }
}

export interface FixedTimeoutOptions {
  /** Silence after which the peer is dead. */
  timeout: Nanos;
  /** Silence after which it is suspected (default half the timeout; at most the timeout). */
  suspectAfter?: Nanos;
}

/**
 * The classic detector: dead once `timeout` has passed since the last heartbeat. Simple and
 * predictable, but the timeout must be chosen for the worst network it will meet.
 */
export class FixedTimeoutDetector extends DeadlineDetector {
  readonly name: string;
  readonly timeout: Nanos;
  readonly suspectAfter: Nanos;

  constructor(options: FixedTimeoutOptions) {
    super();
    const { timeout } = options;
    const suspectAfter = options.suspectAfter ?? Math.round(timeout / 2);
    if (!Number.isInteger(timeout) || timeout < 1) {
      throw new RangeError(`timeout must be a positive integer number of ns, not ${timeout}`);
    }
    if (!Number.isInteger(suspectAfter) || suspectAfter < 1 || suspectAfter > timeout) {
      throw new RangeError(`suspectAfter must be in [1, timeout], not ${suspectAfter}`);
    }
    this.timeout = timeout;
    this.suspectAfter = suspectAfter;
    this.name = `fixed(${timeout / 1e9}s)`;
  }

  protected update(now: Nanos): void {
    this.suspectAt = now + this.suspectAfter;
    this.deadAt = now + this.timeout;
  }

  suspicion(now: Nanos): number {
    return this.last === undefined ? 0 : Math.max(0, now - this.last) / this.timeout;
  }
}
