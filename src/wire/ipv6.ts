/**
 * IPv6 (RFC 8200): a fixed 40-byte header, a chain of extension headers, then the upper-layer
 * payload. `Ipv6View` reads and writes the fixed header in place (routers only touch the hop
 * limit; there is no header checksum); `parseIpv6` walks the extension chain of untrusted bytes.
 */
import { Ipv6Address } from "./address.js";
import { getU16, getU32, setU16, setU32 } from "./bytes.js";
import type { PseudoHeader } from "./checksum.js";
import { invalid, ParseError, truncated } from "./parse-error.js";

/** Length of the fixed header. */
export const IPV6_HEADER_LENGTH = 40;

/** Next-header values of the extension headers this module walks (RFC 8200 §4). */
export const IPV6_HOP_BY_HOP = 0;
export const IPV6_ROUTING = 43;
export const IPV6_FRAGMENT = 44;
export const IPV6_DESTINATION_OPTIONS = 60;
/** "No Next Header" (RFC 8200 §4.7): nothing follows; any bytes after it are kept as payload. */
export const IPV6_NO_NEXT_HEADER = 59;

/** Most extension headers `parseIpv6` walks before giving up, to bound work per packet. */
export const IPV6_MAX_EXTENSION_HEADERS = 16;

/** Bits of the fragment header's offset word (RFC 8200 §4.5). */
export const IPV6_FRAGMENT_OFFSET_SHIFT = 3;
export const IPV6_FRAGMENT_M = 0x0001;

/** Byte offsets of the fixed header fields. */
const F = {
  versionClassFlow: 0,
  payloadLength: 4,
  nextHeader: 6,
  hopLimit: 7,
  src: 8,
  dst: 24,
} as const;
/** Byte offsets inside an extension header; the fragment header's fields after the first two. */
const X = { nextHeader: 0, length: 1, data: 2, offsetWord: 2, identification: 4 } as const;
/** Size of the fragment header, and the unit of every extension header's length. */
const EXT_UNIT = 8;
/** Longest hop-by-hop, routing or destination options header: Hdr Ext Len is one byte. */
const EXT_MAX = 256 * EXT_UNIT;

/** Names used in error fields, by next-header value. */
const EXT_NAMES: Readonly<Record<number, string>> = {
  [IPV6_HOP_BY_HOP]: "hopByHop",
  [IPV6_ROUTING]: "routing",
  [IPV6_FRAGMENT]: "fragment",
  [IPV6_DESTINATION_OPTIONS]: "destinationOptions",
};

/**
 * A hop-by-hop, routing or destination options header, kept raw. `data` is everything after the
 * next-header and length bytes (options or routing data), so its length is 6 + 8k; it is a view
 * into the parsed buffer.
 */
export interface Ipv6RawExtension {
  type: typeof IPV6_HOP_BY_HOP | typeof IPV6_ROUTING | typeof IPV6_DESTINATION_OPTIONS;
  nextHeader: number;
  data: Uint8Array;
}

/** A fragment header (RFC 8200 §4.5); its reserved fields are ignored and emitted as zero. */
export interface Ipv6FragmentHeader {
  type: typeof IPV6_FRAGMENT;
  nextHeader: number;
  /** Offset of the fragment's data in 8-byte units (13 bits). */
  fragmentOffset: number;
  /** The M flag: more fragments follow. */
  moreFragments: boolean;
  identification: number;
}

/** One extension header, in the order it appears on the wire. */
export type Ipv6Extension = Ipv6RawExtension | Ipv6FragmentHeader;

/**
 * An IPv6 packet as plain data. Payload length is derived on emit. The next-header fields are
 * kept as carried, so they must chain: `nextHeader` names the first extension (or the upper
 * protocol), each extension's `nextHeader` names the one after it, the last names `upperProtocol`.
 */
export interface Ipv6Record {
  /** Traffic class (8 bits: DSCP and ECN, RFC 8200 §7). */
  trafficClass: number;
  /** Flow label (20 bits, RFC 6437). */
  flowLabel: number;
  /** The next-header field of the fixed header. */
  nextHeader: number;
  hopLimit: number;
  src: Ipv6Address;
  dst: Ipv6Address;
  extensions: Ipv6Extension[];
  /** The next-header value after the last extension header: what `payload` holds. */
  upperProtocol: number;
  /** The bytes after the extension headers, a view into the parsed buffer (not a copy). */
  payload: Uint8Array;
}

