import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { fromHex, toHex } from "./bytes.js";
import {
  emitIcmpv4,
  type Icmpv4Record,
  Icmpv4Unreachable,
  Icmpv4View,
  icmpv4BufferLength,
  parseIcmpv4,
} from "./icmpv4.js";
import { type Ipv4Record, parseIpv4 } from "./ipv4.js";
import { ParseError } from "./parse-error.js";
import { UdpView } from "./udp.js";

// All checksums computed in Python and shown "[correct]" by tshark -V inside an IPv4 datagram.
// Echo request, identifier 0x1234, sequence 1, data "abcdefgh".
const ECHO = "08005435123400016162636465666768";
const REPLY = "00005c35123400016162636465666768";
// The first 28 bytes of the IPv4/UDP golden datagram of ipv4.test.ts (header + UDP header).
const QUOTE = "4500001f1c46400040113251c0000201c633640230390035000b59c9";
// Destination unreachable, fragmentation needed, next-hop MTU 1400 (RFC 1191).
const FRAG_NEEDED = `03046d4100000578${QUOTE}`;
// Time exceeded, TTL exceeded in transit.
const TTL_EXCEEDED = `0b006abd00000000${QUOTE}`;
// Timestamp request (type 13): identifier 0xbeef, sequence 1, three zero timestamps.
const TIMESTAMP = "0d00340fbeef0001000000000000000000000000";

const text = (s: string) => new TextEncoder().encode(s);

/** Bytes from hex with the checksum of the message recomputed. */
function fixed(hex: string): Uint8Array {
  const b = fromHex(hex);
  const v = new Icmpv4View(b);
  v.checksum = v.computeChecksum();
  return b;
}

