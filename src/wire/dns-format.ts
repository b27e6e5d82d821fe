/**
 * DNS messages as text, shaped like dig's output (BIND 9.18): the header lines, the OPT
 * pseudosection, and each section with BIND's tab stops (owner, then TTL at column 24, class at
 * 32, type at 40, rdata at 48). Checked line for line against dig 9.18 in dns-format.test.ts.
 */
import { formatIpv4, Ipv6Address } from "./address.js";
import type { DnsEdns, DnsMessage, DnsQuestion } from "./dns.js";
import { type DnsRecord, dnsRecordTypeCode } from "./dns-rr.js";

const TYPE_NAMES: Record<number, string> = {
  1: "A",
  2: "NS",
  3: "MD",
  4: "MF",
  5: "CNAME",
  6: "SOA",
  7: "MB",
  8: "MG",
  9: "MR",
  10: "NULL",
  11: "WKS",
  12: "PTR",
  13: "HINFO",
  14: "MINFO",
  15: "MX",
  16: "TXT",
  17: "RP",
  18: "AFSDB",
  24: "SIG",
  25: "KEY",
  28: "AAAA",
  29: "LOC",
  33: "SRV",
  35: "NAPTR",
  36: "KX",
  37: "CERT",
  39: "DNAME",
  41: "OPT",
  42: "APL",
  43: "DS",
  44: "SSHFP",
  45: "IPSECKEY",
  46: "RRSIG",
  47: "NSEC",
  48: "DNSKEY",
  49: "DHCID",
  50: "NSEC3",
  51: "NSEC3PARAM",
  52: "TLSA",
  53: "SMIMEA",
  55: "HIP",
  59: "CDS",
  60: "CDNSKEY",
  61: "OPENPGPKEY",
  62: "CSYNC",
  63: "ZONEMD",
  64: "SVCB",
  65: "HTTPS",
  99: "SPF",
  249: "TKEY",
  250: "TSIG",
  251: "IXFR",
  252: "AXFR",
  253: "MAILB",
  254: "MAILA",
  255: "ANY",
  256: "URI",
  257: "CAA",
};

/** A type's mnemonic, or "TYPE<n>" (RFC 3597 §5). */
export function dnsTypeName(code: number): string {
  return TYPE_NAMES[code] ?? `TYPE${code}`;
}

/** A class's mnemonic as BIND prints it, or "CLASS<n>" (RFC 3597 §5). */
export function dnsClassName(code: number): string {
  switch (code) {
    case 0:
      return "RESERVED0";
    case 1:
      return "IN";
    case 3:
      return "CH";
    case 4:
      return "HS";
    case 254:
      return "NONE";
    case 255:
      return "ANY";
    default:
      return `CLASS${code}`;
  }
}

const RCODE_NAMES = [
  "NOERROR",
  "FORMERR",
  "SERVFAIL",
  "NXDOMAIN",
  "NOTIMP",
  "REFUSED",
  "YXDOMAIN",
  "YXRRSET",
  "NXRRSET",
  "NOTAUTH",
  "NOTZONE",
  "RESERVED11",
  "RESERVED12",
  "RESERVED13",
  "RESERVED14",
  "RESERVED15",
  "BADVERS",
  "BADKEY",
  "BADTIME",
  "BADMODE",
  "BADNAME",
  "BADALG",
  "BADTRUNC",
  "BADCOOKIE",
];

/** An RCODE's name as dig prints it ("?<n>" past the named ones). */
export function dnsRcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `?${rcode}`;
}

const OPCODE_NAMES = ["QUERY", "IQUERY", "STATUS", "RESERVED3", "NOTIFY", "UPDATE"];

/** An opcode's name as dig prints it. */
export function dnsOpcodeName(opcode: number): string {
  return OPCODE_NAMES[opcode] ?? `RESERVED${opcode}`;
}

/** Builds a line with BIND's `indent`: tabs of 8 to a target column, at least one blank. */
class Line {
  text = "";
  column = 0;
  add(s: string): this {
    this.text += s;
    this.column += s.length;
    return this;
  }
  to(target: number): this {
    const to = Math.max(target, this.column + 1);
    const tabs = Math.floor(to / 8) - Math.floor(this.column / 8);
    let from = this.column;
    if (tabs > 0) {
      this.text += "\t".repeat(tabs);
      from = Math.floor(to / 8) * 8;
    }
    this.text += " ".repeat(to - from);
    this.column = to;
    return this;
  }
}

