/**
 * DNS in a packet trace. The line follows tcpdump -n (print-domain.c, tcpdump 4.99): a query is
 * "id[op][+ if RD] [counts] TYPE? name. (len)", a response "id[op][ rcode][* if AA][- unless
 * RA][| if TC][$ if AD] an/ns/ar answers (len)". Counts come from the header as carried (so the
 * OPT record counts in ar), and only the answer section is printed, as without -v.
 */
import { formatIpv4 } from "../wire/address.js";
import { getU16 } from "../wire/bytes.js";
import { type DnsMessage, parseDnsMessage } from "../wire/dns.js";
import { dnsTypeName } from "../wire/dns-format.js";
import type { DnsRecord } from "../wire/dns-rr.js";
import { ParseError } from "../wire/parse-error.js";
import { type AppProtocol, registerAppProtocol } from "./summary-registry.js";
import { clip } from "./text-clip.js";

/** DNS over UDP and TCP (RFC 1035 §4.2). */
const DNS_PORT = 53;

/** tcpdump's ns_ops: text after the id for each opcode. */
const OPS = [
  "",
  " inv_q",
  " stat",
  " op3",
  " notify",
  " update",
  " op6",
  " op7",
  " op8",
  " updateA",
  " updateD",
  " updateDA",
  " updateM",
  " updateMA",
  " zoneInit",
  " zoneRef",
];
/** tcpdump's ns_resp: text for each RCODE (the header's four bits). */
const RCODES = [
  "",
  " FormErr",
  " ServFail",
  " NXDomain",
  " NotImp",
  " Refused",
  " YXDomain",
  " YXRRSet",
  " NXRRSet",
  " NotAuth",
  " NotZone",
  " Resp11",
  " Resp12",
  " Resp13",
  " Resp14",
  " NoChange",
];

/** tcpdump names a type it does not know "Type<n>" (dig says "TYPE<n>"). */
function typeName(code: number): string {
  const n = dnsTypeName(code);
  return n.startsWith("TYPE") ? `Type${code}` : n;
}

/** One answer as tcpdump prints it without -v: type and data, not the owner or TTL. */
function answer(r: DnsRecord): string {
  switch (r.type) {
    case "A":
      return `A ${formatIpv4(r.rdata)}`;
    case "AAAA":
      return `AAAA ${r.rdata.toString()}`;
    case "NS":
    case "CNAME":
    case "PTR":
      return `${r.type} ${r.rdata}`;
    case "MX":
      return `MX ${r.rdata.exchange} ${r.rdata.preference}`;
    case "SRV":
      return `SRV ${r.rdata.target}:${r.rdata.port} ${r.rdata.priority} ${r.rdata.weight}`;
    case "TXT":
      return `TXT${r.rdata.map((s) => ` "${String.fromCharCode(...s)}"`).join("")}`;
    case "UNKNOWN":
      return typeName(r.typeCode);
    default:
      // SOA: tcpdump prints its fields only with -v.
      return r.type;
  }
}

/**
 * The message, when the payload is exactly one: bytes after the last record are refused, as no
 * DNS sender pads a datagram, so other traffic on port 53 (or zeros) is not taken for DNS.
 */
function parse(payload: Uint8Array): DnsMessage | undefined {
  const m = parseDnsMessage(payload, { rejectTrailing: true });
  return m instanceof ParseError ? undefined : m;
}

/** The tcpdump -n text of a DNS message, or undefined when the bytes are not one. */
export function dnsSummary(payload: Uint8Array): string | undefined {
  const m = parse(payload);
  if (m === undefined) return undefined;
  const flags = getU16(payload, 2);
  const qd = getU16(payload, 4);
  const an = getU16(payload, 6);
  const ns = getU16(payload, 8);
  const ar = getU16(payload, 10);
  const op = OPS[m.opcode & 15]!;
  let s: string;
  if (m.qr) {
    s = `${m.id}${op}${RCODES[flags & 15]!}${m.aa ? "*" : ""}${m.ra ? "" : "-"}${m.tc ? "|" : ""}${m.ad ? "$" : ""}`;
    if (qd !== 1) s += ` [${qd}q]`;
    s += ` ${an}/${ns}/${ar}`;
    if (m.answers.length > 0) s += ` ${m.answers.map(answer).join(", ")}`;
  } else {
    s = `${m.id}${op}${m.rd ? "+" : ""}${m.cd ? "%" : ""}`;
    // tcpdump flags header bits a query should not carry (AA, TC, RA, Z, RCODE).
    if ((flags & 0x6cf) !== 0) s += ` [b2&3=0x${flags.toString(16)}]`;
    if (an !== 0) s += ` [${an}a]`;
    if (qd !== 1) s += ` [${qd}q]`;
    if (ns !== 0) s += ` [${ns}n]`;
    if (ar !== 0) s += ` [${ar}au]`;
    for (const q of m.questions) {
      const cls = q.class === 1 ? "" : ` (Class ${q.class})`;
      s += ` ${typeName(q.type)}${cls}? ${q.name}`;
    }
  }
  return `${s} (${payload.length})`;
}

/** Names without the root's dot, clipped for an arrow. */
const short = (name: string) => clip(name === "." ? "." : name.replace(/\.$/, ""));

/** An arrow label: "DNS A? www.example.com", "DNS A 10.3.0.80", "DNS NXDomain www.example.com". */
export function dnsLabel(payload: Uint8Array): string | undefined {
  const m = parse(payload);
  if (m === undefined) return undefined;
  const q = m.questions[0];
  if (!m.qr) return q === undefined ? "DNS query" : `DNS ${typeName(q.type)}? ${short(q.name)}`;
  const rcode = RCODES[m.rcode & 15]!.trim();
  if (rcode !== "") return `DNS ${rcode}${q === undefined ? "" : ` ${short(q.name)}`}`;
  const first = m.answers[0];
  if (first !== undefined) {
    const more = m.answers.length > 1 ? ` +${m.answers.length - 1}` : "";
    const text =
      first.type === "NS" || first.type === "CNAME" || first.type === "PTR"
        ? `${first.type} ${short(first.rdata)}`
        : clip(answer(first));
    return `DNS ${text}${more}`;
  }
  const ns = m.authorities.find((r) => r.type === "NS");
  if (ns !== undefined && ns.type === "NS") return `DNS referral ${short(ns.rdata)}`;
  return `DNS no answer${q === undefined ? "" : ` ${short(q.name)}`}`;
}

const dns: AppProtocol = {
  name: "dns",
  summary: (p) => dnsSummary(p),
  label: (p) => dnsLabel(p),
};
registerAppProtocol("udp", [DNS_PORT], dns);

/**
 * The message in a TCP segment that holds exactly one, after its two-byte length (RFC 1035
 * §4.2.2); a segment holding part of one, or several, is left to the plain TCP line.
 */
function framed(payload: Uint8Array): Uint8Array | undefined {
  if (payload.length < 2 || getU16(payload, 0) !== payload.length - 2) return undefined;
  return payload.subarray(2);
}

// tcpdump prints DNS over TCP after a space, not a colon: "length 35 35416+ A? ... (33)".
registerAppProtocol("tcp", [DNS_PORT], {
  name: "dns-tcp",
  summary: (p) => {
    const m = framed(p);
    const text = m === undefined ? undefined : dnsSummary(m);
    return text === undefined ? undefined : ` ${text}`;
  },
  label: (p) => {
    const m = framed(p);
    return m === undefined ? undefined : dnsLabel(m);
  },
});
