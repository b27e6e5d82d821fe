/**
 * pcapng capture files (draft-ietf-opsawg-pcapng): one section, one Interface Description Block
 * per interface (each with its own link type and nanosecond resolution), Enhanced Packet Blocks.
 * A whole simulated network, Ethernet segments and raw IP links alike, fits in one file.
 */
import type { Nanos } from "../sim/time.js";
import { type CaptureSink, checkTime, PCAP_DEFAULT_SNAPLEN } from "./pcap.js";

/** Block types (§4). */
export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_IDB = 0x00000001;
export const PCAPNG_EPB = 0x00000006;
/** Byte-order magic of the Section Header Block, written little-endian here. */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Option codes (§3.5, §4.1, §4.2). */
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;

/** One interface of a capture. */
export interface PcapngInterface {
  /** Written as if_name, e.g. "h1-eth0". */
  name: string;
  /** Link-layer header type, e.g. LINKTYPE_ETHERNET or LINKTYPE_RAW. */
  linkType: number;
  /** Packets are cut to this many bytes (default 262144). */
  snaplen?: number;
  /** Written as if_description. */
  description?: string;
}

/** Options of `PcapngWriter`. */
export interface PcapngWriterOptions {
  /** Written as shb_userappl (default "wirelab"; "" for none). */
  application?: string;
  /** A comment on the whole section. */
  comment?: string;
}

/** Per-packet options of `PcapngWriter.write`. */
export interface PcapngPacketOptions {
  /** Length on the wire when `data` is already cut short (default `data.length`). */
  originalLength?: number;
  /** Written as opt_comment; Wireshark shows it as the packet comment. */
  comment?: string;
}

type Option = readonly [code: number, value: Uint8Array];

const utf8 = new TextEncoder();
const pad4 = (n: number) => (n + 3) & ~3;

/** Bytes the options take, with opt_endofopt; nothing at all when there are none (§3.5). */
function optionsLength(options: readonly Option[]): number {
  if (options.length === 0) return 0;
  let n = 4;
  for (const [, v] of options) n += 4 + pad4(v.length);
  return n;
}

/** Writes options at `o` (code, length, value padded to 32 bits, then opt_endofopt). */
function writeOptions(dv: DataView, b: Uint8Array, o: number, options: readonly Option[]): void {
  if (options.length === 0) return;
  for (const [code, v] of options) {
    dv.setUint16(o, code, true);
    dv.setUint16(o + 2, v.length, true);
    b.set(v, o + 4);
    o += 4 + pad4(v.length);
  }
  dv.setUint16(o, OPT_ENDOFOPT, true);
  dv.setUint16(o + 2, 0, true);
}

/** A text option; empty or absent text adds nothing. */
function textOption(options: Option[], code: number, text: string | undefined): void {
  if (text === undefined || text === "") return;
  const v = utf8.encode(text);
  if (v.length > 0xffff) throw new RangeError(`option ${code} of ${v.length} bytes exceeds 65535`);
  options.push([code, v]);
}

/**
 * Allocates a block of `bodyLength` bytes between the type/length words and the trailing
 * length (§3.1), fills the framing, and returns it with a DataView for the body.
 */
function block(type: number, bodyLength: number): [Uint8Array, DataView] {
  const total = 12 + bodyLength;
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, total, true);
  dv.setUint32(total - 4, total, true);
  return [b, dv];
}

/**
 * Writes a pcapng file to `sink`: the Section Header Block at construction, an Interface
 * Description Block per `addInterface`, and an Enhanced Packet Block per `write`. Packet bytes
 * are copied, so a caller may reuse or mutate its buffer after `write`.
 */
export class PcapngWriter {
  private readonly snaplens: number[] = [];

  constructor(
    readonly sink: CaptureSink,
    options: PcapngWriterOptions = {},
  ) {
    const opts: Option[] = [];
    textOption(opts, OPT_COMMENT, options.comment);
    textOption(opts, SHB_USERAPPL, options.application ?? "wirelab");
    // §4.1: byte-order magic, version 1.0, section length -1 (not computed: we stream).
    const [b, dv] = block(PCAPNG_SHB, 16 + optionsLength(opts));
    dv.setUint32(8, PCAPNG_BYTE_ORDER_MAGIC, true);
    dv.setUint16(12, 1, true);
    dv.setUint16(14, 0, true);
    dv.setInt32(16, -1, true);
    dv.setInt32(20, -1, true);
    writeOptions(dv, b, 24, opts);
    sink(b);
  }

  /** Interfaces described so far. */
  get interfaceCount(): number {
    return this.snaplens.length;
  }

  /** Describes an interface and returns its id, numbered from 0 in order of addition. */
  addInterface(iface: PcapngInterface): number {
    const snaplen = iface.snaplen ?? PCAP_DEFAULT_SNAPLEN;
    if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > 0xffffffff) {
      throw new RangeError(`snaplen ${snaplen} is not in 1..2^32-1`);
    }
    if (!Number.isInteger(iface.linkType) || iface.linkType < 0 || iface.linkType > 0xffff) {
      throw new RangeError(`link type ${iface.linkType} is not in 0..65535`);
    }
    const opts: Option[] = [];
    textOption(opts, IF_NAME, iface.name);
    textOption(opts, IF_DESCRIPTION, iface.description);
    opts.push([IF_TSRESOL, Uint8Array.of(9)]); // §4.2: 10^-9 s, so timestamps are in ns
    // §4.2: link type, reserved, snaplen, options.
    const [b, dv] = block(PCAPNG_IDB, 8 + optionsLength(opts));
    dv.setUint16(8, iface.linkType, true);
    dv.setUint32(12, snaplen, true);
    writeOptions(dv, b, 16, opts);
    this.sink(b);
    this.snaplens.push(snaplen);
    return this.snaplens.length - 1;
  }

  /** Writes one packet seen on interface `interfaceId` at virtual time `time` (ns). */
  write(
    interfaceId: number,
    time: Nanos,
    data: Uint8Array,
    options: PcapngPacketOptions = {},
  ): void {
    const snaplen = this.snaplens[interfaceId];
    if (snaplen === undefined) throw new RangeError(`no interface ${interfaceId}`);
    checkTime(time);
    const originalLength = options.originalLength ?? data.length;
    if (!Number.isInteger(originalLength) || originalLength < data.length) {
      throw new RangeError(`original length ${originalLength} is below ${data.length} bytes`);
    }
    if (originalLength > 0xffffffff) throw new RangeError(`original length ${originalLength}`);
    const caplen = Math.min(data.length, snaplen);
    const opts: Option[] = [];
    textOption(opts, OPT_COMMENT, options.comment);
    // §4.3: interface id, 64-bit timestamp (high word first), captured and original lengths.
    const [b, dv] = block(PCAPNG_EPB, 20 + pad4(caplen) + optionsLength(opts));
    const high = Math.floor(time / 0x1_0000_0000);
    dv.setUint32(8, interfaceId, true);
    dv.setUint32(12, high, true);
    dv.setUint32(16, time - high * 0x1_0000_0000, true);
    dv.setUint32(20, caplen, true);
    dv.setUint32(24, originalLength, true);
    b.set(data.subarray(0, caplen), 28);
    writeOptions(dv, b, 28 + pad4(caplen), opts);
    this.sink(b);
  }
}
