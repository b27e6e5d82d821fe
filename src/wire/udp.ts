/**
 * UDP (RFC 768): an 8-byte header and a payload. `UdpView` reads and writes fields in place over
 * a buffer; `parseUdp` checks untrusted bytes and returns a record; `emitUdp` writes one.
 * Over IPv4 a zero checksum means "none"; over IPv6 it is mandatory (RFC 8200 §8.1), and a
 * computed zero is sent as 0xffff in both.
 */
import { getU16, setU16 } from "./bytes.js";
import { internetChecksum, type PseudoHeader, pseudoSum } from "./checksum.js";
import { invalid, ParseError, truncated } from "./parse-error.js";

export const UDP_PROTOCOL = 17;
export const UDP_HEADER_LENGTH = 8;

/** Byte offsets of the header fields. */
const F = { srcPort: 0, dstPort: 2, length: 4, checksum: 6 } as const;

/** A UDP datagram as plain data. `payload` is a view into the parsed buffer, not a copy. */
export interface UdpRecord {
  srcPort: number;
  dstPort: number;
  /** The checksum field as carried (0 = none over IPv4). */
  checksum: number;
  payload: Uint8Array;
}

/** Zero-copy field access to a UDP header at `offset` in `bytes`; unchecked, see `parseUdp`. */
export class UdpView {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
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
  get length(): number {
    return getU16(this.bytes, this.offset + F.length);
  }
  set length(v: number) {
    setU16(this.bytes, this.offset + F.length, v);
  }
  get checksum(): number {
    return getU16(this.bytes, this.offset + F.checksum);
  }
  set checksum(v: number) {
    setU16(this.bytes, this.offset + F.checksum, v);
  }
  /** The payload as a subarray (zero-copy). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + UDP_HEADER_LENGTH, this.offset + this.length);
  }
}

/**
 * Parses a UDP datagram occupying all of `bytes`. With `pseudo`, a non-zero checksum is verified
 * (and a zero one refused over IPv6).
 */
export function parseUdp(bytes: Uint8Array, pseudo?: PseudoHeader): UdpRecord | ParseError {
  if (bytes.length < UDP_HEADER_LENGTH) {
    return truncated("udp", "header", 0, UDP_HEADER_LENGTH, bytes.length);
  }
  const view = new UdpView(bytes);
  const length = view.length;
  if (length < UDP_HEADER_LENGTH) {
    return invalid("udp", "length", F.length, `length ${length} is below the 8-byte header`);
  }
  if (length > bytes.length) return truncated("udp", "payload", 8, length - 8, bytes.length - 8);
  const checksum = view.checksum;
  if (pseudo !== undefined) {
    if (checksum === 0 && pseudo.family === 6) {
      return invalid("udp", "checksum", F.checksum, "zero checksum is not allowed over IPv6");
    }
    if (checksum !== 0 && udpChecksum(bytes.subarray(0, length), pseudo) !== 0) {
      return new ParseError("udp", "checksum", F.checksum, "checksum", "does not verify");
    }
  }
  return {
    srcPort: view.srcPort,
    dstPort: view.dstPort,
    checksum,
    payload: bytes.subarray(UDP_HEADER_LENGTH, length),
  };
}

/** Bytes needed to emit `r`. */
export function udpBufferLength(r: UdpRecord): number {
  return UDP_HEADER_LENGTH + r.payload.length;
}

/**
 * Writes `r` into `out` at `offset` (a new buffer when `out` is omitted) and returns the
 * datagram's bytes. With `pseudo`, the checksum is computed; otherwise `r.checksum` is written.
 */
export function emitUdp(
  r: UdpRecord,
  pseudo?: PseudoHeader,
  out?: Uint8Array,
  offset = 0,
): Uint8Array {
  const len = udpBufferLength(r);
  if (len > 0xffff) throw new RangeError(`UDP datagram of ${len} bytes exceeds 65535`);
  const buf = out ?? new Uint8Array(len);
  const view = new UdpView(buf, offset);
  view.srcPort = r.srcPort;
  view.dstPort = r.dstPort;
  view.length = len;
  view.checksum = 0;
  buf.set(r.payload, offset + UDP_HEADER_LENGTH);
  const dgram = buf.subarray(offset, offset + len);
  if (pseudo === undefined) {
    view.checksum = r.checksum;
  } else {
    const c = udpChecksum(dgram, pseudo);
    view.checksum = c === 0 ? 0xffff : c; // RFC 768: a computed zero is sent as all ones.
  }
  return dgram;
}

/**
 * The checksum over a whole datagram (header and payload) with its pseudo-header: 0 when a
 * received datagram verifies, or the value to store when the checksum field holds 0.
 */
export function udpChecksum(dgram: Uint8Array, pseudo: PseudoHeader): number {
  return internetChecksum(dgram, 0, dgram.length, pseudoSum(pseudo, UDP_PROTOCOL, dgram.length));
}
