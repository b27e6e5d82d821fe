/**
 * Neighbor Discovery (RFC 4861) messages on top of ICMPv6's "other" record: router and neighbor
 * solicitations and advertisements with their options (link-layer addresses, prefix information,
 * MTU). Redirect (137) is not decoded. The checksum belongs to ICMPv6 and is handled there.
 */
import { Ipv6Address } from "./address.js";
import { getU32, setU16, setU32 } from "./bytes.js";
import { emitIcmpv6, ICMPV6_HEADER_LENGTH, type Icmpv6Other, parseIcmpv6 } from "./icmpv6.js";
import type { Ipv6PseudoHeader } from "./ipv6.js";
import { type Mac, readMac, writeMac } from "./mac.js";
import { invalid, ParseError, truncated } from "./parse-error.js";

/** ICMPv6 types of the NDP messages (RFC 4861 §4). */
export const NDP_ROUTER_SOLICITATION = 133;
export const NDP_ROUTER_ADVERTISEMENT = 134;
export const NDP_NEIGHBOR_SOLICITATION = 135;
export const NDP_NEIGHBOR_ADVERTISEMENT = 136;
export const NDP_REDIRECT = 137;

/** Option types (RFC 4861 §4.6). */
export const NDP_OPTION_SOURCE_LINK_LAYER = 1;
export const NDP_OPTION_TARGET_LINK_LAYER = 2;
export const NDP_OPTION_PREFIX_INFORMATION = 3;
export const NDP_OPTION_MTU = 5;

/** RFC 4861 §6.1.1, §7.1.1: every NDP message is sent, and must arrive, with hop limit 255. */
export const NDP_HOP_LIMIT = 255;

/** Source or target link-layer address (RFC 4861 §4.6.1); only Ethernet's 6 bytes are handled. */
export interface NdpLinkLayerOption {
  type: "source-link-layer" | "target-link-layer";
  mac: Mac;
}

/** Prefix information (RFC 4861 §4.6.2), carried in router advertisements. */
export interface NdpPrefixInformation {
  type: "prefix-information";
  /** 0-128. */
  prefixLength: number;
  /** L: the prefix is on-link. */
  onLink: boolean;
  /** A: the prefix may be used for stateless autoconfiguration (RFC 4862). */
  autonomous: boolean;
  /** Seconds; 0xffffffff is infinity. */
  validLifetime: number;
  /** Seconds; 0xffffffff is infinity. */
  preferredLifetime: number;
  /** As carried (bits after the prefix length should be zero, and are ignored by receivers). */
  prefix: Ipv6Address;
}

/** The link MTU (RFC 4861 §4.6.4), carried in router advertisements. */
export interface NdpMtuOption {
  type: "mtu";
  mtu: number;
}

/** Any other option, kept raw so it round-trips (RFC 4861 §4.6: receivers skip unknown ones). */
export interface NdpUnknownOption {
  type: "unknown";
  optionType: number;
  /** Everything after the type and length bytes (8k - 2 bytes), a view into the parsed buffer. */
  data: Uint8Array;
}

export type NdpOption = NdpLinkLayerOption | NdpPrefixInformation | NdpMtuOption | NdpUnknownOption;

/** Router solicitation (RFC 4861 §4.1). */
export interface NdpRouterSolicitation {
  type: "router-solicitation";
  options: NdpOption[];
}

/** Router advertisement (RFC 4861 §4.2). */
export interface NdpRouterAdvertisement {
  type: "router-advertisement";
  /** Cur Hop Limit for hosts to use; 0 is unspecified. */
  hopLimit: number;
  /** M: addresses are available through DHCPv6. */
  managed: boolean;
  /** O: other configuration is available through DHCPv6. */
  other: boolean;
  /** Seconds this router is a default router for; 0 means not a default router. */
  routerLifetime: number;
  /** Milliseconds; 0 is unspecified. */
  reachableTime: number;
  /** Milliseconds between retransmitted neighbor solicitations; 0 is unspecified. */
  retransTimer: number;
  options: NdpOption[];
}

/** Neighbor solicitation (RFC 4861 §4.3). */
export interface NdpNeighborSolicitation {
  type: "neighbor-solicitation";
  target: Ipv6Address;
  options: NdpOption[];
}

