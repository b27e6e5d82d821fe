/**
 * IEEE 802 MAC addresses (EUI-48). An address is a plain number 0..2^48-1, most significant
 * octet first, so it is exact in a double, compares with `===` and keys a Map without strings.
 */
import { getU16, getU32, setU16, setU32 } from "./bytes.js";
import { ParseError } from "./parse-error.js";

/** A MAC address as an integer 0..2^48-1, e.g. 0x020000000001 for 02:00:00:00:00:01. */
export type Mac = number;

/** Length of a MAC address on the wire. */
export const MAC_LENGTH = 6;
/** ff:ff:ff:ff:ff:ff. */
export const MAC_BROADCAST: Mac = 0xffff_ffff_ffff;
/** 00:00:00:00:00:00, as in the target hardware address of an ARP request. */
export const MAC_ZERO: Mac = 0;

const TWO_32 = 0x1_0000_0000;
const TWO_40 = 0x100_0000_0000;

/** Parses "aa:bb:cc:dd:ee:ff": six groups of exactly two hex digits, either case. */
export function parseMac(text: string): Mac | ParseError {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text)) {
    return new ParseError("mac", "text", 0, "invalid", `expected aa:bb:cc:dd:ee:ff, got "${text}"`);
  }
  return Number.parseInt(text.replaceAll(":", ""), 16);
}

/** Parses a MAC literal; throws on bad input (for literals in code and tests). */
export function mac(text: string): Mac {
  const m = parseMac(text);
  if (m instanceof ParseError) throw new Error(m.message);
  return m;
}

/** Formats a MAC address in lower-case colon form. */
export function formatMac(m: Mac): string {
  const hex = m.toString(16).padStart(12, "0");
  let s = hex.slice(0, 2);
  for (let i = 2; i < 12; i += 2) s += `:${hex.slice(i, i + 2)}`;
  return s;
}

/** True when `m` is an integer in 0..2^48-1. */
export function isValidMac(m: number): boolean {
  return Number.isInteger(m) && m >= 0 && m <= MAC_BROADCAST;
}

/** The first octet on the wire, which carries the I/G and U/L bits. */
function firstOctet(m: Mac): number {
  return Math.floor(m / TWO_40) & 0xff;
}

/** True for ff:ff:ff:ff:ff:ff. */
export function isBroadcastMac(m: Mac): boolean {
  return m === MAC_BROADCAST;
}

/** True for group addresses, broadcast included (IEEE 802-2014 §8.2: the I/G bit). */
export function isMulticastMac(m: Mac): boolean {
  return (firstOctet(m) & 0x01) !== 0;
}

/** True for individual (unicast) addresses. */
export function isUnicastMac(m: Mac): boolean {
  return (firstOctet(m) & 0x01) === 0;
}

/** True for locally administered addresses (IEEE 802-2014 §8.2: the U/L bit). */
export function isLocalMac(m: Mac): boolean {
  return (firstOctet(m) & 0x02) !== 0;
}

/** Reads a MAC address from 6 bytes at `o`. */
export function readMac(b: Uint8Array, o: number): Mac {
  return getU16(b, o) * TWO_32 + getU32(b, o + 2);
}

/** Writes `m` as 6 bytes at `o`. */
export function writeMac(b: Uint8Array, o: number, m: Mac): void {
  setU16(b, o, Math.floor(m / TWO_32));
  setU32(b, o + 2, m % TWO_32);
}
