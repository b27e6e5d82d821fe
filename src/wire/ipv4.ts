/**
 * IPv4 (RFC 791): a 20-60 byte header with options, then a payload. `Ipv4View` reads and writes
 * fields in place (routers patch TTL and checksum without parsing); `parseIpv4` checks untrusted
 * bytes and returns a record with the options decoded; `emitIpv4` writes one and its checksum.
 */
import type { Ipv4 } from "./address.js";
import { getU16, getU32, setU16, setU32 } from "./bytes.js";
import { internetChecksum, onesSum, updateChecksum16 } from "./checksum.js";
import { invalid, ParseError, truncated } from "./parse-error.js";

/** Length of a header without options. */
export const IPV4_HEADER_MIN = 20;
/** Longest header: IHL is four bits, counting 32-bit words. */
export const IPV4_HEADER_MAX = 60;

/** Protocol numbers (IANA "Assigned Internet Protocol Numbers"). */
export const IP_PROTOCOL_ICMP = 1;
export const IP_PROTOCOL_TCP = 6;
export const IP_PROTOCOL_UDP = 17;

/** Bits of the 16-bit flags + fragment offset word (RFC 791 §3.1). */
export const IPV4_FLAG_RESERVED = 0x8000;
export const IPV4_FLAG_DF = 0x4000;
export const IPV4_FLAG_MF = 0x2000;
export const IPV4_FRAGMENT_OFFSET_MASK = 0x1fff;

/** Option types with a one-byte format (RFC 791 §3.1 "Options"). */
export const IPV4_OPTION_EOL = 0;
export const IPV4_OPTION_NOP = 1;

/** Byte offsets of the header fields. */
const F = {
  versionIhl: 0,
  dscpEcn: 1,
  totalLength: 2,
  identification: 4,
  flagsFragment: 6,
  ttl: 8,
  protocol: 9,
  checksum: 10,
  src: 12,
  dst: 16,
  options: 20,
} as const;

/**
 * One header option. EOL is not represented: it is padding, written by `emitIpv4` as needed.
 * `data` excludes the type and length bytes and is a view into the parsed buffer.
 */
export type Ipv4Option =
  | { readonly kind: "nop" }
  | { readonly kind: "option"; readonly type: number; readonly data: Uint8Array };

/** An IPv4 datagram as plain data. IHL and total length are derived on emit. */
export interface Ipv4Record {
  /** Differentiated services code point (6 bits, RFC 2474). */
  dscp: number;
  /** Explicit congestion notification (2 bits, RFC 3168). */
  ecn: number;
  identification: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** Fragment offset in 8-byte units (13 bits). */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  /** The header checksum as carried; `emitIpv4` ignores it and computes a fresh one. */
  headerChecksum: number;
  src: Ipv4;
  dst: Ipv4;
  /** Options in wire order, without EOL and padding. */
  options: readonly Ipv4Option[];
  /** The payload, a view into the parsed buffer (not a copy). */
  payload: Uint8Array;
}

