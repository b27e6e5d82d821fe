import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { Ipv6Address } from "./address.js";
import { fromHex, toHex } from "./bytes.js";
import { emitIcmpv6, Icmpv6View, parseIcmpv6 } from "./icmpv6.js";
import type { Ipv6PseudoHeader } from "./ipv6.js";
import { mac } from "./mac.js";
import {
  emitNdp,
  ipv6MulticastMac,
  isNdpType,
  isSolicitedNodeAddress,
  type NdpMessage,
  type NdpOption,
  ndpBufferLength,
  ndpFromIcmpv6,
  ndpLinkLayer,
  ndpToIcmpv6,
  parseNdp,
  solicitedNodeAddress,
} from "./ndp.js";
import { ParseError } from "./parse-error.js";

const A = (s: string) => Ipv6Address.of(s);
const ph = (src: string, dst: string): Ipv6PseudoHeader => ({
  family: 6,
  src: A(src),
  dst: A(dst),
});

// Each message was emitted inside an IPv6 packet with hop limit 255, written with text2pcap
// -l 101 and decoded by tshark -V: every field as below, "Checksum: 0x.... [correct]".
// NS 2001:db8::1 -> ff02::1:ff00:2 for 2001:db8::2, source link-layer 02:00:00:00:00:01.
const NS_PH = ph("2001:db8::1", "ff02::1:ff00:2");
const NS = "87001c2700000000 20010db8000000000000000000000002 0101020000000001";
// NA 2001:db8::2 -> 2001:db8::1, flags S and O, target link-layer 02:00:00:00:00:02.
const NA_PH = ph("2001:db8::2", "2001:db8::1");
const NA = "88008a7160000000 20010db8000000000000000000000002 0201020000000002";
// NA fe80::ff -> fe80::1, flags R and S, no option.
const NA_R_PH = ph("fe80::ff", "fe80::1");
const NA_R = "8800ba2ac0000000 fe8000000000000000000000000000ff";
// RS fe80::1 -> ff02::2 with source link-layer 02:00:00:00:00:01.
const RS_PH = ph("fe80::1", "ff02::2");
const RS = "85007a2c00000000 0101020000000001";
// RA fe80::ff -> ff02::1: hop limit 64, O flag, lifetime 1800 s, reachable 30000 ms, retrans
// 1000 ms; options source link-layer, MTU 1500, prefix 2001:db8:1::/64 (L, A, 30 d / 7 d), and
// an RDNSS (type 25, RFC 8106) that this module keeps raw.
const RA_PH = ph("fe80::ff", "ff02::1");
const RA =
  "86001d5d40400708 00007530000003e8" +
  "01010200000000ff" +
  "05010000000005dc" +
  "030440c000278d00 00093a8000000000 20010db8000100000000000000000000" +
  "1903000000000e10 20010db8000000000000000000000053";

const hex = (s: string) => s.replace(/\s+/g, "");

const NS_REC: NdpMessage = {
  type: "neighbor-solicitation",
  target: A("2001:db8::2"),
  options: [{ type: "source-link-layer", mac: mac("02:00:00:00:00:01") }],
};
const NA_REC: NdpMessage = {
  type: "neighbor-advertisement",
  router: false,
  solicited: true,
  override: true,
  target: A("2001:db8::2"),
  options: [{ type: "target-link-layer", mac: mac("02:00:00:00:00:02") }],
};
const NA_R_REC: NdpMessage = {
  type: "neighbor-advertisement",
  router: true,
  solicited: true,
  override: false,
  target: A("fe80::ff"),
  options: [],
};
const RS_REC: NdpMessage = {
  type: "router-solicitation",
  options: [{ type: "source-link-layer", mac: mac("02:00:00:00:00:01") }],
};
const RA_REC: NdpMessage = {
  type: "router-advertisement",
  hopLimit: 64,
  managed: false,
  other: true,
  routerLifetime: 1800,
  reachableTime: 30000,
  retransTimer: 1000,
  options: [
    { type: "source-link-layer", mac: mac("02:00:00:00:00:ff") },
    { type: "mtu", mtu: 1500 },
    {
      type: "prefix-information",
      prefixLength: 64,
      onLink: true,
      autonomous: true,
      validLifetime: 2592000,
      preferredLifetime: 604800,
      prefix: A("2001:db8:1::"),
    },
    {
      type: "unknown",
      optionType: 25,
      data: fromHex("000000000e1020010db8000000000000000000000053"),
    },
  ],
};

const GOLDEN: [string, string, Ipv6PseudoHeader, NdpMessage][] = [
  ["NS", NS, NS_PH, NS_REC],
  ["NA", NA, NA_PH, NA_REC],
  ["NA router", NA_R, NA_R_PH, NA_R_REC],
  ["RS", RS, RS_PH, RS_REC],
  ["RA", RA, RA_PH, RA_REC],
];

