import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ipv4RangeToPrefixes, ipv6RangeToPrefixes } from "./ranges.js";

type Block = [start: bigint, length: number];

/**
 * Brute force for small ranges: for every address, the largest aligned block around it that
 * stays inside the range. The distinct blocks, in order, are the minimal CIDR cover.
 */
function bruteCover(start: bigint, end: bigint, bits: number): Block[] {
  const out: Block[] = [];
  for (let x = start; x <= end; x++) {
    for (let len = 0; len <= bits; len++) {
      const size = 1n << BigInt(bits - len);
      const s = (x / size) * size;
      if (s >= start && s + size - 1n <= end) {
        const last = out[out.length - 1];
        if (last === undefined || last[0] !== s) out.push([s, len]);
        break;
      }
    }
  }
  return out;
}

/** Exact, disjoint, aligned and maximal (no prefix's parent fits): the minimal cover. */
function checkCover(blocks: Block[], start: bigint, end: bigint, bits: number): void {
  let next = start;
  for (const [s, len] of blocks) {
    const size = 1n << BigInt(bits - len);
    expect(s).toBe(next);
    expect(s % size).toBe(0n);
    if (len > 0) {
      const parentSize = size * 2n;
      const parent = (s / parentSize) * parentSize;
      expect(parent >= start && parent + parentSize - 1n <= end).toBe(false);
    }
    next = s + size;
  }
  expect(next).toBe(end + 1n);
}

function v4(start: number, end: number): Block[] {
  const out: Block[] = [];
  ipv4RangeToPrefixes(start, end, (a, l) => {
    out.push([BigInt(a), l]);
  });
  return out;
}

function toWords(x: bigint): number[] {
  return [96n, 64n, 32n, 0n].map((s) => Number((x >> s) & 0xffffffffn));
}

function v6(start: bigint, end: bigint): Block[] {
  const out: Block[] = [];
  ipv6RangeToPrefixes(toWords(start), toWords(end), (w, l) => {
    out.push([w.reduce((acc, x) => (acc << 32n) | BigInt(x), 0n), l]);
  });
  return out;
}

const MAX4 = 0xffffffff;
const MAX6 = (1n << 128n) - 1n;

describe("IPv4 range to prefixes", () => {
  it("matches brute force on small ranges anywhere, including both ends of the space", () => {
    const base = fc.oneof(
      fc.integer({ min: 0, max: MAX4 }),
      fc.constantFrom(0, MAX4 - 3000, 0x7fffff00, 0x0a000000 - 700),
    );
    fc.assert(
      fc.property(base, fc.integer({ min: 0, max: 3000 }), (s, width) => {
        const e = Math.min(MAX4, s + width);
        expect(v4(s, e)).toEqual(bruteCover(BigInt(s), BigInt(e), 32));
      }),
      { numRuns: 300 },
    );
  });

  it("gives exact, disjoint, minimal covers of large ranges", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX4 }), fc.integer({ min: 0, max: MAX4 }), (a, b) => {
        const [s, e] = a <= b ? [a, b] : [b, a];
        checkCover(v4(s, e), BigInt(s), BigInt(e), 32);
      }),
      { numRuns: 500 },
    );
  });

  it("knows the classic cases", () => {
    expect(v4(0, MAX4)).toEqual([[0n, 0]]);
    expect(v4(0x08080800, 0x080808ff)).toEqual([[0x08080800n, 24]]);
    expect(v4(1, MAX4 - 1)).toHaveLength(62);
    expect(v4(5, 5)).toEqual([[5n, 32]]);
    expect(() => v4(5, 4)).toThrow(RangeError);
    expect(() => v4(-1, 4)).toThrow(RangeError);
    expect(() => v4(0, 2 ** 32)).toThrow(RangeError);
  });
});

describe("IPv6 range to prefixes", () => {
  // Bases at random, and just below word and carry boundaries, where bugs would hide.
  const base = fc.oneof(
    fc.bigInt({ min: 0n, max: MAX6 }),
    fc.constantFrom(0n, MAX6 - 3000n, (1n << 96n) - 1500n, (1n << 64n) - 10n, (1n << 32n) - 999n),
  );

  it("matches brute force on small ranges", () => {
    fc.assert(
      fc.property(base, fc.bigInt({ min: 0n, max: 1200n }), (s, width) => {
        const e = s + width > MAX6 ? MAX6 : s + width;
        expect(v6(s, e)).toEqual(bruteCover(s, e, 128));
      }),
      { numRuns: 200 },
    );
  });

  it("gives exact, disjoint, minimal covers of large ranges", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX6 }), fc.bigInt({ min: 0n, max: MAX6 }), (a, b) => {
        const [s, e] = a <= b ? [a, b] : [b, a];
        checkCover(v6(s, e), s, e, 128);
      }),
      { numRuns: 300 },
    );
  });

  it("knows the classic cases", () => {
    expect(v6(0n, MAX6)).toEqual([[0n, 0]]);
    expect(v6(MAX6, MAX6)).toEqual([[MAX6, 128]]);
    expect(v6(1n, MAX6 - 1n)).toHaveLength(254);
    const g = 0x20014860n << 96n;
    expect(v6(g, g + (1n << 96n) - 1n)).toEqual([[g, 32]]);
    expect(() => ipv6RangeToPrefixes([0, 0, 0, 1], [0, 0, 0, 0], () => {})).toThrow(RangeError);
    expect(() => ipv6RangeToPrefixes([0, 0, 0], [0, 0, 0, 0], () => {})).toThrow(RangeError);
  });
});
