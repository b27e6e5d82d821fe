/**
 * Classic libpcap capture files (draft-ietf-opsawg-pcap): a writer that streams chunks to a sink,
 * so it runs in a browser as well as Node, and a reader for tests and tools. Files are written
 * little-endian with the nanosecond magic, so virtual time survives to the nanosecond.
 */
import { isValidTime, type Nanos, NS_PER_S } from "../sim/time.js";
import { invalid, ParseError, truncated } from "../wire/parse-error.js";

/** Receives a capture file piece by piece. Each chunk is a fresh buffer the sink may keep. */
export type CaptureSink = (chunk: Uint8Array) => void;

/** Link-layer header types (tcpdump.org "Link-layer header types"). */
export const LINKTYPE_ETHERNET = 1;
/** Bare IPv4 or IPv6 datagrams; the version nibble tells them apart. */
export const LINKTYPE_RAW = 101;

/** Magic of files with microsecond timestamps. */
export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
/** Magic of files with nanosecond timestamps (the one this writer uses). */
export const PCAP_MAGIC_NANOS = 0xa1b23c4d;
/** libpcap's largest snapshot length, used when none is given. */
export const PCAP_DEFAULT_SNAPLEN = 262144;
export const PCAP_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;

/** Options of `PcapWriter`. */
export interface PcapWriterOptions {
  /** Link-layer header type of every record, e.g. LINKTYPE_ETHERNET. */
  linkType: number;
  /** Records are cut to this many bytes (default 262144). */
  snaplen?: number;
}

/** Throws RangeError unless `t` is a valid virtual time (see sim/time.ts). */
export function checkTime(t: Nanos): void {
  if (!isValidTime(t)) throw new RangeError(`capture time ${t} is not an integer in 0..2^53-1 ns`);
}

/**
 * Writes a pcap file to `sink`: the global header at construction, then one chunk per record.
 * Packet bytes are copied, so a caller may reuse or mutate its buffer after `write`.
 */
export class PcapWriter {
  readonly linkType: number;
  readonly snaplen: number;
  /** Records written so far. */
  count = 0;

  constructor(
    readonly sink: CaptureSink,
    options: PcapWriterOptions,
  ) {
    const snaplen = options.snaplen ?? PCAP_DEFAULT_SNAPLEN;
    if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > 0x7fffffff) {
      throw new RangeError(`snaplen ${snaplen} is not in 1..2^31-1`);
    }
    if (!Number.isInteger(options.linkType) || options.linkType < 0 || options.linkType > 0xffff) {
      throw new RangeError(`link type ${options.linkType} is not in 0..65535`);
    }
    this.linkType = options.linkType;
    this.snaplen = snaplen;
    // draft-ietf-opsawg-pcap §4: magic, version 2.4, two reserved words, snaplen, link type.
    const h = new Uint8Array(PCAP_HEADER_LENGTH);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, PCAP_MAGIC_NANOS, true);
    dv.setUint16(4, 2, true);
    dv.setUint16(6, 4, true);
    dv.setUint32(16, snaplen, true);
    dv.setUint32(20, options.linkType, true);
    sink(h);
  }

  /**
   * Writes one record at virtual time `time` (ns). `originalLength` is the packet's length on
   * the wire when `data` is already cut short; data longer than snaplen is cut here.
   */
  write(time: Nanos, data: Uint8Array, originalLength = data.length): void {
    checkTime(time);
    if (!Number.isInteger(originalLength) || originalLength < data.length) {
      throw new RangeError(`original length ${originalLength} is below ${data.length} bytes`);
    }
    if (originalLength > 0xffffffff) throw new RangeError(`original length ${originalLength}`);
    const caplen = Math.min(data.length, this.snaplen);
    const chunk = new Uint8Array(PCAP_RECORD_HEADER_LENGTH + caplen);
    const dv = new DataView(chunk.buffer);
    const seconds = Math.floor(time / NS_PER_S);
    // §5: seconds, then the fraction in the unit the magic names (here nanoseconds).
    dv.setUint32(0, seconds, true);
    dv.setUint32(4, time - seconds * NS_PER_S, true);
    dv.setUint32(8, caplen, true);
    dv.setUint32(12, originalLength, true);
    chunk.set(data.subarray(0, caplen), PCAP_RECORD_HEADER_LENGTH);
    this.sink(chunk);
    this.count++;
  }
}

