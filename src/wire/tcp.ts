/**
 * TCP segments (RFC 9293 §3.1): a 20-60 byte header with options, then data. `TcpView` reads and
 * writes fields in place; `parseTcp` checks untrusted bytes and returns a record, allocating only
 * it, its payload view and, when options exist, their list; `emitTcp` writes one and its checksum.
 */
import { getU16, getU32, setU16, setU32 } from "./bytes.js";
import { internetChecksum, type PseudoHeader, pseudoSum } from "./checksum.js";
import { invalid, ParseError, truncated } from "./parse-error.js";
import type { SeqNumber } from "./seq.js";
import {
  NO_TCP_OPTIONS,
  parseTcpOptions,
  TCP_OPTIONS_MAX,
  type TcpOption,
  tcpOptionsPaddedLength,
  writeTcpOptions,
} from "./tcp-options.js";

/** IP protocol number of TCP. */
export const TCP_PROTOCOL = 6;
/** Length of a header without options (data offset 5). */
export const TCP_HEADER_MIN = 20;
/** Longest header: the data offset is four bits, counting 32-bit words. */
export const TCP_HEADER_MAX = 60;

/** Control bits of the 9-bit flags number (RFC 9293 §3.1; ECE and CWR from RFC 3168 §6.1). */
export const TCP_FLAG_FIN = 0x001;
export const TCP_FLAG_SYN = 0x002;
export const TCP_FLAG_RST = 0x004;
export const TCP_FLAG_PSH = 0x008;
export const TCP_FLAG_ACK = 0x010;
export const TCP_FLAG_URG = 0x020;
export const TCP_FLAG_ECE = 0x040;
export const TCP_FLAG_CWR = 0x080;
/** Accurate ECN (formerly RFC 3540's NS), the lowest bit of byte 12. */
export const TCP_FLAG_AE = 0x100;
/** All nine flag bits. */
export const TCP_FLAGS_MASK = 0x1ff;

/** Byte offsets of the header fields. */
const F = {
  srcPort: 0,
  dstPort: 2,
  seq: 4,
  ack: 8,
  /** Data offset (4 bits), reserved (3 bits), flags (9 bits). */
  offsetFlags: 12,
  window: 14,
  checksum: 16,
  urgentPointer: 18,
  options: 20,
} as const;

/**
 * A TCP segment as plain data. The data offset is derived from `options` on emit; the three
 * reserved bits are ignored on parse and sent as zero.
 */
export interface TcpRecord {
  srcPort: number;
  dstPort: number;
  seq: SeqNumber;
  ack: SeqNumber;
  /** The nine control bits, `TCP_FLAG_*`. */
  flags: number;
  window: number;
  /** The checksum field as carried. */
  checksum: number;
  urgentPointer: number;
  /** Options in wire order, without EOL and padding. */
  options: readonly TcpOption[];
  /** The data, a view into the parsed buffer (not a copy); a shared empty array when none. */
  payload: Uint8Array;
}

/**
 * Zero-copy field access to a TCP header at `offset` in `bytes`, the segment ending at `end`
 * (TCP carries no length; the IP layer knows it). Unchecked, see `parseTcp`.
 */
