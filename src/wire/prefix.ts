/**
 * CIDR prefixes (RFC 4632 for IPv4, RFC 4291 §2.3 for IPv6): an address and a length, with the
 * bits past the length zero. Routing tables, interface subnets and fault rules are built on these.
 */
import {
  formatIpv4,
  type Ipv4,
  Ipv6Address,
  parseIpv4Address,
  parseIpv6Address,
} from "./address.js";
import { ParseError } from "./parse-error.js";

/** The netmask for an IPv4 prefix length 0..32, as an unsigned 32-bit number. */
export function ipv4Mask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

/** An IPv4 prefix such as 10.0.0.0/8. */
export class Ipv4Prefix {
  readonly family = 4 as const;
  readonly address: Ipv4;
  readonly length: number;

  /** Builds a prefix; host bits of `address` are cleared. */
  constructor(address: Ipv4, length: number) {
    if (!Number.isInteger(length) || length < 0 || length > 32) {
      throw new RangeError(`IPv4 prefix length out of range: ${length}`);
    }
    this.address = (address & ipv4Mask(length)) >>> 0;
    this.length = length;
  }

  get mask(): number {
    return ipv4Mask(this.length);
  }

  contains(a: Ipv4): boolean {
    return (a & this.mask) >>> 0 === this.address;
  }

  toString(): string {
    return `${formatIpv4(this.address)}/${this.length}`;
  }
}

/** Masks one 32-bit word of an IPv6 address for a prefix of `length` bits. */
function maskWord(w: number, index: number, length: number): number {
  const bits = Math.min(32, Math.max(0, length - 32 * index));
  return bits === 0 ? 0 : (w & ipv4Mask(bits)) >>> 0;
}

/** An IPv6 prefix such as 2001:db8::/32. */
export class Ipv6Prefix {
  readonly family = 6 as const;
  readonly address: Ipv6Address;
  readonly length: number;

  /** Builds a prefix; host bits of `address` are cleared. */
  constructor(address: Ipv6Address, length: number) {
    if (!Number.isInteger(length) || length < 0 || length > 128) {
      throw new RangeError(`IPv6 prefix length out of range: ${length}`);
    }
    this.address = new Ipv6Address(
      maskWord(address.w0, 0, length),
      maskWord(address.w1, 1, length),
      maskWord(address.w2, 2, length),
      maskWord(address.w3, 3, length),
    );
    this.length = length;
  }

  contains(a: Ipv6Address): boolean {
    const p = this.address;
    const l = this.length;
    return (
      maskWord(a.w0, 0, l) === p.w0 &&
      maskWord(a.w1, 1, l) === p.w1 &&
      maskWord(a.w2, 2, l) === p.w2 &&
      maskWord(a.w3, 3, l) === p.w3
    );
  }

  toString(): string {
    return `${this.address.toString()}/${this.length}`;
  }
}

export type Prefix = Ipv4Prefix | Ipv6Prefix;

export interface ParsePrefixOptions {
  /** Refuse a prefix whose host bits are set ("10.0.0.1/8"); default true. */
  strict?: boolean;
}

/** Parses "a.b.c.d/n" or "x::y/n". A missing length means a host prefix (/32 or /128). */
export function parsePrefix(text: string, options: ParsePrefixOptions = {}): Prefix | ParseError {
  const strict = options.strict ?? true;
  const slash = text.indexOf("/");
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const lenText = slash === -1 ? undefined : text.slice(slash + 1);
  const v6 = addrText.includes(":");
  const max = v6 ? 128 : 32;
  let length = max;
  if (lenText !== undefined) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText) || Number(lenText) > max) {
      return new ParseError("prefix", "length", slash + 1, "invalid", `bad length in "${text}"`);
    }
    length = Number(lenText);
  }
  if (v6) {
    const a = parseIpv6Address(addrText);
    if (a instanceof ParseError) return a;
    const p = new Ipv6Prefix(a, length);
    if (strict && !p.address.equals(a)) return hostBitsSet(text, p.toString());
    return p;
  }
  const a = parseIpv4Address(addrText);
  if (a instanceof ParseError) return a;
  const p = new Ipv4Prefix(a, length);
  if (strict && p.address !== a) return hostBitsSet(text, p.toString());
  return p;
}

function hostBitsSet(text: string, fixed: string): ParseError {
  return new ParseError(
    "prefix",
    "address",
    0,
    "invalid",
    `"${text}" has host bits set (${fixed}?)`,
  );
}
