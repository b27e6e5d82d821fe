import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ipv6Address } from "../wire/address.js";
import { Ipv4Prefix, Ipv6Prefix, parsePrefix } from "../wire/prefix.js";
import { Ipv4Table, Ipv6Table, PrefixTrie } from "./prefix-trie.js";

/** Brute force: scan every prefix, keep the longest that contains the address. */
function bruteV4(routes: Map<string, { p: Ipv4Prefix; v: number }>, a: number): number | undefined {
  let best: { p: Ipv4Prefix; v: number } | undefined;
  for (const r of routes.values()) {
    if (r.p.contains(a) && (best === undefined || r.p.length > best.p.length)) best = r;
  }
  return best?.v;
}

function bruteV6(
  routes: Map<string, { p: Ipv6Prefix; v: number }>,
  a: Ipv6Address,
): number | undefined {
  let best: { p: Ipv6Prefix; v: number } | undefined;
  for (const r of routes.values()) {
    if (r.p.contains(a) && (best === undefined || r.p.length > best.p.length)) best = r;
  }
  return best?.v;
}

// Addresses drawn near a few bases so prefixes overlap and queries hit them.
const base4 = fc.constantFrom(0x0a000000, 0x0a0a0000, 0xc0a80100, 0xffffffff, 0);
const addr4 = fc
  .tuple(base4, fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
  .map(([b, r, keep]) => ((b & ~(2 ** (32 - keep) - 1)) | (r & (2 ** (32 - keep) - 1))) >>> 0);
const len4 = fc.oneof(
  fc.constantFrom(0, 1, 7, 8, 9, 16, 24, 31, 32),
  fc.integer({ min: 0, max: 32 }),
);

describe("IPv4 longest-prefix match", () => {
  it("agrees with brute force through inserts, replaces and deletes, for several strides", () => {
    const op = fc.tuple(fc.constantFrom("ins", "ins", "del"), addr4, len4);
    for (const strides of [undefined, [16, 8, 8], [24, 8], [4, 4, 8, 8, 8]]) {
      fc.assert(
        fc.property(
          fc.array(op, { maxLength: 60 }),
          fc.array(addr4, { maxLength: 40 }),
          (ops, queries) => {
            const t = new Ipv4Table<number>(strides);
            const model = new Map<string, { p: Ipv4Prefix; v: number }>();
            ops.forEach(([kind, a, l], i) => {
              const p = new Ipv4Prefix(a, l);
              if (kind === "ins") {
                expect(t.insert(p, i)).toBe(model.get(p.toString())?.v);
                model.set(p.toString(), { p, v: i });
              } else {
                expect(t.delete(p)).toBe(model.delete(p.toString()));
              }
              // Check after every step, including the queries at each route's edges.
              for (const q of [...queries, a, (a | (2 ** (32 - l) - 1)) >>> 0]) {
                expect(t.lookup(q)).toBe(bruteV4(model, q));
              }
            });
            expect(t.size).toBe(model.size);
            for (const r of model.values()) expect(t.get(r.p)).toBe(r.v);
          },
        ),
        { numRuns: 150 },
      );
    }
  });

  it("handles the default route and host routes", () => {
    const t = new Ipv4Table<string>();
    expect(t.lookup(0x01020304)).toBeUndefined();
    t.insert(parsePrefix("0.0.0.0/0") as Ipv4Prefix, "default");
    t.insert(parsePrefix("10.0.0.0/8") as Ipv4Prefix, "ten");
    t.insert(parsePrefix("10.1.2.3/32") as Ipv4Prefix, "host");
    expect(t.lookup(0x01020304)).toBe("default");
    expect(t.lookup(0x0a010204)).toBe("ten");
    expect(t.lookup(0x0a010203)).toBe("host");
    expect(t.delete(parsePrefix("10.0.0.0/8") as Ipv4Prefix)).toBe(true);
    expect(t.lookup(0x0a010204)).toBe("default");
    expect(t.lookup(0x0a010203)).toBe("host");
    expect(t.entries().map((e) => e.value)).toEqual(["default", "host"]);
  });

  it("refuses bad strides and lengths", () => {
    expect(() => new PrefixTrie(32, [8, 8, 8])).toThrow(RangeError);
    expect(() => new PrefixTrie(32, [32])).toThrow(RangeError);
    expect(() => new PrefixTrie<number>(32).insertWords([0], 33, 1)).toThrow(RangeError);
  });
});

describe("IPv6 longest-prefix match", () => {
  const base6 = fc.constantFrom(
    Ipv6Address.of("2001:db8::"),
    Ipv6Address.of("2001:db8:1:2::"),
    Ipv6Address.of("fe80::"),
    Ipv6Address.of("::"),
    Ipv6Address.of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
  );
  const addr6 = fc
    .tuple(
      base6,
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 4 }),
      fc.integer({ min: 0, max: 128 }),
    )
    .map(([b, r, keep]) => {
      const p = new Ipv6Prefix(b, keep);
      const mask = (i: number) => {
        const bits = Math.min(32, Math.max(0, keep - 32 * i));
        return bits === 0 ? 0xffffffff : bits === 32 ? 0 : 2 ** (32 - bits) - 1;
      };
      return new Ipv6Address(
        (p.address.w0 | (r[0]! & mask(0))) >>> 0,
        (p.address.w1 | (r[1]! & mask(1))) >>> 0,
        (p.address.w2 | (r[2]! & mask(2))) >>> 0,
        (p.address.w3 | (r[3]! & mask(3))) >>> 0,
      );
    });
  const len6 = fc.oneof(
    fc.constantFrom(0, 1, 32, 48, 56, 64, 127, 128),
    fc.integer({ min: 0, max: 128 }),
  );

  it("agrees with brute force through inserts and deletes", () => {
    const op = fc.tuple(fc.constantFrom("ins", "ins", "del"), addr6, len6);
    for (const strides of [undefined, [16, 16, 16, 16, 16, 16, 16, 16], [24, 24, 24, 24, 16, 16]]) {
      fc.assert(
        fc.property(
          fc.array(op, { maxLength: 40 }),
          fc.array(addr6, { maxLength: 20 }),
          (ops, queries) => {
            const t = new Ipv6Table<number>(strides);
            const model = new Map<string, { p: Ipv6Prefix; v: number }>();
            ops.forEach(([kind, a, l], i) => {
              const p = new Ipv6Prefix(a, l);
              if (kind === "ins") {
                t.insert(p, i);
                model.set(p.toString(), { p, v: i });
              } else {
                expect(t.delete(p)).toBe(model.delete(p.toString()));
              }
              for (const q of [...queries, a]) expect(t.lookup(q)).toBe(bruteV6(model, q));
            });
            expect(t.size).toBe(model.size);
          },
        ),
        { numRuns: 100 },
      );
    }
  });
});
