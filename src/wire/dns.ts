/**
 * DNS messages (RFC 1035 §4.1): a header and four sections, with EDNS0 (RFC 6891) lifted out of
 * the additional section into `edns` and its extended RCODE folded into `rcode`. `parseDnsMessage`
 * checks untrusted bytes; `emitDnsMessage` compresses names and can truncate to a size limit.
 */
import { getU16, getU32, setU16 } from "./bytes.js";
import { DNS_HEADER_LENGTH, DNS_HEADER_OFFSETS as F } from "./dns-header.js";
import { DnsNameReader, DnsWriter, dnsNameEquals } from "./dns-name.js";
import {
  checkDnsUint,
  DNS_TYPE,
  type DnsRecord,
  dnsNameParseError,
  dnsRecordTypeCode,
  readDnsRecord,
  writeDnsRdata,
} from "./dns-rr.js";
import { invalid, ParseError, truncated } from "./parse-error.js";

/** A question (RFC 1035 §4.1.2). `type` is a code, since QTYPEs include ANY and AXFR. */
export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

/** An EDNS0 option (RFC 6891 §6.1.2); `data` views the parsed buffer. */
export interface DnsEdnsOption {
  code: number;
  data: Uint8Array;
}

/** The OPT pseudo-record's fields (RFC 6891 §6.1.3), less the extended RCODE (see `rcode`). */
export interface DnsEdns {
  /** Largest UDP payload the sender can reassemble (the OPT record's CLASS). */
  udpPayloadSize: number;
  version: number;
  /** DO: the sender wants DNSSEC records (RFC 3225). */
  dnssecOk: boolean;
  /** The 15 other flag bits, zero by the RFC, kept as carried. */
  z: number;
  options: DnsEdnsOption[];
}

/**
 * A DNS message as plain data. The counts are not stored: emit derives them. The OPT record is
 * not in `additionals` but in `edns` (RFC 6891 §6.1.1 allows one, in the additional section
 * only), so a message cannot hold two, and emit always writes it last.
 */
export interface DnsMessage {
  id: number;
  /** A response (true) or a query. */
  qr: boolean;
  opcode: number;
  /** Authoritative answer. */
  aa: boolean;
  /** Truncated. Emit also sets it when `maxSize` forces records out. */
  tc: boolean;
  /** Recursion desired. */
  rd: boolean;
  /** Recursion available. */
  ra: boolean;
  /** The reserved bit (RFC 1035 §4.1.1: must be zero), kept as carried. */
  z: boolean;
  /** Authentic data (RFC 4035 §3.2.3). */
  ad: boolean;
  /** Checking disabled (RFC 4035 §3.2.2). */
  cd: boolean;
  /** RCODE, 12 bits with EDNS0 (the OPT record's extension above the header's 4 bits). */
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
  edns: DnsEdns | null;
}

/** A message with every field defaulted (a query with id 0, no flags, empty sections). */
export function createDnsMessage(fields: Partial<DnsMessage> = {}): DnsMessage {
  return {
    id: 0,
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: false,
    ra: false,
    z: false,
    ad: false,
    cd: false,
    rcode: 0,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
    edns: null,
    ...fields,
  };
}

export interface DnsParseOptions {
  /**
   * Refuse bytes after the last record. RFC 1035 does not say; BIND ignores them (logging),
   * and so does this parser by default, so a server can still answer a padded query.
   */
  rejectTrailing?: boolean;
}

/**
 * Parses a DNS message occupying `bytes`. Errors name the field and its offset, e.g.
 * "answer[2].rdata.preference" at byte 63 for an MX whose rdata stops short. Counts larger than the data, rdata running past the
 * message or not matching its rdlength, bad compression pointers, an OPT outside the additional
 * section or a second OPT are refused. Names come back in the form described in dns-name.ts;
 * TXT strings, unknown rdata and EDNS option data view `bytes`.
 */
