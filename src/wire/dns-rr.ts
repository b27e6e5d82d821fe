/**
 * DNS resource records (RFC 1035 §3.2, §4.1.3) as a union discriminated by `type`, with typed
 * rdata for A, NS, CNAME, SOA, PTR, MX, TXT (RFC 1035 §3.3-3.4), AAAA (RFC 3596) and SRV
 * (RFC 2782); every other type keeps its rdata as opaque bytes (RFC 3597). EDNS0's OPT is not a
 * record here but `DnsMessage.edns` (see dns.ts).
 */
import { type Ipv4, Ipv6Address } from "./address.js";
import { getU16, getU32 } from "./bytes.js";
import type { DnsNameReader, DnsWriter } from "./dns-name.js";
import { ParseError } from "./parse-error.js";

/** Type codes (IANA "Resource Record (RR) TYPEs") of the types with typed rdata, and a few more. */
export const DNS_TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;

/** Class codes (RFC 1035 §3.2.4-3.2.5, RFC 2136 for NONE). */
export const DNS_CLASS = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

/** Owner, class and TTL, common to every record. */
export interface DnsRecordBase {
  /** Owner name as text, e.g. "www.example.com." (see dns-name.ts for the form). */
  name: string;
  /** Class, usually DNS_CLASS.IN; kept whole (mDNS puts a flag in its top bit). */
  class: number;
  /** Seconds, as carried (RFC 2181 §8 says to read values above 2^31-1 as 0; callers do). */
  ttl: number;
}

/** An IPv4 address (RFC 1035 §3.4.1). */
export interface DnsARecord extends DnsRecordBase {
  type: "A";
  rdata: Ipv4;
}
/** An IPv6 address (RFC 3596 §2.2). */
export interface DnsAaaaRecord extends DnsRecordBase {
  type: "AAAA";
  rdata: Ipv6Address;
}
/** An authoritative name server for the owner's zone (RFC 1035 §3.3.11). */
export interface DnsNsRecord extends DnsRecordBase {
  type: "NS";
  rdata: string;
}
/** The canonical name the owner is an alias for (RFC 1035 §3.3.1). */
export interface DnsCnameRecord extends DnsRecordBase {
  type: "CNAME";
  rdata: string;
}
/** A pointer to another name, as in reverse lookups (RFC 1035 §3.3.12). */
export interface DnsPtrRecord extends DnsRecordBase {
  type: "PTR";
  rdata: string;
}
/** Start of a zone of authority (RFC 1035 §3.3.13); `minimum` is the negative TTL (RFC 2308). */
export interface DnsSoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}
export interface DnsSoaRecord extends DnsRecordBase {
  type: "SOA";
  rdata: DnsSoaData;
}
/** A mail exchange, lower preference first (RFC 1035 §3.3.9). */
export interface DnsMxData {
  preference: number;
  exchange: string;
}
export interface DnsMxRecord extends DnsRecordBase {
  type: "MX";
  rdata: DnsMxData;
}
/**
 * Text (RFC 1035 §3.3.14): a list of character-strings, each 0-255 octets. They are bytes, not
 * JS strings, because the protocol gives them no encoding (SPF is ASCII, others carry binary);
 * `dnsTxt` and `dnsTxtStrings` convert from and to UTF-8. Parsed strings view the message buffer.
 */
export interface DnsTxtRecord extends DnsRecordBase {
  type: "TXT";
  rdata: Uint8Array[];
}
/** A service location (RFC 2782). The target is never compressed on emit. */
export interface DnsSrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}
export interface DnsSrvRecord extends DnsRecordBase {
  type: "SRV";
  rdata: DnsSrvData;
}
/**
 * Any other type, its rdata kept as bytes (RFC 3597 §5; a view into the parsed buffer). Emit
 * writes it verbatim whatever `typeCode` says, so a test can craft malformed known types.
 */
export interface DnsUnknownRecord extends DnsRecordBase {
  type: "UNKNOWN";
  typeCode: number;
  rdata: Uint8Array;
}

/** A resource record; narrow on `type`. */
export type DnsRecord =
  | DnsARecord
  | DnsAaaaRecord
  | DnsNsRecord
  | DnsCnameRecord
  | DnsPtrRecord
  | DnsSoaRecord
  | DnsMxRecord
  | DnsTxtRecord
  | DnsSrvRecord
  | DnsUnknownRecord;

/** The numeric type code of a record. */
export function dnsRecordTypeCode(r: DnsRecord): number {
  return r.type === "UNKNOWN" ? r.typeCode : DNS_TYPE[r.type];
}

