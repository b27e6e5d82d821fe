import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { Ipv6Address } from "./address.js";
import { fromHex, toHex } from "./bytes.js";
import {
  emitIcmpv6,
  ICMPV6_PROTOCOL,
  type Icmpv6Record,
  Icmpv6Unreachable,
  Icmpv6View,
  icmpv6BufferLength,
  parseIcmpv6,
} from "./icmpv6.js";
import {
  emitIpv6,
  type Ipv6PseudoHeader,
  type Ipv6Record,
  ipv6PseudoHeader,
  parseIpv6,
} from "./ipv6.js";
import { ParseError } from "./parse-error.js";
import { UdpView } from "./udp.js";

const A1 = Ipv6Address.of("2001:db8::1");
const A2 = Ipv6Address.of("2001:db8::2");
const OUT: Ipv6PseudoHeader = { family: 6, src: A1, dst: A2 }; // requests
const BACK: Ipv6PseudoHeader = { family: 6, src: A2, dst: A1 }; // replies and errors
const NDP: Ipv6PseudoHeader = {
  family: 6,
  src: Ipv6Address.of("fe80::1"),
  dst: Ipv6Address.of("ff02::1:ff00:2"),
};

// All checksums computed in Python over the RFC 4443 §2.3 pseudo-header, and shown "[correct]" by
// tshark -V for each message inside its IPv6 packet (text2pcap -l 101).
// Echo request 2001:db8::1 -> ::2, identifier 0x1234, sequence 1, data "abcdefgh".
const ECHO = "80008075123400016162636465666768";
// The matching reply, ::2 -> ::1.
const REPLY = "81007f75123400016162636465666768";
// The packet the errors quote: 2001:db8::1 -> ::2, UDP 12345 -> 53 "hi!".
const QUOTE =
  "60000000000b1140" +
  "20010db8000000000000000000000001" +
  "20010db8000000000000000000000002" +
  "30390035000bea8b686921";
// ::2 -> ::1: port unreachable, packet too big (MTU 1280), hop limit exceeded, and parameter
// problem (unrecognized next header, pointer 40), each quoting QUOTE.
const UNREACHABLE = `010431e200000000${QUOTE}`;
const TOO_BIG = `02002be600000500${QUOTE}`;
const EXCEEDED = `03002fe600000000${QUOTE}`;
const PARAMETER = `04012ebd00000028${QUOTE}`;
// Neighbor solicitation fe80::1 -> ff02::1:ff00:2 for fe80::2, source link-layer 02:00:00:00:00:01.
const NS_BODY = "fe800000000000000000000000000002" + "0101020000000001";
const NS = `87007a9700000000${NS_BODY}`;

const text = (s: string) => new TextEncoder().encode(s);

/** Bytes from hex with the checksum recomputed for `pseudo`. */
function fixed(hex: string, pseudo = BACK): Uint8Array {
  const b = fromHex(hex);
  const v = new Icmpv6View(b);
  v.checksum = 0;
  v.checksum = v.sum(pseudo);
  return b;
}

const ECHO_RECORD: Icmpv6Record = {
  type: "echo-request",
  checksum: 0x8075,
  identifier: 0x1234,
  sequence: 1,
  data: text("abcdefgh"),
};

const ERRORS: [string, Icmpv6Record][] = [
  [
    UNREACHABLE,
    { type: "destination-unreachable", code: 4, checksum: 0x31e2, original: fromHex(QUOTE) },
  ],
  [TOO_BIG, { type: "packet-too-big", checksum: 0x2be6, mtu: 1280, original: fromHex(QUOTE) }],
  [EXCEEDED, { type: "time-exceeded", code: 0, checksum: 0x2fe6, original: fromHex(QUOTE) }],
  [
    PARAMETER,
    {
      type: "parameter-problem",
      code: 1,
      checksum: 0x2ebd,
      pointer: 40,
      original: fromHex(QUOTE),
    },
  ],
];

