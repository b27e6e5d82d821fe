/**
 * IP addresses. IPv4 addresses are unsigned 32-bit numbers on hot paths (headers, routing);
 * IPv6 addresses are immutable values of four 32-bit words, so comparison and prefix matching
 * are integer work. Text forms follow RFC 791 dotted quads and RFC 4291 §2.2 input, with output
 * in RFC 5952 canonical form (lower case, longest zero run compressed, no single-group "::").
 */
import { getU32, setU32 } from "./bytes.js";
import { ParseError } from "./parse-error.js";

/** An IPv4 address as an unsigned 32-bit integer, e.g. 0x0a000001 for 10.0.0.1. */
export type Ipv4 = number;

/** Parses a dotted-quad IPv4 address ("192.0.2.1"); no leading zeros, no shorthand forms. */
export function parseIpv4Address(text: string): Ipv4 | ParseError {
  const parts = text.split(".");
  if (parts.length !== 4) {
    return new ParseError("ipv4-address", "text", 0, "invalid", `expected a.b.c.d, got "${text}"`);
  }
  let value = 0;
  let offset = 0;
  for (const part of parts) {
    // Leading zeros are refused: some stacks read them as octal, so they are ambiguous.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) {
      return new ParseError(
        "ipv4-address",
        "octet",
        offset,
        "invalid",
        `"${part}" is not a decimal 0-255 in "${text}"`,
      );
    }
    value = value * 256 + Number(part);
    offset += part.length + 1;
  }
  return value;
}

/** "0." to "255." then "0" to "255": a dotted quad in three joins, with no number printing. */
const OCTET_TEXT = Array.from({ length: 512 }, (_, i) => (i < 256 ? `${i}.` : `${i - 256}`));

/** Formats an IPv4 address as a dotted quad. */
export function formatIpv4(a: Ipv4): string {
  const t = OCTET_TEXT;
  return t[a >>> 24]! + t[(a >>> 16) & 255]! + t[(a >>> 8) & 255]! + t[256 + (a & 255)]!;
}

/** Reads an IPv4 address from 4 bytes. */
export function readIpv4(b: Uint8Array, o: number): Ipv4 {
  return getU32(b, o);
}

/** An IPv6 address: four 32-bit words, most significant first. */
export class Ipv6Address {
  readonly family = 6 as const;
  constructor(
    readonly w0: number,
    readonly w1: number,
    readonly w2: number,
    readonly w3: number,
  ) {
    this.w0 = w0 >>> 0;
    this.w1 = w1 >>> 0;
    this.w2 = w2 >>> 0;
    this.w3 = w3 >>> 0;
  }

  static readonly UNSPECIFIED = new Ipv6Address(0, 0, 0, 0);
  static readonly LOOPBACK = new Ipv6Address(0, 0, 0, 1);

  /** Reads 16 bytes at offset `o`. */
  static fromBytes(b: Uint8Array, o = 0): Ipv6Address {
    return new Ipv6Address(getU32(b, o), getU32(b, o + 4), getU32(b, o + 8), getU32(b, o + 12));
  }

  /** Parses RFC 4291 text; see parseIpv6Address. Throws on bad input (for literals in code and tests). */
  static of(text: string): Ipv6Address {
    const r = parseIpv6Address(text);
    if (r instanceof ParseError) throw new Error(r.message);
    return r;
  }

  /** Writes the 16 bytes at offset `o`. */
  write(b: Uint8Array, o: number): void {
    setU32(b, o, this.w0);
    setU32(b, o + 4, this.w1);
    setU32(b, o + 8, this.w2);
    setU32(b, o + 12, this.w3);
  }

  toBytes(): Uint8Array {
    const b = new Uint8Array(16);
    this.write(b, 0);
    return b;
  }

  /** The 16-bit group `i` (0..7). */
  group(i: number): number {
    const w = i < 2 ? this.w0 : i < 4 ? this.w1 : i < 6 ? this.w2 : this.w3;
    return i % 2 === 0 ? w >>> 16 : w & 0xffff;
  }

