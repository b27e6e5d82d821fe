/**
 * Ethernet II frames (IEEE 802.3 §3.2 with the DIX EtherType), with at most one 802.1Q VLAN
 * tag. No FCS is carried: the simulator's links do not corrupt bits silently. `emitEthernet`
 * pads to the 60-byte minimum, so a parsed payload may end in padding; upper layers trim it
 * with their own length fields (IPv4 total length, IPv6 payload length, ARP's fixed size).
 */
import { getU16, setU16 } from "./bytes.js";
import { type Mac, readMac, writeMac } from "./mac.js";
import { ParseError, truncated } from "./parse-error.js";

/** EtherTypes (IEEE "EtherType" registry). */
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
/** The 802.1Q tag protocol identifier (TPID) of a customer VLAN tag. */
export const ETHERTYPE_VLAN = 0x8100;
/** Smallest EtherType; smaller values are 802.3 length fields (IEEE 802.3 §3.2.6). */
export const ETHERTYPE_MIN = 0x0600;

/** Header without a VLAN tag: destination, source, EtherType. */
export const ETHERNET_HEADER_LENGTH = 14;
/** Header with one 802.1Q tag. */
export const ETHERNET_VLAN_HEADER_LENGTH = 18;
/** Smallest frame without FCS (64 bytes on the wire minus the 4-byte FCS, IEEE 802.3 §4.4.2). */
export const ETHERNET_MIN_FRAME = 60;

/** Byte offsets of the header fields; `tci` and `innerType` exist only in tagged frames. */
const F = { dst: 0, src: 6, etherType: 12, tci: 14, innerType: 16 } as const;

/** An 802.1Q tag control information field (IEEE 802.1Q §9.6). */
export interface VlanTag {
  /** Priority code point, 0-7. */
  pcp: number;
  /** Drop eligible indicator. */
  dei: boolean;
  /** VLAN identifier, 0-4095 (0: priority tag only; 4095 reserved). */
  vid: number;
}

/** An Ethernet II frame as plain data. */
export interface EthernetRecord {
  dst: Mac;
  src: Mac;
  /** The 802.1Q tag, when the frame carries one; absent (or undefined) for an untagged frame. */
  vlan?: VlanTag | undefined;
  /** The EtherType of the payload (the inner one in a tagged frame); never ETHERTYPE_VLAN. */
  etherType: number;
  /** Everything after the header, padding included: a view into the parsed buffer. */
  payload: Uint8Array;
}

/**
 * Zero-copy field access to a frame occupying `bytes[offset..end)`; unchecked, see
 * `parseEthernet`. The tag fields (`pcp`, `dei`, `vid`, `innerType`) are meaningful only when
 * `tagged` is true.
 */
export class EthernetView {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
    readonly end = bytes.length,
  ) {}

  get dst(): Mac {
    return readMac(this.bytes, this.offset + F.dst);
  }
  set dst(v: Mac) {
    writeMac(this.bytes, this.offset + F.dst, v);
  }
  get src(): Mac {
    return readMac(this.bytes, this.offset + F.src);
  }
  set src(v: Mac) {
    writeMac(this.bytes, this.offset + F.src, v);
  }
  /** The 16-bit field after the addresses: the payload's EtherType, or the TPID when tagged. */
  get etherType(): number {
    return getU16(this.bytes, this.offset + F.etherType);
  }
  set etherType(v: number) {
    setU16(this.bytes, this.offset + F.etherType, v);
  }
  /** True when an 802.1Q tag follows the addresses. */
  get tagged(): boolean {
    return this.etherType === ETHERTYPE_VLAN;
  }
  /** The whole 16-bit tag control information. */
  get tci(): number {
    return getU16(this.bytes, this.offset + F.tci);
  }
  set tci(v: number) {
    setU16(this.bytes, this.offset + F.tci, v);
  }
  get pcp(): number {
    return this.tci >>> 13;
  }
  set pcp(v: number) {
    this.tci = ((v & 0x7) << 13) | (this.tci & 0x1fff);
  }
  get dei(): boolean {
    return (this.tci & 0x1000) !== 0;
  }
  set dei(v: boolean) {
    this.tci = v ? this.tci | 0x1000 : this.tci & ~0x1000;
  }
  get vid(): number {
    return this.tci & 0x0fff;
  }
  set vid(v: number) {
    this.tci = (this.tci & 0xf000) | (v & 0x0fff);
  }
  /** The EtherType after the tag. */
  get innerType(): number {
    return getU16(this.bytes, this.offset + F.innerType);
  }
  set innerType(v: number) {
    setU16(this.bytes, this.offset + F.innerType, v);
  }
  /** The EtherType of the payload, looking through a tag. */
  get payloadType(): number {
    return this.tagged ? this.innerType : this.etherType;
  }
  /** 14, or 18 when tagged. */
  get headerLength(): number {
    return this.tagged ? ETHERNET_VLAN_HEADER_LENGTH : ETHERNET_HEADER_LENGTH;
  }
  /** Everything after the header up to `end`, padding included (zero-copy). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.offset + this.headerLength, this.end);
  }
}

/** The error for an 802.3 length field where an EtherType was expected. */
function lengthField(field: string, offset: number, value: number): ParseError {
  const hex = `0x${value.toString(16).padStart(4, "0")}`;
  const what = value <= 1500 ? "an 802.3 length field (LLC frames)" : "undefined (1501-1535)";
  return new ParseError("ethernet", field, offset, "unsupported", `${hex} is ${what}`);
}

