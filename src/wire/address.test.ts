import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatIp,
  formatIpv4,
  Ipv6Address,
  parseIp,
  parseIpv4Address,
  parseIpv6Address,
} from "./address.js";
import { ParseError } from "./parse-error.js";
import { Ipv4Prefix, Ipv6Prefix, ipv4Mask, parsePrefix } from "./prefix.js";
import { seq, seqAdd, seqDiff, seqGe, seqGt, seqInWindow, seqLe, seqLt, seqMax } from "./seq.js";

describe("IPv4 addresses", () => {
  it("parses and formats dotted quads", () => {
    expect(parseIpv4Address("192.0.2.1")).toBe(0xc0000201);
    expect(parseIpv4Address("255.255.255.255")).toBe(0xffffffff);
    expect(formatIpv4(0xc0000201)).toBe("192.0.2.1");
    expect(formatIpv4(0)).toBe("0.0.0.0");
  });

  it("refuses malformed text with the offending octet", () => {
    for (const bad of ["1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "a.b.c.d", "1..2.3", ""]) {
      expect(parseIpv4Address(bad)).toBeInstanceOf(ParseError);
    }
    expect(parseIpv4Address("10.0.300.1")).toMatchObject({ field: "octet", offset: 5 });
  });

  it("round-trips every u32", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (a) => {
        expect(parseIpv4Address(formatIpv4(a))).toBe(a);
      }),
    );
    // Signed 32-bit values, as bitwise operators leave them, print as their unsigned address.
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (a) => {
        const octets = [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255];
        expect(formatIpv4(a)).toBe(octets.join("."));
      }),
    );
  });
});

describe("IPv6 addresses", () => {
  it("formats canonically per RFC 5952 §4", () => {
    const cases: [string, string][] = [
      ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"], // §4.1 leading zeros, §4.2.1
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // §4.2.3 first of equal runs
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // §4.2.2 no '::' for one group
      ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // §4.2.3 longest run
      ["2001:DB8::ABCD", "2001:db8::abcd"], // §4.3 lower case
      ["::", "::"],
      ["::1", "::1"],
      ["1::", "1::"],
      ["::ffff:192.0.2.1", "::ffff:192.0.2.1"], // §5 IPv4-mapped
      ["fe80::1:2", "fe80::1:2"],
    ];
    for (const [input, canonical] of cases) {
      expect(Ipv6Address.of(input).toString()).toBe(canonical);
    }
  });

  it("refuses malformed text", () => {
    for (const bad of [
      "1::2::3",
      "12345::",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7::8",
      "g::1",
      "",
      "::1.2.3",
    ]) {
      expect(parseIpv6Address(bad), bad).toBeInstanceOf(ParseError);
    }
  });

  it("round-trips through bytes and canonical text", () => {
    const addr = fc
      .tuple(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.constantFrom(0, 0xffff, 1),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
      )
      .map(([a, b, c, d]) => new Ipv6Address(a, b === 1 ? 0 : b, c, d));
    fc.assert(
      fc.property(addr, (a) => {
        expect(parseIpv6Address(a.toString())).toEqual(a);
        expect(Ipv6Address.fromBytes(a.toBytes())).toEqual(a);
      }),
      { numRuns: 3000 },
    );
  });

  it("tags addresses by family", () => {
    const a = parseIp("10.1.2.3");
    expect(a).toEqual({ family: 4, v4: 0x0a010203 });
    const b = parseIp("::1");
    expect(b).toEqual(Ipv6Address.LOOPBACK);
    expect(formatIp(a as never)).toBe("10.1.2.3");
  });
});

describe("prefixes", () => {
  it("parses CIDR, masks and matches", () => {
    const p = parsePrefix("10.0.0.0/8") as Ipv4Prefix;
    expect(p).toBeInstanceOf(Ipv4Prefix);
    expect(p.contains(parseIpv4Address("10.200.1.1") as number)).toBe(true);
    expect(p.contains(parseIpv4Address("11.0.0.1") as number)).toBe(false);
    expect(ipv4Mask(0)).toBe(0);
    expect(ipv4Mask(24)).toBe(0xffffff00);
    expect(ipv4Mask(32)).toBe(0xffffffff);
    expect((parsePrefix("0.0.0.0/0") as Ipv4Prefix).contains(0xdeadbeef)).toBe(true);
    const q = parsePrefix("2001:db8::/32") as Ipv6Prefix;
    expect(q.contains(Ipv6Address.of("2001:db8:ffff::1"))).toBe(true);
    expect(q.contains(Ipv6Address.of("2001:db9::1"))).toBe(false);
    expect((parsePrefix("2001:db8::1") as Ipv6Prefix).length).toBe(128);
    expect(new Ipv6Prefix(Ipv6Address.of("2001:db8:abcd:12ff::1"), 52).toString()).toBe(
      "2001:db8:abcd:1000::/52",
    );
  });

  it("refuses host bits unless asked not to, and bad lengths", () => {
    expect(parsePrefix("10.0.0.1/8")).toMatchObject({ field: "address", reason: "invalid" });
    expect(parsePrefix("10.0.0.1/8", { strict: false })?.toString()).toBe("10.0.0.0/8");
    expect(parsePrefix("10.0.0.0/33")).toMatchObject({ field: "length", offset: 9 });
    expect(parsePrefix("::/129")).toBeInstanceOf(ParseError);
  });
});

describe("sequence numbers (RFC 9293 §3.4)", () => {
  it("compares across the 2^32 wrap", () => {
    const a = seq(0xfffffff0);
    const b = seqAdd(a, 0x20);
    expect(b).toBe(0x10);
    expect(seqLt(a, b)).toBe(true);
    expect(seqGt(b, a)).toBe(true);
    expect(seqDiff(b, a)).toBe(0x20);
    expect(seqDiff(a, b)).toBe(-0x20);
    expect(seqLe(a, a) && seqGe(a, a)).toBe(true);
    expect(seqMax(a, b)).toBe(b);
    expect(seqInWindow(seq(5), a, b)).toBe(true);
    expect(seqInWindow(b, a, b)).toBe(false);
  });

  it("orders consistently for any distance below 2^31", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 1, max: 0x7fffffff }),
        (x, d) => {
          const a = seq(x);
          const b = seqAdd(a, d);
          expect(seqLt(a, b)).toBe(true);
          expect(seqLt(b, a)).toBe(false);
          expect(seqDiff(b, a)).toBe(d);
        },
      ),
    );
  });
});
