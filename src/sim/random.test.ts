import { describe, expect, it } from "vitest";
import { deriveStream, RandomStream, RandomStreams } from "./random.js";

describe("RandomStream (xoshiro128**)", () => {
  it("matches the reference C implementation for state {1,2,3,4}", () => {
    // Vectors printed by the authors' reference xoshiro128starstar.c compiled with gcc.
    const r = new RandomStream(1, 2, 3, 4);
    expect([1, 2, 3, 4, 5, 6].map(() => r.nextU32())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492,
    ]);
    for (let i = 0; i < 1_000_000 - 6; i++) r.nextU32();
    expect(r.nextU32()).toBe(3175353485);
  });

  it("draws floats in [0,1) and unbiased integers in range", () => {
    const r = deriveStream(7, "test");
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) {
      const f = r.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
      const k = r.nextInt(6);
      counts[k] = counts[k]! + 1;
    }
    // Each face near 10,000: a chi-square bound loose enough never to flake at this seed.
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    expect(() => r.nextInt(0)).toThrow(RangeError);
  });

  it("chance(p) hits about p of the time and respects the edges", () => {
    const r = deriveStream(3, "chance");
    let hits = 0;
    for (let i = 0; i < 100_000; i++) if (r.chance(0.1)) hits++;
    expect(Math.abs(hits - 10_000)).toBeLessThan(500);
    expect(r.chance(0)).toBe(false);
    expect(r.chance(1)).toBe(true);
  });
});

describe("RandomStreams", () => {
  it("gives the same sequence for the same seed and name", () => {
    const a = new RandomStreams(42).stream("link:a-b:loss");
    const b = new RandomStreams(42).stream("link:a-b:loss");
    for (let i = 0; i < 100; i++) expect(a.nextU32()).toBe(b.nextU32());
  });

  it("keeps streams independent: creating or using another stream changes nothing", () => {
    const alone = new RandomStreams(42);
    const seqAlone = Array.from({ length: 20 }, () => alone.stream("x").nextU32());
    const crowded = new RandomStreams(42);
    crowded.stream("new-host").nextU32();
    const x = crowded.stream("x");
    crowded.stream("another").nextU32();
    const seqCrowded = Array.from({ length: 20 }, () => x.nextU32());
    expect(seqCrowded).toEqual(seqAlone);
  });

  it("differs across seeds and names", () => {
    const first = (seed: number | string, name: string) =>
      new RandomStreams(seed).stream(name).nextU32();
    expect(first(1, "a")).not.toBe(first(2, "a"));
    expect(first(1, "a")).not.toBe(first(1, "b"));
    expect(first("alpha", "a")).toBe(first("alpha", "a"));
    expect(() => new RandomStreams(-1)).toThrow(RangeError);
  });
});
