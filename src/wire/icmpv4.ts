/**
 * ICMP for IPv4 (RFC 792): an 8-byte header (type, code, checksum, four type-specific bytes) and a
 * body. Echo, destination unreachable (with RFC 1191's next-hop MTU) and time exceeded are decoded
 * into their own records; other types are kept whole, so every message round-trips.
 */
import { getU16, setU16 } from "./bytes.js";
import { internetChecksum } from "./checksum.js";
import { IcmpView } from "./icmp-view.js";
import { invalid, ParseError, truncated } from "./parse-error.js";

export const ICMPV4_HEADER_LENGTH = 8;

/** ICMP type numbers (RFC 792). */
export const ICMPV4_ECHO_REPLY = 0;
export const ICMPV4_DESTINATION_UNREACHABLE = 3;
export const ICMPV4_ECHO_REQUEST = 8;
export const ICMPV4_TIME_EXCEEDED = 11;

/** Destination unreachable codes: 0-5 from RFC 792, up to 15 from RFC 1122 and RFC 1812. */
export const Icmpv4Unreachable = {
  net: 0,
  host: 1,
  protocol: 2,
  port: 3,
  fragmentationNeeded: 4,
  sourceRouteFailed: 5,
} as const;

/** Time exceeded codes (RFC 792). */
export const Icmpv4TimeExceeded = { ttl: 0, reassembly: 1 } as const;

/** Highest destination unreachable code accepted (RFC 1812 §5.2.7.1 defines up to 15). */
const MAX_UNREACHABLE_CODE = 15;

/** Types decoded into their own records; an "other" record may not carry them. */
const KNOWN_TYPES: readonly number[] = [
  ICMPV4_ECHO_REPLY,
  ICMPV4_DESTINATION_UNREACHABLE,
  ICMPV4_ECHO_REQUEST,
  ICMPV4_TIME_EXCEEDED,
];

/** Byte offsets of the header fields; `rest` is the type-specific word. */
const F = { type: 0, code: 1, checksum: 2, rest: 4, identifier: 4, sequence: 6, mtu: 6 } as const;

/** Echo request or reply (RFC 792 "Echo or Echo Reply Message"); code is always 0. */
export interface Icmpv4Echo {
  type: "echo-request" | "echo-reply";
  checksum: number;
  identifier: number;
  sequence: number;
  /** Echo data, a view into the parsed buffer. */
  data: Uint8Array;
}

/** Destination unreachable (RFC 792); code 4 carries the next-hop MTU (RFC 1191 §4). */
export interface Icmpv4DestinationUnreachable {
  type: "destination-unreachable";
  /** 0-15; see `Icmpv4Unreachable`. */
  code: number;
  checksum: number;
  /** Next-hop MTU for code 4 (0 when the router does not say); must be 0 for other codes. */
  nextHopMtu: number;
  /** The invoking datagram's IP header and first payload bytes, a view into the parsed buffer. */
  original: Uint8Array;
}

/** Time exceeded (RFC 792): code 0 TTL exceeded in transit, 1 fragment reassembly time exceeded. */
export interface Icmpv4TimeExceededRecord {
  type: "time-exceeded";
  code: number;
  checksum: number;
  /** The invoking datagram's IP header and first payload bytes, a view into the parsed buffer. */
  original: Uint8Array;
}

/** Any other ICMP type, kept whole. */
export interface Icmpv4Other {
  type: "other";
  icmpType: number;
  code: number;
  checksum: number;
  /** The four type-specific header bytes as an unsigned 32-bit number. */
  rest: number;
  /** Everything after the 8-byte header, a view into the parsed buffer. */
  body: Uint8Array;
}

/** An ICMPv4 message as plain data, by type. `checksum` is the field as carried. */
export type Icmpv4Record =
  | Icmpv4Echo
  | Icmpv4DestinationUnreachable
  | Icmpv4TimeExceededRecord
  | Icmpv4Other;

/**
 * Zero-copy field access to an ICMP message of `length` bytes at `offset` in `bytes` (by default
 * to the end of the buffer); unchecked, see `parseIcmpv4`.
 */
export class Icmpv4View extends IcmpView {
  /** Next-hop MTU of "fragmentation needed" (the low half of `rest`, RFC 1191 §4). */
  get nextHopMtu(): number {
    return getU16(this.bytes, this.offset + F.mtu);
  }
  set nextHopMtu(v: number) {
    setU16(this.bytes, this.offset + F.mtu, v);
  }
  /** The checksum the message should carry, computed with the field taken as 0. */
  computeChecksum(): number {
    const o = this.offset;
    const head = getU16(this.bytes, o); // type and code: the only word before the checksum
    return internetChecksum(this.bytes, o + F.checksum + 2, o + this.length, head);
  }
  /** True when the checksum over the whole message verifies. */
  verifyChecksum(): boolean {
    return internetChecksum(this.bytes, this.offset, this.offset + this.length) === 0;
  }
}

/** Options for `parseIcmpv4`. */
export interface ParseIcmpv4Options {
  /** Verify the checksum over the whole message (default true). */
  verifyChecksum?: boolean;
}

