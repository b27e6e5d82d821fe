import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { Ipv6Address } from "./address.js";
import { fromHex, toHex } from "./bytes.js";
import {
  decrementHopLimit,
  emitIpv6,
  IPV6_DESTINATION_OPTIONS,
  IPV6_FRAGMENT,
  IPV6_HOP_BY_HOP,
  IPV6_NO_NEXT_HEADER,
  IPV6_ROUTING,
  type Ipv6Extension,
  type Ipv6FragmentHeader,
  type Ipv6RawExtension,
  type Ipv6Record,
  Ipv6View,
  ipv6BufferLength,
  ipv6HeadersLength,
  ipv6PseudoHeader,
  isIpv6Extension,
  parseIpv6,
} from "./ipv6.js";
import { ParseError } from "./parse-error.js";
import { parseUdp, type UdpRecord } from "./udp.js";

const A1 = Ipv6Address.of("2001:db8::1");
const A2 = Ipv6Address.of("2001:db8::2");
const ADDRS = "20010db8000000000000000000000001" + "20010db8000000000000000000000002";
// Echo request id 0x1234 seq 1 "abcdefgh" (its checksum 0x8075 is checked in icmpv6.test.ts).
const ECHO = "80008075123400016162636465666768";
// 2001:db8::1 -> 2001:db8::2, traffic class 0, flow label 0x12345, ICMPv6, hop limit 64.
const G1 = `6001234500103a40${ADDRS}${ECHO}`;
// UDP 12345 -> 53 "hi!"; checksum 0xea8b over the IPv6 pseudo-header of A1 -> A2.
const UDP = "30390035000bea8b686921";
// Hop-by-hop (PadN 4) -> routing (type 0, segments left 0, one address) -> destination options
// (Pad1, Pad1, PadN 2) -> atomic fragment (offset 0, M 0, id 0xdeadbeef) -> UDP.
const HBH = "2b00010400000000";
const RT = "3c02000000000000" + "20010db8000000000000000000000099";
const DOPT = "2c00000001020000";
const FRAG = "11000000deadbeef";
// Traffic class 0xb8 (EF), flow label 0xabcde, payload 59, hop-by-hop first, hop limit 1.
const G2 = `6b8abcde003b0001${ADDRS}${HBH}${RT}${DOPT}${FRAG}${UDP}`;
// A non-first fragment: offset 185 (1480 bytes), M 1, id 7, next header destination options; the
// bytes after the fragment header are fragment data, not a header.
const G3 = `6000000000182c40${ADDRS}3c0005c900000007000102030405060708090a0b0c0d0e0f`;
// G1, G2 and G3 were assembled in Python and decoded by tshark -V (text2pcap -l 101): it shows
// every field as asserted below, the ICMPv6 checksum of G1 and the UDP checksum of G2 "[correct]".

const G1_RECORD: Ipv6Record = {
  trafficClass: 0,
  flowLabel: 0x12345,
  nextHeader: 58,
  hopLimit: 64,
  src: A1,
  dst: A2,
  extensions: [],
  upperProtocol: 58,
  payload: fromHex(ECHO),
};

const G2_EXTENSIONS: Ipv6Extension[] = [
  { type: IPV6_HOP_BY_HOP, nextHeader: IPV6_ROUTING, data: fromHex("010400000000") },
  { type: IPV6_ROUTING, nextHeader: IPV6_DESTINATION_OPTIONS, data: fromHex(RT).subarray(2) },
  { type: IPV6_DESTINATION_OPTIONS, nextHeader: IPV6_FRAGMENT, data: fromHex("000001020000") },
  {
    type: IPV6_FRAGMENT,
    nextHeader: 17,
    fragmentOffset: 0,
    moreFragments: false,
    identification: 0xdeadbeef,
  },
];

const G2_RECORD: Ipv6Record = {
  trafficClass: 0xb8,
  flowLabel: 0xabcde,
  nextHeader: IPV6_HOP_BY_HOP,
  hopLimit: 1,
  src: A1,
  dst: A2,
  extensions: G2_EXTENSIONS,
  upperProtocol: 17,
  payload: fromHex(UDP),
};

const G3_RECORD: Ipv6Record = {
  ...G1_RECORD,
  flowLabel: 0,
  nextHeader: IPV6_FRAGMENT,
  extensions: [
    {
      type: IPV6_FRAGMENT,
      nextHeader: IPV6_DESTINATION_OPTIONS,
      fragmentOffset: 185,
      moreFragments: true,
      identification: 7,
    },
  ],
  upperProtocol: IPV6_DESTINATION_OPTIONS,
  payload: fromHex("000102030405060708090a0b0c0d0e0f"),
};