/**
 * Parses a frame occupying all of `bytes` (no FCS). The payload is everything after the header,
 * padding included. 802.3 length/LLC frames and stacked tags are "unsupported".
 */
export function parseEthernet(bytes: Uint8Array): EthernetRecord | ParseError {
  if (bytes.length < ETHERNET_HEADER_LENGTH) {
    return truncated("ethernet", "header", 0, ETHERNET_HEADER_LENGTH, bytes.length);
  }
  const view = new EthernetView(bytes);
  const outer = view.etherType;
  if (outer < ETHERTYPE_MIN) return lengthField("etherType", F.etherType, outer);
  let vlan: VlanTag | undefined;
  let etherType = outer;
  let hl: number = ETHERNET_HEADER_LENGTH;
  if (outer === ETHERTYPE_VLAN) {
    if (bytes.length < ETHERNET_VLAN_HEADER_LENGTH) {
      return truncated("ethernet", "vlan", F.tci, 4, bytes.length - F.tci);
    }
    etherType = view.innerType;
    if (etherType < ETHERTYPE_MIN) return lengthField("vlan.etherType", F.innerType, etherType);
    if (etherType === ETHERTYPE_VLAN) {
      return new ParseError(
        "ethernet",
        "vlan.etherType",
        F.innerType,
        "unsupported",
        "stacked tag",
      );
    }
    vlan = { pcp: view.pcp, dei: view.dei, vid: view.vid };
    hl = ETHERNET_VLAN_HEADER_LENGTH;
  }
  return { dst: view.dst, src: view.src, vlan, etherType, payload: bytes.subarray(hl) };
}

/** Header length for `r`: 14, or 18 with a tag. */
export function ethernetHeaderLength(r: EthernetRecord): number {
  return r.vlan === undefined ? ETHERNET_HEADER_LENGTH : ETHERNET_VLAN_HEADER_LENGTH;
}

/** Bytes needed to emit `r`: header plus payload, at least the 60-byte minimum frame. */
export function ethernetBufferLength(r: EthernetRecord): number {
  return Math.max(ETHERNET_MIN_FRAME, ethernetHeaderLength(r) + r.payload.length);
}

/**
 * Writes `r` into `out` at `offset` (a new buffer when `out` is omitted) and returns the frame's
 * bytes, zero-padded to 60 bytes. Throws RangeError for an EtherType below 0x0600 or equal to
 * the VLAN TPID (use `vlan`), or tag fields out of range.
 */
export function emitEthernet(r: EthernetRecord, out?: Uint8Array, offset = 0): Uint8Array {
  if (!Number.isInteger(r.etherType) || r.etherType < ETHERTYPE_MIN || r.etherType > 0xffff) {
    throw new RangeError(`EtherType ${r.etherType} is not in 0x0600-0xffff`);
  }
  if (r.etherType === ETHERTYPE_VLAN) {
    throw new RangeError("EtherType 0x8100 is the VLAN tag: set `vlan` instead");
  }
  const len = ethernetBufferLength(r);
  const buf = out ?? new Uint8Array(len);
  const view = new EthernetView(buf, offset, offset + len);
  view.dst = r.dst;
  view.src = r.src;
  const v = r.vlan;
  if (v === undefined) {
    view.etherType = r.etherType;
  } else {
    if (v.pcp < 0 || v.pcp > 7 || v.vid < 0 || v.vid > 0xfff) {
      throw new RangeError(`VLAN tag pcp ${v.pcp} / vid ${v.vid} out of range (0-7 / 0-4095)`);
    }
    view.etherType = ETHERTYPE_VLAN;
    view.tci = (v.pcp << 13) | (v.dei ? 0x1000 : 0) | v.vid;
    view.innerType = r.etherType;
  }
  const hl = ethernetHeaderLength(r);
  buf.set(r.payload, offset + hl);
  buf.fill(0, offset + hl + r.payload.length, offset + len); // IEEE 802.3 §3.2.8 pad
  return buf.subarray(offset, offset + len);
}
