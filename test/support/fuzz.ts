/**
 * Shared fuzzing for parsers: random byte strings and mutations of valid packets (bit flips,
 * byte overwrites, truncation, extension) must each yield a record or a ParseError, never a
 * throw, and a record must hold no NaN (a NaN means a read past the end of the buffer).
 */
import fc from "fast-check";
import { expect } from "vitest";
import { ParseError } from "../../src/wire/parse-error.js";

/** Number of generated inputs per parser; the foundation issue asks for at least 100,000. */
export const FUZZ_RUNS = 100_000;

/** Inputs: half random bytes, half mutations of the given valid samples. */
export function fuzzInputs(samples: Uint8Array[], maxLength = 128): fc.Arbitrary<Uint8Array> {
  const random = fc.uint8Array({ minLength: 0, maxLength });
  if (samples.length === 0) return random;
  const mutation = fc
    .tuple(
      fc.constantFrom(...samples),
      fc.array(
        fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 })),
        { minLength: 1, maxLength: 6 },
      ),
    )
    .map(([sample, edits]) => {
      let b = Uint8Array.from(sample);
      for (const [pos, op, value] of edits) {
        const i = b.length === 0 ? 0 : pos % b.length;
        if (op === 0 && b.length > 0) b[i] = b[i]! ^ (1 << (value & 7));
        else if (op === 1 && b.length > 0) b[i] = value;
        else if (op === 2) b = b.subarray(0, i);
        else {
          const longer = new Uint8Array(b.length + (value % 16) + 1);
          longer.set(b);
          longer.fill(value, b.length);
          b = longer;
        }
      }
      return b;
    });
  return fc.oneof(random, mutation);
}

/** Asserts `parse` returns a NaN-free record or a well-formed ParseError for every input. */
export function fuzzParser(
  parse: (bytes: Uint8Array) => unknown,
  samples: Uint8Array[],
  options: { runs?: number; maxLength?: number; seed?: number } = {},
): void {
  let records = 0;
  let errors = 0;
  fc.assert(
    fc.property(fuzzInputs(samples, options.maxLength), (bytes) => {
      const r = parse(bytes);
      if (r instanceof ParseError) {
        errors++;
        expect(r.offset).toBeGreaterThanOrEqual(0);
        expect(r.field.length).toBeGreaterThan(0);
        return;
      }
      records++;
      assertNoNaN(r, "record");
    }),
    { numRuns: options.runs ?? FUZZ_RUNS, seed: options.seed ?? 42 },
  );
  // Both outcomes must occur, or the samples and mutations are not exercising the parser.
  expect(records).toBeGreaterThan(0);
  expect(errors).toBeGreaterThan(0);
}

function assertNoNaN(value: unknown, path: string, depth = 0): void {
  if (depth > 6) return;
  if (typeof value === "number") {
    if (Number.isNaN(value)) throw new Error(`NaN at ${path}: a read past the buffer?`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      assertNoNaN(v, `${path}[${i}]`, depth + 1);
    });
  } else if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    for (const [k, v] of Object.entries(value)) assertNoNaN(v, `${path}.${k}`, depth + 1);
  }
}
