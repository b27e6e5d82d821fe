/**
 * Byte classes and byte<->string helpers for HTTP/1.1 syntax (RFC 9110 §5.6, RFC 9112 §2).
 * Lookup tables let the parser check a whole line in one pass without regexes; header text is
 * kept as latin1 strings (one char per byte), so obs-text bytes survive a parse/serialize trip.
 */

const TCHAR = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TCHAR[ch.charCodeAt(0)] = 1;

/** RFC 9110 §5.6.2: tchar, a byte allowed in a token (method, field name, coding). */
export function isTchar(b: number): boolean {
  return TCHAR[b] === 1;
}

/** RFC 9110 §5.5: a byte allowed inside a field value (field-vchar, obs-text, SP, HTAB). */
export function isFieldByte(b: number): boolean {
  return b === 9 || (b >= 0x20 && b !== 0x7f);
}

/** RFC 5234 VCHAR: a visible ASCII byte. */
export function isVchar(b: number): boolean {
  return b >= 0x21 && b <= 0x7e;
}

/** RFC 9110 §5.6.3: OWS is SP or HTAB. */
export function isOws(b: number): boolean {
  return b === 0x20 || b === 0x09;
}

/** `s` without leading and trailing SP/HTAB; unlike `String.trim`, keeps NBSP and friends. */
export function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isOws(s.charCodeAt(a))) a++;
  while (b > a && isOws(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Value of a hex digit byte, or -1. */
export function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** True when `s` is a non-empty token (RFC 9110 §5.6.2). */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TCHAR[c] !== 1) return false;
  }
  return true;
}

/** True when `s` may be sent as a field value: field bytes only, no edge whitespace. */
export function isFieldValue(s: string): boolean {
  const n = s.length;
  if (n > 0 && (isOws(s.charCodeAt(0)) || isOws(s.charCodeAt(n - 1)))) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || !isFieldByte(c)) return false;
  }
  return true;
}

const SLICE = 4096;

/** Bytes [start, end) as a latin1 string, in slices so no call gets too many arguments. */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (end - start <= SLICE) {
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  const parts: string[] = [];
  for (let i = start; i < end; i += SLICE) {
    const view = bytes.subarray(i, Math.min(end, i + SLICE));
    parts.push(String.fromCharCode.apply(null, view as unknown as number[]));
  }
  return parts.join("");
}

/** A string of chars <= 0xFF as bytes; throws on a wider char (a caller bug, not input). */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`char U+${c.toString(16)} cannot be sent in an HTTP head`);
    out[i] = c;
  }
  return out;
}

const UTF8 = new TextEncoder();

/** A string as UTF-8 bytes (bodies and URL percent-encoding). */
export function utf8Bytes(s: string): Uint8Array {
  return UTF8.encode(s);
}
