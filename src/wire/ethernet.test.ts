import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { fromHex, toHex } from "./bytes.js";
import {
  ETHERTYPE_ARP,
  ETHERTYPE_IPV6,
  ETHERTYPE_VLAN,
  type EthernetRecord,
  EthernetView,
  emitEthernet,
  ethernetBufferLength,
  parseEthernet,
} from "./ethernet.js";
import { MAC_BROADCAST, mac } from "./mac.js";
import { ParseError } from "./parse-error.js";

const PAD18 = "00".repeat(18);
// Broadcast ARP request 192.0.2.1 -> who has 192.0.2.2, padded to 60 bytes; assembled by hand
// from IEEE 802.3 §3.2 and RFC 826, checked with text2pcap + tshark.
const ARP_BODY = "0001080006040001020000000001c0000201000000000000c0000202";
const GOLDEN = `ffffffffffff020000000001 0806 ${ARP_BODY}${PAD18}`;
// 802.1Q tag PCP 5, DEI 1, VID 100 (TCI 0xb064), inner EtherType IPv6, payload deadbeef + pad;
// tshark decodes "PRI: 5, DEI: 1, ID: 100".
const VLAN_GOLDEN = `020000000002020000000001 8100 b064 86dd deadbeef${"00".repeat(38)}`;

const record = (r: Partial<EthernetRecord>): EthernetRecord => ({
  dst: MAC_BROADCAST,
  src: mac("02:00:00:00:00:01"),
  etherType: ETHERTYPE_ARP,
  payload: fromHex(ARP_BODY),
  ...r,
});

