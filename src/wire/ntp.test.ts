import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { fromHex, toHex } from "./bytes.js";
import {
  emitNtp,
  type NtpPacket,
  ntpBufferLength,
  ntpReferenceIdFromText,
  ntpShortFromNanos,
  ntpShortToNanos,
  ntpTimestampFromNanos,
  ntpTimestampToNanos,
  parseNtp,
  WIRELAB_NTP_EPOCH_SECONDS,
} from "./ntp.js";
import { ParseError } from "./parse-error.js";

// A server reply, hand-assembled from RFC 5905 §7.3. tshark 4.0.17 -V decodes it as: NTP
// Version 4, server; stratum 1 (primary reference); poll 6 (64 seconds); precision 0.000001 s;
// root dispersion 0.000244 s; reference id "Global Position System"; reference timestamp
// Jan 1, 2026 00:00:00.000000000 UTC; origin 00:00:01.500000000; receive 00:00:01.500999999;
// transmit 00:00:01.502000000.
const REPLY =
  "240106ec 00000000 00000010 47505300 ed003780 00000000 ed003781 80000000 ed003781 80418937 ed003781 8083126f";
// The matching client request: tshark shows NTP Version 4, client, transmit 00:00:01.500000000.
const REQUEST = `230006ec ${"00000000".repeat(9)} ed003781 80000000`;

describe("ntp", () => {
  it("decodes and encodes golden bytes", () => {
    const p = parseNtp(fromHex(REPLY)) as NtpPacket;
    expect(p).toEqual({
      leap: 0,
      version: 4,
      mode: 4,
      stratum: 1,
      poll: 6,
      precision: -20,
      rootDelay: 0,
      rootDispersion: 0x10,
      referenceId: ntpReferenceIdFromText("GPS"),
      referenceTimestamp: { seconds: 0xed003780, fraction: 0 },
      originTimestamp: { seconds: 0xed003781, fraction: 0x80000000 },
      receiveTimestamp: { seconds: 0xed003781, fraction: 0x80418937 },
      transmitTimestamp: { seconds: 0xed003781, fraction: 0x8083126f },
    });
    expect(toHex(emitNtp(p))).toBe(REPLY.replace(/ /g, ""));
    expect(ntpTimestampToNanos(p.referenceTimestamp)).toBe(0);
    expect(ntpTimestampToNanos(p.originTimestamp)).toBe(1_500_000_000);
    expect(ntpTimestampFromNanos(1_501_000_000)).toEqual(p.receiveTimestamp);
    expect(ntpTimestampFromNanos(1_502_000_000)).toEqual(p.transmitTimestamp);
    const q = parseNtp(fromHex(REQUEST)) as NtpPacket;
    expect(q).toMatchObject({ mode: 3, stratum: 0, poll: 6, precision: -20 });
    expect(toHex(emitNtp(q))).toBe(REQUEST.replace(/ /g, ""));
  });

  it("keeps extension fields and MAC as opaque bytes", () => {
    const withMac = fromHex(`${REPLY} 00000001 00112233445566778899aabbccddeeff`);
    const p = parseNtp(withMac) as NtpPacket;
    expect(toHex(p.extension!)).toBe("0000000100112233445566778899aabbccddeeff");
    expect(ntpBufferLength(p)).toBe(68);
    expect(toHex(emitNtp(p))).toBe(toHex(withMac));
  });

  it("refuses malformed packets naming the field", () => {
    expect(parseNtp(fromHex(REPLY).subarray(0, 47))).toMatchObject({
      field: "header",
      reason: "truncated",
    });
    expect(parseNtp(fromHex(REPLY.replace(/^24/, "04")))).toMatchObject({ field: "version" });
    expect(parseNtp(fromHex(REPLY.replace(/^24/, "2c")))).toMatchObject({ field: "version" });
    expect(parseNtp(fromHex(REPLY.replace(/^24/, "20")))).toMatchObject({ field: "mode" });
    expect(() => emitNtp({ ...(parseNtp(fromHex(REPLY)) as NtpPacket), poll: 200 })).toThrow(
      RangeError,
    );
  });

  it("converts timestamps and short values", () => {
    expect(WIRELAB_NTP_EPOCH_SECONDS).toBe(0xed003780);
    expect(ntpTimestampFromNanos(-1)).toEqual({ seconds: 0xed00377f, fraction: 0xfffffffc });
    expect(ntpTimestampFromNanos(999_999_999.9999)).toEqual({ seconds: 0xed003781, fraction: 0 });
    expect(ntpShortToNanos(0x0001_8000)).toBe(1_500_000_000);
    expect(ntpShortFromNanos(1_500_000_000)).toBe(0x0001_8000);
    fc.assert(
      fc.property(fc.double({ min: -1e15, max: 1e15, noNaN: true }), (ns) => {
        // One fraction unit is 2^-32 s (0.23 ns): the round trip is within half of it.
        expect(Math.abs(ntpTimestampToNanos(ntpTimestampFromNanos(ns)) - ns)).toBeLessThan(0.2);
      }),
    );
  });

  it("round-trips and survives fuzzing", () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const ts = fc.record({ seconds: u32, fraction: u32 });
    const packet = fc.record(
      {
        leap: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3>,
        version: fc.integer({ min: 1, max: 4 }),
        mode: fc.integer({ min: 1, max: 7 }),
        stratum: fc.integer({ min: 0, max: 255 }),
        poll: fc.integer({ min: -128, max: 127 }),
        precision: fc.integer({ min: -128, max: 127 }),
        rootDelay: u32,
        rootDispersion: u32,
        referenceId: u32,
        referenceTimestamp: ts,
        originTimestamp: ts,
        receiveTimestamp: ts,
        transmitTimestamp: ts,
        extension: fc.uint8Array({ minLength: 1, maxLength: 40 }),
      },
      {
        requiredKeys: [
          "leap",
          "version",
          "mode",
          "stratum",
          "poll",
          "precision",
          "rootDelay",
          "rootDispersion",
          "referenceId",
          "referenceTimestamp",
          "originTimestamp",
          "receiveTimestamp",
          "transmitTimestamp",
        ],
      },
    );
    fc.assert(
      fc.property(packet, (p: NtpPacket) => {
        expect(parseNtp(emitNtp(p))).toEqual(p);
      }),
    );
    fuzzParser(parseNtp, [fromHex(REPLY), fromHex(REQUEST)]);
    expect(parseNtp(new Uint8Array(0))).toBeInstanceOf(ParseError);
  });
});