const NS_RECORD: Icmpv6Record = {
  type: "other",
  icmpType: 135,
  code: 0,
  checksum: 0x7a97,
  rest: 0,
  body: fromHex(NS_BODY),
};

describe("icmpv6", () => {
  it("decodes golden echo request and reply, verifying the checksum", () => {
    const b = fromHex(ECHO);
    const r = parseIcmpv6(b, OUT);
    expect(r).toEqual(ECHO_RECORD);
    expect((r as { data: Uint8Array }).data.buffer).toBe(b.buffer); // zero-copy
    expect(parseIcmpv6(fromHex(REPLY), BACK)).toEqual({
      ...ECHO_RECORD,
      type: "echo-reply",
      checksum: 0x7f75,
    });
  });

  it("encodes golden echo request and reply with computed checksums", () => {
    expect(toHex(emitIcmpv6({ ...ECHO_RECORD, checksum: 0 }, OUT))).toBe(ECHO);
    const reply: Icmpv6Record = { ...ECHO_RECORD, type: "echo-reply", checksum: 0 };
    expect(toHex(emitIcmpv6(reply, BACK))).toBe(REPLY);
    // Without a pseudo-header the record's checksum is written as is.
    expect(toHex(emitIcmpv6({ ...ECHO_RECORD, checksum: 0xbeef }))).toBe(
      `8000beef${ECHO.slice(8)}`,
    );
  });

  it("decodes and encodes the four error messages", () => {
    for (const [hex, record] of ERRORS) {
      expect(parseIcmpv6(fromHex(hex), BACK)).toEqual(record);
      expect(toHex(emitIcmpv6({ ...record, checksum: 0 }, BACK))).toBe(hex);
    }
  });

  it("quotes a packet that parses back to the UDP ports", () => {
    const r = parseIcmpv6(fromHex(UNREACHABLE), BACK) as { original: Uint8Array };
    const ip = parseIpv6(r.original.subarray(0, 48), { allowPartial: true }) as Ipv6Record;
    expect(ip).not.toBeInstanceOf(ParseError);
    expect(ip.dst.equals(A2)).toBe(true);
    expect(ip.upperProtocol).toBe(17);
    expect([new UdpView(ip.payload).srcPort, new UdpView(ip.payload).dstPort]).toEqual([12345, 53]);
  });

  it("keeps other types whole, such as a neighbor solicitation", () => {
    expect(parseIcmpv6(fromHex(NS), NDP)).toEqual(NS_RECORD);
    expect(toHex(emitIcmpv6({ ...NS_RECORD, checksum: 0 }, NDP))).toBe(NS);
  });

  it("builds a whole IPv6 packet with the pseudo-header taken from the IPv6 record", () => {
    const packet: Ipv6Record = {
      trafficClass: 0,
      flowLabel: 0x12345,
      nextHeader: ICMPV6_PROTOCOL,
      hopLimit: 64,
      src: A1,
      dst: A2,
      extensions: [],
      upperProtocol: ICMPV6_PROTOCOL,
      payload: new Uint8Array(0),
    };
    packet.payload = emitIcmpv6({ ...ECHO_RECORD, checksum: 0 }, ipv6PseudoHeader(packet));
    const wire = emitIpv6(packet);
    // G1 of ipv6.test.ts, checked by tshark.
    expect(toHex(wire)).toBe(
      "6001234500103a40" +
        "20010db8000000000000000000000001" +
        "20010db8000000000000000000000002" +
        ECHO,
    );
    const ip = parseIpv6(wire) as Ipv6Record;
    expect(parseIcmpv6(ip.payload, ipv6PseudoHeader(ip))).toEqual(ECHO_RECORD);
  });

  it("ignores packet too big's code and the unused word of unreachable and time exceeded", () => {
    const tooBig = fixed(`0205 0000 00000500 ${QUOTE}`);
    // Code 5 adds 5 to the one's complement sum, so the checksum is 5 less; the record has no code.
    expect(parseIcmpv6(tooBig, BACK)).toEqual({ ...ERRORS[1]![1], checksum: 0x2be6 - 5 });
    expect(parseIcmpv6(fixed(`0104 0000 ffffffff ${QUOTE}`), BACK)).toMatchObject({
      type: "destination-unreachable",
      code: 4,
    });
    expect(parseIcmpv6(fixed(`0301 0000 12345678`), BACK)).toMatchObject({
      type: "time-exceeded",
      code: 1,
    });
  });

  it("writes into a larger buffer at an offset", () => {
    const out = new Uint8Array(24).fill(0xee);
    const wire = emitIcmpv6(ECHO_RECORD, OUT, out, 5);
    expect(toHex(out)).toBe(`eeeeeeeeee${ECHO}eeeeee`);
    expect(wire.byteOffset).toBe(5);
    expect(icmpv6BufferLength(ECHO_RECORD)).toBe(16);
    expect(new Icmpv6View(out, 5, 16).sum(OUT)).toBe(0);
  });

  it("reads and writes fields through the view", () => {
    const v = new Icmpv6View(fromHex(TOO_BIG));
    expect([v.type, v.code, v.checksum, v.rest]).toEqual([2, 0, 0x2be6, 1280]);
    expect(toHex(v.body)).toBe(QUOTE);
    const w = new Icmpv6View(new Uint8Array(10));
    w.type = 128;
    w.code = 0;
    w.identifier = 0x0102;
    w.sequence = 0x0304;
    w.checksum = 0xabcd;
    expect(toHex(w.bytes)).toBe("8000abcd010203040000");
    w.rest = 0xfffefdfc;
    expect([w.identifier, w.sequence]).toEqual([0xfffe, 0xfdfc]);
  });

  it("reports truncation with field and offset", () => {
    expect(parseIcmpv6(fromHex(ECHO).subarray(0, 7), OUT)).toMatchObject({
      protocol: "icmpv6",
      field: "header",
      offset: 0,
      reason: "truncated",
      detail: "need 8 byte(s), have 7",
    });
    expect(parseIcmpv6(new Uint8Array(0))).toMatchObject({ field: "header", reason: "truncated" });
  });

  it("rejects a corrupted message or a wrong pseudo-header by checksum", () => {
    const b = fromHex(ECHO);
    b[12] = b[12]! ^ 0x01; // in the data: the checksum covers the whole message
    const bad = { protocol: "icmpv6", field: "checksum", offset: 2, reason: "checksum" };
    expect(parseIcmpv6(b, OUT)).toMatchObject(bad);
    expect(parseIcmpv6(b)).toMatchObject({ type: "echo-request" }); // no pseudo-header: unchecked
    // The pseudo-header counts: the same bytes fail for another destination.
    const elsewhere: Ipv6PseudoHeader = { ...OUT, dst: Ipv6Address.of("2001:db8::3") };
    expect(parseIcmpv6(fromHex(ECHO), elsewhere)).toMatchObject(bad);
    // A zero checksum is not "none" as in UDP over IPv4.
    expect(parseIcmpv6(fromHex(`80000000${ECHO.slice(8)}`), OUT)).toMatchObject(bad);
  });

  it("rejects codes a known type does not define, naming the code byte", () => {
    for (const hex of ["8001 0000 12340001", "0107 0000 00000000", "0302 0000 00000000"]) {
      expect(parseIcmpv6(fixed(hex), BACK)).toMatchObject({
        field: "code",
        offset: 1,
        reason: "invalid",
      });
    }
    expect(parseIcmpv6(fixed("0106 0000 00000000"))).toMatchObject({
      code: Icmpv6Unreachable.rejectRoute,
    });
    expect(parseIcmpv6(fixed("0403 0000 00000000"))).toMatchObject({ code: 3, pointer: 0 });
  });

  it("refuses to emit records that would not parse back", () => {
    const bad: Icmpv6Record[] = [
      { type: "destination-unreachable", code: 7, checksum: 0, original: new Uint8Array(0) },
      { type: "time-exceeded", code: 2, checksum: 0, original: new Uint8Array(0) },
      { type: "other", icmpType: 128, code: 0, checksum: 0, rest: 0, body: new Uint8Array(0) },
    ];
    for (const r of bad) expect(() => emitIcmpv6(r)).toThrow(RangeError);
  });
});

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = fc.uint8Array({ maxLength: 64 });
const record: fc.Arbitrary<Icmpv6Record> = fc.oneof(
  fc.record({
    type: fc.constantFrom("echo-request" as const, "echo-reply" as const),
    checksum: u16,
    identifier: u16,
    sequence: u16,
    data: bytes,
  }),
  fc.record({
    type: fc.constant("destination-unreachable" as const),
    code: fc.integer({ min: 0, max: 6 }),
    checksum: u16,
    original: bytes,
  }),
  fc.record({
    type: fc.constant("packet-too-big" as const),
    checksum: u16,
    mtu: u32,
    original: bytes,
  }),
  fc.record({
    type: fc.constant("time-exceeded" as const),
    code: fc.integer({ min: 0, max: 1 }),
    checksum: u16,
    original: bytes,
  }),
  fc.record({
    type: fc.constant("parameter-problem" as const),
    code: fc.integer({ min: 0, max: 255 }),
    checksum: u16,
    pointer: u32,
    original: bytes,
  }),
  fc.record({
    type: fc.constant("other" as const),
    icmpType: fc.integer({ min: 0, max: 255 }).filter((t) => ![1, 2, 3, 4, 128, 129].includes(t)),
    code: fc.integer({ min: 0, max: 255 }),
    checksum: u16,
    rest: u32,
    body: bytes,
  }),
);
const pseudo: fc.Arbitrary<Ipv6PseudoHeader> = fc
  .tuple(u32, u32, u32, u32, u32)
  .map(([a, b, c, d, e]) => ({
    family: 6,
    src: new Ipv6Address(0x20010db8, a, b, c),
    dst: new Ipv6Address(0xfe800000, 0, d, e),
  }));