/** A fixed header with payload length `len` and next header `nh` before `rest` (hex). */
const header = (len: number, nh: number, rest = "") =>
  fromHex(
    `60000000${len.toString(16).padStart(4, "0")}${nh.toString(16).padStart(2, "0")}40${ADDRS}${rest}`,
  );

describe("ipv6", () => {
  it("decodes golden bytes", () => {
    const b = fromHex(G1);
    const r = parseIpv6(b);
    expect(r).toEqual(G1_RECORD);
    const p = (r as Ipv6Record).payload;
    expect(p.buffer).toBe(b.buffer); // zero-copy
    expect(p.byteOffset).toBe(40);
    expect((r as Ipv6Record).src.toString()).toBe("2001:db8::1");
  });

  it("decodes golden bytes with a hop-by-hop, routing, destination and fragment header", () => {
    const b = fromHex(G2);
    const r = parseIpv6(b) as Ipv6Record;
    expect(r).toEqual(G2_RECORD);
    expect(r.payload.byteOffset).toBe(40 + 8 + 24 + 8 + 8);
    const rt = r.extensions[1] as { data: Uint8Array };
    expect(rt.data.buffer).toBe(b.buffer);
    expect(rt.data.length).toBe(22);
    // The pseudo-header for the UDP checksum is built from the record, and verifies.
    const udp = parseUdp(r.payload, ipv6PseudoHeader(r)) as UdpRecord;
    expect(udp).not.toBeInstanceOf(ParseError);
    expect(udp.dstPort).toBe(53);
    expect(ipv6PseudoHeader(r)).toEqual({ family: 6, src: A1, dst: A2 });
  });

  it("stops at a non-first fragment: the rest is data", () => {
    expect(parseIpv6(fromHex(G3))).toEqual(G3_RECORD);
  });

  it("encodes golden bytes", () => {
    expect(toHex(emitIpv6(G1_RECORD))).toBe(G1);
    expect(toHex(emitIpv6(G2_RECORD))).toBe(G2);
    expect(toHex(emitIpv6(G3_RECORD))).toBe(G3);
    expect(ipv6BufferLength(G2_RECORD)).toBe(99);
    expect(ipv6HeadersLength(G2_RECORD)).toBe(88);
  });

  it("writes into a larger buffer at an offset, zeroing reserved fragment fields", () => {
    const out = new Uint8Array(105).fill(0xee);
    const wire = emitIpv6(G2_RECORD, out, 3);
    expect(toHex(out)).toBe(`eeeeee${G2}eeeeee`);
    expect(wire.byteOffset).toBe(3);
    expect(new Ipv6View(out, 3).hopLimit).toBe(1);
  });

  it("ignores trailing link padding and a fragment header's reserved bits", () => {
    const padded = fromHex(`${G1}000000000000`);
    expect(parseIpv6(padded)).toEqual(G1_RECORD);
    const reserved = fromHex(G3);
    reserved[41] = 0xff; // reserved octet
    reserved[43] = reserved[43]! | 0x06; // the two reserved bits beside M
    expect(parseIpv6(reserved)).toEqual(G3_RECORD);
  });

  it("reads and writes fields through the view", () => {
    const v = new Ipv6View(fromHex(G2));
    expect([v.version, v.trafficClass, v.flowLabel, v.payloadLength]).toEqual([
      6, 0xb8, 0xabcde, 59,
    ]);
    expect([v.nextHeader, v.hopLimit]).toEqual([0, 1]);
    expect(v.src.equals(A1) && v.dst.equals(A2)).toBe(true);
    expect(toHex(v.payload)).toBe(`${HBH}${RT}${DOPT}${FRAG}${UDP}`);
    const w = new Ipv6View(new Uint8Array(40));
    w.version = 6;
    w.flowLabel = 0xfffff;
    w.trafficClass = 0x12;
    expect(toHex(w.bytes, 0, 4)).toBe("612fffff");
    w.flowLabel = 0x00001;
    w.version = 15; // setters touch only their own bits
    expect(toHex(w.bytes, 0, 4)).toBe("f1200001");
    w.payloadLength = 0x0102;
    w.nextHeader = 17;
    w.hopLimit = 255;
    w.src = A2;
    w.dst = Ipv6Address.LOOPBACK;
    expect(toHex(w.bytes, 4, 40)).toBe(
      "010211ff20010db8000000000000000000000002" + "00000000000000000000000000000001",
    );
  });

  it("decrements the hop limit in place and refuses to pass zero", () => {
    const b = fromHex(`00${G1}`);
    expect(decrementHopLimit(b, 1)).toBe(63);
    expect(toHex(b)).toBe(`00${G1.slice(0, 14)}3f${G1.slice(16)}`);
    b[8] = 1;
    expect(decrementHopLimit(b, 1)).toBe(0);
    expect(() => decrementHopLimit(b, 1)).toThrow(RangeError);
    expect(b[8]).toBe(0);
  });

  it("reports a bad version and truncated headers and payloads with field and offset", () => {
    expect(parseIpv6(fromHex(G1).subarray(0, 39))).toMatchObject({
      protocol: "ipv6",
      field: "header",
      offset: 0,
      reason: "truncated",
    });
    expect(parseIpv6(new Uint8Array(0))).toMatchObject({ field: "header", reason: "truncated" });
    const v4 = fromHex(G1);
    v4[0] = 0x45;
    expect(parseIpv6(v4)).toMatchObject({ field: "version", offset: 0, reason: "invalid" });
    expect(parseIpv6(fromHex(G1).subarray(0, 55))).toMatchObject({
      field: "payload",
      offset: 40,
      reason: "truncated",
      detail: "need 16 byte(s), have 15",
    });
  });

  it("reports truncated and overlong extension headers", () => {
    // Payload length 4 cannot hold the 8-byte minimum of a routing header.
    expect(parseIpv6(header(4, IPV6_ROUTING, "3b000000"))).toMatchObject({
      field: "routing",
      offset: 40,
      reason: "truncated",
    });
    // Hdr Ext Len 1 (16 bytes) runs past a payload length of 8.
    expect(parseIpv6(header(8, IPV6_ROUTING, "3b01000000000000"))).toMatchObject({
      field: "routing.length",
      offset: 41,
      reason: "invalid",
    });
    // Destination options of 16 bytes against a payload length of 12.
    expect(parseIpv6(header(12, IPV6_DESTINATION_OPTIONS, "2c01000000000000 3b000000"))).toEqual(
      expect.objectContaining({ field: "destinationOptions.length", offset: 41 }),
    );
    // The second header, a fragment header, is cut short by the payload length.
    expect(parseIpv6(header(12, IPV6_DESTINATION_OPTIONS, "2c00000000000000 3b000000"))).toEqual(
      expect.objectContaining({ field: "fragment", offset: 48, reason: "truncated" }),
    );
  });

  it("refuses jumbograms, late hop-by-hop headers and over-long chains", () => {
    expect(parseIpv6(header(0, IPV6_HOP_BY_HOP, "3b00c2040001000000"))).toMatchObject({
      field: "payloadLength",
      offset: 4,
      reason: "unsupported",
    });
    // A zero payload length is fine otherwise.
    expect(parseIpv6(header(0, IPV6_NO_NEXT_HEADER))).toMatchObject({
      upperProtocol: IPV6_NO_NEXT_HEADER,
      payload: new Uint8Array(0),
    });
    expect(
      parseIpv6(header(16, IPV6_DESTINATION_OPTIONS, "0000000000000000 3b00000000000000")),
    ).toMatchObject({ field: "destinationOptions.nextHeader", offset: 40, reason: "invalid" });
    const chain = (n: number) =>
      header(
        n * 8,
        IPV6_DESTINATION_OPTIONS,
        `${"3c00000000000000".repeat(n - 1)}3b00000000000000`,
      );
    const sixteen = parseIpv6(chain(16)) as Ipv6Record;
    expect(sixteen.extensions).toHaveLength(16);
    expect(sixteen.upperProtocol).toBe(IPV6_NO_NEXT_HEADER);
    expect(parseIpv6(chain(17))).toMatchObject({
      field: "destinationOptions.nextHeader",
      offset: 40 + 15 * 8,
      reason: "unsupported",
    });
  });

  it("with allowPartial, reads what a quoted packet holds", () => {
    const quote = fromHex(`60000000000b1140${ADDRS}${UDP}`).subarray(0, 48);
    expect(parseIpv6(quote)).toMatchObject({ field: "payload", reason: "truncated" });
    const r = parseIpv6(quote, { allowPartial: true }) as Ipv6Record;
    expect(r.upperProtocol).toBe(17);
    expect(toHex(r.payload)).toBe(UDP.slice(0, 16));
    expect(parseIpv6(fromHex(G2).subarray(0, 60), { allowPartial: true })).toMatchObject({
      field: "routing",
      offset: 48,
      reason: "truncated",
    });
  });

  it("refuses to emit records that would not parse back", () => {
    type Four = [Ipv6Extension, Ipv6Extension, Ipv6Extension, Ipv6Extension];
    const [hbh, rt, dopt, frag] = G2_EXTENSIONS as Four;
    const first = G3_RECORD.extensions[0] as Ipv6FragmentHeader;
    const bad: [Partial<Ipv6Record>, RegExp][] = [
      [{ nextHeader: 17 }, /does not name/],
      [{ extensions: [hbh, dopt, rt, frag] }, /extension 0 next header 43 is not 60/],
      [{ extensions: [{ ...rt, nextHeader: 0 }, hbh, dopt, frag], nextHeader: 43 }, /hop-by-hop/],
      [{ extensions: [hbh, rt, { ...dopt, nextHeader: 43 }], upperProtocol: 43 }, /upper/],
      [
        { extensions: [{ ...hbh, data: new Uint8Array(7) } as Ipv6Extension, rt, dopt, frag] },
        /6 \+ 8k/,
      ],
      [{ ...G3_RECORD, extensions: [{ ...first, fragmentOffset: 8192 }] }, /0-8191/],
      [
        { ...G3_RECORD, extensions: [{ ...first, nextHeader: 44 }, frag], upperProtocol: 17 },
        /follow/,
      ],
      [{ nextHeader: 17, extensions: [], payload: new Uint8Array(0x10000) }, /65535/],
      [{ ...G1_RECORD, nextHeader: 0, upperProtocol: 0 }, /upper/],
      [{ extensions: new Array(17).fill(dopt), nextHeader: 60 }, /exceed 16/],
    ];
    for (const [patch, message] of bad) {
      expect(() => emitIpv6({ ...G2_RECORD, ...patch })).toThrow(message);
    }
  });
});