export function parseDnsMessage(
  bytes: Uint8Array,
  options?: DnsParseOptions,
): DnsMessage | ParseError {
  const len = bytes.length;
  if (len < DNS_HEADER_LENGTH) return truncated("dns", "header", 0, DNS_HEADER_LENGTH, len);
  const flags = getU16(bytes, F.flags);
  const reader = new DnsNameReader(bytes);
  let pos = DNS_HEADER_LENGTH;

  const questions: DnsQuestion[] = [];
  const qdcount = getU16(bytes, F.qdcount);
  for (let i = 0; i < qdcount; i++) {
    const name = reader.read(pos, len);
    if (name === null) return dnsNameParseError(reader, `question[${i}].name`);
    pos = reader.next;
    if (pos + 4 > len) {
      const field = pos + 2 > len ? "type" : "class";
      const at = field === "type" ? pos : pos + 2;
      return truncated("dns", `question[${i}].${field}`, at, 2, len - at);
    }
    questions.push({ name, type: getU16(bytes, pos), class: getU16(bytes, pos + 2) });
    pos += 4;
  }

  const sections: DnsRecord[][] = [[], [], []];
  let edns: DnsEdns | null = null;
  let extendedRcode = 0;
  for (let s = 0; s < 3; s++) {
    const section = SECTION_NAMES[s]!;
    const records = sections[s]!;
    const count = getU16(bytes, F.ancount + 2 * s);
    for (let i = 0; i < count; i++) {
      const nameAt = pos;
      const name = reader.read(pos, len);
      if (name === null) return dnsNameParseError(reader, `${section}[${i}].name`);
      const p = reader.next;
      if (p + 10 > len) {
        const left = len - p;
        const k = left >= 8 ? 3 : left >= 4 ? 2 : left >= 2 ? 1 : 0;
        const at = p + RR_FIELD_AT[k]!;
        return truncated(
          "dns",
          `${section}[${i}].${RR_FIELDS[k]}`,
          at,
          RR_FIELD_SIZE[k]!,
          len - at,
        );
      }
      const type = getU16(bytes, p);
      const cls = getU16(bytes, p + 2);
      const ttl = getU32(bytes, p + 4);
      const start = p + 10;
      const end = start + getU16(bytes, p + 8);
      if (end > len) {
        return truncated("dns", `${section}[${i}].rdata`, start, end - start, len - start);
      }
      pos = end;
      if (type === DNS_TYPE.OPT) {
        // RFC 6891 §6.1.1: at most one OPT, in the additional section, owned by the root.
        if (s !== 2) {
          return invalid("dns", `${section}[${i}].type`, p, "OPT outside the additional section");
        }
        if (edns !== null) {
          return invalid("dns", `${section}[${i}].type`, p, "more than one OPT record");
        }
        if (name !== ".") {
          return invalid("dns", `${section}[${i}].name`, nameAt, "OPT owner must be the root");
        }
        const opts = readOptions(bytes, start, end, `${section}[${i}]`);
        if (opts instanceof ParseError) return opts;
        extendedRcode = ttl >>> 24;
        edns = {
          udpPayloadSize: cls,
          version: (ttl >>> 16) & 0xff,
          dnssecOk: (ttl & 0x8000) !== 0,
          z: ttl & 0x7fff,
          options: opts,
        };
        continue;
      }
      const r = readDnsRecord(reader, section, i, name, type, cls, ttl, start, end);
      if (r instanceof ParseError) return r;
      records.push(r);
    }
  }
  if (options?.rejectTrailing && pos !== len) {
    return invalid("dns", "trailing", pos, `${len - pos} octet(s) after the last record`);
  }
  return {
    id: getU16(bytes, F.id),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >>> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    z: (flags & 0x0040) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: (extendedRcode << 4) | (flags & 0xf),
    questions,
    answers: sections[0]!,
    authorities: sections[1]!,
    additionals: sections[2]!,
    edns,
  };
}

