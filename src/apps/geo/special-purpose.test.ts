import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpv4 } from "../../wire/address.js";
import { specialPurposeOfText } from "./special-purpose.js";

const purpose = (text: string) => {
  const b = specialPurposeOfText(text);
  return b === undefined ? undefined : `${b.prefix} ${b.purpose}, ${b.rfc}`;
};

describe("special-purpose addresses", () => {
  it("names the IPv4 blocks, edges included, and nothing outside them", () => {
    expect(purpose("10.0.0.1")).toBe("10.0.0.0/8 private-use, RFC 1918");
    expect(purpose("172.16.0.0")).toBe("172.16.0.0/12 private-use, RFC 1918");
    expect(purpose("172.31.255.255")).toBe("172.16.0.0/12 private-use, RFC 1918");
    expect(purpose("172.32.0.0")).toBeUndefined();
    expect(purpose("172.15.255.255")).toBeUndefined();
    expect(purpose("100.64.0.0")).toBe(
      "100.64.0.0/10 shared address space for carrier-grade NAT, RFC 6598",
    );
    expect(purpose("100.128.0.0")).toBeUndefined();
    expect(purpose("127.0.0.1")).toBe("127.0.0.0/8 loopback, RFC 1122 §3.2.1.3");
    expect(purpose("192.0.2.77")).toBe("192.0.2.0/24 documentation, TEST-NET-1, RFC 5737");
    expect(purpose("198.19.255.255")).toBe("198.18.0.0/15 benchmarking, RFC 2544");
    // The most specific block wins: the broadcast address inside 240.0.0.0/4.
    expect(purpose("255.255.255.255")).toBe("255.255.255.255/32 limited broadcast, RFC 919 §7");
    expect(purpose("255.255.255.254")).toBe("240.0.0.0/4 reserved, RFC 1112 §4");
    for (const global of ["8.8.8.8", "1.1.1.1", "223.255.255.255", "11.0.0.0"]) {
      expect(purpose(global)).toBeUndefined();
    }
  });

  it("names the IPv6 blocks, the most specific first, and reads IPv4-mapped ones as IPv4", () => {
    expect(purpose("::")).toBe("::/128 unspecified, RFC 4291 §2.5.2");
    expect(purpose("::1")).toBe("::1/128 loopback, RFC 4291 §2.5.3");
    expect(purpose("::2")).toBeUndefined();
    expect(purpose("2001:db8::1")).toBe("2001:db8::/32 documentation, RFC 3849");
    expect(purpose("2001:0:4136:e378::1")).toBe("2001::/32 Teredo, RFC 4380");
    expect(purpose("2001:100::1")).toBe("2001::/23 IETF protocol assignments, RFC 2928");
    expect(purpose("2001:200::1")).toBeUndefined();
    expect(purpose("fe80::1")).toBe("fe80::/10 link-local unicast, RFC 4291 §2.5.6");
    expect(purpose("fd12:3456::1")).toBe("fc00::/7 unique-local, RFC 4193");
    expect(purpose("ff02::1")).toBe("ff00::/8 multicast, RFC 4291 §2.7");
    expect(purpose("2001:4860:4860::8888")).toBeUndefined();
    expect(purpose("::ffff:192.168.1.1")).toBe("192.168.0.0/16 private-use, RFC 1918");
    expect(purpose("::ffff:8.8.8.8")).toBeUndefined();
    expect(purpose("not an address")).toBeUndefined();
  });

  it("says which blocks are globally reachable", () => {
    const reach = (t: string) => specialPurposeOfText(t)?.globallyReachable;
    expect(
      ["10.1.1.1", "127.0.0.1", "224.0.0.1", "2001:db8::1", "fd00::1", "ff02::1"].map(reach),
    ).toEqual([false, false, false, false, false, false]);
    expect(["192.88.99.1", "64:ff9b::808:808", "2001:0:1::1", "2002::1"].map(reach)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(reach("8.8.8.8")).toBeUndefined();
    // Globally reachable services nested in blocks that are not.
    expect(purpose("192.0.0.9")).toBe("192.0.0.9/32 port control protocol anycast, RFC 7723");
    expect(reach("192.0.0.9")).toBe(true);
    expect(reach("192.0.0.11")).toBe(false);
    expect(purpose("2001:3::1")).toBe("2001:3::/32 AMT, RFC 7450");
    expect(reach("2001:3::1")).toBe(true);
    expect(reach("2001:2::1")).toBe(false);
  });

  it("puts every address of 192.168.0.0/16 in it and none of its neighbours", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (host) => {
        expect(purpose(formatIpv4((0xc0a80000 | host) >>> 0))).toBe(
          "192.168.0.0/16 private-use, RFC 1918",
        );
        expect(purpose(formatIpv4((0xc0a90000 | host) >>> 0))).toBeUndefined();
        expect(purpose(formatIpv4((0xc0a70000 | host) >>> 0))).toBeUndefined();
      }),
    );
  });
});
