import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { type Ipv6Address, parseIpv4Address, parseIpv6Address } from "./address.js";
import { fromHex, toHex } from "./bytes.js";
import type { PseudoHeader } from "./checksum.js";
import { ParseError } from "./parse-error.js";
import { type SeqNumber, seq } from "./seq.js";
import {
  emitTcp,
  formatTcpFlags,
  parseTcp,
  TCP_FLAG_ACK,
  TCP_FLAG_AE,
  TCP_FLAG_CWR,
  TCP_FLAG_ECE,
  TCP_FLAG_FIN,
  TCP_FLAG_PSH,
  TCP_FLAG_RST,
  TCP_FLAG_SYN,
  TCP_FLAG_URG,
  type TcpRecord,
  TcpView,
  tcpBufferLength,
  tcpChecksum,
} from "./tcp.js";
import type { TcpOption } from "./tcp-options.js";

const v4 = (s: string) => parseIpv4Address(s) as number;
const v6 = (s: string) => parseIpv6Address(s) as Ipv6Address;
const PH: PseudoHeader = { family: 4, src: v4("192.0.2.1"), dst: v4("198.51.100.2") };
const PH6: PseudoHeader = { family: 6, src: v6("2001:db8::1"), dst: v6("2001:db8::2") };

// Hand-assembled with Python's struct from RFC 9293 §3.1; checksums computed there over the
// pseudo-header, and confirmed by `tshark -o tcp.check_checksum:TRUE` on a text2pcap capture
// ("[correct]", no malformed-packet expert info).
// 54321 -> 80 SYN, seq 0x9abcdef0, window 64240, options as Linux sends them:
// MSS 1460, SACK-permitted, timestamps 123456/0, NOP, window scale 7. Checksum 0x3067.
const SYN =
  "d431 0050 9abcdef0 00000000 a002 faf0 3067 0000 020405b4 0402 080a 0001e240 00000000 01 030307";
// ACK 0x10000001, window 501, NOP NOP timestamps 123500/987654, NOP NOP SACK with blocks
// 0x10000400-0x10000800 and 0xfffffff0-0x10 (wrapping). Checksum 0xb3b4.
const SACK =
  "d431 0050 9abcdef1 10000001 d010 01f5 b3b4 0000 0101080a 0001e26c 000f1206 " +
  "01010512 10000400 10000800 fffffff0 00000010";
// PSH|ACK, window 502, NOP NOP timestamps 123501/987654, 27 bytes of HTTP (odd length).
// Checksum 0xf902.
const HTTP_GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
const PSH =
  "d431 0050 9abcdef1 10000001 8018 01f6 f902 0000 0101080a 0001e26d 000f1206 " +
  "474554202f20485454502f312e310d0a486f73743a20610d0a0d0a";
// Over IPv6 2001:db8::1 -> ::2: 443 -> 50000, seq 1, ack 2, AE|CWR|ECE|URG|ACK, window 65535,
// urgent pointer 3, no options, data "abc". Checksum 0xc908.
const V6 = "01bb c350 00000001 00000002 51f0 ffff c908 0003 616263";

const hex = (s: string) => s.replace(/\s+/g, "");
const ascii = (s: string) => new TextEncoder().encode(s);
const ok = (r: TcpRecord | ParseError): TcpRecord => {
  if (r instanceof ParseError) throw new Error(r.message);
  return r;
};

const synRecord = (): TcpRecord => ({
  srcPort: 54321,
  dstPort: 80,
  seq: seq(0x9abcdef0),
  ack: seq(0),
  flags: TCP_FLAG_SYN,
  window: 64240,
  checksum: 0x3067,
  urgentPointer: 0,
  options: [
    { kind: "mss", value: 1460 },
    { kind: "sack-permitted" },
    { kind: "timestamps", tsval: 123456, tsecr: 0 },
    { kind: "nop" },
    { kind: "window-scale", shift: 7 },
  ],
  payload: new Uint8Array(0),
});

