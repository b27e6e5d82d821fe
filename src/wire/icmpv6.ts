/**
 * ICMPv6 (RFC 4443): a 4-byte header (type, code, checksum), four type-specific bytes and a body.
 * Echo and the four error messages get their own records; other types (NDP, MLD, ...) are kept
 * whole as "other". The checksum covers the IPv6 pseudo-header (RFC 4443 §2.3), like UDP's.
 */
import { internetChecksum, pseudoSum } from "./checksum.js";
import { IcmpView } from "./icmp-view.js";
import type { Ipv6PseudoHeader } from "./ipv6.js";
import { invalid, ParseError, truncated } from "./parse-error.js";

/** The IPv6 next-header value of ICMPv6. */
export const ICMPV6_PROTOCOL = 58;
/** Type, code, checksum and the four type-specific bytes. */
export const ICMPV6_HEADER_LENGTH = 8;

/** ICMPv6 type numbers (RFC 4443 §2.1). */
export const ICMPV6_DESTINATION_UNREACHABLE = 1;
export const ICMPV6_PACKET_TOO_BIG = 2;
export const ICMPV6_TIME_EXCEEDED = 3;
export const ICMPV6_PARAMETER_PROBLEM = 4;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;

/** Destination unreachable codes (RFC 4443 §3.1). */
export const Icmpv6Unreachable = {
  noRoute: 0,
  administrativelyProhibited: 1,
  beyondScope: 2,
  address: 3,
  port: 4,
  sourcePolicy: 5,
  rejectRoute: 6,
} as const;

/** Time exceeded codes (RFC 4443 §3.3). */
export const Icmpv6TimeExceeded = { hopLimit: 0, reassembly: 1 } as const;

/** Parameter problem codes (RFC 4443 §3.4); later RFCs register more, which parse as well. */
export const Icmpv6ParameterProblem = {
  erroneousHeaderField: 0,
  unrecognizedNextHeader: 1,
  unrecognizedOption: 2,
} as const;

/** Types decoded into their own records; an "other" record may not carry them. */
const KNOWN_TYPES: readonly number[] = [
  ICMPV6_DESTINATION_UNREACHABLE,
  ICMPV6_PACKET_TOO_BIG,
  ICMPV6_TIME_EXCEEDED,
  ICMPV6_PARAMETER_PROBLEM,
  ICMPV6_ECHO_REQUEST,
  ICMPV6_ECHO_REPLY,
];

/** Byte offsets of the header fields; `rest` is the type-specific word. */
const F = { type: 0, code: 1, checksum: 2, rest: 4, identifier: 4, sequence: 6 } as const;

/** Echo request or reply (RFC 4443 §4.1, §4.2); code is always 0. */
export interface Icmpv6Echo {
  type: "echo-request" | "echo-reply";
  checksum: number;
  identifier: number;
  sequence: number;
  /** Echo data, a view into the parsed buffer. */
  data: Uint8Array;
}

/** Destination unreachable (RFC 4443 §3.1); the unused word is ignored and emitted as zero. */
export interface Icmpv6DestinationUnreachable {
  type: "destination-unreachable";
  /** 0-6; see `Icmpv6Unreachable`. */
  code: number;
  checksum: number;
  /** As much of the invoking packet as fits, a view into the parsed buffer. */
  original: Uint8Array;
}

/** Packet too big (RFC 4443 §3.2, used by path MTU discovery, RFC 8201); its code is ignored. */
export interface Icmpv6PacketTooBig {
  type: "packet-too-big";
  checksum: number;
  /** The MTU of the next-hop link (32 bits). */
  mtu: number;
  /** As much of the invoking packet as fits, a view into the parsed buffer. */
  original: Uint8Array;
}

/** Time exceeded (RFC 4443 §3.3): code 0 hop limit exceeded, 1 reassembly time exceeded. */
export interface Icmpv6TimeExceededRecord {
  type: "time-exceeded";
  code: number;
  checksum: number;
  /** As much of the invoking packet as fits, a view into the parsed buffer. */
  original: Uint8Array;
}

/** Parameter problem (RFC 4443 §3.4). */
export interface Icmpv6ParameterProblemRecord {
  type: "parameter-problem";
  /** See `Icmpv6ParameterProblem`. */
  code: number;
  checksum: number;
  /** Byte offset in the invoking packet where the error was found (32 bits). */
  pointer: number;
  /** As much of the invoking packet as fits, a view into the parsed buffer. */
  original: Uint8Array;
}

/** Any other ICMPv6 type (neighbor discovery, MLD, ...), kept whole. */
export interface Icmpv6Other {
  type: "other";
  icmpType: number;
  code: number;
  checksum: number;
  /** The four type-specific header bytes as an unsigned 32-bit number. */
  rest: number;
  /** Everything after the 8-byte header, a view into the parsed buffer. */
  body: Uint8Array;
}

/** An ICMPv6 message as plain data, by type. `checksum` is the field as carried. */
export type Icmpv6Record =
  | Icmpv6Echo
  | Icmpv6DestinationUnreachable
  | Icmpv6PacketTooBig
  | Icmpv6TimeExceededRecord
  | Icmpv6ParameterProblemRecord
  | Icmpv6Other;

/**
 * Zero-copy field access to an ICMPv6 message of `length` bytes at `offset` in `bytes` (by
 * default to the end of the buffer); unchecked, see `parseIcmpv6`.
 */
export class Icmpv6View extends IcmpView {
  /**
   * The checksum over the message and `pseudo`: 0 when a received message verifies, or the
   * value to store when the checksum field holds 0.
   */
  sum(pseudo: Ipv6PseudoHeader): number {
    const o = this.offset;
    const initial = pseudoSum(pseudo, ICMPV6_PROTOCOL, this.length);
    return internetChecksum(this.bytes, o, o + this.length, initial);
  }
}