/** TXT character-strings from JS strings, UTF-8 encoded (throws if one exceeds 255 octets). */
export function dnsTxt(...strings: string[]): Uint8Array[] {
  const enc = new TextEncoder();
  return strings.map((s) => {
    const b = enc.encode(s);
    if (b.length > 255) throw new RangeError(`TXT string of ${b.length} octets exceeds 255`);
    return b;
  });
}

/** TXT character-strings decoded as UTF-8 (invalid sequences become U+FFFD). */
export function dnsTxtStrings(rdata: readonly Uint8Array[]): string[] {
  const dec = new TextDecoder();
  return rdata.map((b) => dec.decode(b));
}

/** Where a record sits, for error fields like "answer[2]". */
const at = (section: string, index: number) => `${section}[${index}]`;

/**
 * Reads the rdata bytes[start..end) of a record of type code `type` and returns the record.
 * Names in any rdata may be compressed (RFC 3597 §4 lets parsers accept it everywhere).
 */
export function readDnsRecord(
  reader: DnsNameReader,
  section: string,
  index: number,
  name: string,
  type: number,
  cls: number,
  ttl: number,
  start: number,
  end: number,
): DnsRecord | ParseError {
  const b = reader.bytes;
  const size = end - start;
  switch (type) {
    case DNS_TYPE.A:
      if (size !== 4)
        return badLength(section, index, start, `A rdata is 4 octets, rdlength is ${size}`);
      return { name, type: "A", class: cls, ttl, rdata: getU32(b, start) };
    case DNS_TYPE.AAAA:
      if (size !== 16) {
        return badLength(section, index, start, `AAAA rdata is 16 octets, rdlength is ${size}`);
      }
      return { name, type: "AAAA", class: cls, ttl, rdata: Ipv6Address.fromBytes(b, start) };
    case DNS_TYPE.NS:
    case DNS_TYPE.CNAME:
    case DNS_TYPE.PTR: {
      const target = reader.read(start, end);
      if (target === null) return dnsNameParseError(reader, `${at(section, index)}.rdata`);
      if (reader.next !== end) return leftover(section, index, start, end - reader.next);
      const t = type === DNS_TYPE.NS ? "NS" : type === DNS_TYPE.CNAME ? "CNAME" : "PTR";
      return { name, type: t, class: cls, ttl, rdata: target };
    }
    case DNS_TYPE.SOA: {
      const mname = reader.read(start, end);
      if (mname === null) return dnsNameParseError(reader, `${at(section, index)}.rdata.mname`);
      const rname = reader.read(reader.next, end);
      if (rname === null) return dnsNameParseError(reader, `${at(section, index)}.rdata.rname`);
      const p = reader.next;
      if (p + 20 > end) {
        const field = SOA_FIELDS[Math.floor((end - p) / 4)]!;
        return short(section, index, `rdata.${field}`, p + 4 * Math.floor((end - p) / 4), end);
      }
      if (p + 20 !== end) return leftover(section, index, start, end - p - 20);
      const rdata: DnsSoaData = {
        mname,
        rname,
        serial: getU32(b, p),
        refresh: getU32(b, p + 4),
        retry: getU32(b, p + 8),
        expire: getU32(b, p + 12),
        minimum: getU32(b, p + 16),
      };
      return { name, type: "SOA", class: cls, ttl, rdata };
    }
    case DNS_TYPE.MX: {
      if (size < 2) return short(section, index, "rdata.preference", start, end);
      const exchange = reader.read(start + 2, end);
      if (exchange === null)
        return dnsNameParseError(reader, `${at(section, index)}.rdata.exchange`);
      if (reader.next !== end) return leftover(section, index, start, end - reader.next);
      const rdata: DnsMxData = { preference: getU16(b, start), exchange };
      return { name, type: "MX", class: cls, ttl, rdata };
    }
    case DNS_TYPE.TXT: {
      const strings: Uint8Array[] = [];
      for (let p = start; p < end; ) {
        const len = b[p]!;
        if (p + 1 + len > end) return short(section, index, `rdata[${strings.length}]`, p, end);
        strings.push(b.subarray(p + 1, p + 1 + len));
        p += 1 + len;
      }
      return { name, type: "TXT", class: cls, ttl, rdata: strings };
    }
    case DNS_TYPE.SRV: {
      if (size < 6) return short(section, index, SRV_FIELDS[size >> 1]!, start + (size & ~1), end);
      // RFC 2782 forbids compressing the target; accepting it anyway costs nothing.
      const target = reader.read(start + 6, end);
      if (target === null) return dnsNameParseError(reader, `${at(section, index)}.rdata.target`);
      if (reader.next !== end) return leftover(section, index, start, end - reader.next);
      const rdata: DnsSrvData = {
        priority: getU16(b, start),
        weight: getU16(b, start + 2),
        port: getU16(b, start + 4),
        target,
      };
      return { name, type: "SRV", class: cls, ttl, rdata };
    }
    default:
      return {
        name,
        type: "UNKNOWN",
        class: cls,
        ttl,
        typeCode: type,
        rdata: b.subarray(start, end),
      };
  }
}