/**
 * Parses an ICMP message occupying all of `bytes` (the IPv4 payload). A known type with a code
 * RFC 792 does not define for it is refused as invalid.
 */
export function parseIcmpv4(
  bytes: Uint8Array,
  opts: ParseIcmpv4Options = {},
): Icmpv4Record | ParseError {
  if (bytes.length < ICMPV4_HEADER_LENGTH) {
    return truncated("icmpv4", "header", 0, ICMPV4_HEADER_LENGTH, bytes.length);
  }
  const view = new Icmpv4View(bytes);
  // RFC 792: the checksum covers the whole ICMP message; IPv4 has no pseudo-header for ICMP.
  if (opts.verifyChecksum !== false && !view.verifyChecksum()) {
    return new ParseError("icmpv4", "checksum", F.checksum, "checksum", "does not verify");
  }
  const type = view.type;
  const code = view.code;
  const checksum = view.checksum;
  const body = view.body;
  switch (type) {
    case ICMPV4_ECHO_REQUEST:
    case ICMPV4_ECHO_REPLY:
      if (code !== 0) return badCode(type, code);
      return {
        type: type === ICMPV4_ECHO_REQUEST ? "echo-request" : "echo-reply",
        checksum,
        identifier: view.identifier,
        sequence: view.sequence,
        data: body,
      };
    case ICMPV4_DESTINATION_UNREACHABLE:
      if (code > MAX_UNREACHABLE_CODE) return badCode(type, code);
      return {
        type: "destination-unreachable",
        code,
        checksum,
        // RFC 1191 §4: only "fragmentation needed" carries an MTU; elsewhere the word is unused.
        nextHopMtu: code === Icmpv4Unreachable.fragmentationNeeded ? view.nextHopMtu : 0,
        original: body,
      };
    case ICMPV4_TIME_EXCEEDED:
      if (code > Icmpv4TimeExceeded.reassembly) return badCode(type, code);
      return { type: "time-exceeded", code, checksum, original: body };
    default:
      return { type: "other", icmpType: type, code, checksum, rest: view.rest, body };
  }
}

function badCode(type: number, code: number): ParseError {
  return invalid("icmpv4", "code", F.code, `code ${code} is not defined for type ${type}`);
}

/** Bytes needed to emit `r`. */
export function icmpv4BufferLength(r: Icmpv4Record): number {
  return ICMPV4_HEADER_LENGTH + icmpv4Body(r).length;
}

/** Options for `emitIcmpv4`. */
export interface EmitIcmpv4Options {
  /** Compute the checksum (default false: `r.checksum` is written as is, like `emitUdp`). */
  computeChecksum?: boolean;
}

/**
 * Writes `r` into `out` at `offset` (a new buffer when `out` is omitted) and returns the message's
 * bytes. With `computeChecksum`, the checksum is computed; otherwise `r.checksum` is written.
 * Throws RangeError for a next-hop MTU on a code other than 4, and for an "other" record whose
 * type has its own record (it would not parse back as "other").
 */
export function emitIcmpv4(
  r: Icmpv4Record,
  opts: EmitIcmpv4Options = {},
  out?: Uint8Array,
  offset = 0,
): Uint8Array {
  const body = icmpv4Body(r);
  const len = ICMPV4_HEADER_LENGTH + body.length;
  const buf = out ?? new Uint8Array(len);
  const view = new Icmpv4View(buf, offset, len);
  switch (r.type) {
    case "echo-request":
    case "echo-reply":
      view.type = r.type === "echo-request" ? ICMPV4_ECHO_REQUEST : ICMPV4_ECHO_REPLY;
      view.code = 0;
      view.identifier = r.identifier;
      view.sequence = r.sequence;
      break;
    case "destination-unreachable":
      if (r.nextHopMtu !== 0 && r.code !== Icmpv4Unreachable.fragmentationNeeded) {
        throw new RangeError(`next-hop MTU ${r.nextHopMtu} given for unreachable code ${r.code}`);
      }
      view.type = ICMPV4_DESTINATION_UNREACHABLE;
      view.code = r.code;
      view.rest = r.nextHopMtu & 0xffff;
      break;
    case "time-exceeded":
      view.type = ICMPV4_TIME_EXCEEDED;
      view.code = r.code;
      view.rest = 0;
      break;
    case "other":
      if (KNOWN_TYPES.includes(r.icmpType)) {
        throw new RangeError(`ICMP type ${r.icmpType} has its own record; "other" cannot carry it`);
      }
      view.type = r.icmpType;
      view.code = r.code;
      view.rest = r.rest;
      break;
  }
  view.checksum = 0;
  buf.set(body, offset + ICMPV4_HEADER_LENGTH);
  view.checksum = opts.computeChecksum === true ? view.computeChecksum() : r.checksum;
  return buf.subarray(offset, offset + len);
}

/** The bytes after the header, whatever the record's type calls them. */
function icmpv4Body(r: Icmpv4Record): Uint8Array {
  switch (r.type) {
    case "echo-request":
    case "echo-reply":
      return r.data;
    case "destination-unreachable":
    case "time-exceeded":
      return r.original;
    case "other":
      return r.body;
  }
}