/** A question line: ";" then name, class and type (the ";" does not count for the tab stops). */
export function formatDnsQuestion(q: DnsQuestion): string {
  const line = new Line().add(q.name).to(32).add(dnsClassName(q.class)).to(40);
  return `;${line.add(dnsTypeName(q.type)).text}`;
}

/** A record on one line, as dig prints it in a section. */
export function formatDnsRecord(r: DnsRecord): string {
  const type = dnsTypeName(dnsRecordTypeCode(r));
  return new Line()
    .add(r.name)
    .to(24)
    .add(String(r.ttl))
    .to(32)
    .add(dnsClassName(r.class))
    .to(40)
    .add(type)
    .to(48)
    .add(formatDnsRdata(r)).text;
}

/** The rdata in presentation form (RFC 1035 §5.1; RFC 3597 §5 `\#` form for unknown types). */
export function formatDnsRdata(r: DnsRecord): string {
  switch (r.type) {
    case "A":
      return formatIpv4(r.rdata);
    case "AAAA":
      return formatAaaa(r.rdata);
    case "NS":
    case "CNAME":
    case "PTR":
      return r.rdata;
    case "SOA": {
      const s = r.rdata;
      return `${s.mname} ${s.rname} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
    }
    case "MX":
      return `${r.rdata.preference} ${r.rdata.exchange}`;
    case "TXT":
      return r.rdata.map(quoteCharacterString).join(" ");
    case "SRV": {
      const s = r.rdata;
      return `${s.priority} ${s.weight} ${s.port} ${s.target}`;
    }
    case "UNKNOWN": {
      if (r.rdata.length === 0) return "\\# 0";
      // dig splits long hex into words of 56 characters (its +split default).
      const hex = hexOf(r.rdata).toUpperCase();
      const words: string[] = [];
      for (let i = 0; i < hex.length; i += 56) words.push(hex.slice(i, i + 56));
      return `\\# ${r.rdata.length} ${words.join(" ")}`;
    }
  }
}

/** BIND's inet_ntop: RFC 5952 text, plus "::a.b.c.d" for the old IPv4-compatible form. */
function formatAaaa(a: Ipv6Address): string {
  if (a.w0 === 0 && a.w1 === 0 && a.w2 === 0 && a.w3 >>> 16 !== 0) return `::${formatIpv4(a.w3)}`;
  return a.toString();
}

/** A character-string in quotes: `"` and `\` escaped, octets outside 0x20-0x7e as \DDD. */
function quoteCharacterString(b: Uint8Array): string {
  let s = '"';
  for (const c of b) {
    if (c < 0x20 || c >= 0x7f) s += `\\${String(c).padStart(3, "0")}`;
    else if (c === 0x22 || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
    else s += String.fromCharCode(c);
  }
  return `${s}"`;
}

function hexOf(b: Uint8Array, sep = ""): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(sep);
}

/** Hex octets then their printable characters, as dig shows NSID and unknown options. */
function hexAndText(b: Uint8Array): string {
  if (b.length === 0) return "";
  const text = Array.from(b, (c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ".")).join(
    "",
  );
  return ` ${hexOf(b, " ")} ("${text}")`;
}

const EDE_NAMES = [
  "Other",
  "Unsupported DNSKEY Algorithm",
  "Unsupported DS Digest Type",
  "Stale Answer",
  "Forged Answer",
  "DNSSEC Indeterminate",
  "DNSSEC Bogus",
  "Signature Expired",
  "Signature Not Yet Valid",
  "DNSKEY Missing",
  "RRSIGs Missing",
  "No Zone Key Bit Set",
  "NSEC Missing",
  "Cached Error",
  "Not Ready",
  "Blocked",
  "Censored",
  "Filtered",
  "Prohibited",
  "Stale NXDOMAIN Answer",
  "Not Authoritative",
  "Not Supported",
  "No Reachable Authority",
  "Network Error",
  "Invalid Data",
];