describe("ethernet", () => {
  it("decodes golden bytes", () => {
    const r = parseEthernet(fromHex(GOLDEN));
    expect(r).not.toBeInstanceOf(ParseError);
    const e = r as EthernetRecord;
    expect(e.dst).toBe(MAC_BROADCAST);
    expect(e.src).toBe(mac("02:00:00:00:00:01"));
    expect(e.etherType).toBe(ETHERTYPE_ARP);
    expect(e.vlan).toBeUndefined();
    expect(toHex(e.payload)).toBe(ARP_BODY + PAD18); // padding stays in the payload
  });

  it("encodes golden bytes, padding to 60", () => {
    const wire = emitEthernet(record({}));
    expect(wire.length).toBe(60);
    expect(toHex(wire)).toBe(GOLDEN.replace(/\s+/g, ""));
    expect(ethernetBufferLength(record({}))).toBe(60);
    const big = record({ payload: new Uint8Array(100).fill(7) });
    expect(ethernetBufferLength(big)).toBe(114);
    expect(emitEthernet(big).length).toBe(114);
  });

  it("decodes and encodes a VLAN tag", () => {
    const r = parseEthernet(fromHex(VLAN_GOLDEN)) as EthernetRecord;
    expect(r).not.toBeInstanceOf(ParseError);
    expect(r.vlan).toEqual({ pcp: 5, dei: true, vid: 100 });
    expect(r.etherType).toBe(ETHERTYPE_IPV6);
    expect(r.dst).toBe(mac("02:00:00:00:00:02"));
    expect(r.payload.length).toBe(42);
    expect(toHex(r.payload, 0, 4)).toBe("deadbeef");
    const wire = emitEthernet({
      dst: mac("02:00:00:00:00:02"),
      src: mac("02:00:00:00:00:01"),
      vlan: { pcp: 5, dei: true, vid: 100 },
      etherType: ETHERTYPE_IPV6,
      payload: fromHex("deadbeef"),
    });
    expect(toHex(wire)).toBe(VLAN_GOLDEN.replace(/\s+/g, ""));
  });

  it("gives zero-copy field access through the view", () => {
    const b = fromHex(`eeee${VLAN_GOLDEN}`);
    const v = new EthernetView(b, 2);
    expect(v.tagged).toBe(true);
    expect([v.pcp, v.dei, v.vid, v.payloadType, v.headerLength]).toEqual([
      5,
      true,
      100,
      0x86dd,
      18,
    ]);
    v.vid = 4095;
    v.dei = false;
    v.pcp = 1;
    expect(toHex(b, 16, 18)).toBe("2fff");
    v.src = mac("0a:0b:0c:0d:0e:0f");
    expect(toHex(b, 8, 14)).toBe("0a0b0c0d0e0f");
    expect(new EthernetView(fromHex(GOLDEN)).payloadType).toBe(ETHERTYPE_ARP);
  });

  it("writes into a larger buffer at an offset", () => {
    const out = new Uint8Array(64).fill(0xee);
    emitEthernet(record({}), out, 2);
    expect(toHex(out)).toBe(`eeee${GOLDEN.replace(/\s+/g, "")}eeee`);
  });

  it("reports truncation with field and offset", () => {
    expect(parseEthernet(fromHex("ffffffffffff02000000000108"))).toMatchObject({
      protocol: "ethernet",
      field: "header",
      offset: 0,
      reason: "truncated",
    });
    expect(parseEthernet(fromHex("ffffffffffff020000000001 8100 b0"))).toMatchObject({
      field: "vlan",
      offset: 14,
      reason: "truncated",
    });
    // A bare header is a frame with an empty payload.
    const bare = parseEthernet(fromHex("ffffffffffff020000000001 0800")) as EthernetRecord;
    expect(bare.payload.length).toBe(0);
  });

  it("refuses 802.3 length fields and stacked tags as unsupported", () => {
    expect(
      parseEthernet(fromHex(`ffffffffffff020000000001 002e ${"00".repeat(46)}`)),
    ).toMatchObject({
      field: "etherType",
      offset: 12,
      reason: "unsupported",
    });
    expect(parseEthernet(fromHex("ffffffffffff020000000001 05ff 0000"))).toMatchObject({
      field: "etherType",
      reason: "unsupported",
    });
    expect(parseEthernet(fromHex("ffffffffffff020000000001 8100 0064 0040"))).toMatchObject({
      field: "vlan.etherType",
      offset: 16,
      reason: "unsupported",
    });
    expect(parseEthernet(fromHex("ffffffffffff020000000001 8100 0064 8100"))).toMatchObject({
      field: "vlan.etherType",
      reason: "unsupported",
    });
    expect(parseEthernet(fromHex("ffffffffffff020000000001 0600"))).not.toBeInstanceOf(ParseError);
  });

  it("refuses to emit what it could not parse back", () => {
    expect(() => emitEthernet(record({ etherType: 0x05dc }))).toThrow(RangeError);
    expect(() => emitEthernet(record({ etherType: ETHERTYPE_VLAN }))).toThrow(RangeError);
    expect(() => emitEthernet(record({ vlan: { pcp: 8, dei: false, vid: 1 } }))).toThrow(
      RangeError,
    );
    expect(() => emitEthernet(record({ vlan: { pcp: 0, dei: false, vid: 4096 } }))).toThrow(
      RangeError,
    );
  });

  it("round-trips: parse(emit(r)) equals r, payload zero-padded to 60", () => {
    const arb = fc.record({
      dst: fc.integer({ min: 0, max: MAC_BROADCAST }),
      src: fc.integer({ min: 0, max: MAC_BROADCAST }),
      vlan: fc.option(
        fc.record({
          pcp: fc.integer({ min: 0, max: 7 }),
          dei: fc.boolean(),
          vid: fc.integer({ min: 0, max: 4095 }),
        }),
        { nil: undefined },
      ),
      etherType: fc.integer({ min: 0x0600, max: 0xffff }).filter((t) => t !== ETHERTYPE_VLAN),
      payload: fc.uint8Array({ maxLength: 120 }),
    });
    fc.assert(
      fc.property(arb, (r) => {
        const wire = emitEthernet(r);
        expect(wire.length).toBe(ethernetBufferLength(r));
        const back = parseEthernet(wire) as EthernetRecord;
        expect(back).not.toBeInstanceOf(ParseError);
        const hl = r.vlan === undefined ? 14 : 18;
        const padded = new Uint8Array(Math.max(60 - hl, r.payload.length));
        padded.set(r.payload);
        expect(back).toEqual({ ...r, payload: padded });
      }),
      { numRuns: 2000 },
    );
  });

  it("fuzz: any input yields a record or a ParseError", () => {
    fuzzParser(parseEthernet, [fromHex(GOLDEN), fromHex(VLAN_GOLDEN)]);
  });
});
