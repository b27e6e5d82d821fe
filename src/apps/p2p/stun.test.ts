import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../../test/support/fuzz.js";
import { fromHex, toHex } from "../../wire/bytes.js";
import { ParseError } from "../../wire/parse-error.js";
import {
  emitStun,
  looksLikeStun,
  parseStun,
  readText,
  readXorMappedAddress,
  STUN_ATTR_SOFTWARE,
  STUN_ATTR_USERNAME,
  STUN_BINDING,
  textAttribute,
  xorMappedAddress,
} from "./stun.js";

const TID = fromHex("b7e7a701bc34d686fa87dfae"); // RFC 5769 §2.2's transaction ID

// RFC 5769 §2.2: a Binding success response for 192.0.2.1:32853, without SOFTWARE,
// MESSAGE-INTEGRITY and FINGERPRINT.
const GOLDEN_RESPONSE = "0101000c2112a442b7e7a701bc34d686fa87dfae002000080001a147e112a643";

describe("STUN messages (RFC 8489)", () => {
  it("emits a Binding success response with XOR-MAPPED-ADDRESS as RFC 5769 shows it", () => {
    const bytes = emitStun({
      method: STUN_BINDING,
      class: "success",
      transactionId: TID,
      attributes: [xorMappedAddress("192.0.2.1", 32853)],
    });
    expect(toHex(bytes)).toBe(GOLDEN_RESPONSE);
    const m = parseStun(bytes);
    if (m instanceof ParseError) throw new Error(m.message);
    expect([m.method, m.class, toHex(m.transactionId)]).toEqual([1, "success", toHex(TID)]);
    expect(readXorMappedAddress(m)).toEqual({ address: "192.0.2.1", port: 32853 });
  });

  it("emits a Binding request, pads text attributes to 4 bytes, and reads them back", () => {
    const bytes = emitStun({
      method: STUN_BINDING,
      class: "request",
      transactionId: TID,
      attributes: [
        textAttribute(STUN_ATTR_USERNAME, "bob:alice"),
        textAttribute(STUN_ATTR_SOFTWARE, "x"),
      ],
    });
    // Header (length 24), then USERNAME (9 bytes + 3 padding) and SOFTWARE (1 byte + 3 padding).
    expect(toHex(bytes)).toBe(
      `000100182112a442${toHex(TID)}00060009626f623a616c6963650000008022000178000000`,
    );
    expect(looksLikeStun(bytes)).toBe(true);
    const m = parseStun(bytes);
    if (m instanceof ParseError) throw new Error(m.message);
    expect([readText(m, STUN_ATTR_USERNAME), readText(m, STUN_ATTR_SOFTWARE)]).toEqual([
      "bob:alice",
      "x",
    ]);
  });

  it("refuses truncated and malformed messages with typed errors", () => {
    const good = fromHex(GOLDEN_RESPONSE);
    expect(parseStun(good.subarray(0, 19))).toMatchObject({ field: "header", reason: "truncated" });
    const badCookie = good.slice();
    badCookie[4] = 0;
    expect(parseStun(badCookie)).toMatchObject({ field: "magic-cookie", reason: "invalid" });
    expect(parseStun(good.subarray(0, 28))).toMatchObject({
      field: "attributes",
      reason: "truncated",
    });
    const longAttr = good.slice();
    longAttr[23] = 0x10; // attribute longer than the message
    expect(parseStun(longAttr)).toMatchObject({ field: "attribute.value", reason: "truncated" });
    expect(looksLikeStun(new TextEncoder().encode('{"t":"register","id":"a","local":"x"}'))).toBe(
      false,
    );
  });

  it("never throws on random or mutated input", () => {
    fuzzParser(parseStun, [fromHex(GOLDEN_RESPONSE)]);
  });
});