describe("icmpv4", () => {
  it("decodes golden echo request and reply", () => {
    const b = fromHex(ECHO);
    const r = parseIcmpv4(b);
    expect(r).toEqual({
      type: "echo-request",
      checksum: 0x5435,
      identifier: 0x1234,
      sequence: 1,
      data: text("abcdefgh"),
    });
    expect((r as { data: Uint8Array }).data.buffer).toBe(b.buffer); // zero-copy
    expect(parseIcmpv4(fromHex(REPLY))).toMatchObject({ type: "echo-reply", checksum: 0x5c35 });
  });

  it("encodes golden echo request and reply with computed checksums", () => {
    const echo: Icmpv4Record = {
      type: "echo-request",
      checksum: 0,
      identifier: 0x1234,
      sequence: 1,
      data: text("abcdefgh"),
    };
    expect(toHex(emitIcmpv4(echo, { computeChecksum: true }))).toBe(ECHO);
    const reply: Icmpv4Record = { ...echo, type: "echo-reply" };
    expect(toHex(emitIcmpv4(reply, { computeChecksum: true }))).toBe(REPLY);
    // Without computeChecksum the record's checksum is written as is.
    expect(toHex(emitIcmpv4({ ...echo, checksum: 0xbeef }))).toBe(`0800beef${ECHO.slice(8)}`);
  });

  it("decodes fragmentation needed with its next-hop MTU and the quoted datagram", () => {
    const r = parseIcmpv4(fromHex(FRAG_NEEDED));
    expect(r).toEqual({
      type: "destination-unreachable",
      code: Icmpv4Unreachable.fragmentationNeeded,
      checksum: 0x6d41,
      nextHopMtu: 1400,
      original: fromHex(QUOTE),
    });
    // The quote is an IPv4 header and the first 8 payload bytes: enough to find the UDP ports.
    const original = (r as { original: Uint8Array }).original;
    const ip = parseIpv4(original, { allowPartial: true }) as Ipv4Record;
    expect(ip).not.toBeInstanceOf(ParseError);
    expect(ip.dst).toBe(0xc6336402);
    expect(new UdpView(ip.payload).srcPort).toBe(12345);
    expect(new UdpView(ip.payload).dstPort).toBe(53);
  });

  it("encodes fragmentation needed and time exceeded", () => {
    const unreachable: Icmpv4Record = {
      type: "destination-unreachable",
      code: 4,
      checksum: 0,
      nextHopMtu: 1400,
      original: fromHex(QUOTE),
    };
    expect(toHex(emitIcmpv4(unreachable, { computeChecksum: true }))).toBe(FRAG_NEEDED);
    const exceeded: Icmpv4Record = {
      type: "time-exceeded",
      code: 0,
      checksum: 0,
      original: fromHex(QUOTE),
    };
    expect(toHex(emitIcmpv4(exceeded, { computeChecksum: true }))).toBe(TTL_EXCEEDED);
  });

  it("decodes time exceeded, and reads the MTU only for code 4", () => {
    expect(parseIcmpv4(fromHex(TTL_EXCEEDED))).toEqual({
      type: "time-exceeded",
      code: 0,
      checksum: 0x6abd,
      original: fromHex(QUOTE),
    });
    const portUnreachable = fixed(`03030000 0000 0578 ${QUOTE}`);
    expect(parseIcmpv4(portUnreachable)).toMatchObject({ code: 3, nextHopMtu: 0 });
  });

  it("keeps other types whole", () => {
    const other: Icmpv4Record = {
      type: "other",
      icmpType: 13,
      code: 0,
      checksum: 0x340f,
      rest: 0xbeef0001,
      body: new Uint8Array(12),
    };
    expect(parseIcmpv4(fromHex(TIMESTAMP))).toEqual(other);
    expect(toHex(emitIcmpv4({ ...other, checksum: 0 }, { computeChecksum: true }))).toBe(TIMESTAMP);
  });

  it("writes into a larger buffer at an offset", () => {
    const out = new Uint8Array(24).fill(0xee);
    const rec = parseIcmpv4(fromHex(ECHO)) as Icmpv4Record;
    const wire = emitIcmpv4(rec, { computeChecksum: true }, out, 5);
    expect(toHex(out)).toBe(`eeeeeeeeee${ECHO}eeeeee`);
    expect(wire.byteOffset).toBe(5);
    expect(icmpv4BufferLength(rec)).toBe(16);
    expect(new Icmpv4View(out, 5, 16).verifyChecksum()).toBe(true);
  });

  it("reads and writes fields through the view", () => {
    const v = new Icmpv4View(fromHex(FRAG_NEEDED));
    expect([v.type, v.code, v.checksum, v.rest, v.nextHopMtu]).toEqual([3, 4, 0x6d41, 1400, 1400]);
    expect(toHex(v.body)).toBe(QUOTE);
    const w = new Icmpv4View(new Uint8Array(10));
    w.type = 8;
    w.code = 0;
    w.identifier = 0x0102;
    w.sequence = 0x0304;
    w.checksum = 0xabcd;
    expect(toHex(w.bytes)).toBe("0800abcd010203040000");
    w.rest = 0xfffefdfc;
    expect([w.identifier, w.sequence]).toEqual([0xfffe, 0xfdfc]);
    w.nextHopMtu = 576;
    expect(toHex(w.bytes, 4, 8)).toBe("fffe0240");
  });

  it("reports truncation with field and offset", () => {
    expect(parseIcmpv4(fromHex(ECHO).subarray(0, 7))).toMatchObject({
      protocol: "icmpv4",
      field: "header",
      offset: 0,
      reason: "truncated",
    });
    expect(parseIcmpv4(new Uint8Array(0))).toMatchObject({ field: "header", reason: "truncated" });
  });

  it("rejects a corrupted message by checksum unless told not to verify", () => {
    const b = fromHex(ECHO);
    b[12] = b[12]! ^ 0x01; // in the data: the checksum covers the whole message
    expect(parseIcmpv4(b)).toMatchObject({ field: "checksum", offset: 2, reason: "checksum" });
    expect(parseIcmpv4(b, { verifyChecksum: false })).toMatchObject({ type: "echo-request" });
  });

  it("rejects codes a known type does not define, naming the code byte", () => {
    for (const hex of ["0801 0000 1234 0001", "0310 0000 00000000", "0b02 0000 00000000"]) {
      expect(parseIcmpv4(fixed(hex))).toMatchObject({
        field: "code",
        offset: 1,
        reason: "invalid",
      });
    }
    expect(parseIcmpv4(fixed("030f 0000 00000000"))).toMatchObject({ code: 15 });
    expect(parseIcmpv4(fixed("0b01 0000 00000000"))).toMatchObject({ code: 1 });
  });

  it("refuses to emit records that would not parse back", () => {
    const mtuOnPort: Icmpv4Record = {
      type: "destination-unreachable",
      code: 3,
      checksum: 0,
      nextHopMtu: 1400,
      original: new Uint8Array(0),
    };
    expect(() => emitIcmpv4(mtuOnPort)).toThrow(RangeError);
    const echoAsOther: Icmpv4Record = {
      type: "other",
      icmpType: 8,
      code: 0,
      checksum: 0,
      rest: 0,
      body: new Uint8Array(0),
    };
    expect(() => emitIcmpv4(echoAsOther)).toThrow(RangeError);
  });
});

