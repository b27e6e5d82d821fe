import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../wire/bytes.js";
import { CaptureBuffer, LINKTYPE_ETHERNET, LINKTYPE_RAW } from "./pcap.js";
import { PCAPNG_EPB, PCAPNG_IDB, PCAPNG_SHB, PcapngWriter } from "./pcapng.js";

const hex = (s: string) => s.replace(/\s+/g, "");
// Section Header Block (draft-ietf-opsawg-pcapng §4.1), little-endian: type, total length 44,
// byte-order magic, version 1.0, section length -1, shb_userappl (4) "wirelab" padded to 8,
// opt_endofopt, total length again.
const SHB =
  "0a0d0d0a 2c000000 4d3c2b1a 0100 0000 ffffffffffffffff" +
  "0400 0700 776972656c616200 0000 0000 2c000000";
// Interface Description Block (§4.2): link type 1, reserved, snaplen 262144, if_name (2) "eth0",
// if_tsresol (9) = 9 padded to 4, opt_endofopt; total length 40.
const IDB =
  "01000000 28000000 0100 0000 00000400 0200 0400 65746830 0900 0100 09000000 0000 0000 28000000";
// Enhanced Packet Block (§4.3): interface 0, timestamp 1500000007 ns = 0x00000000_59682f07
// (high word first), captured 3, original 3, "abc" padded to 4; total length 36.
const EPB = "06000000 24000000 00000000 00000000 072f6859 03000000 03000000 61626300 24000000";

interface Block {
  type: number;
  body: DataView;
  bytes: Uint8Array;
}

/** A minimal block walker (§3.1): checks both length words and 32-bit alignment. */
function blocks(file: Uint8Array): Block[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Block[] = [];
  for (let o = 0; o < file.length; ) {
    const type = dv.getUint32(o, true);
    const len = dv.getUint32(o + 4, true);
    expect(len % 4).toBe(0);
    expect(len).toBeGreaterThanOrEqual(12);
    expect(dv.getUint32(o + len - 4, true)).toBe(len);
    const bytes = file.subarray(o, o + len);
    out.push({ type, body: new DataView(file.buffer, file.byteOffset + o, len), bytes });
    o += len;
  }
  return out;
}

describe("pcapng writer", () => {
  it("writes exact section, interface and packet blocks", () => {
    const buf = new CaptureBuffer();
    const w = new PcapngWriter(buf.sink);
    expect(w.addInterface({ name: "eth0", linkType: LINKTYPE_ETHERNET })).toBe(0);
    w.write(0, 1_500_000_007, fromHex("616263"));
    expect(buf.chunks.map((c) => toHex(c))).toEqual([hex(SHB), hex(IDB), hex(EPB)]);
  });

  it("writes a packet comment, a description and a 64-bit timestamp", () => {
    const buf = new CaptureBuffer();
    const w = new PcapngWriter(buf.sink, { application: "" });
    // No options at all: the SHB is the bare 28 bytes.
    expect(toHex(buf.chunks[0]!)).toBe(
      hex("0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000"),
    );
    w.addInterface({ name: "r1", linkType: LINKTYPE_RAW, snaplen: 2, description: "uplink" });
    expect(toHex(buf.chunks[1]!, 16, 36)).toBe(
      hex("0200 0200 72310000 0300 0600 75706c696e6b0000"),
    );
    w.write(0, 0x1_0000_0005, fromHex("450000"), { originalLength: 20, comment: "hi" });
    expect(toHex(buf.chunks[2]!)).toBe(
      hex(
        "06000000 30000000 00000000 01000000 05000000 02000000 14000000 4500 0000" +
          "0100 0200 68690000 0000 0000 30000000",
      ),
    );
  });

  it("refuses unknown interfaces and invalid times", () => {
    const w = new PcapngWriter(() => {});
    expect(() => w.write(0, 0, new Uint8Array(1))).toThrow(/no interface 0/);
    w.addInterface({ name: "a", linkType: 1 });
    expect(w.interfaceCount).toBe(1);
    expect(() => w.write(0, -5, new Uint8Array(1))).toThrow(RangeError);
    expect(() => w.write(0, 0, new Uint8Array(2), { originalLength: 1 })).toThrow(RangeError);
    expect(() => w.addInterface({ name: "b", linkType: 70000 })).toThrow(RangeError);
  });

  it("produces well-framed blocks whose fields read back", () => {
    const pkt = fc.record({
      iface: fc.nat({ max: 2 }),
      time: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      data: fc.uint8Array({ maxLength: 40 }),
      comment: fc.option(fc.string({ maxLength: 9 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(pkt, { maxLength: 6 }), (pkts) => {
        const buf = new CaptureBuffer();
        const w = new PcapngWriter(buf.sink);
        for (const [i, linkType] of [1, 101, 1].entries()) {
          w.addInterface({ name: `if${i}`, linkType, snaplen: 32 });
        }
        for (const p of pkts) w.write(p.iface, p.time, p.data, { comment: p.comment });
        const bs = blocks(buf.toBytes());
        expect(bs.map((b) => b.type)).toEqual([
          PCAPNG_SHB,
          PCAPNG_IDB,
          PCAPNG_IDB,
          PCAPNG_IDB,
          ...pkts.map(() => PCAPNG_EPB),
        ]);
        pkts.forEach((p, i) => {
          const d = bs[4 + i]!.body;
          const time = d.getUint32(12, true) * 2 ** 32 + d.getUint32(16, true);
          const caplen = d.getUint32(20, true);
          expect([d.getUint32(8, true), time, caplen, d.getUint32(24, true)]).toEqual([
            p.iface,
            p.time,
            Math.min(32, p.data.length),
            p.data.length,
          ]);
          expect(toHex(bs[4 + i]!.bytes.subarray(28, 28 + caplen))).toBe(
            toHex(p.data.subarray(0, 32)),
          );
        });
      }),
      { numRuns: 500 },
    );
  });
});
