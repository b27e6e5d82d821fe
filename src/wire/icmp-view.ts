/**
 * The header ICMP for IPv4 (RFC 792) and ICMPv6 (RFC 4443 §2.1) share: type, code, checksum and
 * four type-specific bytes (an echo's identifier and sequence number), then the body. Each
 * family's view adds what differs, chiefly how its checksum is computed.
 */
import { getU16, getU32, setU16, setU32 } from "./bytes.js";

/** Type, code, checksum and the four type-specific bytes, in both families. */
export const ICMP_HEADER_LENGTH = 8;

const F = { type: 0, code: 1, checksum: 2, rest: 4, identifier: 4, sequence: 6 } as const;

/**
 * Zero-copy field access to an ICMP message of `length` bytes at `offset` in `bytes` (by default
 * to the end of the buffer); unchecked.
 */
export class IcmpView {
  readonly length: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
    length?: number,
  ) {
    this.length = length ?? bytes.length - offset;
  }

  get type(): number {
    return this.bytes[this.offset + F.type]!;
  }
  set type(v: number) {
    this.bytes[this.offset + F.type] = v;
  }
  get code(): number {
    return this.bytes[this.offset + F.code]!;
  }
  set code(v: number) {
    this.bytes[this.offset + F.code] = v;
  }
  get checksum(): number {
    return getU16(this.bytes, this.offset + F.checksum);
  }
  set checksum(v: number) {
    setU16(this.bytes, this.offset + F.checksum, v);
  }
  /** The four type-specific header bytes. */
  get rest(): number {
    return getU32(this.bytes, this.offset + F.rest);
  }
  set rest(v: number) {
    setU32(this.bytes, this.offset + F.rest, v);
  }
  /** Echo identifier (the high half of `rest`). */
  get identifier(): number {
    return getU16(this.bytes, this.offset + F.identifier);
  }
  set identifier(v: number) {
    setU16(this.bytes, this.offset + F.identifier, v);
  }
  /** Echo sequence number (the low half of `rest`). */
  get sequence(): number {
    return getU16(this.bytes, this.offset + F.sequence);
  }
  set sequence(v: number) {
    setU16(this.bytes, this.offset + F.sequence, v);
  }
  /** Everything after the 8-byte header (zero-copy). */
  get body(): Uint8Array {
    return this.bytes.subarray(this.offset + ICMP_HEADER_LENGTH, this.offset + this.length);
  }
}