/** Neighbor advertisement (RFC 4861 §4.4). */
export interface NdpNeighborAdvertisement {
  type: "neighbor-advertisement";
  /** R: the sender is a router. */
  router: boolean;
  /** S: sent in response to a solicitation. */
  solicited: boolean;
  /** O: override an existing cache entry. */
  override: boolean;
  target: Ipv6Address;
  options: NdpOption[];
}

/** An NDP message as plain data. Reserved fields are ignored on parse and emitted as zero. */
export type NdpMessage =
  | NdpRouterSolicitation
  | NdpRouterAdvertisement
  | NdpNeighborSolicitation
  | NdpNeighborAdvertisement;

/** Bytes of each message's fixed part after the 8-byte ICMPv6 header. */
const FIXED: Readonly<Record<NdpMessage["type"], number>> = {
  "router-solicitation": 0,
  "router-advertisement": 8,
  "neighbor-solicitation": 16,
  "neighbor-advertisement": 16,
};
const TYPE_OF: Readonly<Record<NdpMessage["type"], number>> = {
  "router-solicitation": NDP_ROUTER_SOLICITATION,
  "router-advertisement": NDP_ROUTER_ADVERTISEMENT,
  "neighbor-solicitation": NDP_NEIGHBOR_SOLICITATION,
  "neighbor-advertisement": NDP_NEIGHBOR_ADVERTISEMENT,
};
/** Flag bits in the type-specific word: NA's R, S, O (§4.4), RA's M and O (§4.2). */
const NA_R = 0x8000_0000;
const NA_S = 0x4000_0000;
const NA_O = 0x2000_0000;
const RA_M = 0x80;
const RA_O = 0x40;
const PIO_L = 0x80;
const PIO_A = 0x40;

/** True for the ICMPv6 types this module decodes (133-136). */
export function isNdpType(icmpType: number): boolean {
  return icmpType >= NDP_ROUTER_SOLICITATION && icmpType <= NDP_NEIGHBOR_ADVERTISEMENT;
}

/**
 * Decodes an ICMPv6 "other" record holding an NDP message, with the checks of RFC 4861 §6.1.1
 * and §7.1.1 that need no IP header: code 0, enough length, a unicast target, no zero-length
 * option. Error offsets count from the start of the ICMPv6 message.
 */
export function ndpFromIcmpv6(r: Icmpv6Other): NdpMessage | ParseError {
  const t = r.icmpType;
  if (!isNdpType(t)) {
    return new ParseError("ndp", "type", 0, "unsupported", `ICMPv6 type ${t} is not NDP (133-136)`);
  }
  if (r.code !== 0) return invalid("ndp", "code", 1, `code ${r.code} (must be 0)`);
  const b = r.body;
  const H = ICMPV6_HEADER_LENGTH;
  switch (t) {
    case NDP_ROUTER_SOLICITATION: {
      const options = parseOptions(b, 0);
      return options instanceof ParseError ? options : { type: "router-solicitation", options };
    }
    case NDP_ROUTER_ADVERTISEMENT: {
      if (b.length < 8) return truncated("ndp", "routerAdvertisement", H, 8, b.length);
      const options = parseOptions(b, 8);
      if (options instanceof ParseError) return options;
      return {
        type: "router-advertisement",
        hopLimit: r.rest >>> 24,
        managed: ((r.rest >>> 16) & RA_M) !== 0,
        other: ((r.rest >>> 16) & RA_O) !== 0,
        routerLifetime: r.rest & 0xffff,
        reachableTime: getU32(b, 0),
        retransTimer: getU32(b, 4),
        options,
      };
    }
    default: {
      if (b.length < 16) return truncated("ndp", "target", H, 16, b.length);
      const target = Ipv6Address.fromBytes(b, 0);
      if (target.w0 >>> 24 === 0xff) {
        return invalid("ndp", "target", H, `target ${target} is multicast`);
      }
      const options = parseOptions(b, 16);
      if (options instanceof ParseError) return options;
      if (t === NDP_NEIGHBOR_SOLICITATION)
        return { type: "neighbor-solicitation", target, options };
      return {
        type: "neighbor-advertisement",
        router: (r.rest & NA_R) !== 0,
        solicited: (r.rest & NA_S) !== 0,
        override: (r.rest & NA_O) !== 0,
        target,
        options,
      };
    }
  }
}