const u16 = fc.integer({ min: 0, max: 0xffff });
const bytes = fc.uint8Array({ maxLength: 64 });
const record: fc.Arbitrary<Icmpv4Record> = fc.oneof(
  fc.record({
    type: fc.constantFrom("echo-request" as const, "echo-reply" as const),
    checksum: u16,
    identifier: u16,
    sequence: u16,
    data: bytes,
  }),
  fc
    .record({ code: fc.integer({ min: 0, max: 15 }), checksum: u16, mtu: u16, original: bytes })
    .map(({ code, checksum, mtu, original }) => ({
      type: "destination-unreachable" as const,
      code,
      checksum,
      nextHopMtu: code === 4 ? mtu : 0,
      original,
    })),
  fc.record({
    type: fc.constant("time-exceeded" as const),
    code: fc.integer({ min: 0, max: 1 }),
    checksum: u16,
    original: bytes,
  }),
  fc.record({
    type: fc.constant("other" as const),
    icmpType: fc.integer({ min: 0, max: 255 }).filter((t) => ![0, 3, 8, 11].includes(t)),
    code: fc.integer({ min: 0, max: 255 }),
    checksum: u16,
    rest: fc.integer({ min: 0, max: 0xffffffff }),
    body: bytes,
  }),
);

describe("icmpv4 properties", () => {
  it("round-trips: parse(emit(r)) equals r, with the record's or a computed checksum", () => {
    fc.assert(
      fc.property(record, (r) => {
        const wire = emitIcmpv4(r);
        expect(wire.length).toBe(icmpv4BufferLength(r));
        expect(parseIcmpv4(wire, { verifyChecksum: false })).toEqual(r);
        const checked = emitIcmpv4(r, { computeChecksum: true });
        const back = parseIcmpv4(checked);
        expect(back).toEqual({ ...r, checksum: new Icmpv4View(checked).checksum });
      }),
      { numRuns: 3000 },
    );
  });

  it("fuzz: any input yields a record or a ParseError", () => {
    const samples = [ECHO, REPLY, FRAG_NEEDED, TTL_EXCEEDED, TIMESTAMP].map(fromHex);
    fuzzParser((b) => parseIcmpv4(b), samples);
  });

  it("fuzz without checksum verification reaches the type and code checks", () => {
    const samples = [ECHO, FRAG_NEEDED, TTL_EXCEEDED, TIMESTAMP].map(fromHex);
    fuzzParser((b) => parseIcmpv4(b, { verifyChecksum: false }), samples);
  });
});