const SOA_FIELDS = ["serial", "refresh", "retry", "expire", "minimum"];
const SOA_WHAT = SOA_FIELDS.map((k) => `SOA ${k}`);
const SRV_FIELDS = ["rdata.priority", "rdata.weight", "rdata.port"];

function badLength(section: string, index: number, rdataStart: number, detail: string): ParseError {
  return new ParseError("dns", `${at(section, index)}.rdlength`, rdataStart - 2, "invalid", detail);
}

function leftover(section: string, index: number, rdataStart: number, extra: number): ParseError {
  return badLength(section, index, rdataStart, `${extra} octet(s) left over after the rdata`);
}

function short(
  section: string,
  index: number,
  field: string,
  offset: number,
  end: number,
): ParseError {
  return new ParseError(
    "dns",
    `${at(section, index)}.${field}`,
    offset,
    "truncated",
    `the rdata ends at byte ${end}`,
  );
}

/** A ParseError from a failed name read, for `field`. */
export function dnsNameParseError(reader: DnsNameReader, field: string): ParseError {
  return new ParseError("dns", field, reader.errorOffset, reader.errorReason, reader.errorDetail);
}

/** Throws RangeError unless `v` is an integer in 0..max. */
export function checkDnsUint(v: number, max: number, what: string): void {
  if (!(v >= 0 && v <= max && Math.floor(v) === v)) {
    throw new RangeError(`${what} must be an integer in 0..${max}, got ${v}`);
  }
}

/**
 * Writes the rdata of `r` (not its length). Names in NS, CNAME, PTR, SOA and MX are compressed
 * when the writer compresses (RFC 3597 §4 allows it for these types only); SRV's is not.
 * Throws RangeError for values that do not fit their fields.
 */
export function writeDnsRdata(w: DnsWriter, r: DnsRecord): void {
  switch (r.type) {
    case "A":
      checkDnsUint(r.rdata, 0xffffffff, "A address");
      w.u32(r.rdata);
      return;
    case "AAAA":
      r.rdata.write(w.buf, w.pos);
      w.pos += 16;
      return;
    case "NS":
    case "CNAME":
    case "PTR":
      w.name(r.rdata, true, true);
      return;
    case "SOA": {
      const s = r.rdata;
      w.name(s.mname, true, true);
      w.name(s.rname, true, true);
      for (let i = 0; i < 5; i++) {
        const v = s[SOA_FIELDS[i] as keyof DnsSoaData] as number;
        checkDnsUint(v, 0xffffffff, SOA_WHAT[i]!);
        w.u32(v);
      }
      return;
    }
    case "MX":
      checkDnsUint(r.rdata.preference, 0xffff, "MX preference");
      w.u16(r.rdata.preference);
      w.name(r.rdata.exchange, true, true);
      return;
    case "TXT": {
      let total = 0;
      for (const s of r.rdata) {
        if (s.length > 255) throw new RangeError(`TXT string of ${s.length} octets exceeds 255`);
        total += 1 + s.length;
      }
      if (total > 0xffff) throw new RangeError(`TXT rdata of ${total} octets exceeds 65535`);
      for (const s of r.rdata) {
        w.u8(s.length);
        w.bytes(s);
      }
      return;
    }
    case "SRV": {
      const s = r.rdata;
      checkDnsUint(s.priority, 0xffff, "SRV priority");
      checkDnsUint(s.weight, 0xffff, "SRV weight");
      checkDnsUint(s.port, 0xffff, "SRV port");
      w.u16(s.priority);
      w.u16(s.weight);
      w.u16(s.port);
      w.name(s.target, false, false); // RFC 2782: "name compression is not to be used"
      return;
    }
    case "UNKNOWN":
      if (r.rdata.length > 0xffff) {
        throw new RangeError(`rdata of ${r.rdata.length} octets exceeds 65535`);
      }
      w.bytes(r.rdata);
      return;
  }
}