/** Zero-copy field access to an IPv4 header at `offset` in `bytes`; unchecked, see `parseIpv4`. */
export class Ipv4View {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
  ) {}

  get version(): number {
    return this.bytes[this.offset + F.versionIhl]! >>> 4;
  }
  set version(v: number) {
    const o = this.offset + F.versionIhl;
    this.bytes[o] = ((v & 0x0f) << 4) | (this.bytes[o]! & 0x0f);
  }
  /** Header length in 32-bit words. */
  get ihl(): number {
    return this.bytes[this.offset + F.versionIhl]! & 0x0f;
  }
  set ihl(v: number) {
    const o = this.offset + F.versionIhl;
    this.bytes[o] = (this.bytes[o]! & 0xf0) | (v & 0x0f);
  }
  /** Header length in bytes (IHL × 4). */
  get headerLength(): number {
    return this.ihl * 4;
  }
  get dscp(): number {
    return this.bytes[this.offset + F.dscpEcn]! >>> 2;
  }
  set dscp(v: number) {
    const o = this.offset + F.dscpEcn;
    this.bytes[o] = ((v & 0x3f) << 2) | (this.bytes[o]! & 0x03);
  }
  get ecn(): number {
    return this.bytes[this.offset + F.dscpEcn]! & 0x03;
  }
  set ecn(v: number) {
    const o = this.offset + F.dscpEcn;
    this.bytes[o] = (this.bytes[o]! & 0xfc) | (v & 0x03);
  }
  get totalLength(): number {
    return getU16(this.bytes, this.offset + F.totalLength);
  }
  set totalLength(v: number) {
    setU16(this.bytes, this.offset + F.totalLength, v);
  }
  get identification(): number {
    return getU16(this.bytes, this.offset + F.identification);
  }
  set identification(v: number) {
    setU16(this.bytes, this.offset + F.identification, v);
  }
  /** The three flag bits (reserved, DF, MF) as a number 0-7. */
  get flags(): number {
    return this.bytes[this.offset + F.flagsFragment]! >>> 5;
  }
  set flags(v: number) {
    const o = this.offset + F.flagsFragment;
    this.bytes[o] = ((v & 0x07) << 5) | (this.bytes[o]! & 0x1f);
  }
  get dontFragment(): boolean {
    return (getU16(this.bytes, this.offset + F.flagsFragment) & IPV4_FLAG_DF) !== 0;
  }
  set dontFragment(v: boolean) {
    this.setFlagBit(IPV4_FLAG_DF, v);
  }
  get moreFragments(): boolean {
    return (getU16(this.bytes, this.offset + F.flagsFragment) & IPV4_FLAG_MF) !== 0;
  }
  set moreFragments(v: boolean) {
    this.setFlagBit(IPV4_FLAG_MF, v);
  }
  /** Fragment offset in 8-byte units. */
  get fragmentOffset(): number {
    return getU16(this.bytes, this.offset + F.flagsFragment) & IPV4_FRAGMENT_OFFSET_MASK;
  }
  set fragmentOffset(v: number) {
    const o = this.offset + F.flagsFragment;
    const word = getU16(this.bytes, o);
    setU16(this.bytes, o, (word & ~IPV4_FRAGMENT_OFFSET_MASK) | (v & IPV4_FRAGMENT_OFFSET_MASK));
  }
  /** Fragment offset in bytes; setting it requires a multiple of 8. */
  get fragmentByteOffset(): number {
    return this.fragmentOffset * 8;
  }
  set fragmentByteOffset(v: number) {
    if (v % 8 !== 0 || v < 0 || v > IPV4_FRAGMENT_OFFSET_MASK * 8) {
      throw new RangeError(`fragment byte offset ${v} is not a multiple of 8 in 0-65528`);
    }
    this.fragmentOffset = v / 8;
  }
  get ttl(): number {
    return this.bytes[this.offset + F.ttl]!;
  }
  set ttl(v: number) {
    this.bytes[this.offset + F.ttl] = v;
  }
  get protocol(): number {
    return this.bytes[this.offset + F.protocol]!;
  }
  set protocol(v: number) {
    this.bytes[this.offset + F.protocol] = v;
  }
  get headerChecksum(): number {
    return getU16(this.bytes, this.offset + F.checksum);
  }
  set headerChecksum(v: number) {
    setU16(this.bytes, this.offset + F.checksum, v);
  }
  get src(): Ipv4 {
    return getU32(this.bytes, this.offset + F.src);
  }
  set src(v: Ipv4) {
    setU32(this.bytes, this.offset + F.src, v);
  }
  get dst(): Ipv4 {
    return getU32(this.bytes, this.offset + F.dst);
  }
  set dst(v: Ipv4) {
    setU32(this.bytes, this.offset + F.dst, v);
  }
  /** The raw options area, padding included (zero-copy). */
  get options(): Uint8Array {
    return this.bytes.subarray(this.offset + F.options, this.offset + this.headerLength);
  }
  /** The payload, from the end of the header to total length (zero-copy). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + this.headerLength, this.offset + this.totalLength);
  }
  /** The header checksum as it should be, computed over the header with the field taken as 0. */
  computeChecksum(): number {
    const o = this.offset;
    const head = onesSum(this.bytes, o, o + F.checksum); // every word but the checksum field
    return internetChecksum(this.bytes, o + F.checksum + 2, o + this.headerLength, head);
  }
  /** Stores the computed header checksum. */
  fillChecksum(): void {
    this.headerChecksum = this.computeChecksum();
  }
  /** True when the header checksum verifies (RFC 791 §3.1 "Header Checksum"). */
  verifyChecksum(): boolean {
    return internetChecksum(this.bytes, this.offset, this.offset + this.headerLength) === 0;
  }

  private setFlagBit(bit: number, on: boolean): void {
    const o = this.offset + F.flagsFragment;
    const word = getU16(this.bytes, o);
    setU16(this.bytes, o, on ? word | bit : word & ~bit);
  }
}

