import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ipv6Near } from "../../test/support/ipv6-near.js";
import type { Ipv6Address } from "../wire/address.js";
import { Ipv4Prefix, Ipv6Prefix } from "../wire/prefix.js";
import { FrozenLpm, type FrozenLpmOptions } from "./frozen-lpm.js";
import { Ipv4Table, Ipv6Table } from "./prefix-trie.js";

// Shapes that force every node kind (tiny roots, all dense, mostly sparse, the defaults), each
// with its number of runs: a 24-bit root costs 64 MiB per build, so it gets few.
const SHAPES: [FrozenLpmOptions, number][] = [
  [{}, 100],
  [{ rootBits: 1, sparseItems: 0, slotsPerPrefix: 1 }, 100],
  [{ rootBits: 4, sparseItems: 15 }, 100],
  [{ rootBits: 8, sparseItems: 2, slotsPerPrefix: 64 }, 100],
  [{ rootBits: 24 }, 5],
];

/** Brute force over the list: longest covering prefix, the later one on ties; 0 if none. */
function brute(prefixes: { p: Ipv4Prefix | Ipv6Prefix; id: number }[], a: number | Ipv6Address) {
  let best: { p: Ipv4Prefix | Ipv6Prefix; id: number } | undefined;
  for (const r of prefixes) {
    const hit = r.p.family === 4 ? r.p.contains(a as number) : r.p.contains(a as Ipv6Address);
    if (hit && (best === undefined || r.p.length >= best.p.length)) best = r;
  }
  return best?.id ?? 0;
}

const base4 = fc.constantFrom(0x0a000000, 0x0a0a0000, 0xc0a80100, 0xffffffff, 0, 0x01020300);
const addr4 = fc
  .tuple(base4, fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
  .map(([b, r, keep]) => ((b & ~(2 ** (32 - keep) - 1)) | (r & (2 ** (32 - keep) - 1))) >>> 0);
const len4 = fc.oneof(
  fc.constantFrom(0, 1, 8, 16, 18, 24, 31, 32),
  fc.integer({ min: 0, max: 32 }),
);

describe("frozen IPv4 longest-prefix match", () => {
  it("agrees with brute force for every node shape", () => {
    for (const [shape, numRuns] of SHAPES) {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(addr4, len4), { maxLength: 80 }),
          fc.array(addr4, { maxLength: 40 }),
          (routes, queries) => {
            // Host bits are left set on purpose: the builder must ignore them.
            const list = routes.map(([a, l], i) => ({ p: new Ipv4Prefix(a, l), id: i + 1, a }));
            const lpm = FrozenLpm.build(
              32,
              {
                count: list.length,
                words: list.map((r) => r.a),
                lengths: list.map((r) => r.p.length),
                ids: list.map((r) => r.id),
              },
              shape,
            );
            const edges = list.flatMap((r) => [
              r.p.address,
              (r.p.address + 2 ** (32 - r.p.length) - 1) >>> 0,
              (r.p.address - 1) >>> 0,
              (r.p.address + 2 ** (32 - r.p.length)) >>> 0,
            ]);
            const all = [...queries, ...edges];
            for (const q of all) expect(lpm.lookup32(q)).toBe(brute(list, q));
            // The batch form answers the same, entry by entry.
            const out = new Int32Array(all.length);
            lpm.lookupBulk32(Uint32Array.from(all), out);
            expect([...out]).toEqual(all.map((q) => brute(list, q)));
          },
        ),
        { numRuns },
      );
    }
  });

  it("freezes an Ipv4Table into a snapshot that answers like the trie", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(addr4, len4), { maxLength: 60 }),
        fc.array(addr4, { maxLength: 40 }),
        (routes, queries) => {
          const t = new Ipv4Table<number>();
          for (const [i, [a, l]] of routes.entries()) t.insert(new Ipv4Prefix(a, l), i);
          const f = t.freeze();
          for (const q of [...queries, ...routes.map(([a]) => a)]) {
            expect(f.lookup(q)).toBe(t.lookup(q));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses bad options and ids", () => {
    const one = { count: 1, words: [0], lengths: [8], ids: [1] };
    expect(() => FrozenLpm.build(32, one, { rootBits: 25 })).toThrow(RangeError);
    expect(() => FrozenLpm.build(32, one, { sparseItems: 16 })).toThrow(RangeError);
    expect(() => FrozenLpm.build(32, { ...one, ids: [0] })).toThrow(RangeError);
    expect(() => FrozenLpm.build(32, { ...one, lengths: [33] })).toThrow(RangeError);
    expect(FrozenLpm.build(32, { count: 0, words: [], lengths: [], ids: [] }).lookup32(5)).toBe(0);
  });
});

describe("frozen IPv6 longest-prefix match", () => {
  const addr6 = ipv6Near([
    "2001:db8::",
    "2001:db8:1:2::",
    "2a00:1450:ffff:ffff::",
    "::",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  ]);
  const len6 = fc.oneof(
    fc.constantFrom(0, 16, 29, 32, 48, 63, 64, 96, 127, 128),
    fc.integer({ min: 0, max: 128 }),
  );

  it("agrees with brute force for every node shape", () => {
    for (const [shape, numRuns] of SHAPES) {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(addr6, len6), { maxLength: 50 }),
          fc.array(addr6, { maxLength: 30 }),
          (routes, queries) => {
            const list = routes.map(([a, l], i) => ({ p: new Ipv6Prefix(a, l), id: i + 1, a }));
            const lpm = FrozenLpm.build(
              128,
              {
                count: list.length,
                words: list.flatMap((r) => [r.a.w0, r.a.w1, r.a.w2, r.a.w3]),
                lengths: list.map((r) => r.p.length),
                ids: list.map((r) => r.id),
              },
              shape,
            );
            const all = [...queries, ...list.map((r) => r.a), ...list.map((r) => r.p.address)];
            for (const q of all) expect(lpm.lookup6(q)).toBe(brute(list, q));
            // The lock-step batch form answers the same, entry by entry; run it twice so the
            // reused scratch state is exercised.
            const words = Uint32Array.from(all.flatMap((q) => [q.w0, q.w1, q.w2, q.w3]));
            const out = new Int32Array(all.length);
            for (let rep = 0; rep < 2; rep++) {
              lpm.lookupBulk128(words, out);
              expect([...out]).toEqual(all.map((q) => brute(list, q)));
            }
          },
        ),
        { numRuns },
      );
    }
  });

  it("freezes an Ipv6Table into a snapshot that answers like the trie", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(addr6, len6), { maxLength: 40 }),
        fc.array(addr6, { maxLength: 30 }),
        (routes, queries) => {
          const t = new Ipv6Table<number>();
          for (const [i, [a, l]] of routes.entries()) t.insert(new Ipv6Prefix(a, l), i);
          const f = t.freeze({ rootBits: 12, sparseItems: 3 });
          for (const q of [...queries, ...routes.map(([a]) => a)]) {
            expect(f.lookup(q)).toBe(t.lookup(q));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
