import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { parseIpv4Address as parseAddress } from "./address.js";
import { fromHex, toHex } from "./bytes.js";
import { internetChecksum } from "./checksum.js";
import {
  decrementTtl,
  emitIpv4,
  IP_PROTOCOL_ICMP,
  IP_PROTOCOL_UDP,
  IPV4_HEADER_MIN,
  type Ipv4Option,
  type Ipv4Record,
  Ipv4View,
  ipv4BufferLength,
  ipv4OptionCopied,
  ipv4OptionsLength,
  parseIpv4,
} from "./ipv4.js";
import { ParseError } from "./parse-error.js";

const v4 = (s: string) => parseAddress(s) as number;
const UDP = fromHex("30390035000b59c9686921"); // the UDP golden datagram of udp.test.ts
// 192.0.2.1 -> 198.51.100.2, id 0x1c46, DF, TTL 64, UDP, carrying UDP; checksum 0x3251 computed
// in Python and shown "[correct]" by tshark -V (text2pcap -l 101).
const G1 = "4500001f1c46400040113251c0000201c6336402" + "30390035000b59c9686921";
// 10.0.0.1 -> 10.0.0.2, DSCP 46 ECN 1, id 0xabcd, MF, offset 185 (1480 bytes), TTL 1, ICMP; IHL 8
// with Router Alert (94 04 0000), Record Route (07 07 04 00000000) and one EOL byte; "payload!".
// Checksum 0x3688 computed in Python and decoded and verified by tshark -V.
const G2_HEADER = "48b90028abcd20b9010136880a0000010a000002" + "9404000007070400000000 00";
const G2 = `${G2_HEADER}7061796c6f616421`;

const G1_RECORD: Ipv4Record = {
  dscp: 0,
  ecn: 0,
  identification: 0x1c46,
  dontFragment: true,
  moreFragments: false,
  fragmentOffset: 0,
  ttl: 64,
  protocol: IP_PROTOCOL_UDP,
  headerChecksum: 0x3251,
  src: v4("192.0.2.1"),
  dst: v4("198.51.100.2"),
  options: [],
  payload: UDP,
};

const G2_OPTIONS: Ipv4Option[] = [
  { kind: "option", type: 0x94, data: fromHex("0000") },
  { kind: "option", type: 7, data: fromHex("0400000000") },
];

/** Bytes from hex with the header checksum (of the header at 0) recomputed. */
function fixed(hex: string): Uint8Array {
  const b = fromHex(hex);
  new Ipv4View(b).fillChecksum();
  return b;
}