const SECTION_NAMES = ["answer", "authority", "additional"] as const;
/** The fixed fields after a record's owner name (RFC 1035 §4.1.3): names, offsets, sizes. */
const RR_FIELDS = ["type", "class", "ttl", "rdlength"];
const RR_FIELD_AT = [0, 2, 4, 8];
const RR_FIELD_SIZE = [2, 2, 4, 2];

/** EDNS0 options (RFC 6891 §6.1.2): {code, length, data} until the rdata ends, exactly. */
function readOptions(
  b: Uint8Array,
  start: number,
  end: number,
  at: string,
): DnsEdnsOption[] | ParseError {
  const options: DnsEdnsOption[] = [];
  for (let p = start; p < end; ) {
    if (p + 4 > end) {
      return truncated("dns", `${at}.rdata.options[${options.length}]`, p, 4, end - p);
    }
    const size = getU16(b, p + 2);
    if (p + 4 + size > end) {
      return truncated(
        "dns",
        `${at}.rdata.options[${options.length}].data`,
        p + 4,
        size,
        end - p - 4,
      );
    }
    options.push({ code: getU16(b, p), data: b.subarray(p + 4, p + 4 + size) });
    p += 4 + size;
  }
  return options;
}

export interface DnsEmitOptions {
  /** Compress names (RFC 1035 §4.1.4); default true. */
  compress?: boolean;
  /**
   * Largest message to produce, e.g. DNS_UDP_MAX or the peer's EDNS0 payload size. Records that
   * do not fit are left out whole: in the question, answer or authority section that sets TC and
   * ends the message; in the additional section it drops the rest (and the partial RRset) without
   * TC (RFC 2181 §9). Room for the OPT record is always kept (RFC 6891 §7).
   */
  maxSize?: number;
}

/** Scratch for emit: a maximal message plus one maximal record past it, and the suffix map. */
const SCRATCH = new Uint8Array(2 * 65536 + 1024);
const NAMES = new Map<string, number>();

/**
 * Encodes `msg`. Counts and the OPT record are derived; the result is a fresh buffer. Throws
 * RangeError for what cannot be encoded: an invalid name, a field out of range, an RCODE above
 * 15 without EDNS, or (without `maxSize`) a message over 65535 octets.
 */