  word(i: number): number {
    return i === 0 ? this.w0 : i === 1 ? this.w1 : i === 2 ? this.w2 : this.w3;
  }

  equals(o: Ipv6Address): boolean {
    return this.w0 === o.w0 && this.w1 === o.w1 && this.w2 === o.w2 && this.w3 === o.w3;
  }

  /** RFC 5952 §4 canonical text. IPv4-mapped addresses print their dotted tail (§5). */
  toString(): string {
    if (this.w0 === 0 && this.w1 === 0 && this.w2 === 0xffff) {
      return `::ffff:${formatIpv4(this.w3)}`;
    }
    const g: number[] = [];
    for (let i = 0; i < 8; i++) g.push(this.group(i));
    // §4.2.1-4.2.3: compress the longest run of two or more zero groups, the first if tied.
    let bestStart = -1;
    let bestLen = 1;
    for (let i = 0; i < 8; ) {
      if (g[i] !== 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && g[j] === 0) j++;
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    const hex = (x: number) => x.toString(16);
    if (bestStart < 0) return g.map(hex).join(":");
    const head = g.slice(0, bestStart).map(hex).join(":");
    const tail = g
      .slice(bestStart + bestLen)
      .map(hex)
      .join(":");
    return `${head}::${tail}`;
  }
}

/**
 * Parses IPv6 text (RFC 4291 §2.2): eight groups of 1-4 hex digits, at most one "::", and an
 * optional dotted-quad tail. Zone indices ("%eth0") are not accepted.
 */
export function parseIpv6Address(text: string): Ipv6Address | ParseError {
  const fail = (offset: number, detail: string) =>
    new ParseError("ipv6-address", "text", offset, "invalid", `${detail} in "${text}"`);
  if (text.length === 0 || text.length > 45) return fail(0, "bad length");
  const dbl = text.indexOf("::");
  if (dbl !== -1 && text.indexOf("::", dbl + 1) !== -1) return fail(dbl, "more than one '::'");
  const groups: number[] = [];
  const parseSide = (side: string, base: number, allowV4: boolean): ParseError | number[] => {
    const out: number[] = [];
    if (side === "") return out;
    const parts = side.split(":");
    let off = base;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (allowV4 && i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIpv4Address(p);
        if (v4 instanceof ParseError) return fail(off, "bad embedded IPv4 address");
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return fail(off, `bad group "${p}"`);
        out.push(Number.parseInt(p, 16));
      }
      off += p.length + 1;
    }
    return out;
  };
  if (dbl === -1) {
    const all = parseSide(text, 0, true);
    if (all instanceof ParseError) return all;
    if (all.length !== 8) return fail(0, `expected 8 groups, got ${all.length}`);
    groups.push(...all);
  } else {
    const head = parseSide(text.slice(0, dbl), 0, false);
    if (head instanceof ParseError) return head;
    const tail = parseSide(text.slice(dbl + 2), dbl + 2, true);
    if (tail instanceof ParseError) return tail;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return fail(dbl, "'::' must stand for at least one group");
    groups.push(...head, ...new Array<number>(missing).fill(0), ...tail);
  }
  const w = (i: number) => groups[i]! * 0x10000 + groups[i + 1]!;
  return new Ipv6Address(w(0), w(2), w(4), w(6));
}

/** IPv4 or IPv6 address, tagged by family. */
export type IpAddress = { readonly family: 4; readonly v4: Ipv4 } | Ipv6Address;

/** Wraps an IPv4 number as a tagged address. */
export function ipv4Address(v4: Ipv4): IpAddress {
  return { family: 4, v4: v4 >>> 0 };
}

/** Parses either family: text with a ':' is IPv6. */
export function parseIp(text: string): IpAddress | ParseError {
  if (text.includes(":")) return parseIpv6Address(text);
  const v4 = parseIpv4Address(text);
  return v4 instanceof ParseError ? v4 : ipv4Address(v4);
}

/** Formats either family. */
export function formatIp(a: IpAddress): string {
  return a.family === 4 ? formatIpv4(a.v4) : a.toString();
}