describe("ipv4", () => {
  it("decodes golden bytes", () => {
    const b = fromHex(G1);
    const r = parseIpv4(b);
    expect(r).toEqual(G1_RECORD);
    const p = (r as Ipv4Record).payload;
    expect(p.buffer).toBe(b.buffer); // zero-copy
    expect(p.byteOffset).toBe(20);
  });

  it("decodes golden bytes with options, fragment fields and DSCP/ECN", () => {
    const r = parseIpv4(fromHex(G2)) as Ipv4Record;
    expect(r).not.toBeInstanceOf(ParseError);
    expect(r.dscp).toBe(46);
    expect(r.ecn).toBe(1);
    expect(r.identification).toBe(0xabcd);
    expect(r.dontFragment).toBe(false);
    expect(r.moreFragments).toBe(true);
    expect(r.fragmentOffset).toBe(185);
    expect(r.ttl).toBe(1);
    expect(r.protocol).toBe(IP_PROTOCOL_ICMP);
    expect(r.headerChecksum).toBe(0x3688);
    expect(r.src).toBe(0x0a000001);
    expect(r.dst).toBe(0x0a000002);
    expect(r.options).toEqual(G2_OPTIONS);
    expect(new TextDecoder().decode(r.payload)).toBe("payload!");
  });

  it("verifies the RFC 791 example header checksum 0xb861", () => {
    const header = fromHex("45000073000040004011b861c0a80001c0a800c7");
    const v = new Ipv4View(header);
    expect(v.computeChecksum()).toBe(0xb861);
    expect(v.verifyChecksum()).toBe(true);
    const whole = new Uint8Array(0x73);
    whole.set(header);
    const r = parseIpv4(whole) as Ipv4Record;
    expect(r.headerChecksum).toBe(0xb861);
    expect(r.payload.length).toBe(0x73 - 20);
  });

  it("encodes golden bytes with a computed checksum", () => {
    expect(toHex(emitIpv4({ ...G1_RECORD, headerChecksum: 0 }))).toBe(G1);
    const g2: Ipv4Record = {
      dscp: 46,
      ecn: 1,
      identification: 0xabcd,
      dontFragment: false,
      moreFragments: true,
      fragmentOffset: 185,
      ttl: 1,
      protocol: IP_PROTOCOL_ICMP,
      headerChecksum: 0xdead, // ignored: emit computes it
      src: v4("10.0.0.1"),
      dst: v4("10.0.0.2"),
      options: G2_OPTIONS,
      payload: new TextEncoder().encode("payload!"),
    };
    expect(ipv4BufferLength(g2)).toBe(40);
    expect(toHex(emitIpv4(g2))).toBe(G2.replace(/ /g, ""));
  });

  it("writes into a larger buffer at an offset", () => {
    const out = new Uint8Array(40).fill(0xee);
    const wire = emitIpv4(G1_RECORD, out, 5);
    expect(toHex(out)).toBe(`eeeeeeeeee${G1}eeeeeeee`);
    expect(wire.byteOffset).toBe(5);
    expect(new Ipv4View(out, 5).verifyChecksum()).toBe(true);
    expect(new Ipv4View(out, 5).dst).toBe(v4("198.51.100.2"));
  });

  it("ignores link-layer padding after total length", () => {
    const r = parseIpv4(fromHex(`${G1}000000000000000000000000000000`)) as Ipv4Record;
    expect(toHex(r.payload)).toBe(toHex(UDP));
  });

  it("reads and writes every field through the view", () => {
    const v = new Ipv4View(fromHex(G2));
    expect([v.version, v.ihl, v.headerLength, v.dscp, v.ecn, v.totalLength]).toEqual([
      4, 8, 32, 46, 1, 40,
    ]);
    expect([v.flags, v.dontFragment, v.moreFragments, v.fragmentOffset]).toEqual([
      1,
      false,
      true,
      185,
    ]);
    expect(v.fragmentByteOffset).toBe(1480);
    expect(toHex(v.options)).toBe("940400000707040000000000");
    expect(toHex(v.payload)).toBe("7061796c6f616421");

    const w = new Ipv4View(new Uint8Array(20));
    w.version = 4;
    w.ihl = 5;
    w.dscp = 46;
    w.ecn = 3;
    w.totalLength = 0x0102;
    w.identification = 0x0304;
    w.dontFragment = true;
    w.fragmentByteOffset = 8 * 0x1abc;
    w.ttl = 0x05;
    w.protocol = 0x06;
    w.headerChecksum = 0x0708;
    w.src = 0x090a0b0c;
    w.dst = 0xfffefdfc;
    expect(toHex(w.bytes)).toBe("45bb01020304 5abc 0506 0708 090a0b0c fffefdfc".replace(/ /g, ""));
    w.moreFragments = true;
    w.dontFragment = false;
    expect(toHex(w.bytes, 6, 8)).toBe("3abc");
    w.flags = 0b100;
    w.fragmentOffset = 1;
    expect(toHex(w.bytes, 6, 8)).toBe("8001");
    expect(() => {
      w.fragmentByteOffset = 12;
    }).toThrow(RangeError);
  });

  it("reports truncation with field and offset", () => {
    expect(parseIpv4(new Uint8Array(0))).toMatchObject({
      protocol: "ipv4",
      field: "header",
      offset: 0,
      reason: "truncated",
    });
    expect(parseIpv4(fromHex(G1).subarray(0, 19))).toMatchObject({
      field: "header",
      offset: 0,
      reason: "truncated",
    });
    // IHL 8 says 32 header bytes; only 24, then 31, are there.
    for (const n of [24, 31]) {
      expect(parseIpv4(fromHex(G2).subarray(0, n))).toMatchObject({
        field: "options",
        offset: 20,
        reason: "truncated",
      });
    }
    // Total length 31; 25 bytes present.
    expect(parseIpv4(fromHex(G1).subarray(0, 25))).toMatchObject({
      field: "payload",
      offset: 20,
      reason: "truncated",
    });
  });

  it("accepts a datagram cut short when allowPartial is set, as ICMP errors quote it", () => {
    const r = parseIpv4(fromHex(G1).subarray(0, 28), { allowPartial: true }) as Ipv4Record;
    expect(toHex(r.payload)).toBe("30390035000b59c9");
  });

  it("rejects bad version, IHL and total length, naming field and offset", () => {
    expect(parseIpv4(fixed(`6${G1.slice(1)}`))).toMatchObject({
      field: "version",
      offset: 0,
      reason: "invalid",
    });
    expect(parseIpv4(fixed(`44${G1.slice(2)}`))).toMatchObject({
      field: "ihl",
      offset: 0,
      reason: "invalid",
    });
    const short = fixed(`45000013${G1.slice(8)}`); // total length 19 < 20
    expect(parseIpv4(short)).toMatchObject({ field: "totalLength", offset: 2, reason: "invalid" });
    const long = fixed(`45000020${G1.slice(8)}`); // total length 32 > 31 bytes
    expect(parseIpv4(long)).toMatchObject({ field: "payload", offset: 20, reason: "truncated" });
  });

  it("rejects bad option lengths, naming the length byte's offset", () => {
    const withOptions = (opts: string) => fixed(`46000018abcd0000400100000a0000010a000002${opts}`);
    expect(parseIpv4(withOptions("07010000"))).toMatchObject({
      field: "options.length",
      offset: 21,
      reason: "invalid",
    });
    expect(parseIpv4(withOptions("0101 0700"))).toMatchObject({
      field: "options.length",
      offset: 23,
    });
    for (const opts of ["01 0705 00", "01 0704 00"]) {
      expect(parseIpv4(withOptions(opts))).toMatchObject({ field: "options.length", offset: 22 });
    }
    // An option ending exactly at the header end is fine.
    expect((parseIpv4(withOptions("01 0703 ab")) as Ipv4Record).options).toEqual([
      { kind: "nop" },
      { kind: "option", type: 7, data: fromHex("ab") },
    ]);
    expect(parseIpv4(withOptions("010101 07"))).toMatchObject({
      field: "options.length",
      offset: 24,
      reason: "invalid",
    });
    // EOL ends the list: the bytes after it are padding, not options.
    const r = parseIpv4(withOptions("0100ffff")) as Ipv4Record;
    expect(r.options).toEqual([{ kind: "nop" }]);
    expect(toHex(emitIpv4(r).subarray(20, 24))).toBe("01000000");
  });

  it("rejects a corrupted header by checksum unless told not to verify", () => {
    const b = fromHex(G1);
    b[14] = b[14]! ^ 0x01;
    expect(parseIpv4(b)).toMatchObject({
      protocol: "ipv4",
      field: "headerChecksum",
      offset: 10,
      reason: "checksum",
    });
    expect(parseIpv4(b, { verifyChecksum: false })).toMatchObject({ src: v4("192.0.3.1") });
    // The payload is not covered by the header checksum.
    const c = fromHex(G1);
    c[25] = 0;
    expect(parseIpv4(c)).not.toBeInstanceOf(ParseError);
  });

  it("refuses to emit oversized headers, datagrams and one-byte option types as TLVs", () => {
    const big: Ipv4Option = { kind: "option", type: 0x44, data: new Uint8Array(39) };
    expect(() => emitIpv4({ ...G1_RECORD, options: [big] })).toThrow(RangeError);
    expect(() => emitIpv4({ ...G1_RECORD, payload: new Uint8Array(65516) })).toThrow(RangeError);
    expect(emitIpv4({ ...G1_RECORD, payload: new Uint8Array(65515) }).length).toBe(65535);
    const eol: Ipv4Option = { kind: "option", type: 0, data: new Uint8Array(0) };
    expect(() => emitIpv4({ ...G1_RECORD, options: [eol] })).toThrow(RangeError);
  });

  it("classifies options by the copied flag", () => {
    expect(ipv4OptionCopied(0x94)).toBe(true); // Router Alert
    expect(ipv4OptionCopied(7)).toBe(false); // Record Route
  });

  it("decrements the TTL and patches the checksum (RFC 1624)", () => {
    const b = fromHex(`eeee${G1}`);
    expect(decrementTtl(b, 2)).toBe(63);
    expect(toHex(b, 2, 22)).toBe("4500001f1c4640003f113351c0000201c6336402");
    expect(new Ipv4View(b, 2).verifyChecksum()).toBe(true);
    const zero = fromHex(G1);
    zero[8] = 0;
    expect(() => decrementTtl(zero, 0)).toThrow(RangeError);
  });
});

