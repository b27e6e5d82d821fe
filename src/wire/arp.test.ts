import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { parseIpv4Address } from "./address.js";
import {
  ARP_REPLY,
  ARP_REQUEST,
  type ArpRecord,
  ArpView,
  arpBufferLength,
  emitArp,
  parseArp,
} from "./arp.js";
import { fromHex, toHex } from "./bytes.js";
import { mac } from "./mac.js";
import { ParseError } from "./parse-error.js";

const v4 = (s: string) => parseIpv4Address(s) as number;
// RFC 826 layout, assembled by hand and checked with text2pcap + tshark:
// htype 1, ptype 0x0800, hlen 6, plen 4, op, sha, spa, tha, tpa.
const REQUEST = "0001 0800 06 04 0001 020000000001 c0000201 000000000000 c0000202";
const REPLY = "0001 0800 06 04 0002 020000000002 c0000202 020000000001 c0000201";

const REQUEST_RECORD: ArpRecord = {
  op: ARP_REQUEST,
  senderMac: mac("02:00:00:00:00:01"),
  senderIp: v4("192.0.2.1"),
  targetMac: 0,
  targetIp: v4("192.0.2.2"),
};
const REPLY_RECORD: ArpRecord = {
  op: ARP_REPLY,
  senderMac: mac("02:00:00:00:00:02"),
  senderIp: v4("192.0.2.2"),
  targetMac: mac("02:00:00:00:00:01"),
  targetIp: v4("192.0.2.1"),
};
const hex = (s: string) => s.replace(/\s+/g, "");

describe("arp", () => {
  it("decodes golden bytes", () => {
    expect(parseArp(fromHex(REQUEST))).toEqual(REQUEST_RECORD);
    expect(parseArp(fromHex(REPLY))).toEqual(REPLY_RECORD);
    // Ethernet padding after the 28 bytes is ignored.
    expect(parseArp(fromHex(REQUEST + "00".repeat(18)))).toEqual(REQUEST_RECORD);
  });

  it("encodes golden bytes", () => {
    expect(toHex(emitArp(REQUEST_RECORD))).toBe(hex(REQUEST));
    expect(toHex(emitArp(REPLY_RECORD))).toBe(hex(REPLY));
    expect(arpBufferLength(REPLY_RECORD)).toBe(28);
    const out = new Uint8Array(32).fill(0xee);
    emitArp(REPLY_RECORD, out, 2);
    expect(toHex(out)).toBe(`eeee${hex(REPLY)}eeee`);
  });

  it("gives zero-copy field access through the view", () => {
    const b = fromHex(REQUEST);
    const v = new ArpView(b);
    expect([v.htype, v.ptype, v.hlen, v.plen, v.op]).toEqual([1, 0x0800, 6, 4, 1]);
    v.op = ARP_REPLY;
    v.targetMac = mac("0a:0b:0c:0d:0e:0f");
    v.targetIp = v4("10.0.0.1");
    expect(toHex(b, 6, 8)).toBe("0002");
    expect(toHex(b, 18, 28)).toBe("0a0b0c0d0e0f0a000001");
  });

  it("reports truncation with field and offset", () => {
    expect(parseArp(fromHex("00010800"))).toMatchObject({
      protocol: "arp",
      field: "header",
      offset: 0,
      reason: "truncated",
    });
    expect(parseArp(fromHex(hex(REQUEST).slice(0, 54)))).toMatchObject({
      field: "addresses",
      offset: 8,
      reason: "truncated",
    });
  });

  it("refuses other hardware, protocols, lengths and operations as unsupported", () => {
    const cases: [string, string, number][] = [
      ["0006", "htype", 0], // IEEE 802 networks
      ["0001 86dd", "ptype", 2],
      ["0001 0800 08", "hlen", 4],
      ["0001 0800 06 10", "plen", 5],
      ["0001 0800 06 04 0003", "op", 6], // RARP request
    ];
    for (const [head, field, offset] of cases) {
      const b = fromHex(REQUEST);
      b.set(fromHex(head));
      expect(parseArp(b), field).toMatchObject({ field, offset, reason: "unsupported" });
    }
  });

  it("round-trips: parse(emit(r)) equals r", () => {
    const arb = fc.record({
      op: fc.constantFrom(ARP_REQUEST, ARP_REPLY),
      senderMac: fc.integer({ min: 0, max: 0xffff_ffff_ffff }),
      senderIp: fc.integer({ min: 0, max: 0xffff_ffff }),
      targetMac: fc.integer({ min: 0, max: 0xffff_ffff_ffff }),
      targetIp: fc.integer({ min: 0, max: 0xffff_ffff }),
    });
    fc.assert(
      fc.property(arb, (r) => {
        const back = parseArp(emitArp(r));
        expect(back).not.toBeInstanceOf(ParseError);
        expect(back).toEqual(r);
      }),
      { numRuns: 2000 },
    );
  });

  it("fuzz: any input yields a record or a ParseError", () => {
    fuzzParser(parseArp, [fromHex(REQUEST), fromHex(REPLY)]);
  });
});
