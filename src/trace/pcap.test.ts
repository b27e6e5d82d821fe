import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { fromHex, toHex } from "../wire/bytes.js";
import { ParseError } from "../wire/parse-error.js";
import {
  CaptureBuffer,
  concatChunks,
  LINKTYPE_ETHERNET,
  LINKTYPE_RAW,
  type PcapFile,
  PcapWriter,
  readPcap,
} from "./pcap.js";

// Global header, little-endian, per draft-ietf-opsawg-pcap §4: nanosecond magic a1b23c4d,
// version 2.4, two zero reserved words, snaplen 262144 (0x00040000), link type 1.
const GLOBAL = "4d3cb2a1 0200 0400 00000000 00000000 00000400 01000000";
// Record (§5) at 1.500000007 s: seconds 1, nanoseconds 500000007 = 0x1dcd6507, caplen 3, len 3.
const RECORD = "01000000 07 65 cd 1d 03000000 03000000 616263";
const hex = (s: string) => s.replace(/\s+/g, "");

function capture(linkType: number, snaplen?: number) {
  const buf = new CaptureBuffer();
  const w = new PcapWriter(buf.sink, snaplen === undefined ? { linkType } : { linkType, snaplen });
  return { buf, w };
}

describe("pcap writer", () => {
  it("writes the exact global header", () => {
    const { buf } = capture(LINKTYPE_ETHERNET);
    expect(buf.chunks.length).toBe(1);
    expect(toHex(buf.toBytes())).toBe(hex(GLOBAL));
    const raw = capture(LINKTYPE_RAW, 1500).buf.toBytes();
    expect(toHex(raw, 16)).toBe("dc05000065000000");
  });

  it("writes the exact record header, with the time split into s and ns", () => {
    const { buf, w } = capture(LINKTYPE_ETHERNET);
    w.write(1_500_000_007, fromHex("616263"));
    expect(toHex(buf.toBytes())).toBe(hex(GLOBAL + RECORD));
    expect(w.count).toBe(1);
  });

  it("cuts records to snaplen and keeps the original length", () => {
    const { buf, w } = capture(LINKTYPE_RAW, 4);
    w.write(0, fromHex("0102030405060708"));
    w.write(7, fromHex("0102"), 1500);
    const f = readPcap(buf.toBytes()) as PcapFile;
    expect(f.snaplen).toBe(4);
    expect(f.records.map((r) => [r.time, r.originalLength, toHex(r.data)])).toEqual([
      [0, 8, "01020304"],
      [7, 1500, "0102"],
    ]);
    expect(toHex(buf.chunks[1]!, 8, 16)).toBe("0400000008000000");
  });

  it("copies packet bytes, so later mutation does not change the capture", () => {
    const { buf, w } = capture(LINKTYPE_RAW);
    const pkt = fromHex("45000014");
    w.write(1, pkt);
    pkt[0] = 0;
    expect(toHex((readPcap(buf.toBytes()) as PcapFile).records[0]!.data)).toBe("45000014");
  });

  it("refuses invalid times, lengths and options", () => {
    const { w } = capture(LINKTYPE_RAW);
    expect(() => w.write(-1, new Uint8Array(1))).toThrow(RangeError);
    expect(() => w.write(1.5, new Uint8Array(1))).toThrow(RangeError);
    expect(() => w.write(2 ** 53, new Uint8Array(1))).toThrow(RangeError);
    expect(() => w.write(0, new Uint8Array(4), 3)).toThrow(RangeError);
    expect(() => capture(LINKTYPE_RAW, 0)).toThrow(RangeError);
    expect(() => capture(0x10000)).toThrow(RangeError);
  });

  it("keeps nanosecond precision up to the largest virtual time", () => {
    const { buf, w } = capture(LINKTYPE_RAW);
    const t = Number.MAX_SAFE_INTEGER;
    w.write(t, new Uint8Array(0));
    const r = (readPcap(buf.toBytes()) as PcapFile).records[0]!;
    expect(r.time).toBe(t);
    expect(r.seconds).toBe(Math.floor(t / 1e9));
    expect(r.nanoseconds).toBe(t % 1e9);
  });

  it("round-trips: readPcap(write(records)) returns them", () => {
    const rec = fc.record({
      time: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      data: fc.uint8Array({ maxLength: 80 }),
      extra: fc.nat({ max: 3000 }),
    });
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 8 }), fc.integer({ min: 1, max: 100 }), (rs, snap) => {
        const { buf, w } = capture(LINKTYPE_ETHERNET, snap);
        for (const r of rs) w.write(r.time, r.data, r.data.length + r.extra);
        const f = readPcap(buf.toBytes()) as PcapFile;
        expect(f).not.toBeInstanceOf(ParseError);
        expect([f.linkType, f.snaplen, f.nanos, f.bigEndian]).toEqual([1, snap, true, false]);
        expect(f.records.map((r) => [r.time, r.originalLength, toHex(r.data)])).toEqual(
          rs.map((r) => [r.time, r.data.length + r.extra, toHex(r.data.subarray(0, snap))]),
        );
      }),
      { numRuns: 1000 },
    );
  });
});