export class TcpView {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
    readonly end = bytes.length,
  ) {}

  get srcPort(): number {
    return getU16(this.bytes, this.offset + F.srcPort);
  }
  set srcPort(v: number) {
    setU16(this.bytes, this.offset + F.srcPort, v);
  }
  get dstPort(): number {
    return getU16(this.bytes, this.offset + F.dstPort);
  }
  set dstPort(v: number) {
    setU16(this.bytes, this.offset + F.dstPort, v);
  }
  get seq(): SeqNumber {
    return getU32(this.bytes, this.offset + F.seq) as SeqNumber;
  }
  set seq(v: SeqNumber) {
    setU32(this.bytes, this.offset + F.seq, v);
  }
  get ack(): SeqNumber {
    return getU32(this.bytes, this.offset + F.ack) as SeqNumber;
  }
  set ack(v: SeqNumber) {
    setU32(this.bytes, this.offset + F.ack, v);
  }
  /** Header length in 32-bit words. */
  get dataOffset(): number {
    return this.bytes[this.offset + F.offsetFlags]! >>> 4;
  }
  set dataOffset(v: number) {
    const o = this.offset + F.offsetFlags;
    this.bytes[o] = ((v & 0x0f) << 4) | (this.bytes[o]! & 0x0f);
  }
  /** Header length in bytes (data offset × 4). */
  get headerLength(): number {
    return this.dataOffset * 4;
  }
  /** The nine control bits; setting them keeps the data offset and reserved bits. */
  get flags(): number {
    return getU16(this.bytes, this.offset + F.offsetFlags) & TCP_FLAGS_MASK;
  }
  set flags(v: number) {
    const o = this.offset + F.offsetFlags;
    setU16(this.bytes, o, (getU16(this.bytes, o) & ~TCP_FLAGS_MASK) | (v & TCP_FLAGS_MASK));
  }
  get window(): number {
    return getU16(this.bytes, this.offset + F.window);
  }
  set window(v: number) {
    setU16(this.bytes, this.offset + F.window, v);
  }
  get checksum(): number {
    return getU16(this.bytes, this.offset + F.checksum);
  }
  set checksum(v: number) {
    setU16(this.bytes, this.offset + F.checksum, v);
  }
  get urgentPointer(): number {
    return getU16(this.bytes, this.offset + F.urgentPointer);
  }
  set urgentPointer(v: number) {
    setU16(this.bytes, this.offset + F.urgentPointer, v);
  }
  /** The raw option area, padding included (zero-copy). */
  get options(): Uint8Array {
    return this.bytes.subarray(this.offset + F.options, this.offset + this.headerLength);
  }
  /** The data, from the end of the header to `end` (zero-copy). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + this.headerLength, this.end);
  }
  /** The whole segment (zero-copy). */
  get segment(): Uint8Array {
    return this.bytes.subarray(this.offset, this.end);
  }
  /** True when the checksum verifies with `pseudo` (RFC 9293 §3.1 "Checksum"). */
  verifyChecksum(pseudo: PseudoHeader): boolean {
    const o = this.offset;
    const sum = pseudoSum(pseudo, TCP_PROTOCOL, this.end - o);
    return internetChecksum(this.bytes, o, this.end, sum) === 0;
  }
  /** Computes and stores the checksum for `pseudo`. */
  fillChecksum(pseudo: PseudoHeader): void {
    this.checksum = 0;
    this.checksum = tcpChecksum(this.segment, pseudo);
  }
}

/**
 * Parses a TCP segment occupying all of `bytes`: the header must be present, the data offset at
 * least 5 and within the buffer, and the options well formed (see `parseTcpOptions` for their
 * errors). With `pseudo`, the checksum is verified first (reason "checksum").
 */
export function parseTcp(bytes: Uint8Array, pseudo?: PseudoHeader): TcpRecord | ParseError {
  const n = bytes.length;
  if (n < TCP_HEADER_MIN) return truncated("tcp", "header", 0, TCP_HEADER_MIN, n);
  const hl = (bytes[F.offsetFlags]! >>> 4) * 4;
  if (hl < TCP_HEADER_MIN) {
    return invalid("tcp", "dataOffset", F.offsetFlags, `data offset ${hl / 4} is below 5`);
  }
  if (hl > n) return truncated("tcp", "options", F.options, hl - F.options, n - F.options);
  // RFC 9293 §3.1: the checksum covers pseudo-header, header and data; it is never optional.
  if (pseudo !== undefined && tcpChecksum(bytes, pseudo) !== 0) {
    return new ParseError("tcp", "checksum", F.checksum, "checksum", "does not verify");
  }
  let options = NO_TCP_OPTIONS;
  if (hl > TCP_HEADER_MIN) {
    const parsed = parseTcpOptions(bytes, F.options, hl);
    if (parsed instanceof ParseError) return parsed;
    options = parsed;
  }
  return {
    srcPort: getU16(bytes, F.srcPort),
    dstPort: getU16(bytes, F.dstPort),
    seq: getU32(bytes, F.seq) as SeqNumber,
    ack: getU32(bytes, F.ack) as SeqNumber,
    flags: getU16(bytes, F.offsetFlags) & TCP_FLAGS_MASK,
    window: getU16(bytes, F.window),
    checksum: getU16(bytes, F.checksum),
    urgentPointer: getU16(bytes, F.urgentPointer),
    options,
    // Pure ACKs are the commonest segment: share one empty array rather than make a subarray.
    payload: hl === n ? NO_PAYLOAD : bytes.subarray(hl, n),
  };
}