/** Parses an NDP message from ICMPv6 bytes, verifying the checksum when `pseudo` is given. */
export function parseNdp(bytes: Uint8Array, pseudo?: Ipv6PseudoHeader): NdpMessage | ParseError {
  const r = parseIcmpv6(bytes, pseudo);
  if (r instanceof ParseError) return r;
  if (r.type !== "other") {
    return new ParseError("ndp", "type", 0, "unsupported", `ICMPv6 ${r.type} is not NDP`);
  }
  return ndpFromIcmpv6(r);
}

/** RFC 4861 §4.6: type, length in units of 8 bytes, value; a zero length is invalid. */
function parseOptions(body: Uint8Array, start: number): NdpOption[] | ParseError {
  const out: NdpOption[] = [];
  let o = start;
  while (o < body.length) {
    const at = ICMPV6_HEADER_LENGTH + o;
    if (body.length - o < 2) return truncated("ndp", "option", at, 2, body.length - o);
    const type = body[o]!;
    const len = body[o + 1]! * 8;
    if (len === 0) return invalid("ndp", "option.length", at + 1, `option ${type} has length 0`);
    if (o + len > body.length) return truncated("ndp", "option", at, len, body.length - o);
    const opt = parseOption(body, o, type, len, at);
    if (opt instanceof ParseError) return opt;
    out.push(opt);
    o += len;
  }
  return out;
}

function parseOption(
  b: Uint8Array,
  o: number,
  type: number,
  len: number,
  at: number,
): NdpOption | ParseError {
  switch (type) {
    case NDP_OPTION_SOURCE_LINK_LAYER:
    case NDP_OPTION_TARGET_LINK_LAYER:
      // RFC 2464 §6: on Ethernet the option is 8 bytes, a 6-byte MAC.
      if (len !== 8) {
        return new ParseError("ndp", "option.linkLayer", at + 1, "unsupported", `${len} bytes`);
      }
      return {
        type: type === NDP_OPTION_SOURCE_LINK_LAYER ? "source-link-layer" : "target-link-layer",
        mac: readMac(b, o + 2),
      };
    case NDP_OPTION_PREFIX_INFORMATION: {
      if (len !== 32) return invalid("ndp", "option.prefix", at + 1, `length ${len}, not 32`);
      const prefixLength = b[o + 2]!;
      if (prefixLength > 128) {
        return invalid("ndp", "option.prefixLength", at + 2, `${prefixLength} > 128`);
      }
      return {
        type: "prefix-information",
        prefixLength,
        onLink: (b[o + 3]! & PIO_L) !== 0,
        autonomous: (b[o + 3]! & PIO_A) !== 0,
        validLifetime: getU32(b, o + 4),
        preferredLifetime: getU32(b, o + 8),
        prefix: Ipv6Address.fromBytes(b, o + 16),
      };
    }
    case NDP_OPTION_MTU:
      if (len !== 8) return invalid("ndp", "option.mtu", at + 1, `length ${len}, not 8`);
      return { type: "mtu", mtu: getU32(b, o + 4) };
    default:
      return { type: "unknown", optionType: type, data: b.subarray(o + 2, o + len) };
  }
}

/** Bytes of one option on the wire. */
function optionLength(opt: NdpOption): number {
  switch (opt.type) {
    case "source-link-layer":
    case "target-link-layer":
    case "mtu":
      return 8;
    case "prefix-information":
      return 32;
    case "unknown":
      return 2 + opt.data.length;
  }
}

/** Bytes needed to emit `m` as an ICMPv6 message. */
export function ndpBufferLength(m: NdpMessage): number {
  return ICMPV6_HEADER_LENGTH + FIXED[m.type] + m.options.reduce((n, o) => n + optionLength(o), 0);
}

/**
 * The ICMPv6 "other" record carrying `m` (checksum 0; `emitIcmpv6` computes it from the
 * pseudo-header). Throws RangeError for fields out of range, which would not parse back.
 */