describe("readPcap", () => {
  it("reads a big-endian microsecond file", () => {
    // Magic a1b2c3d4 as written by a big-endian host; 2.123456 s; link type 101 (raw IP).
    const be = fromHex(
      "a1b2c3d4 0002 0004 00000000 00000000 0000ffff 00000065" +
        "00000002 0001e240 00000004 0000003c 45000014",
    );
    const f = readPcap(be) as PcapFile;
    expect(f).toMatchObject({ linkType: 101, snaplen: 65535, nanos: false, bigEndian: true });
    expect(f.records.length).toBe(1);
    expect(f.records[0]).toMatchObject({ time: 2_123_456_000, originalLength: 60 });
    expect(toHex(f.records[0]!.data)).toBe("45000014");
  });

  it("reads little-endian microsecond and big-endian nanosecond files", () => {
    const leMicro = fromHex("d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000");
    expect(readPcap(leMicro)).toMatchObject({ nanos: false, bigEndian: false, records: [] });
    const beNano = fromHex(
      "a1b23c4d 0002 0004 00000000 00000000 00040000 00000001 00000001 3b9ac9ff 00000000 00000000",
    );
    expect((readPcap(beNano) as PcapFile).records[0]!.time).toBe(1_999_999_999);
  });

  it("reports bad and truncated files with field and offset", () => {
    const file = fromHex(GLOBAL + RECORD);
    expect(readPcap(file.subarray(0, 20))).toMatchObject({ field: "header", reason: "truncated" });
    expect(readPcap(file.subarray(0, 30))).toMatchObject({
      protocol: "pcap",
      field: "records[0].header",
      offset: 24,
      reason: "truncated",
    });
    expect(readPcap(file.subarray(0, 42))).toMatchObject({
      field: "records[0].data",
      offset: 40,
      reason: "truncated",
    });
    const bad = Uint8Array.from(file);
    bad[0] = 0;
    expect(readPcap(bad)).toMatchObject({ field: "magic", offset: 0, reason: "invalid" });
    const ng = fromHex("0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000");
    expect(readPcap(ng)).toMatchObject({ field: "magic", reason: "unsupported" });
    const v1 = Uint8Array.from(file);
    v1[4] = 1;
    expect(readPcap(v1)).toMatchObject({ field: "version", offset: 4, reason: "unsupported" });
    const frac = Uint8Array.from(file);
    frac.set(fromHex("00ca9a3b"), 28); // 1e9 ns is not a fraction of a second
    expect(readPcap(frac)).toMatchObject({ field: "records[0].fraction", reason: "invalid" });
    const longer = Uint8Array.from(file);
    longer[32] = 4; // captured 4 > original 3
    expect(readPcap(longer)).toMatchObject({ field: "records[0].capturedLength", offset: 32 });
  });

  it("collects chunks into one buffer", () => {
    expect(toHex(concatChunks([fromHex("01"), new Uint8Array(0), fromHex("0203")]))).toBe("010203");
  });

  it("fuzz: any input yields a file or a ParseError", () => {
    const { buf, w } = capture(LINKTYPE_ETHERNET);
    w.write(1_500_000_007, fromHex("616263"));
    w.write(2_000_000_000, fromHex("0102030405"));
    fuzzParser(readPcap, [buf.toBytes(), fromHex(GLOBAL)]);
  });
});
