import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ipv6Near } from "../../test/support/ipv6-near.js";
import { Ipv6Address } from "../wire/address.js";
import { Ipv6Prefix } from "../wire/prefix.js";
import { FrozenLpm6, type FrozenLpm6Options } from "./frozen-lpm6.js";

// Shapes that force every node kind below the /32s: the defaults, all dense, mostly sparse.
const SHAPES: FrozenLpm6Options[] = [
  {},
  { sparseItems: 0, slotsPerPrefix: 1, short: { rootBits: 1, sparseItems: 0 } },
  { sparseItems: 15, short: { rootBits: 4, sparseItems: 15 } },
  { sparseItems: 2, slotsPerPrefix: 64, short: { rootBits: 8 } },
];

/** Brute force over the list: longest covering prefix, the later one on ties; 0 if none. */
function brute(prefixes: { p: Ipv6Prefix; id: number }[], a: Ipv6Address): number {
  let best: { p: Ipv6Prefix; id: number } | undefined;
  for (const r of prefixes) {
    if (r.p.contains(a) && (best === undefined || r.p.length >= best.p.length)) best = r;
  }
  return best?.id ?? 0;
}

// Several bases share a /32 (and one shares a /48), so /32 groups hold many long prefixes
// and short prefixes cover them.
const addr6 = ipv6Near([
  "2001:db8::",
  "2001:db8:1:2::",
  "2001:db8:1:ff00::",
  "2001:db8:8000::1",
  "2001:db9::",
  "2a00:1450:ffff:ffff::",
  "::",
  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
]);
const len6 = fc.oneof(
  fc.constantFrom(0, 16, 29, 31, 32, 33, 48, 63, 64, 96, 127, 128),
  fc.integer({ min: 0, max: 128 }),
);

describe("/32-keyed frozen IPv6 longest-prefix match", () => {
  it("agrees with brute force for every node shape, one by one and in batches", () => {
    for (const shape of SHAPES) {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(addr6, len6), { maxLength: 60 }),
          fc.array(addr6, { maxLength: 30 }),
          (routes, queries) => {
            // Host bits are left set on purpose: the builder must ignore them.
            const list = routes.map(([a, l], i) => ({ p: new Ipv6Prefix(a, l), id: i + 1, a }));
            const lpm = FrozenLpm6.build(
              {
                count: list.length,
                words: list.flatMap((r) => [r.a.w0, r.a.w1, r.a.w2, r.a.w3]),
                lengths: list.map((r) => r.p.length),
                ids: list.map((r) => r.id),
              },
              shape,
            );
            const all = [...queries, ...list.map((r) => r.a), ...list.map((r) => r.p.address)];
            const want = all.map((q) => brute(list, q));
            expect(all.map((q) => lpm.lookup6(q))).toEqual(want);
            const words = Uint32Array.from(all.flatMap((q) => [q.w0, q.w1, q.w2, q.w3]));
            const out = new Int32Array(all.length);
            // Twice, so the reused scratch state is exercised.
            for (let rep = 0; rep < 2; rep++) {
              lpm.lookupBulk128(words, out);
              expect([...out]).toEqual(want);
            }
          },
        ),
        { numRuns: 150 },
      );
    }
  });

  it("finds a /48 under its /32, the /32 itself beside it, and nothing outside", () => {
    const lpm = FrozenLpm6.build({
      count: 3,
      words: [
        ...words("2001:db8::"),
        ...words("2001:db8:1::"),
        ...words("2001:db8:1:2::"), // a /64 inside the /48
      ],
      lengths: [32, 48, 64],
      ids: [7, 8, 9],
    });
    expect(lpm.lookup6(Ipv6Address.of("2001:db8:1:3::1"))).toBe(8);
    expect(lpm.lookup6(Ipv6Address.of("2001:db8:1:2::1"))).toBe(9);
    expect(lpm.lookup6(Ipv6Address.of("2001:db8:2::1"))).toBe(7);
    expect(lpm.lookup6(Ipv6Address.of("2001:db9::1"))).toBe(0);
    expect(lpm.memoryBytes).toBeGreaterThan(0);
  });

  it("refuses bad lengths, ids and options", () => {
    const one = { count: 1, words: words("2001:db8::"), lengths: [48], ids: [1] };
    expect(() => FrozenLpm6.build({ ...one, lengths: [129] })).toThrow(RangeError);
    expect(() => FrozenLpm6.build({ ...one, ids: [0] })).toThrow(RangeError);
    expect(() => FrozenLpm6.build(one, { sparseItems: 16 })).toThrow(RangeError);
    expect(() => FrozenLpm6.build(one, { slotsPerPrefix: 0 })).toThrow(RangeError);
    const empty = FrozenLpm6.build({ count: 0, words: [], lengths: [], ids: [] });
    expect(empty.lookup6(Ipv6Address.of("2001:db8::1"))).toBe(0);
  });
});

function words(text: string): number[] {
  const a = Ipv6Address.of(text);
  return [a.w0, a.w1, a.w2, a.w3];
}