export function ndpToIcmpv6(m: NdpMessage): Icmpv6Other {
  const body = new Uint8Array(ndpBufferLength(m) - ICMPV6_HEADER_LENGTH);
  let rest = 0;
  switch (m.type) {
    case "router-solicitation":
      break;
    case "router-advertisement":
      checkRange("hopLimit", m.hopLimit, 0xff);
      checkRange("routerLifetime", m.routerLifetime, 0xffff);
      checkRange("reachableTime", m.reachableTime, 0xffff_ffff);
      checkRange("retransTimer", m.retransTimer, 0xffff_ffff);
      rest =
        (m.hopLimit * 0x100_0000 +
          ((m.managed ? RA_M : 0) | (m.other ? RA_O : 0)) * 0x1_0000 +
          m.routerLifetime) >>>
        0;
      setU32(body, 0, m.reachableTime);
      setU32(body, 4, m.retransTimer);
      break;
    case "neighbor-solicitation":
    case "neighbor-advertisement":
      if (m.target.w0 >>> 24 === 0xff) throw new RangeError(`NDP target ${m.target} is multicast`);
      m.target.write(body, 0);
      if (m.type === "neighbor-advertisement") {
        rest = ((m.router ? NA_R : 0) | (m.solicited ? NA_S : 0) | (m.override ? NA_O : 0)) >>> 0;
      }
      break;
  }
  let o = FIXED[m.type];
  for (const opt of m.options) o = writeOption(body, o, opt);
  return { type: "other", icmpType: TYPE_OF[m.type], code: 0, checksum: 0, rest, body };
}

function writeOption(b: Uint8Array, o: number, opt: NdpOption): number {
  const len = optionLength(opt);
  switch (opt.type) {
    case "source-link-layer":
    case "target-link-layer":
      b[o] =
        opt.type === "source-link-layer"
          ? NDP_OPTION_SOURCE_LINK_LAYER
          : NDP_OPTION_TARGET_LINK_LAYER;
      writeMac(b, o + 2, opt.mac);
      break;
    case "prefix-information":
      checkRange("prefixLength", opt.prefixLength, 128);
      checkRange("validLifetime", opt.validLifetime, 0xffff_ffff);
      checkRange("preferredLifetime", opt.preferredLifetime, 0xffff_ffff);
      b[o] = NDP_OPTION_PREFIX_INFORMATION;
      b[o + 2] = opt.prefixLength;
      b[o + 3] = (opt.onLink ? PIO_L : 0) | (opt.autonomous ? PIO_A : 0);
      setU32(b, o + 4, opt.validLifetime);
      setU32(b, o + 8, opt.preferredLifetime);
      opt.prefix.write(b, o + 16);
      break;
    case "mtu":
      checkRange("mtu", opt.mtu, 0xffff_ffff);
      b[o] = NDP_OPTION_MTU;
      setU16(b, o + 2, 0);
      setU32(b, o + 4, opt.mtu);
      break;
    case "unknown":
      checkRange("optionType", opt.optionType, 0xff);
      if (len % 8 !== 0 || len > 255 * 8) {
        throw new RangeError(`NDP option ${opt.optionType}: ${len} bytes is not 8k (8-2040)`);
      }
      b[o] = opt.optionType;
      b.set(opt.data, o + 2);
      break;
  }
  b[o + 1] = len / 8;
  return o + len;
}

function checkRange(field: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`NDP ${field} ${v} is not in 0-${max}`);
  }
}

/**
 * Writes `m` as an ICMPv6 message into `out` at `offset` (a new buffer when omitted), with the
 * checksum over `pseudo` (RFC 4443 §2.3), and returns the message's bytes.
 */
export function emitNdp(
  m: NdpMessage,
  pseudo: Ipv6PseudoHeader,
  out?: Uint8Array,
  offset = 0,
): Uint8Array {
  return emitIcmpv6(ndpToIcmpv6(m), pseudo, out, offset);
}

/** The MAC of the first source (or target) link-layer address option, if any. */
export function ndpLinkLayer(
  m: NdpMessage,
  which: NdpLinkLayerOption["type"] = "source-link-layer",
): Mac | undefined {
  for (const o of m.options) if (o.type === which) return o.mac;
  return undefined;
}

/** RFC 4291 §2.7.1: the solicited-node group ff02::1:ffXX:XXXX of a unicast address. */
export function solicitedNodeAddress(a: Ipv6Address): Ipv6Address {
  return new Ipv6Address(0xff02_0000, 0, 1, (0xff00_0000 | (a.w3 & 0xff_ffff)) >>> 0);
}

/** True for an address in ff02::1:ff00:0/104. */
export function isSolicitedNodeAddress(a: Ipv6Address): boolean {
  return a.w0 === 0xff02_0000 && a.w1 === 0 && a.w2 === 1 && a.w3 >>> 24 === 0xff;
}

/** RFC 2464 §7: an IPv6 multicast group's MAC, 33:33 and the group's low 32 bits. */
export function ipv6MulticastMac(group: Ipv6Address): Mac {
  return 0x3333_0000_0000 + group.w3;
}