/** Concatenates chunks into one buffer. */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** A sink that keeps every chunk in memory; `toBytes()` returns the file so far. */
export class CaptureBuffer {
  readonly chunks: Uint8Array[] = [];
  readonly sink: CaptureSink = (chunk) => {
    this.chunks.push(chunk);
  };

  /** The capture so far as one buffer. */
  toBytes(): Uint8Array {
    return concatChunks(this.chunks);
  }
}

/** One record read back from a pcap file. */
export interface PcapRecord {
  /** Timestamp in ns: exact below 2^53 ns (all virtual times); use `seconds` for wall clocks. */
  time: Nanos;
  /** Whole seconds of the timestamp, exact. */
  seconds: number;
  /** Nanoseconds within the second (microsecond files scaled by 1000), exact. */
  nanoseconds: number;
  originalLength: number;
  /** The captured bytes: a view into the buffer given to `readPcap`, not a copy. */
  data: Uint8Array;
}

/** A pcap file read back. */
export interface PcapFile {
  /** Link-layer header type (the low 16 bits of the field; the rest is FCS information). */
  linkType: number;
  snaplen: number;
  /** True for nanosecond timestamps (magic 0xa1b23c4d), false for microseconds. */
  nanos: boolean;
  /** True when the file was written big-endian. */
  bigEndian: boolean;
  records: PcapRecord[];
}

/** Reads a whole pcap file with either magic in either byte order. */
export function readPcap(bytes: Uint8Array): PcapFile | ParseError {
  if (bytes.length < PCAP_HEADER_LENGTH) {
    return truncated("pcap", "header", 0, PCAP_HEADER_LENGTH, bytes.length);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le = true;
  let magic = dv.getUint32(0, true);
  if (magic !== PCAP_MAGIC_NANOS && magic !== PCAP_MAGIC_MICROS) {
    le = false;
    magic = dv.getUint32(0, false);
  }
  if (magic === 0x0a0d0d0a) {
    return new ParseError("pcap", "magic", 0, "unsupported", "this is a pcapng file");
  }
  if (magic !== PCAP_MAGIC_NANOS && magic !== PCAP_MAGIC_MICROS) {
    return invalid("pcap", "magic", 0, `0x${magic.toString(16)} is not a pcap magic number`);
  }
  const nanos = magic === PCAP_MAGIC_NANOS;
  const major = dv.getUint16(4, le);
  if (major !== 2) {
    const minor = dv.getUint16(6, le);
    return new ParseError("pcap", "version", 4, "unsupported", `version ${major}.${minor}`);
  }
  const snaplen = dv.getUint32(16, le);
  const linkType = dv.getUint32(20, le) & 0xffff;
  const unit = nanos ? NS_PER_S : 1_000_000;
  const scale = nanos ? 1 : 1000;
  const records: PcapRecord[] = [];
  let o = PCAP_HEADER_LENGTH;
  for (let i = 0; o < bytes.length; i++) {
    const at = `records[${i}]`;
    if (bytes.length - o < PCAP_RECORD_HEADER_LENGTH) {
      return truncated("pcap", `${at}.header`, o, PCAP_RECORD_HEADER_LENGTH, bytes.length - o);
    }
    const seconds = dv.getUint32(o, le);
    const fraction = dv.getUint32(o + 4, le);
    const caplen = dv.getUint32(o + 8, le);
    const originalLength = dv.getUint32(o + 12, le);
    if (fraction >= unit) {
      return invalid("pcap", `${at}.fraction`, o + 4, `${fraction} is not below ${unit}`);
    }
    if (caplen > originalLength) {
      return invalid("pcap", `${at}.capturedLength`, o + 8, `${caplen} > ${originalLength}`);
    }
    const start = o + PCAP_RECORD_HEADER_LENGTH;
    if (caplen > bytes.length - start) {
      return truncated("pcap", `${at}.data`, start, caplen, bytes.length - start);
    }
    const nanoseconds = fraction * scale;
    records.push({
      time: seconds * NS_PER_S + nanoseconds,
      seconds,
      nanoseconds,
      originalLength,
      data: bytes.subarray(start, start + caplen),
    });
    o = start + caplen;
  }
  return { linkType, snaplen, nanos, bigEndian: !le, records };
}
