/**
 * The DNS message header (RFC 1035 §4.1.1): its field offsets, a zero-copy view for reading the
 * id, flags and counts in place, and the opcode, RCODE and EDNS0 option numbers by name.
 */
import { getU16, setU16 } from "./bytes.js";

export const DNS_HEADER_LENGTH = 12;
/** The classic limit of a DNS message over UDP without EDNS0 (RFC 1035 §4.2.1). */
export const DNS_UDP_MAX = 512;

/** Opcodes (RFC 1035 §4.1.1, RFC 1996 NOTIFY, RFC 2136 UPDATE). */
export const DNS_OPCODE = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

/** Response codes (RFC 1035 §4.1.1, RFC 2136, RFC 6891 BADVERS, RFC 7873 BADCOOKIE). */
export const DNS_RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
  BADVERS: 16,
  BADCOOKIE: 23,
} as const;

/** EDNS0 option codes (IANA "DNS EDNS0 Option Codes"). */
export const DNS_EDNS_OPTION = {
  NSID: 3,
  CLIENT_SUBNET: 8,
  EXPIRE: 9,
  COOKIE: 10,
  TCP_KEEPALIVE: 11,
  PADDING: 12,
  EDE: 15,
} as const;

/** Byte offsets of the header fields (RFC 1035 §4.1.1). */
export const DNS_HEADER_OFFSETS = {
  id: 0,
  flags: 2,
  qdcount: 4,
  ancount: 6,
  nscount: 8,
  arcount: 10,
} as const;

/** Zero-copy access to a header at `offset`; unchecked (a resolver reading id and TC fast). */
export class DnsHeaderView {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
  ) {}
  get id(): number {
    return getU16(this.bytes, this.offset + DNS_HEADER_OFFSETS.id);
  }
  set id(v: number) {
    setU16(this.bytes, this.offset + DNS_HEADER_OFFSETS.id, v);
  }
  /** The 16 flag bits: QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE. */
  get flags(): number {
    return getU16(this.bytes, this.offset + DNS_HEADER_OFFSETS.flags);
  }
  set flags(v: number) {
    setU16(this.bytes, this.offset + DNS_HEADER_OFFSETS.flags, v);
  }
  get qr(): boolean {
    return (this.flags & 0x8000) !== 0;
  }
  get opcode(): number {
    return (this.flags >>> 11) & 0xf;
  }
  get tc(): boolean {
    return (this.flags & 0x0200) !== 0;
  }
  /** The header's 4-bit RCODE (without an OPT record's extension). */
  get rcode(): number {
    return this.flags & 0xf;
  }
  get qdcount(): number {
    return getU16(this.bytes, this.offset + DNS_HEADER_OFFSETS.qdcount);
  }
  get ancount(): number {
    return getU16(this.bytes, this.offset + DNS_HEADER_OFFSETS.ancount);
  }
  get nscount(): number {
    return getU16(this.bytes, this.offset + DNS_HEADER_OFFSETS.nscount);
  }
  get arcount(): number {
    return getU16(this.bytes, this.offset + DNS_HEADER_OFFSETS.arcount);
  }
}