/** The pseudo-header of an IPv6 upper-layer checksum. */
export type Ipv6PseudoHeader = Extract<PseudoHeader, { readonly family: 6 }>;

/** Zero-copy field access to an IPv6 fixed header at `offset` in `bytes`; unchecked. */
export class Ipv6View {
  constructor(
    readonly bytes: Uint8Array,
    readonly offset = 0,
  ) {}

  get version(): number {
    return this.bytes[this.offset + F.versionClassFlow]! >>> 4;
  }
  set version(v: number) {
    this.setFirstWord(0xf0000000, v << 28);
  }
  get trafficClass(): number {
    return (getU32(this.bytes, this.offset + F.versionClassFlow) >>> 20) & 0xff;
  }
  set trafficClass(v: number) {
    this.setFirstWord(0x0ff00000, (v & 0xff) << 20);
  }
  get flowLabel(): number {
    return getU32(this.bytes, this.offset + F.versionClassFlow) & 0xfffff;
  }
  set flowLabel(v: number) {
    this.setFirstWord(0x000fffff, v & 0xfffff);
  }
  /** Bytes after the fixed header, extension headers included. */
  get payloadLength(): number {
    return getU16(this.bytes, this.offset + F.payloadLength);
  }
  set payloadLength(v: number) {
    setU16(this.bytes, this.offset + F.payloadLength, v);
  }
  get nextHeader(): number {
    return this.bytes[this.offset + F.nextHeader]!;
  }
  set nextHeader(v: number) {
    this.bytes[this.offset + F.nextHeader] = v;
  }
  get hopLimit(): number {
    return this.bytes[this.offset + F.hopLimit]!;
  }
  set hopLimit(v: number) {
    this.bytes[this.offset + F.hopLimit] = v;
  }
  get src(): Ipv6Address {
    return Ipv6Address.fromBytes(this.bytes, this.offset + F.src);
  }
  set src(v: Ipv6Address) {
    v.write(this.bytes, this.offset + F.src);
  }
  get dst(): Ipv6Address {
    return Ipv6Address.fromBytes(this.bytes, this.offset + F.dst);
  }
  set dst(v: Ipv6Address) {
    v.write(this.bytes, this.offset + F.dst);
  }
  /** Everything after the fixed header up to payload length, extensions included (zero-copy). */
  get payload(): Uint8Array {
    const start = this.offset + IPV6_HEADER_LENGTH;
    return this.bytes.subarray(start, start + this.payloadLength);
  }

  /** Replaces the bits of `mask` in the version / traffic class / flow label word. */
  private setFirstWord(mask: number, bits: number): void {
    const o = this.offset + F.versionClassFlow;
    setU32(this.bytes, o, (getU32(this.bytes, o) & ~mask) | (bits & mask));
  }
}

/** Options for `parseIpv6`. */
export interface ParseIpv6Options {
  /**
   * Accept a buffer shorter than payload length and return what is present, as when reading the
   * packet an ICMPv6 error quotes (RFC 4443 §2.4 (c)). Default false.
   */
  allowPartial?: boolean;
}

/** True for the next-header values `parseIpv6` treats as extension headers. */
export function isIpv6Extension(nextHeader: number): boolean {
  return (
    nextHeader === IPV6_HOP_BY_HOP ||
    nextHeader === IPV6_ROUTING ||
    nextHeader === IPV6_FRAGMENT ||
    nextHeader === IPV6_DESTINATION_OPTIONS
  );
}

/**
 * Parses an IPv6 packet at the start of `bytes`, walking its extension headers. Bytes past
 * payload length (link-layer padding) are ignored. Jumbograms (RFC 2675) are unsupported.
 */