/** Options for `parseIpv4`. */
export interface ParseIpv4Options {
  /** Verify the header checksum (default true). */
  verifyChecksum?: boolean;
  /**
   * Accept a buffer shorter than total length and return what is present as the payload, as
   * when reading the datagram an ICMP error quotes (RFC 792). Default false.
   */
  allowPartial?: boolean;
}

/**
 * Parses an IPv4 datagram at the start of `bytes`. Bytes past total length (link-layer padding)
 * are ignored. The reserved flag bit is ignored and not kept.
 */
export function parseIpv4(bytes: Uint8Array, opts?: ParseIpv4Options): Ipv4Record | ParseError {
  if (bytes.length < 1) return truncated("ipv4", "header", 0, IPV4_HEADER_MIN, 0);
  const view = new Ipv4View(bytes);
  if (view.version !== 4) {
    return invalid("ipv4", "version", F.versionIhl, `version ${view.version} is not 4`);
  }
  if (bytes.length < IPV4_HEADER_MIN) {
    return truncated("ipv4", "header", 0, IPV4_HEADER_MIN, bytes.length);
  }
  const hl = view.headerLength;
  if (hl < IPV4_HEADER_MIN) {
    return invalid("ipv4", "ihl", F.versionIhl, `IHL ${view.ihl} is below the minimum of 5`);
  }
  if (hl > bytes.length) {
    return truncated("ipv4", "options", F.options, hl - IPV4_HEADER_MIN, bytes.length - F.options);
  }
  if (opts?.verifyChecksum !== false && !view.verifyChecksum()) {
    return new ParseError("ipv4", "headerChecksum", F.checksum, "checksum", "does not verify");
  }
  const total = view.totalLength;
  if (total < hl) {
    return invalid("ipv4", "totalLength", F.totalLength, `${total} is below header length ${hl}`);
  }
  if (total > bytes.length && opts?.allowPartial !== true) {
    return truncated("ipv4", "payload", hl, total - hl, bytes.length - hl);
  }
  // Most datagrams carry no options: share one empty list instead of allocating.
  const options = hl === IPV4_HEADER_MIN ? NO_OPTIONS : parseOptions(bytes, hl);
  if (options instanceof ParseError) return options;
  return {
    dscp: view.dscp,
    ecn: view.ecn,
    identification: view.identification,
    dontFragment: view.dontFragment,
    moreFragments: view.moreFragments,
    fragmentOffset: view.fragmentOffset,
    ttl: view.ttl,
    protocol: view.protocol,
    headerChecksum: view.headerChecksum,
    src: view.src,
    dst: view.dst,
    options,
    payload: bytes.subarray(hl, Math.min(total, bytes.length)),
  };
}

/** Decodes the options area bytes[20..hl), checking each option's length. */
const NO_OPTIONS: readonly Ipv4Option[] = Object.freeze([]);

function parseOptions(bytes: Uint8Array, hl: number): Ipv4Option[] | ParseError {
  const options: Ipv4Option[] = [];
  let i: number = F.options;
  while (i < hl) {
    const type = bytes[i]!;
    // RFC 791 §3.1: EOL ends the list; what follows up to the header's end is padding.
    if (type === IPV4_OPTION_EOL) break;
    if (type === IPV4_OPTION_NOP) {
      options.push({ kind: "nop" });
      i++;
      continue;
    }
    if (i + 1 >= hl) {
      return invalid("ipv4", "options.length", i + 1, `option ${type} has no length byte`);
    }
    const len = bytes[i + 1]!;
    if (len < 2) {
      return invalid("ipv4", "options.length", i + 1, `option ${type} length ${len} is below 2`);
    }
    if (i + len > hl) {
      return invalid("ipv4", "options.length", i + 1, `option ${type} runs past the header`);
    }
    options.push({ kind: "option", type, data: bytes.subarray(i + 2, i + len) });
    i += len;
  }
  return options;
}