/** The payload of every segment that carries no data (length 0, so it cannot be written to). */
const NO_PAYLOAD = new Uint8Array(0);

/** Header length for `r`: 20 bytes plus options padded to a 32-bit boundary. */
export function tcpHeaderLength(r: TcpRecord): number {
  return TCP_HEADER_MIN + tcpOptionsPaddedLength(r.options);
}

/** Bytes needed to emit `r`. */
export function tcpBufferLength(r: TcpRecord): number {
  return tcpHeaderLength(r) + r.payload.length;
}

/**
 * Writes `r` into `out` at `offset` (a new buffer when `out` is omitted) and returns the
 * segment's bytes. With `pseudo`, the checksum is computed; otherwise `r.checksum` is written.
 * Throws RangeError when the options cannot be encoded (over 40 bytes; see `emitTcpOptions`).
 */
export function emitTcp(
  r: TcpRecord,
  pseudo?: PseudoHeader,
  out?: Uint8Array,
  offset = 0,
): Uint8Array {
  const optionBytes = tcpOptionsPaddedLength(r.options);
  if (optionBytes > TCP_OPTIONS_MAX) {
    throw new RangeError(`TCP options of ${optionBytes} bytes exceed ${TCP_OPTIONS_MAX}`);
  }
  const hl = TCP_HEADER_MIN + optionBytes;
  const len = hl + r.payload.length;
  const buf = out ?? new Uint8Array(len);
  const o = offset;
  setU16(buf, o + F.srcPort, r.srcPort);
  setU16(buf, o + F.dstPort, r.dstPort);
  setU32(buf, o + F.seq, r.seq);
  setU32(buf, o + F.ack, r.ack);
  setU16(buf, o + F.offsetFlags, ((hl >>> 2) << 12) | (r.flags & TCP_FLAGS_MASK));
  setU16(buf, o + F.window, r.window);
  setU16(buf, o + F.checksum, 0);
  setU16(buf, o + F.urgentPointer, r.urgentPointer);
  writeTcpOptions(r.options, buf, o + F.options, o + hl);
  buf.set(r.payload, o + hl);
  const segment = buf.subarray(o, o + len);
  // RFC 9293 §3.1: computed with the checksum field as zero.
  setU16(buf, o + F.checksum, pseudo === undefined ? r.checksum : tcpChecksum(segment, pseudo));
  return segment;
}

/**
 * The checksum over a whole segment with its pseudo-header: 0 when a received segment
 * verifies, or the value to store when the checksum field holds 0.
 */
export function tcpChecksum(segment: Uint8Array, pseudo: PseudoHeader): number {
  const len = segment.length;
  return internetChecksum(segment, 0, len, pseudoSum(pseudo, TCP_PROTOCOL, len));
}

/** tcpdump's letters, in its order: F S R P . U E W e (ACK is "."). */
const FLAG_LETTERS: readonly (readonly [number, string])[] = [
  [TCP_FLAG_FIN, "F"],
  [TCP_FLAG_SYN, "S"],
  [TCP_FLAG_RST, "R"],
  [TCP_FLAG_PSH, "P"],
  [TCP_FLAG_ACK, "."],
  [TCP_FLAG_URG, "U"],
  [TCP_FLAG_ECE, "E"],
  [TCP_FLAG_CWR, "W"],
  [TCP_FLAG_AE, "e"],
];

/**
 * Flags as tcpdump prints them: "[S]", "[S.]" for SYN-ACK, "[P.]", "[F.]", "[SEW]" for an ECN
 * setup SYN, "[.]" for a bare ACK, and "[none]" when no bit is set. Bits above the nine are ignored.
 */
export function formatTcpFlags(flags: number): string {
  let s = "";
  for (const [bit, letter] of FLAG_LETTERS) if ((flags & bit) !== 0) s += letter;
  return `[${s === "" ? "none" : s}]`;
}
