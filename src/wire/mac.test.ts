import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "./bytes.js";
import {
  formatMac,
  isBroadcastMac,
  isLocalMac,
  isMulticastMac,
  isUnicastMac,
  isValidMac,
  MAC_BROADCAST,
  mac,
  parseMac,
  readMac,
  writeMac,
} from "./mac.js";
import { ParseError } from "./parse-error.js";

describe("mac", () => {
  it("parses and formats the colon form", () => {
    expect(parseMac("02:00:00:00:00:01")).toBe(0x020000000001);
    expect(parseMac("AA:bb:CC:dd:EE:ff")).toBe(0xaabbccddeeff);
    expect(formatMac(0xaabbccddeeff)).toBe("aa:bb:cc:dd:ee:ff");
    expect(formatMac(0)).toBe("00:00:00:00:00:00");
    expect(formatMac(MAC_BROADCAST)).toBe("ff:ff:ff:ff:ff:ff");
  });

  it("refuses malformed text", () => {
    for (const bad of [
      "",
      "02:00:00:00:00",
      "02:00:00:00:00:01:02",
      "2:0:0:0:0:1",
      "02-00-00-00-00-01",
      "0g:00:00:00:00:01",
      " 02:00:00:00:00:01",
    ]) {
      expect(parseMac(bad), bad).toBeInstanceOf(ParseError);
    }
    expect(() => mac("nope")).toThrow(/mac: invalid text/);
  });

  it("classifies broadcast, multicast, unicast and local addresses", () => {
    expect(isBroadcastMac(MAC_BROADCAST)).toBe(true);
    expect(isMulticastMac(MAC_BROADCAST)).toBe(true);
    expect(isMulticastMac(mac("01:00:5e:00:00:01"))).toBe(true); // IPv4 multicast
    expect(isMulticastMac(mac("33:33:00:00:00:01"))).toBe(true); // IPv6 multicast
    expect(isBroadcastMac(mac("01:00:5e:00:00:01"))).toBe(false);
    expect(isUnicastMac(mac("00:1b:21:aa:bb:cc"))).toBe(true);
    expect(isMulticastMac(mac("fe:ff:ff:ff:ff:ff"))).toBe(false);
    expect(isLocalMac(mac("02:00:00:00:00:01"))).toBe(true);
    expect(isLocalMac(mac("00:1b:21:aa:bb:cc"))).toBe(false);
    expect(isValidMac(MAC_BROADCAST)).toBe(true);
    expect(isValidMac(MAC_BROADCAST + 1)).toBe(false);
    expect(isValidMac(-1)).toBe(false);
    expect(isValidMac(1.5)).toBe(false);
  });

  it("reads and writes six bytes in network order", () => {
    const b = new Uint8Array(8).fill(0xee);
    writeMac(b, 1, 0x0123456789ab);
    expect(toHex(b)).toBe("ee0123456789abee");
    expect(readMac(b, 1)).toBe(0x0123456789ab);
    writeMac(b, 1, MAC_BROADCAST);
    expect(toHex(b)).toBe("eeffffffffffffee");
  });

  it("round-trips text and bytes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAC_BROADCAST }), (m) => {
        expect(parseMac(formatMac(m))).toBe(m);
        const b = new Uint8Array(6);
        writeMac(b, 0, m);
        expect(readMac(b, 0)).toBe(m);
        expect(isMulticastMac(m)).toBe((b[0]! & 1) === 1);
      }),
      { numRuns: 2000 },
    );
  });
});
