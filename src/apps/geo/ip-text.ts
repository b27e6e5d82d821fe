/**
 * Fast address text parsing for bulk loads and string-keyed lookups: hand-written scanners
 * that accept exactly what the `wire` parsers accept (checked by a property test) without
 * allocating. IPv6 text with an embedded dotted quad is rare, so it defers to `wire`.
 */
import { parseIpv6Address } from "../../wire/address.js";
import { ParseError } from "../../wire/parse-error.js";

/**
 * Parses a dotted quad ("192.0.2.1") to an unsigned 32-bit number, or returns -1. Same rules as
 * `parseIpv4Address`: four decimal parts 0-255, no leading zeros.
 */
export function parseIpv4Fast(text: string): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  // One octet per pass, its up-to-three digits unrolled: no per-character state to branch on,
  // and `(d >>> 0) > 9` rejects both non-digits and characters below "0" in one compare.
  let value = 0;
  let i = 0;
  let over255 = 0;
  for (let p = 0; p < 4; p++) {
    if (p > 0) {
      if (i >= n || text.charCodeAt(i) !== 46) return -1;
      i++;
    }
    if (i >= n) return -1;
    let d = text.charCodeAt(i++) - 48;
    if (d >>> 0 > 9) return -1;
    let part = d;
    // A leading "0" is a whole octet: a digit after it fails the dot check above.
    if (part !== 0 && i < n) {
      d = text.charCodeAt(i) - 48;
      if (d >>> 0 <= 9) {
        part = part * 10 + d;
        i++;
        // The third digit is taken without a branch: random octets have one 61 % of the time,
        // so a branch on it is mispredicted often, and that cost a third of the parse (flat
        // strings 30 -> 43 M/s without it). The read is clamped into the string; a position
        // past the end is no digit. `take` is -1 (take it) or 0.
        d = text.charCodeAt(i - ((n - 1 - i) >>> 31)) - 48;
        const take = ~(((9 - d) | d) >> 31) & ((i - n) >> 31);
        part += (part * 9 + d) & take;
        i -= take;
        over255 |= 255 - part;
      }
    }
    value = value * 256 + part;
  }
  return i === n && over255 >= 0 ? value : -1;
}

const groups = new Int32Array(8);

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/**
 * Parses IPv6 text into four big-endian words at out[at..at+3]; returns false if it is not an
 * address. Same rules as `parseIpv6Address` (RFC 4291 §2.2, no zone index).
 */
export function parseIpv6Fast(text: string, out: { [i: number]: number }, at = 0): boolean {
  const n = text.length;
  if (n === 0 || n > 45) return false;
  let count = 0;
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (n < 2 || text.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    let value = 0;
    let digits = 0;
    for (; i < n; i++) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      if (++digits > 4) return false;
      value = value * 16 + h;
    }
    if (i < n && text.charCodeAt(i) === 46) return parseSlow(text, out, at);
    if (digits === 0 || count === 8) return false;
    groups[count++] = value;
    if (i === n) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (i < n && text.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = count;
      i++;
    } else if (i === n) {
      return false;
    }
  }
  if (gap < 0 ? count !== 8 : count > 7) return false;
  // Spread the groups around the "::" gap: the missing ones are zero.
  const missing = 8 - count;
  let w = 0;
  for (let g = 0; g < 8; g++) {
    const src = gap < 0 || g < gap ? g : g < gap + missing ? -1 : g - missing;
    w = w * 0x10000 + (src < 0 ? 0 : groups[src]!);
    if (g % 2 === 1) {
      out[at + (g >> 1)] = w;
      w = 0;
    }
  }
  return true;
}

function parseSlow(text: string, out: { [i: number]: number }, at: number): boolean {
  const a = parseIpv6Address(text);
  if (a instanceof ParseError) return false;
  out[at] = a.w0;
  out[at + 1] = a.w1;
  out[at + 2] = a.w2;
  out[at + 3] = a.w3;
  return true;
}
