import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  boolean,
  contextTag,
  derLength,
  namedBits,
  oid,
  sequence,
  set,
  smallInteger,
  unsignedInteger,
  utf8String,
  x509Time,
} from "./der.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** A reader for what the encoder writes (test-only): tag, contents and total size at `at`. */
function read(b: Uint8Array, at = 0): { tag: number; contents: Uint8Array; end: number } {
  const tag = b[at]!;
  let length = b[at + 1]!;
  let start = at + 2;
  if (length >= 0x80) {
    const count = length & 0x7f;
    expect(count).toBeGreaterThan(0);
    expect(b[at + 2]).not.toBe(0); // shortest form: no leading zero length byte
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + b[at + 2 + i]!;
    expect(length).toBeGreaterThanOrEqual(0x80); // long form only when short cannot do
    start += count;
  }
  return { tag, contents: b.subarray(start, start + length), end: start + length };
}

/** Decodes an OID's contents back to dotted text. */
function readOid(contents: Uint8Array): string {
  const arcs: number[] = [];
  let v = 0;
  for (const byte of contents) {
    v = v * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(v);
      v = 0;
    }
  }
  const first = arcs.shift()!;
  const a = first < 80 ? Math.floor(first / 40) : 2;
  return [a, first - 40 * a, ...arcs].join(".");
}

describe("DER encoder (X.690)", () => {
  it("writes lengths in the shortest form", () => {
    expect(hex(derLength(0))).toBe("00");
    expect(hex(derLength(127))).toBe("7f");
    expect(hex(derLength(128))).toBe("8180");
    expect(hex(derLength(255))).toBe("81ff");
    expect(hex(derLength(256))).toBe("820100");
    expect(hex(derLength(65536))).toBe("83010000");
    expect(() => derLength(-1)).toThrow(RangeError);
  });

  it("writes the golden bytes of known values", () => {
    // ecdsa-with-SHA256, as in every P-256 certificate.
    expect(hex(oid("1.2.840.10045.4.3.2"))).toBe("06082a8648ce3d040302");
    expect(hex(oid("2.5.4.3"))).toBe("0603550403");
    expect(hex(oid("2.999.3"))).toBe("0603883703");
    expect(hex(smallInteger(0))).toBe("020100");
    expect(hex(smallInteger(2))).toBe("020102");
    expect(hex(smallInteger(128))).toBe("02020080"); // a zero keeps it positive
    expect(hex(unsignedInteger(Uint8Array.of(0, 0, 1)))).toBe("020101"); // no leading zeros
    expect(hex(boolean(true))).toBe("0101ff");
    // keyUsage digitalSignature, keyCertSign, cRLSign: one unused bit after bit 6.
    expect(hex(namedBits([0, 5, 6]))).toBe("03020186");
    expect(hex(namedBits([0]))).toBe("03020780");
    expect(hex(sequence())).toBe("3000");
    expect(hex(contextTag(0, true, smallInteger(2)))).toBe("a003020102");
    expect(hex(contextTag(2, false, Uint8Array.of(0x61)))).toBe("820161");
    expect(hex(utf8String("ab"))).toBe("0c026162");
    expect(hex(set(Uint8Array.of(2, 1, 9), Uint8Array.of(2, 1, 3)))).toBe("3106020103020109");
  });

  it("writes UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)", () => {
    const text = (d: Date) => {
      const r = read(x509Time(d));
      return [r.tag, Buffer.from(r.contents).toString("latin1")];
    };
    expect(text(new Date("2026-01-02T03:04:05Z"))).toEqual([0x17, "260102030405Z"]);
    expect(text(new Date("2049-12-31T23:59:59Z"))).toEqual([0x17, "491231235959Z"]);
    expect(text(new Date("2050-01-01T00:00:00Z"))).toEqual([0x18, "20500101000000Z"]);
    expect(() => x509Time(new Date(Number.NaN))).toThrow(RangeError);
  });

  it("round-trips lengths, integers and OIDs through a reader (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (contents) => {
        const r = read(sequence(contents));
        expect(r.tag).toBe(0x30);
        expect(hex(r.contents)).toBe(hex(contents));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (magnitude) => {
        const r = read(unsignedInteger(magnitude));
        expect(r.tag).toBe(2);
        const value = BigInt(`0x0${hex(magnitude)}`);
        expect(BigInt(`0x0${hex(r.contents)}`)).toBe(value);
        expect(r.contents[0]! & 0x80).toBe(0); // never negative
        // Minimal: a leading zero only when the next byte's top bit needs it.
        if (r.contents.length > 1 && r.contents[0] === 0) expect(r.contents[1]! & 0x80).toBe(0x80);
      }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 39 }),
        fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { maxLength: 8 }),
        (a, b, rest) => {
          const dotted = [a, b, ...rest].join(".");
          const r = read(oid(dotted));
          expect(r.tag).toBe(6);
          expect(readOid(r.contents)).toBe(dotted);
        },
      ),
    );
  });

  it("refuses what it cannot encode", () => {
    expect(() => oid("3.1")).toThrow(RangeError);
    expect(() => oid("1.40")).toThrow(RangeError);
    expect(() => oid("1.2.x")).toThrow(RangeError);
    expect(() => contextTag(31, false)).toThrow(RangeError);
  });
});
