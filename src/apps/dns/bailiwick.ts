/**
 * What a resolver may believe of a response from a server of zone Z (RFC 2181 §5.4.1, RFC 5452
 * §6, the "bailiwick" rule): only records whose owner is at or below Z, and of those only the
 * ones that bear on the question: the CNAME chain from the asked name, the SOA of a negative
 * answer, a referral to a zone below Z with its glue. Everything else is dropped, never cached.
 */
import type { DnsMessage } from "../../wire/dns.js";
import {
  DNS_TYPE,
  type DnsNsRecord,
  type DnsRecord,
  type DnsSoaRecord,
  dnsRecordTypeCode,
} from "../../wire/dns-rr.js";
import { canonicalName, isAtOrBelow } from "./names.js";

/** The usable part of a response. */
export interface SanitizedResponse {
  /** CNAMEs from the asked name, in chain order (each owner the previous one's target). */
  chain: DnsRecord[];
  /** Records of the asked type at the end of the chain. */
  final: DnsRecord[];
  /** The name the chain ends at (canonical): the asked name when there is no CNAME. */
  lastName: string;
  /** The SOA of a negative answer: in bailiwick, and an ancestor of `lastName`. */
  soa: DnsSoaRecord | undefined;
  /** A referral: NS records of one zone strictly below the server's, above `lastName`. */
  referral: DnsNsRecord[];
  /** In-bailiwick A and AAAA records for the referral's name servers. */
  glue: DnsRecord[];
  /** Records dropped for lying outside the server's zone (RFC 5452 §6). */
  outOfBailiwick: DnsRecord[];
}

/** Longest CNAME chain read out of one answer section. */
const MAX_CHAIN = 16;

/**
 * Sorts out a response from a server of `zone` (canonical) to the question (`qname`, `qtype`).
 */
export function sanitizeResponse(
  msg: DnsMessage,
  qname: string,
  qtype: number,
  zone: string,
): SanitizedResponse {
  const inZone = (r: DnsRecord) => isAtOrBelow(canonicalName(r.name), zone);
  const outOfBailiwick: DnsRecord[] = [];
  for (const r of [...msg.answers, ...msg.authorities, ...msg.additionals]) {
    if (!inZone(r)) outOfBailiwick.push(r);
  }
  const owned = (name: string) =>
    msg.answers.filter((r) => inZone(r) && canonicalName(r.name) === name);

  // The answer section: follow the chain from the question name (RFC 1034 §5.3.3 step 4).
  const chain: DnsRecord[] = [];
  let final: DnsRecord[] = [];
  let name = canonicalName(qname);
  const seen = new Set([name]);
  for (let hop = 0; hop < MAX_CHAIN; hop++) {
    const here = owned(name);
    final = here.filter((r) =>
      qtype === DNS_TYPE.ANY ? r.type !== "CNAME" : dnsRecordTypeCode(r) === qtype,
    );
    if (final.length > 0 || qtype === DNS_TYPE.CNAME) break;
    const cname = here.find((r) => r.type === "CNAME");
    if (cname === undefined || cname.type !== "CNAME") break;
    chain.push(cname);
    name = canonicalName(cname.rdata);
    if (seen.has(name)) break; // a loop: the resolver notices when it follows the chain
    seen.add(name);
  }

  const soa = msg.authorities.find(
    (r): r is DnsSoaRecord =>
      r.type === "SOA" && inZone(r) && isAtOrBelow(name, canonicalName(r.name)),
  );

  // A referral names one child zone below ours that holds the name (RFC 1034 §4.3.2 step 3b).
  let referral: DnsNsRecord[] = [];
  if (final.length === 0) {
    const ns = msg.authorities.filter((r): r is DnsNsRecord => r.type === "NS" && inZone(r));
    const cut = ns
      .map((r) => canonicalName(r.name))
      .find((o) => o !== zone && isAtOrBelow(name, o));
    if (cut !== undefined) referral = ns.filter((r) => canonicalName(r.name) === cut);
  }
  const targets = new Set(referral.map((r) => canonicalName(r.rdata)));
  const glue = msg.additionals.filter(
    (r) => (r.type === "A" || r.type === "AAAA") && inZone(r) && targets.has(canonicalName(r.name)),
  );
  return { chain, final, lastName: name, soa, referral, glue, outOfBailiwick };
}

/** Groups records into RRsets (same owner and type), in order of first appearance. */
export function rrsets(records: readonly DnsRecord[]): DnsRecord[][] {
  const sets = new Map<string, DnsRecord[]>();
  for (const r of records) {
    const key = `${canonicalName(r.name)}|${dnsRecordTypeCode(r)}`;
    const set = sets.get(key);
    if (set === undefined) sets.set(key, [r]);
    else set.push(r);
  }
  return [...sets.values()];
}