const option: fc.Arbitrary<Ipv4Option> = fc.oneof(
  fc.constant<Ipv4Option>({ kind: "nop" }),
  fc.record({
    kind: fc.constant("option" as const),
    type: fc.integer({ min: 2, max: 255 }),
    data: fc.uint8Array({ maxLength: 6 }),
  }),
);

/** Valid records: at most 5 options of at most 8 bytes keeps them within 40 bytes. */
const record: fc.Arbitrary<Ipv4Record> = fc.record({
  dscp: fc.integer({ min: 0, max: 63 }),
  ecn: fc.integer({ min: 0, max: 3 }),
  identification: fc.integer({ min: 0, max: 0xffff }),
  dontFragment: fc.boolean(),
  moreFragments: fc.boolean(),
  fragmentOffset: fc.integer({ min: 0, max: 0x1fff }),
  ttl: fc.integer({ min: 0, max: 255 }),
  protocol: fc.integer({ min: 0, max: 255 }),
  headerChecksum: fc.integer({ min: 0, max: 0xffff }),
  src: fc.integer({ min: 0, max: 0xffffffff }),
  dst: fc.integer({ min: 0, max: 0xffffffff }),
  options: fc.array(option, { maxLength: 5 }),
  payload: fc.uint8Array({ maxLength: 100 }),
});

