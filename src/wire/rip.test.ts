import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { fromHex, toHex } from "./bytes.js";
import { ParseError } from "./parse-error.js";
import { emitRip, parseRip, type RipMessage, ripWholeTableRequest } from "./rip.js";

// A response advertising 10.0.3.0/24 with metric 2 and next hop 0.0.0.0 (hand-assembled from RFC 2453 §4).
const GOLDEN = "02020000 0002 0000 0a000300 ffffff00 00000000 00000002";

describe("rip", () => {
  it("decodes and encodes golden bytes", () => {
    const m = parseRip(fromHex(GOLDEN)) as RipMessage;
    expect(m).toEqual({
      command: 2,
      version: 2,
      entries: [
        { family: 2, routeTag: 0, address: 0x0a000300, mask: 0xffffff00, nextHop: 0, metric: 2 },
      ],
    });
    expect(toHex(emitRip(m))).toBe(GOLDEN.replace(/ /g, ""));
    expect(toHex(emitRip(ripWholeTableRequest()))).toBe(`01020000${"0000".repeat(8)}00000010`);
  });

  it("refuses malformed messages naming the field", () => {
    expect(parseRip(fromHex("0202"))).toMatchObject({ field: "header", reason: "truncated" });
    expect(parseRip(fromHex("03020000"))).toMatchObject({ field: "command", offset: 0 });
    expect(parseRip(fromHex("02020000 0002"))).toMatchObject({ field: "entries", offset: 4 });
    expect(parseRip(fromHex(GOLDEN.replace(/00000002$/, "00000011")))).toMatchObject({
      field: "entries.metric",
      offset: 20,
    });
    expect(parseRip(fromHex(GOLDEN.replace(/^02020000 0002/, "02020000 ffff")))).toMatchObject({
      reason: "unsupported",
    });
  });

  it("round-trips and survives fuzzing", () => {
    const entry = fc.record({
      family: fc.constant(2),
      routeTag: fc.integer({ min: 0, max: 0xffff }),
      address: fc.integer({ min: 0, max: 0xffffffff }),
      mask: fc.integer({ min: 0, max: 0xffffffff }),
      nextHop: fc.integer({ min: 0, max: 0xffffffff }),
      metric: fc.integer({ min: 1, max: 16 }),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 25 }), (entries) => {
        const m: RipMessage = { command: 2, version: 2, entries };
        expect(parseRip(emitRip(m))).toEqual(m);
      }),
    );
    fuzzParser(parseRip, [fromHex(GOLDEN), emitRip(ripWholeTableRequest())]);
    expect(parseRip(new Uint8Array(3))).toBeInstanceOf(ParseError);
  });
});