const u8 = fc.integer({ min: 0, max: 255 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const address = fc.tuple(u32, u32, u32, u32).map(([a, b, c, d]) => new Ipv6Address(a, b, c, d));
const optionData = fc
  .integer({ min: 0, max: 3 })
  .chain((k) => fc.uint8Array({ minLength: 6 + 8 * k, maxLength: 6 + 8 * k }));
type Unlinked = Omit<Ipv6RawExtension, "nextHeader"> | Omit<Ipv6FragmentHeader, "nextHeader">;
const fragment = (offset: fc.Arbitrary<number>) =>
  fc.record({
    type: fc.constant(IPV6_FRAGMENT),
    fragmentOffset: offset,
    moreFragments: fc.boolean(),
    identification: u32,
  });
const middle: fc.Arbitrary<Unlinked> = fc.oneof(
  fc.record({ type: fc.constantFrom(IPV6_ROUTING, IPV6_DESTINATION_OPTIONS), data: optionData }),
  fragment(fc.constant(0)),
);

/** Valid records: an optional hop-by-hop header, up to 10 others, an optional last fragment. */
const record: fc.Arbitrary<Ipv6Record> = fc
  .record({
    trafficClass: u8,
    flowLabel: fc.integer({ min: 0, max: 0xfffff }),
    hopLimit: u8,
    src: address,
    dst: address,
    hopByHop: fc.option(optionData),
    middle: fc.array(middle, { maxLength: 10 }),
    last: fc.option(fragment(fc.integer({ min: 0, max: 0x1fff }))),
    upper: u8,
    payload: fc.uint8Array({ maxLength: 100 }),
  })
  .map(({ hopByHop, middle, last, upper, ...rest }) => {
    const unlinked: Unlinked[] = [
      ...(hopByHop === null ? [] : [{ type: IPV6_HOP_BY_HOP, data: hopByHop } as const]),
      ...middle,
      ...(last === null ? [] : [last]),
    ];
    const tailIsData = last !== null && last.fragmentOffset !== 0;
    const upperProtocol = tailIsData || !isIpv6Extension(upper) ? upper : IPV6_NO_NEXT_HEADER;
    const extensions = unlinked.map(
      (e, k) => ({ ...e, nextHeader: unlinked[k + 1]?.type ?? upperProtocol }) as Ipv6Extension,
    );
    return { ...rest, nextHeader: extensions[0]?.type ?? upperProtocol, extensions, upperProtocol };
  });

describe("ipv6 properties", () => {
  it("round-trips: parse(emit(r)) equals r, extension chains and fragments included", () => {
    let withFragment = 0;
    fc.assert(
      fc.property(record, (r) => {
        const wire = emitIpv6(r);
        expect(wire.length).toBe(ipv6BufferLength(r));
        expect(parseIpv6(wire)).toEqual(r);
        if (r.extensions.some((e) => e.type === IPV6_FRAGMENT)) withFragment++;
      }),
      { numRuns: 2000 },
    );
    expect(withFragment).toBeGreaterThan(100);
  });

  it("fuzz: any input yields a record or a ParseError", () => {
    const samples = [G1, G2, G3].map(fromHex);
    fuzzParser((b) => parseIpv6(b), samples);
  });

  it("fuzz with allowPartial", () => {
    const samples = [G1, G2, G3].map(fromHex);
    fuzzParser((b) => parseIpv6(b, { allowPartial: true }), samples);
  });
});