export function parseIpv6(bytes: Uint8Array, opts: ParseIpv6Options = {}): Ipv6Record | ParseError {
  if (bytes.length < 1) return truncated("ipv6", "header", 0, IPV6_HEADER_LENGTH, 0);
  const view = new Ipv6View(bytes);
  if (view.version !== 6) return invalid("ipv6", "version", 0, `version ${view.version} is not 6`);
  if (bytes.length < IPV6_HEADER_LENGTH) {
    return truncated("ipv6", "header", 0, IPV6_HEADER_LENGTH, bytes.length);
  }
  const payloadLength = view.payloadLength;
  const first = view.nextHeader;
  // RFC 2675 §3: a zero payload length with a hop-by-hop header announces a Jumbo Payload option.
  if (payloadLength === 0 && first === IPV6_HOP_BY_HOP) {
    return new ParseError("ipv6", "payloadLength", F.payloadLength, "unsupported", "jumbogram");
  }
  const declaredEnd = IPV6_HEADER_LENGTH + payloadLength;
  if (declaredEnd > bytes.length && opts.allowPartial !== true) {
    return truncated(
      "ipv6",
      "payload",
      IPV6_HEADER_LENGTH,
      payloadLength,
      bytes.length - IPV6_HEADER_LENGTH,
    );
  }
  const end = Math.min(declaredEnd, bytes.length);
  const extensions: Ipv6Extension[] = [];
  let nh = first;
  let nhField = "nextHeader";
  let nhOffset = F.nextHeader;
  let i = IPV6_HEADER_LENGTH;
  while (isIpv6Extension(nh)) {
    const name = EXT_NAMES[nh]!;
    // RFC 8200 §4.1: hop-by-hop may only follow the fixed header.
    if (nh === IPV6_HOP_BY_HOP && extensions.length > 0) {
      return invalid("ipv6", nhField, nhOffset, "hop-by-hop header after another extension");
    }
    if (extensions.length === IPV6_MAX_EXTENSION_HEADERS) {
      const detail = `more than ${IPV6_MAX_EXTENSION_HEADERS} extension headers`;
      return new ParseError("ipv6", nhField, nhOffset, "unsupported", detail);
    }
    if (i + EXT_UNIT > end) return truncated("ipv6", name, i, EXT_UNIT, end - i);
    const next = bytes[i + X.nextHeader]!;
    if (nh === IPV6_FRAGMENT) {
      const word = getU16(bytes, i + X.offsetWord);
      const fragmentOffset = word >>> IPV6_FRAGMENT_OFFSET_SHIFT;
      extensions.push({
        type: IPV6_FRAGMENT,
        nextHeader: next,
        fragmentOffset,
        moreFragments: (word & IPV6_FRAGMENT_M) !== 0,
        identification: getU32(bytes, i + X.identification),
      });
      nhOffset = i + X.nextHeader;
      i += EXT_UNIT;
      nh = next;
      nhField = `${name}.nextHeader`;
      // RFC 8200 §4.5: after the first fragment, what follows the fragment header is data.
      if (fragmentOffset !== 0) break;
      continue;
    }
    // RFC 8200 §4.3-4.6: Hdr Ext Len counts 8-octet units after the first 8 octets.
    const len = (bytes[i + X.length]! + 1) * EXT_UNIT;
    if (i + len > declaredEnd) {
      const detail = `${len}-byte header runs past the payload length`;
      return invalid("ipv6", `${name}.length`, i + X.length, detail);
    }
    if (i + len > end) return truncated("ipv6", name, i, len, end - i);
    const type = nh as Ipv6RawExtension["type"];
    extensions.push({ type, nextHeader: next, data: bytes.subarray(i + X.data, i + len) });
    nhOffset = i + X.nextHeader;
    nhField = `${name}.nextHeader`;
    i += len;
    nh = next;
  }
  return {
    trafficClass: view.trafficClass,
    flowLabel: view.flowLabel,
    nextHeader: first,
    hopLimit: view.hopLimit,
    src: view.src,
    dst: view.dst,
    extensions,
    upperProtocol: nh,
    payload: bytes.subarray(i, end),
  };
}

/** Bytes an extension header occupies on the wire. */
export function ipv6ExtensionLength(e: Ipv6Extension): number {
  return e.type === IPV6_FRAGMENT ? EXT_UNIT : X.data + e.data.length;
}

/** Bytes of the fixed header and all extension headers of `r`. */
export function ipv6HeadersLength(r: Ipv6Record): number {
  let n = IPV6_HEADER_LENGTH;
  for (const e of r.extensions) n += ipv6ExtensionLength(e);
  return n;
}

/** Bytes needed to emit `r`. */
export function ipv6BufferLength(r: Ipv6Record): number {
  return ipv6HeadersLength(r) + r.payload.length;
}

/**
 * Writes `r` into `out` at `offset` (a new buffer when `out` is omitted) and returns the packet's
 * bytes. Throws RangeError for a record that would not parse back: next-header fields that do not
 * chain, hop-by-hop not first, option data not 6 + 8k bytes, too many extensions, headers after a
 * non-first fragment, or a payload over 65535 bytes.
 */
