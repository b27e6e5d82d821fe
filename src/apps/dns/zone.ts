/**
 * A zone of authority (RFC 1034 §4.2): its records by owner, the cuts where it delegates to child
 * zones, and the lookup an authoritative server runs (RFC 1034 §4.3.2 steps 3a-3c): answer,
 * alias, referral, no data, or no such name. Wildcards (RFC 4592) are matched at the closest
 * encloser. Data is checked when added, so a server never serves what a zone could not hold.
 */
import { dnsNameNormalize } from "../../wire/dns-name.js";
import {
  DNS_CLASS,
  DNS_TYPE,
  type DnsNsRecord,
  type DnsRecord,
  type DnsSoaRecord,
  dnsRecordTypeCode,
} from "../../wire/dns-rr.js";
import { ancestors, canonicalName, isAtOrBelow, joinLabels, nameLabels } from "./names.js";

/** What a zone holds for a question. */
export type ZoneLookup =
  /** The records of the asked type (every record for ANY), owners set to the question's name. */
  | { kind: "answer"; records: DnsRecord[] }
  /** The name is an alias (RFC 1034 §3.6.2): the CNAME to follow. */
  | { kind: "cname"; record: DnsRecord & { type: "CNAME" } }
  /** The name is at or below a cut: the child's NS records and the addresses the zone holds. */
  | { kind: "referral"; cut: string; ns: DnsNsRecord[]; glue: DnsRecord[] }
  /** The name exists (perhaps as an empty non-terminal) but has no records of that type. */
  | { kind: "nodata" }
  /** The name does not exist in the zone (RFC 1035 §4.3.2 step 3c). */
  | { kind: "nxdomain" }
  /** The name is not at or below the zone's origin. */
  | { kind: "outside" };

/** The records and cuts of one zone. Build with `new Zone(origin)` and `add`, or see zone-builder. */
export class Zone {
  /** The canonical origin, e.g. "example.com.". */
  readonly origin: string;
  /** Records by canonical owner, in the order added. */
  private readonly byOwner = new Map<string, DnsRecord[]>();
  /** Every name that exists: owners and the empty non-terminals above them (RFC 4592 §2.2.2). */
  private readonly existing = new Set<string>();

  constructor(origin: string) {
    this.origin = canonicalName(origin);
  }

  /** The SOA record at the apex (undefined until one is added). */
  get soa(): DnsSoaRecord | undefined {
    return this.byOwner.get(this.origin)?.find((r): r is DnsSoaRecord => r.type === "SOA");
  }

  /** Every record, grouped by owner in the order owners first appeared. */
  get records(): DnsRecord[] {
    return [...this.byOwner.values()].flat();
  }

  /**
   * Adds a record; returns why it cannot be added, or undefined. Refused: an owner outside the
   * zone, a class other than IN, a second SOA or an SOA off the apex, a CNAME beside other data
   * or a second CNAME (RFC 1034 §3.6.2, RFC 2181 §10.1), an OPT. An exact duplicate is ignored
   * (RFC 2181 §5: an RRset holds no duplicates).
   */
  add(record: DnsRecord): string | undefined {
    const owner = canonicalName(record.name);
    if (!isAtOrBelow(owner, this.origin)) {
      return `${record.name} is outside the zone ${this.origin}`;
    }
    if (record.class !== DNS_CLASS.IN) return `class ${record.class} is not IN`;
    const code = dnsRecordTypeCode(record);
    if (code === DNS_TYPE.OPT) return "OPT is not zone data";
    const here = this.byOwner.get(owner) ?? [];
    if (record.type === "SOA") {
      if (owner !== this.origin) return `SOA must be at the apex ${this.origin}`;
      if (here.some((r) => r.type === "SOA")) return "a zone has one SOA record";
    }
    const hasCname = here.some((r) => r.type === "CNAME");
    if (record.type === "CNAME" && here.length > 0 && !here.some((r) => sameRecord(r, record))) {
      return hasCname
        ? `${record.name} already has a CNAME`
        : `a CNAME cannot sit beside other data at ${record.name}`;
    }
    if (hasCname && record.type !== "CNAME") {
      return `${record.name} is an alias (CNAME); it cannot hold other data`;
    }
    if (here.some((r) => sameRecord(r, record))) return undefined;
    here.push(record.name === owner ? record : { ...record, name: dnsNameNormalize(record.name) });
    if (here.length === 1) this.byOwner.set(owner, here);
    for (const a of ancestors(owner)) {
      if (this.existing.has(a) || !isAtOrBelow(a, this.origin)) break;
      this.existing.add(a);
    }
    return undefined;
  }

