/**
 * STUN messages (RFC 8489 §5, §14) for NAT traversal: the 20-byte header with the magic cookie
 * and a 96-bit transaction ID, and the attributes this code needs: XOR-MAPPED-ADDRESS (the
 * reflexive address a server saw), USERNAME (who a connectivity check is for, as ICE uses it),
 * SOFTWARE and ERROR-CODE. Other attributes are kept as raw bytes. Wireshark decodes all of it.
 */
import { formatIpv4, parseIpv4Address } from "../../wire/address.js";
import { getU16, getU32, setU16, setU32 } from "../../wire/bytes.js";
import { invalid, ParseError, truncated } from "../../wire/parse-error.js";

/** RFC 8489 §5: fixed in every message, distinguishing STUN from other traffic on the port. */
export const STUN_MAGIC_COOKIE = 0x2112a442;
export const STUN_HEADER_LENGTH = 20;
/** RFC 8489 §18.2: the one method STUN itself defines. */
export const STUN_BINDING = 0x001;
/** RFC 8489 §18.3 attribute types. */
export const STUN_ATTR_MAPPED_ADDRESS = 0x0001;
export const STUN_ATTR_USERNAME = 0x0006;
export const STUN_ATTR_ERROR_CODE = 0x0009;
export const STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020;
export const STUN_ATTR_SOFTWARE = 0x8022;

/** RFC 8489 §5: the two class bits. */
export type StunClass = "request" | "indication" | "success" | "error";
const CLASS_BITS: Record<StunClass, number> = {
  request: 0,
  indication: 1,
  success: 2,
  error: 3,
};
const CLASSES: StunClass[] = ["request", "indication", "success", "error"];

export interface StunAttribute {
  type: number;
  /** The value without padding. */
  value: Uint8Array;
}

export interface StunMessage {
  method: number;
  class: StunClass;
  /** 12 bytes. */
  transactionId: Uint8Array;
  attributes: StunAttribute[];
}

/** RFC 8489 §5 figure 3: class bits C1 C0 sit at bits 8 and 4 among the method bits. */
function messageType(method: number, cls: StunClass): number {
  const c = CLASS_BITS[cls];
  return (
    (method & 0x000f) |
    ((method & 0x0070) << 1) |
    ((method & 0x0f80) << 2) |
    ((c & 1) << 4) |
    ((c & 2) << 7)
  );
}

/** True when `bytes` starts like a STUN message: top two bits zero and the magic cookie. */
export function looksLikeStun(bytes: Uint8Array): boolean {
  return (
    bytes.length >= STUN_HEADER_LENGTH &&
    (bytes[0]! & 0xc0) === 0 &&
    getU32(bytes, 4) === STUN_MAGIC_COOKIE
  );
}

/** Parses one STUN message occupying `bytes`. */
export function parseStun(bytes: Uint8Array): StunMessage | ParseError {
  if (bytes.length < STUN_HEADER_LENGTH) {
    return truncated("stun", "header", 0, STUN_HEADER_LENGTH, bytes.length);
  }
  const type = getU16(bytes, 0);
  if ((type & 0xc000) !== 0) return invalid("stun", "type", 0, "top two bits must be zero");
  if (getU32(bytes, 4) !== STUN_MAGIC_COOKIE) {
    return invalid("stun", "magic-cookie", 4, "not 0x2112A442");
  }
  const length = getU16(bytes, 2);
  if (length % 4 !== 0) return invalid("stun", "length", 2, `${length} is not a multiple of 4`);
  if (STUN_HEADER_LENGTH + length > bytes.length) {
    return truncated("stun", "attributes", STUN_HEADER_LENGTH, length, bytes.length - 20);
  }
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const cls = CLASSES[((type >> 4) & 1) | ((type >> 7) & 2)]!;
  const attributes: StunAttribute[] = [];
  const end = STUN_HEADER_LENGTH + length;
  let o = STUN_HEADER_LENGTH;
  while (o < end) {
    if (o + 4 > end) return truncated("stun", "attribute", o, 4, end - o);
    const atype = getU16(bytes, o);
    const alen = getU16(bytes, o + 2);
    // RFC 8489 §14: values are padded to a multiple of 4 bytes.
    if (o + 4 + alen > end) return truncated("stun", "attribute.value", o + 4, alen, end - o - 4);
    attributes.push({ type: atype, value: bytes.subarray(o + 4, o + 4 + alen) });
    o += 4 + ((alen + 3) & ~3);
  }
  return {
    method,
    class: cls,
    transactionId: bytes.subarray(8, 20),
    attributes,
  };
}

/** Writes a message; attribute values are padded with zeros. */
export function emitStun(m: StunMessage): Uint8Array {
  if (m.transactionId.length !== 12) throw new RangeError("a STUN transaction ID is 12 bytes");
  let length = 0;
  for (const a of m.attributes) length += 4 + ((a.value.length + 3) & ~3);
  const out = new Uint8Array(STUN_HEADER_LENGTH + length);
  setU16(out, 0, messageType(m.method, m.class));
  setU16(out, 2, length);
  setU32(out, 4, STUN_MAGIC_COOKIE);
  out.set(m.transactionId, 8);
  let o = STUN_HEADER_LENGTH;
  for (const a of m.attributes) {
    setU16(out, o, a.type);
    setU16(out, o + 2, a.value.length);
    out.set(a.value, o + 4);
    o += 4 + ((a.value.length + 3) & ~3);
  }
  return out;
}

/** RFC 8489 §14.2: an IPv4 XOR-MAPPED-ADDRESS, port and address XORed with the cookie. */
export function xorMappedAddress(address: string, port: number): StunAttribute {
  const a = parseIpv4Address(address);
  if (a instanceof ParseError) throw new RangeError(`not an IPv4 address: ${address}`);
  const v = new Uint8Array(8);
  v[1] = 0x01; // family IPv4
  setU16(v, 2, port ^ (STUN_MAGIC_COOKIE >>> 16));
  setU32(v, 4, (a ^ STUN_MAGIC_COOKIE) >>> 0);
  return { type: STUN_ATTR_XOR_MAPPED_ADDRESS, value: v };
}

/** The IPv4 endpoint in a message's XOR-MAPPED-ADDRESS, if it has a well-formed one. */
export function readXorMappedAddress(
  m: StunMessage,
): { address: string; port: number } | undefined {
  const a = m.attributes.find((x) => x.type === STUN_ATTR_XOR_MAPPED_ADDRESS);
  if (a === undefined || a.value.length !== 8 || a.value[1] !== 0x01) return undefined;
  return {
    address: formatIpv4((getU32(a.value, 4) ^ STUN_MAGIC_COOKIE) >>> 0),
    port: getU16(a.value, 2) ^ (STUN_MAGIC_COOKIE >>> 16),
  };
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: false });

/** A text attribute (USERNAME, SOFTWARE). */
export function textAttribute(type: number, text: string): StunAttribute {
  return { type, value: utf8.encode(text) };
}

/** The text of the first attribute of `type`, if present. */
export function readText(m: StunMessage, type: number): string | undefined {
  const a = m.attributes.find((x) => x.type === type);
  return a === undefined ? undefined : utf8Decoder.decode(a.value);
}
