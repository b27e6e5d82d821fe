/**
 * Just enough DER (ITU-T X.690 §10, the distinguished subset of BER) to write an X.509
 * certificate: definite lengths in their shortest form, minimal INTEGERs, OIDs, strings, times.
 * Encoding only: the certificates it builds are read back by Node's own X509Certificate.
 */

import { concatBytes } from "../../wire/bytes.js";

/** A DER-encoded value: tag, length and contents, ready to nest. */
export type Der = Uint8Array;

/** Universal tags used here (X.680 §8.4). */
export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** The length octets: short form below 128, else long form with the fewest bytes (X.690 §10.1). */
export function derLength(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad DER length ${n}`);
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** Tag, length, contents. */
export function tlv(tag: number, ...contents: Uint8Array[]): Der {
  const body = concatBytes(contents);
  const length = derLength(body.length);
  const out = new Uint8Array(1 + length.length + body.length);
  out[0] = tag;
  out.set(length, 1);
  out.set(body, 1 + length.length);
  return out;
}

/** SEQUENCE of the given encoded values, in order. */
export function sequence(...items: Der[]): Der {
  return tlv(TAG.sequence, ...items);
}

/** SET OF: X.690 §11.6 sorts the encodings; callers here only ever put one element in a set. */
export function set(...items: Der[]): Der {
  const sorted = [...items].sort(compareBytes);
  return tlv(TAG.set, ...sorted);
}

/** A context-specific tag [n], constructed (EXPLICIT wrapping) or primitive (IMPLICIT). */
export function contextTag(n: number, constructed: boolean, ...contents: Uint8Array[]): Der {
  if (n < 0 || n > 30) throw new RangeError(`context tag ${n} needs the high-tag form`);
  return tlv(0x80 | (constructed ? 0x20 : 0) | n, ...contents);
}

/**
 * A non-negative INTEGER from its big-endian magnitude: leading zero bytes dropped, one zero
 * added back when the top bit is set, so it stays positive in two's complement (X.690 §8.3).
 */
export function unsignedInteger(magnitude: Uint8Array): Der {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  let body = magnitude.subarray(start);
  if (body.length === 0) body = Uint8Array.of(0);
  if ((body[0]! & 0x80) !== 0) body = concatBytes([Uint8Array.of(0), body]);
  return tlv(TAG.integer, body);
}

/** A small non-negative INTEGER. */
export function smallInteger(n: number): Der {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad integer ${n}`);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return unsignedInteger(Uint8Array.from(bytes));
}

/** BOOLEAN: DER writes TRUE as 0xff (X.690 §11.1). */
export function boolean(value: boolean): Der {
  return tlv(TAG.boolean, Uint8Array.of(value ? 0xff : 0));
}

/** An OBJECT IDENTIFIER from dotted text: first two arcs as 40a+b, then base-128 (X.690 §8.19). */
export function oid(dotted: string): Der {
  const arcs = dotted.split(".").map((s) => {
    if (!/^\d+$/.test(s)) throw new RangeError(`bad OID ${dotted}`);
    return Number(s);
  });
  const [a, b, ...rest] = arcs;
  if (a === undefined || b === undefined || a > 2 || (a < 2 && b > 39)) {
    throw new RangeError(`bad OID ${dotted}`);
  }
  const out: number[] = [];
  for (const arc of [40 * a + b, ...rest]) {
    if (!Number.isSafeInteger(arc)) throw new RangeError(`OID arc too big in ${dotted}`);
    const groups: number[] = [arc % 128];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) {
      groups.unshift(0x80 | (v % 128));
    }
    out.push(...groups);
  }
  return tlv(TAG.oid, Uint8Array.from(out));
}

/** OCTET STRING. */
export function octetString(bytes: Uint8Array): Der {
  return tlv(TAG.octetString, bytes);
}

/** BIT STRING of whole bytes (no unused bits): how keys and signatures are carried. */
export function bitString(bytes: Uint8Array): Der {
  return tlv(TAG.bitString, Uint8Array.of(0), bytes);
}

/**
 * A named-bit BIT STRING (e.g. keyUsage) from the numbers of the bits that are set, bit 0 being
 * the most significant bit of the first byte; DER drops trailing zero bits (X.690 §11.2.2).
 */
export function namedBits(bits: readonly number[]): Der {
  if (bits.length === 0) return tlv(TAG.bitString, Uint8Array.of(0));
  const highest = Math.max(...bits);
  const bytes = new Uint8Array((highest >> 3) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  const unused = 7 - (highest & 7);
  return tlv(TAG.bitString, Uint8Array.of(unused), bytes);
}

/** UTF8String. */
export function utf8String(text: string): Der {
  return tlv(TAG.utf8String, new TextEncoder().encode(text));
}

/**
 * The contents of an IA5String (ASCII bytes, untagged), for names carried under an implicit tag
 * such as a subjectAltName dNSName (RFC 5280 §4.2.1.6); refuses anything outside ASCII.
 */
export function ia5Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) throw new RangeError(`not IA5 (ASCII): ${JSON.stringify(text)}`);
    out[i] = c;
  }
  return out;
}

/**
 * A certificate validity time: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime
 * (YYYYMMDDHHMMSSZ) from 2050, as RFC 5280 §4.1.2.5 requires; whole seconds, UTC.
 */
export function x509Time(date: Date): Der {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError("invalid date");
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new RangeError(`year ${year} out of range for X.509`);
  const two = (n: number) => String(n).padStart(2, "0");
  const rest =
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds());
  const encoder = new TextEncoder();
  return year < 2050
    ? tlv(TAG.utcTime, encoder.encode(`${two(year % 100)}${rest}Z`))
    : tlv(TAG.generalizedTime, encoder.encode(`${year}${rest}Z`));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
