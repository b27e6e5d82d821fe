/**
 * An authoritative name server: answers from the zones it holds (RFC 1034 §4.3.2), with AA on
 * its own data, CNAME chains followed inside the zone, referrals (NS in authority, glue in
 * additional, no AA) at cuts, negative answers carrying the SOA (RFC 2308 §3), and REFUSED for
 * names outside every zone. It never recurses: RA stays clear.
 */
import type { Node } from "../../net/node.js";
import type { TransportError } from "../../transport/errors.js";
import type { DnsQuestion } from "../../wire/dns.js";
import { DNS_RCODE } from "../../wire/dns-header.js";
import { DNS_CLASS, DNS_TYPE, type DnsRecord, type DnsSoaRecord } from "../../wire/dns-rr.js";
import { canonicalName, isAtOrBelow, nameLabels } from "./names.js";
import { type DnsAnswer, type DnsResponder, DnsServer, type DnsServerOptions } from "./server.js";
import type { Zone } from "./zone.js";

/** Longest CNAME chain followed inside one zone before answering with what we have. */
const MAX_CHAIN = 16;

/** The zone among `zones` that is closest to `name` (deepest origin at or above it). */
export function closestZone(zones: readonly Zone[], name: string): Zone | undefined {
  let best: Zone | undefined;
  let depth = -1;
  for (const z of zones) {
    if (!isAtOrBelow(name, z.origin)) continue;
    const d = nameLabels(z.origin).length;
    if (d > depth) {
      best = z;
      depth = d;
    }
  }
  return best;
}

/** The SOA for a negative answer, its TTL lowered to the SOA minimum (RFC 2308 §3). */
export function negativeSoa(soa: DnsSoaRecord): DnsSoaRecord {
  return { ...soa, ttl: Math.min(soa.ttl, soa.rdata.minimum) };
}

/** Additional-section addresses for the names an answer points at (RFC 1035 §3.3.9, §3.3.11). */
function additionalFor(zone: Zone, records: readonly DnsRecord[]): DnsRecord[] {
  const targets: { rdata: string }[] = [];
  for (const r of records) {
    if (r.type === "NS") targets.push({ rdata: r.rdata });
    else if (r.type === "MX") targets.push({ rdata: r.rdata.exchange });
    else if (r.type === "SRV") targets.push({ rdata: r.rdata.target });
  }
  return zone.addressesOf(targets);
}

/** The answer the zones give to one question (the server adds header, question and OPT). */
export function answerFromZones(zones: readonly Zone[], q: DnsQuestion): DnsAnswer {
  const empty = (rcode: number): DnsAnswer => ({
    rcode,
    answers: [],
    authorities: [],
    additionals: [],
  });
  if (q.class !== DNS_CLASS.IN && q.class !== DNS_CLASS.ANY) return empty(DNS_RCODE.REFUSED);
  if (q.type === DNS_TYPE.AXFR || q.type === DNS_TYPE.IXFR) return empty(DNS_RCODE.NOTIMP);
  const zone = closestZone(zones, canonicalName(q.name));
  // Not ours: REFUSED, as BIND and NSD answer for zones they do not serve.
  if (zone === undefined) return empty(DNS_RCODE.REFUSED);
  const answers: DnsRecord[] = [];
  const seen = new Set<string>();
  let name = q.name;
  for (let step = 0; step < MAX_CHAIN; step++) {
    seen.add(canonicalName(name));
    const found = zone.lookup(name, q.type);
    switch (found.kind) {
      case "answer":
        answers.push(...found.records);
        return {
          rcode: DNS_RCODE.NOERROR,
          aa: true,
          answers,
          authorities: [],
          additionals: additionalFor(zone, found.records),
        };
      case "cname": {
        answers.push(found.record);
        name = found.record.rdata;
        // RFC 1034 §4.3.2 step 3a: go on with the target while it is in this zone.
        if (seen.has(canonicalName(name)))
          return { ...empty(DNS_RCODE.NOERROR), aa: true, answers };
        continue;
      }
      case "referral":
        // RFC 1034 §4.3.2 step 3b. After a CNAME the answer is ours; the resolver follows it.
        if (answers.length > 0) return { ...empty(DNS_RCODE.NOERROR), aa: true, answers };
        return {
          rcode: DNS_RCODE.NOERROR,
          answers: [],
          authorities: found.ns,
          additionals: found.glue,
        };
      case "nodata":
      case "nxdomain": {
        const soa = zone.soa;
        return {
          // RFC 2308 §2.1 and RFC 6604: after a CNAME the RCODE is about the last name.
          rcode: found.kind === "nxdomain" ? DNS_RCODE.NXDOMAIN : DNS_RCODE.NOERROR,
          aa: true,
          answers,
          authorities: soa === undefined ? [] : [negativeSoa(soa)],
          additionals: [],
        };
      }
      case "outside":
        // The chain left the zone: answer with the aliases; the resolver goes on from there.
        return { ...empty(DNS_RCODE.NOERROR), aa: true, answers };
    }
  }
  return { ...empty(DNS_RCODE.NOERROR), aa: true, answers };
}

/** A responder over a list of zones (add or remove zones at any time). */
export class AuthoritativeResponder implements DnsResponder {
  constructor(readonly zones: Zone[] = []) {}

  respond(
    query: { questions: DnsQuestion[] },
    _client: unknown,
    reply: (a: DnsAnswer) => void,
  ): void {
    reply(answerFromZones(this.zones, query.questions[0]!));
  }
}

/** Serves `zones` on `node` (UDP port 53 unless told otherwise). */
export function serveZones(
  node: Node,
  zones: Zone[],
  options?: DnsServerOptions,
): DnsServer | TransportError {
  return DnsServer.listen(node, new AuthoritativeResponder(zones), options);
}
