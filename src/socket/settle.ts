/**
 * Driving a simulation from async code. Promise continuations run as microtasks, outside the
 * simulator's event queue, so `await` inside a simulation is deterministic only when one loop
 * steps the simulator and lets microtasks run at fixed points between events: this one.
 */
import type { Simulator } from "../sim/simulator.js";

/** Options of `runUntilSettled`. */
export interface SettleOptions {
  /**
   * How the loop lets promise continuations run after each event. The default awaits
   * `microtaskTurns` resolved promises, which never yields to the host's task queue, so nothing
   * outside the program can interleave. Node facades pass a macrotask yield instead (Node's
   * nextTick queue only runs once the microtask queue is empty).
   */
  yieldFn?: () => Promise<void>;
  /** Microtask turns per event with the default `yieldFn` (default 16). */
  microtaskTurns?: number;
  /** Simulator events allowed before giving up (default unlimited). */
  maxEvents?: number;
}

/** The simulator ran out of events while the promise was still pending. */
export class SimulationStalled extends Error {
  constructor(at: number) {
    super(`the simulation went idle at t=${at} ns with the promise still pending`);
    this.name = "SimulationStalled";
  }
}

/**
 * Steps `sim` one event at a time, letting continuations run after each, until `promise`
 * settles; returns its value (or throws its error). Throws SimulationStalled when the simulator
 * goes idle first. Two runs with the same seed and program give the same event order.
 */
export async function runUntilSettled<T>(
  sim: Simulator,
  promise: Promise<T>,
  options: SettleOptions = {},
): Promise<T> {
  let state: "pending" | "resolved" | "rejected" = "pending";
  let value: T | undefined;
  let error: unknown;
  promise.then(
    (v) => {
      state = "resolved";
      value = v;
    },
    (e: unknown) => {
      state = "rejected";
      error = e;
    },
  );
  const turns = options.microtaskTurns ?? 16;
  const yieldFn =
    options.yieldFn ??
    (async () => {
      for (let i = 0; i < turns; i++) await undefined;
    });
  const limit = options.maxEvents ?? Number.POSITIVE_INFINITY;
  let events = 0;
  await yieldFn();
  while (state === "pending") {
    if (events++ >= limit) throw new Error(`promise still pending after ${limit} events`);
    if (!sim.step()) {
      await yieldFn();
      if (state === "pending" && sim.pending === 0) throw new SimulationStalled(sim.now);
      continue;
    }
    await yieldFn();
  }
  if (state === "rejected") throw error;
  return value as T;
}