/** Bytes the options occupy on the wire before padding. */
export function ipv4OptionsLength(options: readonly Ipv4Option[]): number {
  let n = 0;
  for (const o of options) n += o.kind === "nop" ? 1 : 2 + o.data.length;
  return n;
}

/** Header length for `r`: 20 bytes plus options padded to a 32-bit boundary. */
export function ipv4HeaderLength(r: Ipv4Record): number {
  return IPV4_HEADER_MIN + ((ipv4OptionsLength(r.options) + 3) & ~3);
}

/** Bytes needed to emit `r`. */
export function ipv4BufferLength(r: Ipv4Record): number {
  return ipv4HeaderLength(r) + r.payload.length;
}

/**
 * Writes `r` into `out` at `offset` (a new buffer when `out` is omitted), computes the header
 * checksum, and returns the datagram's bytes. Throws RangeError when options exceed 40 bytes or
 * the datagram exceeds 65535.
 */
export function emitIpv4(r: Ipv4Record, out?: Uint8Array, offset = 0): Uint8Array {
  const hl = ipv4HeaderLength(r);
  if (hl > IPV4_HEADER_MAX) throw new RangeError(`IPv4 header of ${hl} bytes exceeds 60`);
  const len = hl + r.payload.length;
  if (len > 0xffff) throw new RangeError(`IPv4 datagram of ${len} bytes exceeds 65535`);
  const buf = out ?? new Uint8Array(len);
  const view = new Ipv4View(buf, offset);
  buf[offset + F.versionIhl] = 0x40 | (hl >>> 2);
  buf[offset + F.dscpEcn] = ((r.dscp & 0x3f) << 2) | (r.ecn & 0x03);
  view.totalLength = len;
  view.identification = r.identification;
  setU16(
    buf,
    offset + F.flagsFragment,
    (r.dontFragment ? IPV4_FLAG_DF : 0) |
      (r.moreFragments ? IPV4_FLAG_MF : 0) |
      (r.fragmentOffset & IPV4_FRAGMENT_OFFSET_MASK),
  );
  view.ttl = r.ttl;
  view.protocol = r.protocol;
  view.headerChecksum = 0;
  view.src = r.src;
  view.dst = r.dst;
  let i = offset + F.options;
  for (const o of r.options) {
    if (o.kind === "nop") {
      buf[i++] = IPV4_OPTION_NOP;
      continue;
    }
    if (o.type === IPV4_OPTION_EOL || o.type === IPV4_OPTION_NOP) {
      throw new RangeError(`IPv4 option type ${o.type} has no length byte; use kind "nop" or omit`);
    }
    buf[i] = o.type;
    buf[i + 1] = 2 + o.data.length;
    buf.set(o.data, i + 2);
    i += 2 + o.data.length;
  }
  buf.fill(IPV4_OPTION_EOL, i, offset + hl); // EOL, then zero padding (RFC 791 §3.1)
  buf.set(r.payload, offset + hl);
  view.headerChecksum = internetChecksum(buf, offset, offset + hl);
  return buf.subarray(offset, offset + len);
}

/**
 * Decrements the TTL of the header at `offset` in place and patches the header checksum by
 * RFC 1624 incremental update, as a forwarding router does (RFC 1812 §5.3.1). Returns the new
 * TTL. Throws RangeError when the TTL is already 0: the caller must drop such a datagram.
 */
export function decrementTtl(bytes: Uint8Array, offset: number): number {
  const o = offset + F.ttl;
  const ttl = bytes[o]!;
  if (ttl === 0) throw new RangeError("cannot decrement a TTL of 0");
  const oldWord = getU16(bytes, o); // TTL and protocol share one 16-bit word
  const newWord = oldWord - 0x100;
  setU16(bytes, o, newWord);
  const c = offset + F.checksum;
  setU16(bytes, c, updateChecksum16(getU16(bytes, c), oldWord, newWord));
  return ttl - 1;
}

/**
 * True when an option of `type` is copied into every fragment (the copied flag, RFC 791 §3.1).
 */
export function ipv4OptionCopied(type: number): boolean {
  return (type & 0x80) !== 0;
}