/** Bytes with the checksum recomputed for `pseudo` after an edit. */
function resum(b: Uint8Array, pseudo: Ipv6PseudoHeader): Uint8Array {
  const v = new Icmpv6View(b);
  v.checksum = 0;
  v.checksum = v.sum(pseudo);
  return b;
}

function err(r: unknown): ParseError {
  if (!(r instanceof ParseError))
    throw new Error(`expected a ParseError, got ${JSON.stringify(r)}`);
  return r;
}

describe("ndp", () => {
  it("decodes golden bytes, verifying the checksum", () => {
    for (const [, bytes, pseudo, rec] of GOLDEN) {
      expect(parseNdp(fromHex(bytes), pseudo)).toEqual(rec);
    }
    // The checksum covers the pseudo-header: another destination fails.
    expect(err(parseNdp(fromHex(NS), NA_PH)).reason).toBe("checksum");
  });

  it("encodes golden bytes with the checksum from the pseudo-header", () => {
    for (const [name, bytes, pseudo, rec] of GOLDEN) {
      const out = emitNdp(rec, pseudo);
      expect([name, toHex(out)]).toEqual([name, hex(bytes)]);
      expect(out.length).toBe(ndpBufferLength(rec));
    }
  });

  it("decodes from an ICMPv6 'other' record, zero-copy for raw options", () => {
    const b = fromHex(RA);
    const icmp = parseIcmpv6(b, RA_PH);
    if (icmp instanceof ParseError || icmp.type !== "other") throw new Error("not other");
    const m = ndpFromIcmpv6(icmp);
    expect(m).toEqual(RA_REC);
    const raw = (m as { options: NdpOption[] }).options[3] as { data: Uint8Array };
    expect(raw.data.buffer).toBe(b.buffer);
    // And the record it maps to emits the same bytes through ICMPv6.
    expect(toHex(emitIcmpv6(ndpToIcmpv6(RA_REC), RA_PH))).toBe(hex(RA));
  });

  it("ignores reserved bits and writes them as zero", () => {
    const b = fromHex(NS);
    b[4] = 0xff; // NS reserved word
    const na = fromHex(NA);
    na[7] = 0x5a; // NA reserved bits after R, S, O
    expect(parseNdp(resum(b, NS_PH), NS_PH)).toEqual(NS_REC);
    expect(parseNdp(resum(na, NA_PH), NA_PH)).toEqual(NA_REC);
  });

  it("finds link-layer options and maps addresses to groups and MACs", () => {
    expect(ndpLinkLayer(NS_REC)).toBe(mac("02:00:00:00:00:01"));
    expect(ndpLinkLayer(NA_REC, "target-link-layer")).toBe(mac("02:00:00:00:00:02"));
    expect(ndpLinkLayer(NA_REC)).toBeUndefined();
    const group = solicitedNodeAddress(A("2001:db8::1:abcd:ef12"));
    expect(group.toString()).toBe("ff02::1:ffcd:ef12");
    expect(isSolicitedNodeAddress(group)).toBe(true);
    expect(isSolicitedNodeAddress(A("ff02::1"))).toBe(false);
    expect(ipv6MulticastMac(group)).toBe(mac("33:33:ff:cd:ef:12"));
    expect([132, 133, 136, 137].map(isNdpType)).toEqual([false, true, true, false]);
  });

  it("refuses what RFC 4861 §7.1.1 and §6.1.1 say to discard", () => {
    const bad = (h: string, edit: (b: Uint8Array) => void, pseudo: Ipv6PseudoHeader) => {
      const b = fromHex(h);
      edit(b);
      return err(parseNdp(resum(b, pseudo), pseudo));
    };
    expect(bad(NS, (b) => (b[1] = 1), NS_PH)).toMatchObject({ field: "code", offset: 1 });
    expect(bad(NS, (b) => (b[8] = 0xff), NS_PH)).toMatchObject({ field: "target", offset: 8 });
    expect(bad(NS, (b) => (b[25] = 0), NS_PH)).toMatchObject({
      field: "option.length",
      offset: 25,
      reason: "invalid",
    });
    expect(bad(NS, (b) => (b[25] = 2), NS_PH)).toMatchObject({ field: "option", offset: 24 });
    const rsLong = `${RS.slice(0, 16)}0102020000000001 0000000000000000`;
    const bLong = resum(fromHex(rsLong), RS_PH);
    expect(err(parseNdp(bLong, RS_PH))).toMatchObject({ reason: "unsupported", offset: 9 });
    // Prefix information: wrong length, and a prefix length over 128.
    expect(bad(RA, (b) => (b[33] = 5), RA_PH)).toMatchObject({ field: "option.prefix" });
    expect(bad(RA, (b) => (b[34] = 129), RA_PH)).toMatchObject({ field: "option.prefixLength" });
    expect(bad(RA, (b) => (b[25] = 2), RA_PH)).toMatchObject({ field: "option.mtu" });
    // Too short for the fixed part.
    expect(err(parseNdp(resum(fromHex(NS).subarray(0, 20), NS_PH), NS_PH)).reason).toBe(
      "truncated",
    );
    expect(err(parseNdp(resum(fromHex(RA).subarray(0, 12), RA_PH), RA_PH)).field).toBe(
      "routerAdvertisement",
    );
    // One byte of an option left over.
    const odd = new Uint8Array(fromHex(RS).length + 1);
    odd.set(fromHex(RS));
    expect(err(parseNdp(resum(odd, RS_PH), RS_PH))).toMatchObject({ field: "option", offset: 16 });
    // Not NDP at all: an echo request, and a redirect.
    const echo = emitIcmpv6(
      { type: "echo-request", checksum: 0, identifier: 1, sequence: 1, data: new Uint8Array(0) },
      NS_PH,
    );
    expect(err(parseNdp(echo, NS_PH)).reason).toBe("unsupported");
    expect(
      err(
        ndpFromIcmpv6({
          type: "other",
          icmpType: 137,
          code: 0,
          checksum: 0,
          rest: 0,
          body: fromHex(NS),
        }),
      ).reason,
    ).toBe("unsupported");
  });

  it("refuses to emit what would not parse back", () => {
    const p = NS_PH;
    expect(() => emitNdp({ ...NS_REC, target: A("ff02::1") }, p)).toThrow(RangeError);
    expect(() => emitNdp({ ...(RA_REC as object), hopLimit: 256 } as NdpMessage, p)).toThrow(
      /hopLimit/,
    );
    const opt = (o: NdpOption): NdpMessage => ({ type: "router-solicitation", options: [o] });
    expect(() => emitNdp(opt({ type: "mtu", mtu: -1 }), p)).toThrow(/mtu/);
    expect(() =>
      emitNdp(opt({ type: "unknown", optionType: 9, data: new Uint8Array(5) }), p),
    ).toThrow(/8k/);
  });
});