describe("tcp", () => {
  it("decodes a Linux SYN with options", () => {
    expect(ok(parseTcp(fromHex(SYN), PH))).toEqual(synRecord());
  });

  it("decodes an ACK with SACK blocks", () => {
    const r = ok(parseTcp(fromHex(SACK), PH));
    expect(r).toMatchObject({ seq: 0x9abcdef1, ack: 0x10000001, flags: TCP_FLAG_ACK, window: 501 });
    expect(r.checksum).toBe(0xb3b4);
    expect(r.payload.length).toBe(0);
    expect(r.options).toEqual([
      { kind: "nop" },
      { kind: "nop" },
      { kind: "timestamps", tsval: 123500, tsecr: 987654 },
      { kind: "nop" },
      { kind: "nop" },
      {
        kind: "sack",
        blocks: [
          { left: 0x10000400, right: 0x10000800 },
          { left: 0xfffffff0, right: 0x10 },
        ],
      },
    ]);
  });

  it("decodes data with PSH|ACK, and a bare header over IPv6 with every ECN bit", () => {
    const r = ok(parseTcp(fromHex(PSH), PH));
    expect(r.flags).toBe(TCP_FLAG_PSH | TCP_FLAG_ACK);
    expect(r.flags).toBe(0x018);
    expect(new TextDecoder().decode(r.payload)).toBe(HTTP_GET);
    expect(r.options).toEqual([
      { kind: "nop" },
      { kind: "nop" },
      { kind: "timestamps", tsval: 123501, tsecr: 987654 },
    ]);
    const b = fromHex(V6);
    const s = ok(parseTcp(b, PH6));
    expect(s).toEqual({
      srcPort: 443,
      dstPort: 50000,
      seq: 1,
      ack: 2,
      flags: TCP_FLAG_AE | TCP_FLAG_CWR | TCP_FLAG_ECE | TCP_FLAG_URG | TCP_FLAG_ACK,
      window: 0xffff,
      checksum: 0xc908,
      urgentPointer: 3,
      options: [],
      payload: ascii("abc"),
    });
    expect(s.flags).toBe(0x1f0);
    expect(s.payload.buffer).toBe(b.buffer); // zero-copy
    expect(parseTcp(b, PH)).toMatchObject({ reason: "checksum" }); // wrong pseudo-header
  });

  it("encodes golden bytes with a computed checksum", () => {
    expect(toHex(emitTcp({ ...synRecord(), checksum: 0 }, PH))).toBe(hex(SYN));
    const sack = ok(parseTcp(fromHex(SACK)));
    expect(toHex(emitTcp({ ...sack, checksum: 0 }, PH))).toBe(hex(SACK));
    const psh: TcpRecord = {
      srcPort: 54321,
      dstPort: 80,
      seq: seq(0x9abcdef1),
      ack: seq(0x10000001),
      flags: TCP_FLAG_PSH | TCP_FLAG_ACK,
      window: 502,
      checksum: 0,
      urgentPointer: 0,
      options: [
        { kind: "nop" },
        { kind: "nop" },
        { kind: "timestamps", tsval: 123501, tsecr: 987654 },
      ],
      payload: ascii(HTTP_GET),
    };
    expect(toHex(emitTcp(psh, PH))).toBe(hex(PSH));
    expect(tcpBufferLength(psh)).toBe(32 + 27);
    const v6 = ok(parseTcp(fromHex(V6)));
    expect(toHex(emitTcp({ ...v6, checksum: 0 }, PH6))).toBe(hex(V6));
  });

  it("writes the carried checksum without a pseudo-header, and into a buffer at an offset", () => {
    const wire = emitTcp({ ...synRecord(), checksum: 0xbeef });
    expect(toHex(wire, 16, 18)).toBe("beef");
    expect(tcpChecksum(fromHex(SYN), PH)).toBe(0);
    const out = new Uint8Array(48).fill(0xee);
    const seg = emitTcp({ ...synRecord(), checksum: 0 }, PH, out, 4);
    expect(toHex(out)).toBe(`eeeeeeee${hex(SYN)}eeeeeeee`);
    expect(seg.byteOffset).toBe(4);
    expect(seg.length).toBe(40);
  });

  it("reads and writes fields in place through TcpView", () => {
    const b = fromHex(`eeee${hex(SYN)}ee`);
    const view = new TcpView(b, 2, b.length - 1);
    expect(view.srcPort).toBe(54321);
    expect(view.dstPort).toBe(80);
    expect(view.seq).toBe(0x9abcdef0);
    expect(view.ack).toBe(0);
    expect(view.dataOffset).toBe(10);
    expect(view.headerLength).toBe(40);
    expect(view.flags).toBe(TCP_FLAG_SYN);
    expect(view.window).toBe(64240);
    expect(view.checksum).toBe(0x3067);
    expect(view.urgentPointer).toBe(0);
    expect(toHex(view.options)).toBe(hex(SYN).slice(40));
    expect(view.payload.length).toBe(0);
    expect(view.verifyChecksum(PH)).toBe(true);

    view.flags = TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_AE;
    expect(toHex(b, 14, 16)).toBe("a112"); // data offset kept
    view.dataOffset = 5;
    expect(toHex(b, 14, 16)).toBe("5112"); // flags kept
    expect(view.payload.length).toBe(20);
    view.dataOffset = 10;
    view.flags = TCP_FLAG_SYN;
    view.seq = seq(0xfffffffe);
    view.ack = seq(7);
    view.window = 1;
    view.urgentPointer = 2;
    view.srcPort = 1;
    view.dstPort = 2;
    expect(toHex(b, 2, 22)).toBe("00010002fffffffe00000007a002000130670002");
    expect(view.verifyChecksum(PH)).toBe(false);
    view.fillChecksum(PH);
    expect(view.verifyChecksum(PH)).toBe(true);
    expect(ok(parseTcp(view.segment, PH)).seq).toBe(0xfffffffe);
  });

  it("reports truncation and bad data offsets with field and offset", () => {
    expect(parseTcp(fromHex(SYN).subarray(0, 19))).toMatchObject({
      protocol: "tcp",
      field: "header",
      offset: 0,
      reason: "truncated",
    });
    // Data offset 10 but only 30 bytes: the options are cut short.
    expect(parseTcp(fromHex(SYN).subarray(0, 30))).toMatchObject({
      field: "options",
      offset: 20,
      reason: "truncated",
      detail: "need 20 byte(s), have 10",
    });
    const low = fromHex(V6);
    low[12] = 0x41;
    expect(parseTcp(low)).toMatchObject({ field: "dataOffset", offset: 12, reason: "invalid" });
  });

  it("reports malformed options at their offset in the segment", () => {
    const mss = fromHex(SYN);
    mss[21] = 3; // MSS length 3
    expect(parseTcp(mss)).toMatchObject({ field: "options.mss", offset: 21, reason: "invalid" });
    expect(parseTcp(mss, PH)).toMatchObject({ field: "checksum", reason: "checksum" });
    const past = fromHex(SYN);
    past[38] = 4; // window scale length 4 runs past the 40-byte header
    expect(parseTcp(past)).toMatchObject({ field: "options", offset: 38, reason: "invalid" });
    const zero = fromHex(SACK);
    zero[21] = 0; // the second NOP becomes an EOL: the rest is padding
    expect(ok(parseTcp(zero)).options).toEqual([{ kind: "nop" }]);
    zero[20] = 0;
    expect(ok(parseTcp(zero)).options).toEqual([]);
    const ts = fromHex(PSH);
    ts[23] = 9; // timestamps length 9
    expect(parseTcp(ts)).toMatchObject({ field: "options.timestamps", offset: 23 });
  });

  it("rejects a corrupted segment by checksum", () => {
    const b = fromHex(PSH);
    b[40] = b[40]! ^ 0x20;
    expect(parseTcp(b, PH)).toMatchObject({ reason: "checksum", field: "checksum", offset: 16 });
    expect(parseTcp(b)).not.toBeInstanceOf(ParseError); // no pseudo-header: not verified
  });

  it("refuses to emit options over 40 bytes", () => {
    const options: TcpOption[] = new Array(41).fill({ kind: "nop" });
    expect(() => emitTcp({ ...synRecord(), options })).toThrow(RangeError);
    const fits = emitTcp({ ...synRecord(), options: options.slice(0, 40) });
    expect(fits.length).toBe(60);
    expect(fits[12]).toBe(0xf0);
  });

  it("formats flags as tcpdump does", () => {
    expect(formatTcpFlags(TCP_FLAG_SYN)).toBe("[S]");
    expect(formatTcpFlags(TCP_FLAG_SYN | TCP_FLAG_ACK)).toBe("[S.]");
    expect(formatTcpFlags(TCP_FLAG_PSH | TCP_FLAG_ACK)).toBe("[P.]");
    expect(formatTcpFlags(TCP_FLAG_FIN | TCP_FLAG_ACK)).toBe("[F.]");
    expect(formatTcpFlags(TCP_FLAG_RST)).toBe("[R]");
    expect(formatTcpFlags(TCP_FLAG_ACK)).toBe("[.]");
    expect(formatTcpFlags(TCP_FLAG_SYN | TCP_FLAG_ECE | TCP_FLAG_CWR)).toBe("[SEW]");
    expect(formatTcpFlags(0x1ff)).toBe("[FSRP.UEWe]");
    expect(formatTcpFlags(0)).toBe("[none]");
  });

  it("round-trips: parse(emit(r)) equals r", () => {
    fc.assert(
      fc.property(record, (r) => {
        expect(parseTcp(emitTcp(r))).toEqual(r);
        const withSum = emitTcp(r, PH);
        expect(parseTcp(withSum, PH)).toEqual({
          ...r,
          checksum: withSum[16]! * 256 + withSum[17]!,
        });
      }),
      { numRuns: 3000 },
    );
  });

  it("fuzz: any input yields a record or a ParseError, and records re-emit unchanged", () => {
    const samples = [fromHex(SYN), fromHex(SACK), fromHex(PSH), fromHex(V6)];
    fuzzParser((b) => {
      const r = parseTcp(b);
      if (!(r instanceof ParseError)) expect(parseTcp(emitTcp(r))).toEqual(r);
      return r;
    }, samples);
    fuzzParser((b) => parseTcp(b, PH), samples, { runs: 10_000 });
  });
});

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const seqArb = u32.map((n) => n as SeqNumber);
const option: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant({ kind: "nop" } as const),
  fc.record({ kind: fc.constant("mss" as const), value: u16 }),
  fc.record({
    kind: fc.constant("window-scale" as const),
    shift: fc.integer({ min: 0, max: 255 }),
  }),
  fc.constant({ kind: "sack-permitted" } as const),
  fc.record({
    kind: fc.constant("sack" as const),
    blocks: fc.array(fc.record({ left: seqArb, right: seqArb }), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant("timestamps" as const), tsval: u32, tsecr: u32 }),
  fc.record({
    kind: fc.constant("unknown" as const),
    type: fc.integer({ min: 6, max: 255 }).filter((t) => t !== 8),
    data: fc.uint8Array({ maxLength: 12 }),
  }),
);
const record: fc.Arbitrary<TcpRecord> = fc.record({
  srcPort: u16,
  dstPort: u16,
  seq: seqArb,
  ack: seqArb,
  flags: fc.integer({ min: 0, max: 0x1ff }),
  window: u16,
  checksum: u16,
  urgentPointer: u16,
  options: fc
    .array(option, { maxLength: 8 })
    .filter((l) => l.reduce((n, o) => n + emitLength(o), 0) <= 40),
  payload: fc.uint8Array({ maxLength: 100 }),
});

/** Wire length of one option, counted independently of the code under test. */
function emitLength(o: TcpOption): number {
  if (o.kind === "nop") return 1;
  if (o.kind === "sack") return 2 + 8 * o.blocks.length;
  if (o.kind === "unknown") return 2 + o.data.length;
  return { mss: 4, "window-scale": 3, "sack-permitted": 2, timestamps: 10 }[o.kind];
}