export function emitDnsMessage(msg: DnsMessage, options: DnsEmitOptions = {}): Uint8Array {
  const limit = Math.min(options.maxSize ?? 0xffff, 0xffff);
  if (!(limit >= DNS_HEADER_LENGTH)) throw new RangeError(`maxSize ${options.maxSize} < 12`);
  checkDnsUint(msg.id, 0xffff, "id");
  checkDnsUint(msg.opcode, 15, "opcode");
  const edns = msg.edns;
  if (!Number.isInteger(msg.rcode) || msg.rcode < 0 || msg.rcode > (edns ? 0xfff : 0xf)) {
    throw new RangeError(`rcode ${msg.rcode} does not fit${edns ? "" : " without EDNS"}`);
  }
  let optSize = 0;
  if (edns !== null) {
    checkDnsUint(edns.udpPayloadSize, 0xffff, "EDNS udpPayloadSize");
    checkDnsUint(edns.version, 0xff, "EDNS version");
    if (!Number.isInteger(edns.z) || edns.z < 0 || edns.z > 0x7fff) {
      throw new RangeError(`EDNS z ${edns.z} does not fit 15 bits`);
    }
    optSize = 11;
    for (const o of edns.options) {
      checkDnsUint(o.code, 0xffff, "EDNS option code");
      optSize += 4 + o.data.length;
    }
    if (optSize - 11 > 0xffff) throw new RangeError(`EDNS options of ${optSize - 11} octets`);
    if (DNS_HEADER_LENGTH + optSize > limit) {
      throw new RangeError(`maxSize ${limit} cannot hold the header and OPT record`);
    }
  }
  NAMES.clear();
  const w = new DnsWriter(SCRATCH, options.compress === false ? null : NAMES);
  w.pos = DNS_HEADER_LENGTH;
  const room = limit - optSize;
  let full = false;

  let qd = 0;
  for (const q of msg.questions) {
    const mark = w.pos;
    w.name(q.name, true, true);
    checkDnsUint(q.type, 0xffff, "question type");
    checkDnsUint(q.class, 0xffff, "question class");
    w.u16(q.type);
    w.u16(q.class);
    if (w.pos > room) {
      w.pos = mark;
      full = true;
      break;
    }
    qd++;
  }
  const an = full ? 0 : writeRecords(w, msg.answers, room, false);
  full ||= an < msg.answers.length;
  const ns = full ? 0 : writeRecords(w, msg.authorities, room, false);
  full ||= ns < msg.authorities.length;
  const ar = full ? 0 : writeRecords(w, msg.additionals, room, true);
  if ((full || ar < msg.additionals.length) && options.maxSize === undefined) {
    throw new RangeError("message exceeds 65535 octets");
  }
  if (edns !== null) {
    w.u8(0); // root owner
    w.u16(DNS_TYPE.OPT);
    w.u16(edns.udpPayloadSize);
    w.u32(((msg.rcode >>> 4) << 24) | (edns.version << 16) | (edns.dnssecOk ? 0x8000 : 0) | edns.z);
    w.u16(optSize - 11);
    for (const o of edns.options) {
      w.u16(o.code);
      w.u16(o.data.length);
      w.bytes(o.data);
    }
  }
  const b = SCRATCH;
  setU16(b, F.id, msg.id);
  setU16(
    b,
    F.flags,
    (msg.qr ? 0x8000 : 0) |
      (msg.opcode << 11) |
      (msg.aa ? 0x0400 : 0) |
      (msg.tc || full ? 0x0200 : 0) |
      (msg.rd ? 0x0100 : 0) |
      (msg.ra ? 0x0080 : 0) |
      (msg.z ? 0x0040 : 0) |
      (msg.ad ? 0x0020 : 0) |
      (msg.cd ? 0x0010 : 0) |
      (msg.rcode & 0xf),
  );
  setU16(b, F.qdcount, qd);
  setU16(b, F.ancount, an);
  setU16(b, F.nscount, ns);
  setU16(b, F.arcount, ar + (edns !== null ? 1 : 0));
  return b.slice(0, w.pos);
}

/**
 * Writes records while they fit in `room` and returns how many did. With `wholeSets` (the
 * additional section), a record that does not fit also takes back the earlier records of its
 * RRset (same name, type and class), so a cache never sees part of a set as the whole.
 */
function writeRecords(
  w: DnsWriter,
  records: DnsRecord[],
  room: number,
  wholeSets: boolean,
): number {
  let setStart = w.pos;
  let setIndex = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const mark = w.pos;
    if (wholeSets && i > 0) {
      const prev = records[i - 1]!;
      const same =
        prev.class === r.class &&
        dnsRecordTypeCode(prev) === dnsRecordTypeCode(r) &&
        dnsNameEquals(prev.name, r.name);
      if (!same) {
        setStart = mark;
        setIndex = i;
      }
    }
    writeRecord(w, r);
    if (w.pos > room) {
      if (!wholeSets) {
        w.pos = mark;
        return i;
      }
      w.pos = setStart;
      return setIndex;
    }
  }
  return records.length;
}

/** One resource record (RFC 1035 §4.1.3), rdlength filled in after the rdata. */
function writeRecord(w: DnsWriter, r: DnsRecord): void {
  w.name(r.name, true, true);
  const type = dnsRecordTypeCode(r);
  checkDnsUint(type, 0xffff, "record type");
  checkDnsUint(r.class, 0xffff, "record class");
  checkDnsUint(r.ttl, 0xffffffff, "record TTL");
  w.u16(type);
  w.u16(r.class);
  w.u32(r.ttl);
  const lengthAt = w.pos;
  w.pos += 2;
  writeDnsRdata(w, r);
  setU16(w.buf, lengthAt, w.pos - lengthAt - 2);
}
