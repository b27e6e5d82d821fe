/**
 * Quantities with units as people write them in scenario files: durations ("5ms"), bandwidths
 * ("100Mbit"), byte sizes ("64KiB") and ratios ("10%" or 0.1). Each parser returns the value in
 * the engine's unit (ns, bit/s, bytes, a fraction) or a message saying what was expected.
 */
import { z } from "zod";
import type { Nanos } from "../sim/time.js";

/** A parse failure: what was expected (the caller adds what was found). */
export interface UnitError {
  expected: string;
}

const NUMBER = "([0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?";

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  min: 60e9,
  h: 3600e9,
};
const DURATION_RE = new RegExp(`^(${NUMBER})\\s*(ns|us|µs|ms|s|min|h)$`);
/** What a duration looks like, for error messages and the JSON Schema. */
export const DURATION_SYNTAX = 'a duration such as "5ms" or "1.5s" (units ns, us, ms, s, min, h)';

/** Parses "5ms", "1.5s", "250us", "2min" into whole nanoseconds (0 may be written bare). */
export function parseDuration(v: unknown): Nanos | UnitError {
  if (v === 0) return 0;
  if (typeof v !== "string") return { expected: DURATION_SYNTAX };
  const m = DURATION_RE.exec(v.trim());
  if (!m) return { expected: DURATION_SYNTAX };
  const ns = Math.round(Number(m[1]) * DURATION_UNITS[m[3]!]!);
  if (!Number.isSafeInteger(ns)) return { expected: `${DURATION_SYNTAX} below 104 days` };
  return ns;
}

/** Formats nanoseconds the short way people write them: "5ms", "1.5s", "250us". */
export function formatDuration(ns: Nanos): string {
  if (ns === 0) return "0s";
  for (const [unit, size] of [
    ["h", 3600e9],
    ["min", 60e9],
    ["s", 1e9],
    ["ms", 1e6],
    ["us", 1e3],
  ] as const) {
    if (Math.abs(ns) >= size) return `${trim(ns / size)}${unit}`;
  }
  return `${ns}ns`;
}

/** Up to three decimals, without trailing zeros. */
function trim(x: number): string {
  return String(Number(x.toFixed(3)));
}

const BANDWIDTH_UNITS: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 };
const BANDWIDTH_RE = new RegExp(`^(${NUMBER})\\s*([kmgt]?)(bit|bps|bit/s|b/s)$`, "i");
/** What a bandwidth looks like. */
export const BANDWIDTH_SYNTAX =
  'a bandwidth such as "100Mbit", "1.5Gbit" or "56kbps" (bits per second; units bit, kbit, Mbit, Gbit, Tbit)';

/** Parses "100Mbit", "56kbit", "1Gbps" (bits, SI prefixes) or a plain number of bit/s. */
export function parseBandwidth(v: unknown): number | UnitError {
  if (typeof v === "number")
    return v > 0 && Number.isFinite(v) ? v : { expected: BANDWIDTH_SYNTAX };
  if (typeof v !== "string") return { expected: BANDWIDTH_SYNTAX };
  const m = BANDWIDTH_RE.exec(v.trim());
  if (!m) return { expected: BANDWIDTH_SYNTAX };
  const bps = Number(m[1]) * BANDWIDTH_UNITS[m[3]!.toLowerCase()]!;
  return bps > 0 ? bps : { expected: `${BANDWIDTH_SYNTAX} above zero` };
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};
const BYTES_RE = new RegExp(`^(${NUMBER})\\s*(b|kb|mb|gb|kib|mib|gib)?$`, "i");
/** What a size in bytes looks like. */
export const BYTES_SYNTAX =
  'a size in bytes such as 1500, "64KiB" or "1MB" (units B, kB, MB, GB, KiB, MiB, GiB)';

/** Parses 1500, "1500B", "64KiB", "1MB" into a whole number of bytes. */
export function parseBytes(v: unknown): number | UnitError {
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "string") {
    const m = BYTES_RE.exec(v.trim());
    if (!m) return { expected: BYTES_SYNTAX };
    n = Number(m[1]) * BYTE_UNITS[(m[3] ?? "b").toLowerCase()]!;
  } else return { expected: BYTES_SYNTAX };
  if (!Number.isSafeInteger(n) || n < 0) return { expected: `${BYTES_SYNTAX}, a whole number` };
  return n;
}

/** What a ratio looks like. */
export const RATIO_SYNTAX = 'a percentage such as "10%" or a fraction from 0 to 1 such as 0.1';

/** Parses "10%", "0.5%" or a plain fraction 0..1 into a fraction. */
export function parseRatio(v: unknown): number | UnitError {
  let x: number;
  if (typeof v === "number") x = v;
  else if (typeof v === "string") {
    const m = new RegExp(`^(${NUMBER})\\s*%$`).exec(v.trim());
    if (!m) return { expected: RATIO_SYNTAX };
    x = Number(m[1]) / 100;
  } else return { expected: RATIO_SYNTAX };
  return x >= 0 && x <= 1 ? x : { expected: `${RATIO_SYNTAX}, at most 100%` };
}

/** Formats a fraction as a percentage: 0.125 -> "12.5%". */
export function formatRatio(x: number): string {
  return `${trim(x * 100)}%`;
}

/** A one-line description of a YAML value, for "found ..." in messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "an empty value";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  return "a map";
}

/**
 * A zod type for a quantity: accepts a string or number, outputs the parsed value. Its JSON
 * Schema description is `what` (the field's meaning) followed by the syntax.
 */
function quantity<T>(
  parse: (v: unknown) => T | UnitError,
  syntax: string,
  what: string | undefined,
) {
  return z
    .union([z.string(), z.number()])
    .transform((v, ctx): T => {
      const r = parse(v);
      if (typeof r === "object" && r !== null && "expected" in r) {
        ctx.issues.push({
          code: "custom",
          message: `expected ${r.expected}, found ${describeValue(v)}`,
          input: v,
        });
        return z.NEVER;
      }
      return r as T;
    })
    .meta({ description: `${what === undefined ? "" : `${what} `}Written as ${syntax}.` });
}

/** Schema pieces for quantities, each with an optional description of the field. */
export const units = {
  duration: (what?: string) => quantity(parseDuration, DURATION_SYNTAX, what),
  bandwidth: (what?: string) => quantity(parseBandwidth, BANDWIDTH_SYNTAX, what),
  bytes: (what?: string) => quantity(parseBytes, BYTES_SYNTAX, what),
  ratio: (what?: string) => quantity(parseRatio, RATIO_SYNTAX, what),
};