/** One EDNS0 option line. NSID, COOKIE, CLIENT-SUBNET, PAD and EDE by name; others as OPT=n. */
function formatOption(code: number, data: Uint8Array): string {
  switch (code) {
    case 3:
      return `; NSID:${hexAndText(data)}`;
    case 10:
      return `; COOKIE: ${hexOf(data)}`;
    case 8: {
      const subnet = formatClientSubnet(data);
      if (subnet !== null) return `; CLIENT-SUBNET: ${subnet}`;
      break;
    }
    case 12:
      return `; PAD: (${data.length} bytes)`;
    case 15: {
      if (data.length < 2) break;
      const info = (data[0]! << 8) | data[1]!;
      const name = EDE_NAMES[info];
      const text = new TextDecoder().decode(data.subarray(2));
      return `; EDE: ${info}${name ? ` (${name})` : ""}${data.length > 2 ? `: (${text})` : ""}`;
    }
  }
  return `; OPT=${code}:${hexAndText(data)}`;
}

/** RFC 7871 §6: family, source and scope prefix lengths, address truncated to the prefix. */
function formatClientSubnet(d: Uint8Array): string | null {
  if (d.length < 4) return null;
  const family = (d[0]! << 8) | d[1]!;
  const source = d[2]!;
  const size = family === 1 ? 4 : family === 2 ? 16 : 0;
  if (size === 0 || d.length - 4 > size) return null;
  const full = new Uint8Array(size);
  full.set(d.subarray(4));
  const addr =
    family === 1
      ? formatIpv4(((full[0]! << 24) | (full[1]! << 16) | (full[2]! << 8) | full[3]!) >>> 0)
      : formatAaaa(Ipv6Address.fromBytes(full));
  return `${addr}/${source}/${d[3]!}`;
}

function formatEdns(e: DnsEdns): string[] {
  const flags = e.dnssecOk ? " do" : "";
  const mbz = e.z !== 0 ? `; MBZ: 0x${e.z.toString(16).padStart(4, "0")}, udp: ` : "; udp: ";
  const lines = [`; EDNS: version: ${e.version}, flags:${flags}${mbz}${e.udpPayloadSize}`];
  for (const o of e.options) lines.push(formatOption(o.code, o.data));
  return lines;
}

/**
 * The message as dig prints it, from the ";; ->>HEADER<<-" line to the blank line after the last
 * section; the OPT record appears as the OPT PSEUDOSECTION and counts in ADDITIONAL.
 */
export function formatDnsMessage(msg: DnsMessage): string {
  const out: string[] = [];
  out.push(
    `;; ->>HEADER<<- opcode: ${dnsOpcodeName(msg.opcode)}, status: ${dnsRcodeName(msg.rcode)}, id: ${msg.id}`,
  );
  let flags = "";
  if (msg.qr) flags += " qr";
  if (msg.aa) flags += " aa";
  if (msg.tc) flags += " tc";
  if (msg.rd) flags += " rd";
  if (msg.ra) flags += " ra";
  if (msg.ad) flags += " ad";
  if (msg.cd) flags += " cd";
  const mbz = msg.z ? "; MBZ: 0x4" : "";
  const additional = msg.additionals.length + (msg.edns !== null ? 1 : 0);
  out.push(
    `;; flags:${flags}${mbz}; QUERY: ${msg.questions.length}, ANSWER: ${msg.answers.length}, ` +
      `AUTHORITY: ${msg.authorities.length}, ADDITIONAL: ${additional}`,
  );
  if (msg.qr && msg.rd && !msg.ra) out.push(";; WARNING: recursion requested but not available");
  out.push("");
  if (msg.edns !== null) out.push(";; OPT PSEUDOSECTION:", ...formatEdns(msg.edns));
  if (msg.questions.length > 0) {
    out.push(";; QUESTION SECTION:", ...msg.questions.map(formatDnsQuestion), "");
  }
  const sections: [string, DnsRecord[]][] = [
    ["ANSWER", msg.answers],
    ["AUTHORITY", msg.authorities],
    ["ADDITIONAL", msg.additionals],
  ];
  for (const [title, records] of sections) {
    if (records.length > 0) out.push(`;; ${title} SECTION:`, ...records.map(formatDnsRecord), "");
  }
  return `${out.join("\n")}\n`;
}