const u32 = fc.nat({ max: 0xffff_ffff });
const addr = fc.tuple(u32, u32, u32, u32).map(([a, b, c, d]) => new Ipv6Address(a, b, c, d));
const unicast = addr.filter((a) => a.w0 >>> 24 !== 0xff);
const macArb = fc.nat({ max: 0xffff_ffff_ffff });
const option: fc.Arbitrary<NdpOption> = fc.oneof(
  fc.record({
    type: fc.constantFrom("source-link-layer" as const, "target-link-layer" as const),
    mac: macArb,
  }),
  fc.record({
    type: fc.constant("prefix-information" as const),
    prefixLength: fc.integer({ min: 0, max: 128 }),
    onLink: fc.boolean(),
    autonomous: fc.boolean(),
    validLifetime: u32,
    preferredLifetime: u32,
    prefix: addr,
  }),
  fc.record({ type: fc.constant("mtu" as const), mtu: u32 }),
  fc.record({
    type: fc.constant("unknown" as const),
    optionType: fc.integer({ min: 0, max: 255 }).filter((t) => t < 1 || t > 5 || t === 4),
    data: fc
      .integer({ min: 0, max: 4 })
      .chain((k) => fc.uint8Array({ minLength: 6 + 8 * k, maxLength: 6 + 8 * k })),
  }),
);
const options = fc.array(option, { maxLength: 4 });
const message: fc.Arbitrary<NdpMessage> = fc.oneof(
  fc.record({ type: fc.constant("router-solicitation" as const), options }),
  fc.record({
    type: fc.constant("router-advertisement" as const),
    hopLimit: fc.integer({ min: 0, max: 255 }),
    managed: fc.boolean(),
    other: fc.boolean(),
    routerLifetime: fc.integer({ min: 0, max: 0xffff }),
    reachableTime: u32,
    retransTimer: u32,
    options,
  }),
  fc.record({ type: fc.constant("neighbor-solicitation" as const), target: unicast, options }),
  fc.record({
    type: fc.constant("neighbor-advertisement" as const),
    router: fc.boolean(),
    solicited: fc.boolean(),
    override: fc.boolean(),
    target: unicast,
    options,
  }),
);

describe("ndp properties", () => {
  it("round-trips: parse(emit(m)) equals m", () => {
    fc.assert(
      fc.property(message, unicast, addr, (m, src, dst) => {
        const pseudo: Ipv6PseudoHeader = { family: 6, src, dst };
        const wire = emitNdp(m, pseudo);
        expect(wire.length).toBe(ndpBufferLength(m));
        expect(parseNdp(wire, pseudo)).toEqual(m);
      }),
      { numRuns: 3000 },
    );
  });

  it("fuzz: any input yields a message or a ParseError", () => {
    const samples = [NS, NA, NA_R, RS, RA].map(fromHex);
    fuzzParser((b) => parseNdp(b), samples, { maxLength: 160 });
  });
});
