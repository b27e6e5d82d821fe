/**
 * Virtual time: integer nanoseconds held in a JS number.
 *
 * A double represents every integer exactly up to 2^53 ns (Number.MAX_SAFE_INTEGER), which is
 * about 104 days of simulated time: far beyond any run we expect, and checked where time is set.
 * Integers keep arithmetic exact and runs reproducible across machines.
 */
export type Nanos = number;

/** The last instant the simulator can represent exactly (2^53 - 1 ns, about 104.2 days). */
export const MAX_TIME: Nanos = Number.MAX_SAFE_INTEGER;

export const NS_PER_US = 1_000;
export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;

/** Converts microseconds to nanoseconds, rounding to the nearest integer. */
export const us = (n: number): Nanos => Math.round(n * NS_PER_US);
/** Converts milliseconds to nanoseconds, rounding to the nearest integer. */
export const ms = (n: number): Nanos => Math.round(n * NS_PER_MS);
/** Converts seconds to nanoseconds, rounding to the nearest integer. */
export const sec = (n: number): Nanos => Math.round(n * NS_PER_S);

/** Formats a time as seconds with nanosecond precision, e.g. `1.000250000`. */
export function formatTime(t: Nanos): string {
  const s = Math.floor(t / NS_PER_S);
  const frac = t - s * NS_PER_S;
  return `${s}.${String(frac).padStart(9, "0")}`;
}

/** True if `t` is a valid instant: a non-negative integer no larger than MAX_TIME. */
export function isValidTime(t: number): boolean {
  return Number.isInteger(t) && t >= 0 && t <= MAX_TIME;
}
