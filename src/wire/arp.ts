/**
 * ARP (RFC 826) for IPv4 over Ethernet: a fixed 28-byte packet mapping an IPv4 address to a MAC.
 * Only hardware type 1 with 6-byte addresses and protocol 0x0800 with 4-byte addresses is
 * handled; anything else is "unsupported", not "invalid", since it is legal ARP.
 */
import { type Ipv4, readIpv4 } from "./address.js";
import { getU16, setU16, setU32 } from "./bytes.js";
import { ETHERTYPE_IPV4 } from "./ethernet.js";
import { type Mac, readMac, writeMac } from "./mac.js";
import { ParseError, truncated } from "./parse-error.js";

/** Hardware type for Ethernet (RFC 826 "ar$hrd", IANA ARP parameters). */
export const ARP_HTYPE_ETHERNET = 1;
/** Operation codes (RFC 826 "ar$op"). */
export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
/** Length of an IPv4-over-Ethernet ARP packet. */
export const ARP_LENGTH = 28;
/** Length of the fixed part before the addresses. */
const ARP_FIXED_LENGTH = 8;

/** Byte offsets of the fields (RFC 826 "Packet format"). */
const F = {
  htype: 0,
  ptype: 2,
  hlen: 4,
  plen: 5,
  op: 6,
  senderMac: 8,
  senderIp: 14,
  targetMac: 18,
  targetIp: 24,
} as const;

/** The two operations this implementation handles. */
export type ArpOperation = typeof ARP_REQUEST | typeof ARP_REPLY;

/** An IPv4-over-Ethernet ARP packet as plain data. */
export interface ArpRecord {
  op: ArpOperation;
  senderMac: Mac;
  senderIp: Ipv4;
  /** Zero in a request: the address being asked for is unknown. */
  targetMac: Mac;
  targetIp: Ipv4;
}

/** Zero-copy field access to an ARP packet at `offset` in `bytes`; unchecked, see `parseArp`. */
export class ArpView {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
  ) {}

  get htype(): number {
    return getU16(this.bytes, this.offset + F.htype);
  }
  set htype(v: number) {
    setU16(this.bytes, this.offset + F.htype, v);
  }
  get ptype(): number {
    return getU16(this.bytes, this.offset + F.ptype);
  }
  set ptype(v: number) {
    setU16(this.bytes, this.offset + F.ptype, v);
  }
  get hlen(): number {
    return this.bytes[this.offset + F.hlen]!;
  }
  set hlen(v: number) {
    this.bytes[this.offset + F.hlen] = v;
  }
  get plen(): number {
    return this.bytes[this.offset + F.plen]!;
  }
  set plen(v: number) {
    this.bytes[this.offset + F.plen] = v;
  }
  get op(): number {
    return getU16(this.bytes, this.offset + F.op);
  }
  set op(v: number) {
    setU16(this.bytes, this.offset + F.op, v);
  }
  get senderMac(): Mac {
    return readMac(this.bytes, this.offset + F.senderMac);
  }
  set senderMac(v: Mac) {
    writeMac(this.bytes, this.offset + F.senderMac, v);
  }
  get senderIp(): Ipv4 {
    return readIpv4(this.bytes, this.offset + F.senderIp);
  }
  set senderIp(v: Ipv4) {
    setU32(this.bytes, this.offset + F.senderIp, v);
  }
  get targetMac(): Mac {
    return readMac(this.bytes, this.offset + F.targetMac);
  }
  set targetMac(v: Mac) {
    writeMac(this.bytes, this.offset + F.targetMac, v);
  }
  get targetIp(): Ipv4 {
    return readIpv4(this.bytes, this.offset + F.targetIp);
  }
  set targetIp(v: Ipv4) {
    setU32(this.bytes, this.offset + F.targetIp, v);
  }
}

/** The error for a legal field value outside IPv4 over Ethernet. */
function unsupported(field: string, offset: number, detail: string): ParseError {
  return new ParseError("arp", field, offset, "unsupported", detail);
}

/**
 * Parses an ARP packet at the start of `bytes`. Bytes past the 28th (Ethernet padding) are
 * ignored. Non-Ethernet hardware, non-IPv4 protocols and operations other than request and
 * reply (RARP, InARP) are "unsupported", naming the field.
 */
export function parseArp(bytes: Uint8Array): ArpRecord | ParseError {
  if (bytes.length < ARP_FIXED_LENGTH) {
    return truncated("arp", "header", 0, ARP_FIXED_LENGTH, bytes.length);
  }
  const view = new ArpView(bytes);
  if (view.htype !== ARP_HTYPE_ETHERNET) {
    return unsupported("htype", F.htype, `hardware type ${view.htype} is not Ethernet (1)`);
  }
  if (view.ptype !== ETHERTYPE_IPV4) {
    const hex = view.ptype.toString(16).padStart(4, "0");
    return unsupported("ptype", F.ptype, `protocol type 0x${hex} is not IPv4 (0x0800)`);
  }
  // RFC 826: the lengths follow from the types; others would be a different address format.
  if (view.hlen !== 6) return unsupported("hlen", F.hlen, `hardware length ${view.hlen} is not 6`);
  if (view.plen !== 4) return unsupported("plen", F.plen, `protocol length ${view.plen} is not 4`);
  const op = view.op;
  if (op !== ARP_REQUEST && op !== ARP_REPLY) {
    return unsupported("op", F.op, `operation ${op} is not request (1) or reply (2)`);
  }
  if (bytes.length < ARP_LENGTH) {
    return truncated("arp", "addresses", F.senderMac, ARP_LENGTH - F.senderMac, bytes.length - 8);
  }
  return {
    op,
    senderMac: view.senderMac,
    senderIp: view.senderIp,
    targetMac: view.targetMac,
    targetIp: view.targetIp,
  };
}

/** Bytes needed to emit an ARP packet (always 28). */
export function arpBufferLength(_r?: ArpRecord): number {
  return ARP_LENGTH;
}

/**
 * Writes `r` into `out` at `offset` (a new buffer when `out` is omitted) and returns the
 * packet's 28 bytes.
 */
export function emitArp(r: ArpRecord, out?: Uint8Array, offset = 0): Uint8Array {
  const buf = out ?? new Uint8Array(ARP_LENGTH);
  const view = new ArpView(buf, offset);
  view.htype = ARP_HTYPE_ETHERNET;
  view.ptype = ETHERTYPE_IPV4;
  view.hlen = 6;
  view.plen = 4;
  view.op = r.op;
  view.senderMac = r.senderMac;
  view.senderIp = r.senderIp;
  view.targetMac = r.targetMac;
  view.targetIp = r.targetIp;
  return buf.subarray(offset, offset + ARP_LENGTH);
}