describe("ipv4 properties", () => {
  it("round-trips: parse(emit(r)) equals r with the computed checksum", () => {
    fc.assert(
      fc.property(record, (r) => {
        expect(ipv4OptionsLength(r.options)).toBeLessThanOrEqual(40);
        const wire = emitIpv4(r);
        expect(wire.length).toBe(ipv4BufferLength(r));
        const back = parseIpv4(wire);
        expect(back).toEqual({ ...r, headerChecksum: new Ipv4View(wire).headerChecksum });
        expect(toHex(emitIpv4(back as Ipv4Record))).toBe(toHex(wire));
      }),
      { numRuns: 3000 },
    );
  });

  it("decrementTtl equals a full recomputation for every TTL and random headers", () => {
    fc.assert(
      fc.property(record, fc.integer({ min: 1, max: 255 }), (r, ttl) => {
        const wire = emitIpv4({ ...r, ttl });
        const hl = new Ipv4View(wire).headerLength;
        expect(decrementTtl(wire, 0)).toBe(ttl - 1);
        const full = Uint8Array.from(wire.subarray(0, hl));
        full[10] = 0;
        full[11] = 0;
        expect(new Ipv4View(wire).headerChecksum).toBe(internetChecksum(full));
        expect(wire[8]).toBe(ttl - 1);
      }),
      { numRuns: 3000 },
    );
    // Every TTL value on one fixed header.
    for (let ttl = 1; ttl <= 255; ttl++) {
      const wire = emitIpv4({ ...G1_RECORD, ttl });
      decrementTtl(wire, 0);
      expect(toHex(wire)).toBe(toHex(emitIpv4({ ...G1_RECORD, ttl: ttl - 1 })));
    }
  });

  it("decrementTtl keeps a wrong checksum wrong (RFC 1624 §2)", () => {
    const b = fromHex(G1);
    b[11] = b[11]! ^ 0x10;
    decrementTtl(b, 0);
    expect(new Ipv4View(b).verifyChecksum()).toBe(false);
  });

  it("fuzz: any input yields a record or a ParseError", () => {
    fuzzParser((b) => parseIpv4(b), [fromHex(G1), fromHex(G2)]);
  });

  it("fuzz without checksum verification reaches the option and length checks", () => {
    fuzzParser((b) => parseIpv4(b, { verifyChecksum: false }), [fromHex(G1), fromHex(G2)]);
  });

  it("has a 20-byte minimum header", () => {
    expect(IPV4_HEADER_MIN).toBe(20);
  });
});
