import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpv4, parseIpv4Address, parseIpv6Address } from "../../wire/address.js";
import { ParseError } from "../../wire/parse-error.js";
import { parseIpv4Fast, parseIpv6Fast } from "./ip-text.js";

/** Strings made of the characters that matter, so near-misses are common. */
function textOf(alphabet: string[], maxLength: number) {
  return fc.array(fc.constantFrom(...alphabet), { maxLength }).map((chars) => chars.join(""));
}

function slowV6(text: string): number[] | false {
  const r = parseIpv6Address(text);
  return r instanceof ParseError ? false : [r.w0, r.w1, r.w2, r.w3];
}

function fastV6(text: string): number[] | false {
  const out = [0, 0, 0, 0];
  return parseIpv6Fast(text, out) ? out : false;
}

describe("parseIpv4Fast", () => {
  it("accepts and refuses exactly what parseIpv4Address does", () => {
    const near = textOf(["0", "1", "2", "5", "9", ".", "25", "255", "256", "00", " ", "a"], 12);
    const ok = fc.integer({ min: 0, max: 0xffffffff }).map(formatIpv4);
    fc.assert(
      fc.property(fc.oneof(near, ok, fc.string()), (text) => {
        const slow = parseIpv4Address(text);
        expect(parseIpv4Fast(text)).toBe(slow instanceof ParseError ? -1 : slow);
      }),
      { numRuns: 20_000 },
    );
  });

  it("reads the edge cases", () => {
    expect(parseIpv4Fast("0.0.0.0")).toBe(0);
    expect(parseIpv4Fast("255.255.255.255")).toBe(0xffffffff);
    expect(parseIpv4Fast("8.8.8.8")).toBe(0x08080808);
    const bad = ["01.2.3.4", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "256.1.1.1", ""];
    // The unrolled octet scanner's boundaries: a fourth digit, a digit after "0", a trailing
    // non-digit, an octet over 255 in the last place.
    bad.push("1.2.3.2555", "1.2.3.04", "0.0.0.00", "1.2.3.4a", "1.2.3.256", "1.2.3.", "1234.1.1.1");
    // The third digit is read without a branch: characters just outside "0".."9" (":" and "/"),
    // one far above them, and a two-digit octet that ends the string.
    bad.push("1.2.3.25:", "1.2.3.25/", "1.2.3.4\uffff", "1.2.25\u0660.4", "1.2.3.4 ");
    for (const text of bad) expect(parseIpv4Fast(text)).toBe(-1);
    expect(parseIpv4Fast("10.0.100.200")).toBe(0x0a0064c8);
    expect(parseIpv4Fast("1.2.3.45")).toBe(0x0102032d);
    expect(parseIpv4Fast("99.10.250.9")).toBe(0x630afa09);
  });
});

describe("parseIpv6Fast", () => {
  it("accepts and refuses exactly what parseIpv6Address does", () => {
    const group = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((g) => g.toString(16)),
      fc.constantFrom("0", "00000", "FFFF", "fFfF", "g", "", "1.2.3.4", "::", ":"),
    );
    const shaped = fc.array(group, { maxLength: 10 }).map((gs) => gs.join(":"));
    const near = textOf(["0", "1", "f", "A", ":", "::", ".", "12", "ffff", "g", "%"], 20);
    const real = fc
      .array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 4 })
      .map((w) => {
        const r = parseIpv6Address(
          w.map((x) => `${(x >>> 16).toString(16)}:${(x & 0xffff).toString(16)}`).join(":"),
        );
        return r instanceof ParseError ? "" : r.toString();
      });
    fc.assert(
      fc.property(fc.oneof(shaped, near, real, fc.string()), (text) => {
        expect(fastV6(text)).toEqual(slowV6(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it("reads the edge cases", () => {
    for (const ok of [
      "::",
      "::1",
      "1::",
      "2001:db8::8:800:200c:417a",
      "::ffff:8.8.8.8",
      "1:2:3:4:5:6:7::",
    ]) {
      expect(fastV6(ok)).toEqual(slowV6(ok));
    }
    for (const bad of [
      ":",
      ":::",
      "1:::2",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "12345::",
      "1:",
      ":1",
    ]) {
      expect(fastV6(bad)).toBe(false);
    }
    const out = [9, 9, 9, 9, 9, 9];
    expect(parseIpv6Fast("2001:4860:4860::8888", out, 2)).toBe(true);
    expect(out).toEqual([9, 9, 0x20014860, 0x48600000, 0, 0x8888]);
  });
});