/**
 * Parses an ICMPv6 message occupying all of `bytes` (the upper-layer payload of its IPv6
 * packet). With `pseudo`, the checksum is verified. A known type with a code RFC 4443 does not
 * define for it is refused as invalid.
 */
export function parseIcmpv6(
  bytes: Uint8Array,
  pseudo?: Ipv6PseudoHeader,
): Icmpv6Record | ParseError {
  if (bytes.length < ICMPV6_HEADER_LENGTH) {
    return truncated("icmpv6", "header", 0, ICMPV6_HEADER_LENGTH, bytes.length);
  }
  const view = new Icmpv6View(bytes);
  // RFC 4443 §2.3: the checksum covers the message and the IPv6 pseudo-header; zero is no exception.
  if (pseudo !== undefined && view.sum(pseudo) !== 0) {
    return new ParseError("icmpv6", "checksum", F.checksum, "checksum", "does not verify");
  }
  const type = view.type;
  const code = view.code;
  const checksum = view.checksum;
  const body = view.body;
  switch (type) {
    case ICMPV6_ECHO_REQUEST:
    case ICMPV6_ECHO_REPLY:
      if (code !== 0) return badCode(type, code);
      return {
        type: type === ICMPV6_ECHO_REQUEST ? "echo-request" : "echo-reply",
        checksum,
        identifier: view.identifier,
        sequence: view.sequence,
        data: body,
      };
    case ICMPV6_DESTINATION_UNREACHABLE:
      if (code > Icmpv6Unreachable.rejectRoute) return badCode(type, code);
      return { type: "destination-unreachable", code, checksum, original: body };
    case ICMPV6_PACKET_TOO_BIG:
      // RFC 4443 §3.2: the code is set to 0 by the originator and ignored by the receiver.
      return { type: "packet-too-big", checksum, mtu: view.rest, original: body };
    case ICMPV6_TIME_EXCEEDED:
      if (code > Icmpv6TimeExceeded.reassembly) return badCode(type, code);
      return { type: "time-exceeded", code, checksum, original: body };
    case ICMPV6_PARAMETER_PROBLEM:
      return { type: "parameter-problem", code, checksum, pointer: view.rest, original: body };
    default:
      // RFC 4443 §2.4 (a), (b): unknown types go to the upper layer, which here means "other".
      return { type: "other", icmpType: type, code, checksum, rest: view.rest, body };
  }
}

function badCode(type: number, code: number): ParseError {
  return invalid("icmpv6", "code", F.code, `code ${code} is not defined for type ${type}`);
}

/** Bytes needed to emit `r`. */
export function icmpv6BufferLength(r: Icmpv6Record): number {
  return ICMPV6_HEADER_LENGTH + icmpv6Body(r).length;
}

/**
 * Writes `r` into `out` at `offset` (a new buffer when `out` is omitted) and returns the message's
 * bytes. With `pseudo`, the checksum is computed; otherwise `r.checksum` is written. Throws
 * RangeError for a code the type does not define and for an "other" record whose type has its
 * own record, since neither would parse back.
 */
export function emitIcmpv6(
  r: Icmpv6Record,
  pseudo?: Ipv6PseudoHeader,
  out?: Uint8Array,
  offset = 0,
): Uint8Array {
  const body = icmpv6Body(r);
  const len = ICMPV6_HEADER_LENGTH + body.length;
  const buf = out ?? new Uint8Array(len);
  const view = new Icmpv6View(buf, offset, len);
  switch (r.type) {
    case "echo-request":
    case "echo-reply":
      view.type = r.type === "echo-request" ? ICMPV6_ECHO_REQUEST : ICMPV6_ECHO_REPLY;
      view.code = 0;
      view.identifier = r.identifier;
      view.sequence = r.sequence;
      break;
    case "destination-unreachable":
      checkCode(r.type, r.code, Icmpv6Unreachable.rejectRoute);
      writeHeader(view, ICMPV6_DESTINATION_UNREACHABLE, r.code, 0);
      break;
    case "packet-too-big":
      writeHeader(view, ICMPV6_PACKET_TOO_BIG, 0, r.mtu);
      break;
    case "time-exceeded":
      checkCode(r.type, r.code, Icmpv6TimeExceeded.reassembly);
      writeHeader(view, ICMPV6_TIME_EXCEEDED, r.code, 0);
      break;
    case "parameter-problem":
      checkCode(r.type, r.code, 0xff);
      writeHeader(view, ICMPV6_PARAMETER_PROBLEM, r.code, r.pointer);
      break;
    case "other":
      if (KNOWN_TYPES.includes(r.icmpType)) {
        throw new RangeError(
          `ICMPv6 type ${r.icmpType} has its own record; "other" cannot carry it`,
        );
      }
      writeHeader(view, r.icmpType, r.code, r.rest);
      break;
  }
  view.checksum = 0;
  buf.set(body, offset + ICMPV6_HEADER_LENGTH);
  view.checksum = pseudo === undefined ? r.checksum : view.sum(pseudo);
  return buf.subarray(offset, offset + len);
}

function writeHeader(view: Icmpv6View, type: number, code: number, rest: number): void {
  view.type = type;
  view.code = code;
  view.rest = rest;
}

function checkCode(type: string, code: number, max: number): void {
  if (!Number.isInteger(code) || code < 0 || code > max) {
    throw new RangeError(`code ${code} is not defined for ${type}`);
  }
}

/** The bytes after the header, whatever the record's type calls them. */
function icmpv6Body(r: Icmpv6Record): Uint8Array {
  switch (r.type) {
    case "echo-request":
    case "echo-reply":
      return r.data;
    case "other":
      return r.body;
    default:
      return r.original;
  }
}