  /** Checks the zone can be served: an SOA and at least one NS at the apex. */
  check(): string | undefined {
    if (this.soa === undefined) return `zone ${this.origin} has no SOA record at its apex`;
    if (!this.byOwner.get(this.origin)?.some((r) => r.type === "NS")) {
      return `zone ${this.origin} has no NS records at its apex`;
    }
    return undefined;
  }

  /** Records at `name` (canonical or not) of type code `type`, authoritative or glue alike. */
  rrset(name: string, type: number): DnsRecord[] {
    const here = this.byOwner.get(canonicalName(name)) ?? [];
    return here.filter((r) => dnsRecordTypeCode(r) === type);
  }

  /** The lookup of RFC 1034 §4.3.2 for `qname` (any case) and type code `qtype`. */
  lookup(qname: string, qtype: number): ZoneLookup {
    const name = canonicalName(qname);
    if (!isAtOrBelow(name, this.origin)) return { kind: "outside" };
    // Step 3b: walk down from the apex; an NS set below it is a cut, and we refer.
    const labels = nameLabels(name);
    const depth = nameLabels(this.origin).length;
    for (let i = labels.length - depth - 1; i >= 0; i--) {
      const cut = joinLabels(labels.slice(i));
      const ns = this.rrset(cut, DNS_TYPE.NS) as DnsNsRecord[];
      if (ns.length > 0) return { kind: "referral", cut, ns, glue: this.addressesOf(ns) };
    }
    const here = this.byOwner.get(name);
    if (here !== undefined) return this.fromNode(here, qname, qtype);
    if (this.existing.has(name)) return { kind: "nodata" };
    // RFC 4592 §3.3.1: the wildcard "*" child of the closest encloser stands in for the name.
    for (const a of ancestors(name).slice(1)) {
      if (!this.existing.has(a)) continue;
      const star = this.byOwner.get(a === "." ? "*." : `*.${a}`);
      return star === undefined ? { kind: "nxdomain" } : this.fromNode(star, qname, qtype);
    }
    return { kind: "nxdomain" };
  }

  /** Step 3a: the records at an existing node, with owners rewritten to `qname` for wildcards. */
  private fromNode(here: DnsRecord[], qname: string, qtype: number): ZoneLookup {
    const own = (r: DnsRecord): DnsRecord => (r.name === qname ? r : { ...r, name: qname });
    const cname = here.find((r) => r.type === "CNAME");
    if (cname !== undefined && qtype !== DNS_TYPE.CNAME && qtype !== DNS_TYPE.ANY) {
      return { kind: "cname", record: own(cname) as DnsRecord & { type: "CNAME" } };
    }
    const records =
      qtype === DNS_TYPE.ANY ? here : here.filter((r) => dnsRecordTypeCode(r) === qtype);
    return records.length > 0 ? { kind: "answer", records: records.map(own) } : { kind: "nodata" };
  }

  /** The A and AAAA records this zone holds for the targets of `ns` (glue and in-zone data). */
  addressesOf(ns: readonly { rdata: string }[]): DnsRecord[] {
    const out: DnsRecord[] = [];
    for (const r of ns) {
      const target = canonicalName(r.rdata);
      if (!isAtOrBelow(target, this.origin)) continue;
      out.push(...this.rrset(target, DNS_TYPE.A), ...this.rrset(target, DNS_TYPE.AAAA));
    }
    return out;
  }
}

/** Same owner, type, class and rdata (TTL aside): RFC 2181 §5 duplicates. */
function sameRecord(a: DnsRecord, b: DnsRecord): boolean {
  if (a.type !== b.type || dnsRecordTypeCode(a) !== dnsRecordTypeCode(b)) return false;
  if (canonicalName(a.name) !== canonicalName(b.name)) return false;
  return rdataKey(a) === rdataKey(b);
}

/** A comparable text for a record's rdata (names compared case-insensitively). */
export function rdataKey(r: DnsRecord): string {
  switch (r.type) {
    case "A":
      return String(r.rdata);
    case "AAAA":
      return r.rdata.toString();
    case "NS":
    case "CNAME":
    case "PTR":
      return canonicalName(r.rdata);
    case "SOA": {
      const s = r.rdata;
      const names = `${canonicalName(s.mname)} ${canonicalName(s.rname)}`;
      return `${names} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
    }
    case "MX":
      return `${r.rdata.preference} ${canonicalName(r.rdata.exchange)}`;
    case "SRV":
      return `${r.rdata.priority} ${r.rdata.weight} ${r.rdata.port} ${canonicalName(r.rdata.target)}`;
    case "TXT":
      return r.rdata.map((s) => Array.from(s).join(",")).join("|");
    case "UNKNOWN":
      return Array.from(r.rdata).join(",");
  }
}
