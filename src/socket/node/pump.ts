/**
 * Driving a simulation that Node streams take part in. Streams schedule their own work with
 * process.nextTick and microtasks, which the simulator cannot see; this loop steps one event at
 * a time and yields a macrotask (setImmediate) after each, so that work runs at the virtual time
 * of the event that caused it. Why not the alternatives (measured on the http test):
 * - sim.run() alone: ticks run only after it returns; an http exchange never starts.
 * - run() to idle, then yield, repeat: deterministic, but stream work waits until the simulator
 *   is idle (TIME-WAIT included), so the exchange took 182 s of virtual time instead of 5.3 s.
 * - yielding microtasks only (the engine's runUntilSettled): Node drains the nextTick queue
 *   only once the microtask queue is empty, which that loop never lets happen: it stalls.
 * nextTick order itself is deterministic: with this pump the pcap is byte-identical run to run.
 * The one leak of real time found is http's Date header (`res.sendDate = false` removes it).
 */
import type { Simulator } from "../../sim/simulator.js";
import { type SettleOptions, runUntilSettled as settle } from "../settle.js";

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Steps `sim` until `promise` settles, letting every nextTick and microtask run after each
 * event (and before the first), so stream callbacks always run at the virtual time of the
 * event that caused them. The packet trace is then a function of the seed alone: real time
 * never enters, and other real macrotasks that may run between steps cannot touch the simulator.
 */
export function runNodeUntilSettled<T>(
  sim: Simulator,
  promise: Promise<T>,
  options: Omit<SettleOptions, "yieldFn" | "microtaskTurns"> = {},
): Promise<T> {
  return settle(sim, promise, { ...options, yieldFn: macrotask });
}
