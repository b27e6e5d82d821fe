import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { parseIpv4Address } from "./address.js";
import { fromHex, toHex } from "./bytes.js";
import type { PseudoHeader } from "./checksum.js";
import { ParseError } from "./parse-error.js";
import { emitUdp, parseUdp, type UdpRecord, UdpView } from "./udp.js";

const v4 = (s: string) => parseIpv4Address(s) as number;
const PH: PseudoHeader = { family: 4, src: v4("192.0.2.1"), dst: v4("198.51.100.2") };
// 12345 -> 53, "hi!", checksum 0x59c9 computed by hand (Python) over the RFC 768 pseudo-header.
const GOLDEN = "30390035000b59c9686921";

describe("udp", () => {
  it("decodes golden bytes", () => {
    const r = parseUdp(fromHex(GOLDEN), PH);
    expect(r).not.toBeInstanceOf(ParseError);
    const u = r as UdpRecord;
    expect(u.srcPort).toBe(12345);
    expect(u.dstPort).toBe(53);
    expect(u.checksum).toBe(0x59c9);
    expect(new TextDecoder().decode(u.payload)).toBe("hi!");
  });

  it("encodes golden bytes with a computed checksum", () => {
    const rec = {
      srcPort: 12345,
      dstPort: 53,
      checksum: 0,
      payload: new TextEncoder().encode("hi!"),
    };
    expect(toHex(emitUdp(rec, PH))).toBe(GOLDEN);
  });

  it("writes into a larger buffer at an offset", () => {
    const out = new Uint8Array(20).fill(0xee);
    const rec = {
      srcPort: 12345,
      dstPort: 53,
      checksum: 0,
      payload: new TextEncoder().encode("hi!"),
    };
    emitUdp(rec, PH, out, 5);
    expect(toHex(out)).toBe(`eeeeeeeeee${GOLDEN}eeeeeeee`);
    expect(new UdpView(out, 5).dstPort).toBe(53);
  });

  it("reports truncation and bad lengths with field and offset", () => {
    const short = parseUdp(fromHex("303900"));
    expect(short).toMatchObject({
      protocol: "udp",
      field: "header",
      offset: 0,
      reason: "truncated",
    });
    const tooLong = parseUdp(fromHex("30390035 0010 0000 6869"));
    expect(tooLong).toMatchObject({ field: "payload", offset: 8, reason: "truncated" });
    const tooShort = parseUdp(fromHex("30390035 0004 0000"));
    expect(tooShort).toMatchObject({ field: "length", offset: 4, reason: "invalid" });
  });

  it("rejects a corrupted payload by checksum, and a zero checksum over IPv6", () => {
    const b = fromHex(GOLDEN);
    b[9] = b[9]! ^ 0x01;
    expect(parseUdp(b, PH)).toMatchObject({ reason: "checksum", field: "checksum", offset: 6 });
    expect(parseUdp(b)).not.toBeInstanceOf(ParseError); // no pseudo-header: not verified
    const zero = fromHex("30390035000b0000686921");
    expect(parseUdp(zero, PH)).not.toBeInstanceOf(ParseError);
  });

  it("sends a computed zero checksum as 0xffff", () => {
    // Find a payload whose checksum computes to zero, then check the wire carries 0xffff.
    for (let x = 0; x < 0x10000; x++) {
      const payload = new Uint8Array([x >> 8, x & 255]);
      const wire = emitUdp({ srcPort: 1, dstPort: 2, checksum: 0, payload }, PH);
      if (wire[6] === 0xff && wire[7] === 0xff) {
        expect(parseUdp(wire, PH)).not.toBeInstanceOf(ParseError);
        return;
      }
    }
    throw new Error("no payload with a zero checksum found");
  });

  it("round-trips: parse(emit(r)) equals r", () => {
    const record = fc.record({
      srcPort: fc.integer({ min: 0, max: 0xffff }),
      dstPort: fc.integer({ min: 0, max: 0xffff }),
      checksum: fc.integer({ min: 0, max: 0xffff }),
      payload: fc.uint8Array({ maxLength: 200 }),
    });
    fc.assert(
      fc.property(record, (r) => {
        expect(parseUdp(emitUdp(r))).toEqual(r);
      }),
      { numRuns: 2000 },
    );
  });

  it("fuzz: any input yields a record or a ParseError", () => {
    fuzzParser((b) => parseUdp(b, PH), [fromHex(GOLDEN)]);
  });
});