export function emitIpv6(r: Ipv6Record, out?: Uint8Array, offset = 0): Uint8Array {
  checkChain(r);
  const len = ipv6BufferLength(r);
  if (len - IPV6_HEADER_LENGTH > 0xffff) {
    throw new RangeError(`IPv6 payload of ${len - IPV6_HEADER_LENGTH} bytes exceeds 65535`);
  }
  const buf = out ?? new Uint8Array(len);
  const view = new Ipv6View(buf, offset);
  setU32(buf, offset + F.versionClassFlow, 0x60000000 | ((r.trafficClass & 0xff) << 20));
  view.flowLabel = r.flowLabel;
  view.payloadLength = len - IPV6_HEADER_LENGTH;
  view.nextHeader = r.nextHeader;
  view.hopLimit = r.hopLimit;
  view.src = r.src;
  view.dst = r.dst;
  let i = offset + IPV6_HEADER_LENGTH;
  for (const e of r.extensions) {
    buf[i + X.nextHeader] = e.nextHeader;
    if (e.type === IPV6_FRAGMENT) {
      buf[i + 1] = 0; // reserved
      const word = (e.fragmentOffset << IPV6_FRAGMENT_OFFSET_SHIFT) | (e.moreFragments ? 1 : 0);
      setU16(buf, i + X.offsetWord, word);
      setU32(buf, i + X.identification, e.identification);
    } else {
      buf[i + X.length] = (X.data + e.data.length) / EXT_UNIT - 1;
      buf.set(e.data, i + X.data);
    }
    i += ipv6ExtensionLength(e);
  }
  buf.set(r.payload, i);
  return buf.subarray(offset, offset + len);
}

/** Throws RangeError unless `r`'s extension chain would parse back as it stands. */
function checkChain(r: Ipv6Record): void {
  const ext = r.extensions;
  if (ext.length > IPV6_MAX_EXTENSION_HEADERS) {
    throw new RangeError(`${ext.length} extension headers exceed ${IPV6_MAX_EXTENSION_HEADERS}`);
  }
  const firstType = ext[0]?.type ?? r.upperProtocol;
  if (r.nextHeader !== firstType) {
    throw new RangeError(`next header ${r.nextHeader} does not name the next header ${firstType}`);
  }
  let tailIsData = false; // true after a non-first fragment: the payload is not walked
  for (let k = 0; k < ext.length; k++) {
    const e = ext[k]!;
    if (!isIpv6Extension(e.type)) throw new RangeError(`${e.type} is not an extension header`);
    if (e.type === IPV6_HOP_BY_HOP && k > 0) {
      throw new RangeError("a hop-by-hop header may only follow the fixed header");
    }
    if (tailIsData) throw new RangeError("no extension header may follow a non-first fragment");
    const next = ext[k + 1]?.type ?? r.upperProtocol;
    if (e.nextHeader !== next) {
      throw new RangeError(`extension ${k} next header ${e.nextHeader} is not ${next}`);
    }
    if (e.type === IPV6_FRAGMENT) {
      if (e.fragmentOffset < 0 || e.fragmentOffset > 0x1fff) {
        throw new RangeError(`fragment offset ${e.fragmentOffset} is outside 0-8191`);
      }
      tailIsData = e.fragmentOffset !== 0;
    } else {
      const n = X.data + e.data.length;
      if (n % EXT_UNIT !== 0 || n > EXT_MAX) {
        throw new RangeError(`extension ${k} data of ${e.data.length} bytes is not 6 + 8k <= 2046`);
      }
    }
  }
  if (!tailIsData && isIpv6Extension(r.upperProtocol)) {
    throw new RangeError(`upper protocol ${r.upperProtocol} is an extension header`);
  }
}

/**
 * Decrements the hop limit of the header at `offset` in place, as a forwarding router does (RFC
 * 8200 §3); IPv6 has no header checksum to patch. Returns the new hop limit. Throws RangeError
 * when it is already 0: the caller must drop such a packet.
 */
export function decrementHopLimit(bytes: Uint8Array, offset: number): number {
  const o = offset + F.hopLimit;
  const hopLimit = bytes[o]!;
  if (hopLimit === 0) throw new RangeError("cannot decrement a hop limit of 0");
  bytes[o] = hopLimit - 1;
  return hopLimit - 1;
}

/**
 * The pseudo-header for an upper-layer checksum of `r` (RFC 8200 §8.1). With a routing header,
 * the RFC asks for the final destination: `r.dst` is that at the receiver, but a sender must
 * pass the last address of its routing header instead.
 */
export function ipv6PseudoHeader(r: Pick<Ipv6Record, "src" | "dst">): Ipv6PseudoHeader {
  return { family: 6, src: r.src, dst: r.dst };
}