describe("icmpv6 properties", () => {
  it("round-trips: parse(emit(r)) equals r, with the record's or a computed checksum", () => {
    fc.assert(
      fc.property(record, pseudo, (r, ph) => {
        const wire = emitIcmpv6(r);
        expect(wire.length).toBe(icmpv6BufferLength(r));
        expect(parseIcmpv6(wire)).toEqual(r);
        const checked = emitIcmpv6(r, ph);
        const back = parseIcmpv6(checked, ph);
        expect(back).toEqual({ ...r, checksum: new Icmpv6View(checked).checksum });
      }),
      { numRuns: 3000 },
    );
  });

  it("fuzz: any input yields a record or a ParseError", () => {
    const samples = [UNREACHABLE, TOO_BIG, EXCEEDED, PARAMETER].map(fromHex);
    fuzzParser((b) => parseIcmpv6(b, BACK), samples);
  });

  it("fuzz without checksum verification reaches the type and code checks", () => {
    const samples = [ECHO, REPLY, UNREACHABLE, TOO_BIG, EXCEEDED, PARAMETER, NS].map(fromHex);
    fuzzParser((b) => parseIcmpv6(b), samples);
  });

  it("fuzz an IPv6 packet with extension headers, then the ICMPv6 message it carries", () => {
    const hbh = "3a00010400000000"; // hop-by-hop (PadN 4), then ICMPv6
    const addrs = "20010db8000000000000000000000002" + "20010db8000000000000000000000001";
    const samples = [
      `6000000000180040${addrs}${hbh}${ECHO}`,
      `60000000003b3a40${addrs}${UNREACHABLE}`,
    ];
    fuzzParser((b) => {
      const ip = parseIpv6(b);
      return ip instanceof ParseError ? ip : parseIcmpv6(ip.payload, ipv6PseudoHeader(ip));
    }, samples.map(fromHex));
  });
});
