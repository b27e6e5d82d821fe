// RFC 6528 initial sequence numbers: a 4 µs clock plus a keyed hash of the 4-tuple.
import { describe, expect, it } from "vitest";
import { deriveStream } from "../../sim/random.js";
import { us } from "../../sim/time.js";
import { halfSipHash, IsnGenerator, tupleHash } from "./isn.js";

describe("HalfSipHash-2-4", () => {
  it("matches the reference vector for the empty message under key 00..07", () => {
    expect(halfSipHash(0x03020100, 0x07060504, [], 0)).toBe(0x5b9f35a9);
  });
});

describe("ISN (RFC 6528 §3)", () => {
  const tuple = [0x0a000001, 0x0a000002, (5000 << 16) | 80];
  it("advances with a 4 µs clock for the same 4-tuple", () => {
    const g = new IsnGenerator(deriveStream(1, "isn"));
    const a = g.isn(0, tuple, 3);
    expect((g.isn(us(4), tuple, 3) - a) >>> 0).toBe(1);
    expect((g.isn(us(4000), tuple, 3) - a) >>> 0).toBe(1000);
  });

  it("differs between 4-tuples and between keys, and repeats for the same seed", () => {
    const g = new IsnGenerator(deriveStream(1, "isn"));
    const other = [...tuple.slice(0, 2), (5001 << 16) | 80];
    expect(g.isn(0, other, 3)).not.toBe(g.isn(0, tuple, 3));
    expect(new IsnGenerator(deriveStream(2, "isn")).isn(0, tuple, 3)).not.toBe(g.isn(0, tuple, 3));
    expect(new IsnGenerator(deriveStream(1, "isn")).isn(0, tuple, 3)).toBe(g.isn(0, tuple, 3));
  });

  it("spreads demultiplexing hashes", () => {
    const seen = new Set<number>();
    for (let p = 0; p < 10_000; p++)
      seen.add(tupleHash([0x0a000001, 0x0a000002, (p << 16) | 80], 3));
    expect(seen.size).toBe(10_000);
  });
});
