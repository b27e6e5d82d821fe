/**
 * One iterative resolution (RFC 1034 §5.3.3, RFC 1035 §7): look in the cache, find the closest
 * zone cut whose servers we can reach, ask them (no RD) with retries and exponential backoff,
 * then take the answer, follow a CNAME, descend a referral, or record a negative answer
 * (RFC 2308). Name servers known only by name are resolved by a nested resolution first.
 */
import type { Nanos } from "../../sim/time.js";
import type { Endpoint } from "../../transport/udp.js";
import { formatIpv4 } from "../../wire/address.js";
import type { DnsMessage } from "../../wire/dns.js";
import { dnsRcodeName, dnsTypeName } from "../../wire/dns-format.js";
import { DNS_RCODE } from "../../wire/dns-header.js";
import { DNS_TYPE, type DnsRecord, type DnsSoaRecord } from "../../wire/dns-rr.js";
import { rrsets, sanitizeResponse } from "./bailiwick.js";
import type { DnsCache } from "./cache.js";
import { DNS_TRUST } from "./cache.js";
import type { DnsExchangeResult } from "./exchange.js";
import { ancestors, canonicalName, isAtOrBelow } from "./names.js";
import type { DnsPending } from "./transport.js";

/** The outcome of a resolution: what a resolver puts in its response. */
export interface ResolveResult {
  /** NOERROR (answer or NODATA), NXDOMAIN or SERVFAIL. */
  rcode: number;
  /** The CNAME chain from the asked name, then the records of the asked type. */
  answers: DnsRecord[];
  /** The SOA of a negative answer. */
  authorities: DnsRecord[];
  /** Why it failed (SERVFAIL). */
  reason?: string;
  /** The Extended DNS Error code for the failure (RFC 8914 §4), sent to EDNS clients. */
  ede?: number;
  /** Queries sent upstream for it (0: answered from the cache). */
  queries: number;
}

/** The limits and timers of resolution. */
export interface IterationLimits {
  /** First wait for a server; doubled each round over a zone's servers. */
  timeout: Nanos;
  maxTimeout: Nanos;
  /** Rounds over a zone's servers before giving up on the zone. */
  rounds: number;
  /** Upstream queries for one client question, nested resolutions included. */
  maxQueries: number;
  /** CNAMEs followed. */
  maxCnameChain: number;
  /** Nesting of name-server address resolutions. */
  maxDepth: number;
  /** Referrals followed. */
  maxReferrals: number;
}

/** What a resolution needs from its resolver. */
export interface ResolverContext {
  readonly cache: DnsCache;
  readonly limits: IterationLimits;
  now(): Nanos;
  /** Root server names and addresses (RFC 8109 hints). */
  rootServers(): { name: string; addresses: string[] }[];
  /** Asks one server (RD clear); `done` runs on a later event. */
  ask(
    server: Endpoint,
    name: string,
    type: number,
    timeout: Nanos,
    done: (r: DnsExchangeResult) => void,
  ): DnsPending;
  /** Whether a server recently failed to answer (it goes to the back of the line). */
  isSuspect(address: string): boolean;
  markSuspect(address: string): void;
  /** Counts records dropped by the bailiwick check. */
  rejected(count: number): void;
}

/** Extended DNS Error codes used here (RFC 8914 §4). */
const EDE = { OTHER: 0, NO_REACHABLE_AUTHORITY: 22, NETWORK_ERROR: 23 } as const;

/** Shared by a resolution and its nested ones. */
interface Budget {
  queries: number;
}

/** Servers chosen for a zone, or a name server whose address we must find first. */
type Plan = { zone: string; servers: Endpoint[] } | { zone: string; need: string } | undefined;

export class Resolution {
  private qname: string;
  private readonly chain: DnsRecord[] = [];
  private readonly seen = new Set<string>();
  private readonly failedNs = new Set<string>();
  /** Addresses found by nested resolutions (also cached, unless their TTL was 0). */
  private readonly found = new Map<string, string[]>();
  private referrals = 0;
  private pending: DnsPending | undefined;
  private over = false;
  private lastProblem = "";

  constructor(
    private readonly ctx: ResolverContext,
    qname: string,
    private readonly qtype: number,
    private readonly finish: (r: ResolveResult) => void,
    private readonly depth = 0,
    private readonly budget: Budget = { queries: 0 },
    /** Name servers whose addresses resolutions up the stack are looking for. */
    private readonly busy: ReadonlySet<string> = new Set(),
  ) {
    this.qname = qname;
    this.seen.add(canonicalName(qname));
  }

  start(): void {
    this.step();
  }

  /** Stops without calling back. */
  cancel(): void {
    this.over = true;
    this.pending?.cancel();
  }

  /** From the cache if possible, else from the closest servers we know. */
  private step(): void {
    if (this.over) return;
    const { cache } = this.ctx;
    const key = canonicalName(this.qname);
    const hit = cache.get(key, this.qtype, DNS_TRUST.ANSWER);
    if (hit !== undefined) return this.succeed(hit);
    const negative = cache.getNegative(key, this.qtype);
    if (negative !== undefined) return this.negative(negative.kind, negative.soa);
    if (this.qtype !== DNS_TYPE.CNAME && this.qtype !== DNS_TYPE.ANY) {
      const alias = cache.get(key, DNS_TYPE.CNAME, DNS_TRUST.ANSWER);
      if (alias?.[0]?.type === "CNAME") {
        if (!this.follow([alias[0]])) return;
        return this.step();
      }
    }
    const plan = this.plan(key);
    if (plan === undefined) return this.fail(`no name servers known for ${key}`);
    if ("need" in plan) return this.findAddress(plan.need);
    this.query(plan.zone, plan.servers, 0);
  }

  /** The closest enclosing zone whose servers have addresses (RFC 1034 §5.3.3 step 2). */
  private plan(name: string): Plan {
    const { cache } = this.ctx;
    for (const cut of ancestors(name)) {
      const ns = cache.get(cut, DNS_TYPE.NS);
      // At the root the hints stand in for what the cache lacks (RFC 8109 §2).
      const hints = cut === "." ? this.ctx.rootServers() : undefined;
      const names =
        ns?.flatMap((r) => (r.type === "NS" ? [r.rdata] : [])) ?? hints?.map((h) => h.name) ?? [];
      if (names.length === 0) continue;
      const v4: Endpoint[] = [];
      const v6: Endpoint[] = [];
      const unresolved: string[] = [];
      for (const n of names) {
        const target = canonicalName(n);
        const addresses = [
          ...(cache.get(target, DNS_TYPE.A) ?? []),
          ...(cache.get(target, DNS_TYPE.AAAA) ?? []),
        ].map(addressText);
        addresses.push(...(this.found.get(target) ?? []));
        addresses.push(...(hints?.find((h) => canonicalName(h.name) === target)?.addresses ?? []));
        for (const a of addresses) {
          const list = a.includes(":") ? v6 : v4;
          if (!list.some((e) => e.address === a)) list.push({ address: a, port: 53 });
        }
        // A server named inside its own zone without glue can only be found through that zone.
        if (addresses.length === 0 && !isAtOrBelow(target, cut) && !this.failedNs.has(target)) {
          if (!this.busy.has(target)) unresolved.push(target);
        }
      }
      const servers = [...v4, ...v6];
      if (servers.length === 0 && hints !== undefined) {
        for (const h of hints) for (const a of h.addresses) servers.push({ address: a, port: 53 });
      }
      if (servers.length > 0) {
        // Servers that timed out lately go last (a simple stand-in for BIND's SRTT ordering).
        const good = servers.filter((s) => !this.ctx.isSuspect(s.address));
        return { zone: cut, servers: [...good, ...servers.filter((s) => !good.includes(s))] };
      }
      if (unresolved.length > 0) return { zone: cut, need: unresolved[0]! };
    }
    return undefined;
  }

  /** Resolves a name server's IPv4 address, then tries again (RFC 1034 §5.3.3 step 2). */
  private findAddress(ns: string): void {
    if (this.depth >= this.ctx.limits.maxDepth) {
      this.failedNs.add(ns);
      return this.step();
    }
    const busy = new Set(this.busy).add(ns);
    const child = new Resolution(
      this.ctx,
      ns,
      DNS_TYPE.A,
      (r) => {
        this.pending = undefined;
        const addresses = r.answers.filter((a) => a.type === "A").map(addressText);
        if (addresses.length === 0) this.failedNs.add(ns);
        else this.found.set(ns, addresses);
        this.step();
      },
      this.depth + 1,
      this.budget,
      busy,
    );
    this.pending = { cancel: () => child.cancel() };
    child.start();
  }

  /** Attempt `attempt` at the zone's servers: round-robin, the wait doubling each round. */
  private query(zone: string, servers: Endpoint[], attempt: number): void {
    const { limits } = this.ctx;
    if (attempt >= servers.length * limits.rounds) {
      const why = this.lastProblem ? ` (${this.lastProblem})` : "";
      return this.fail(`no server of ${zone} answered${why}`, EDE.NO_REACHABLE_AUTHORITY);
    }
    if (this.budget.queries >= limits.maxQueries) {
      return this.fail(`gave up after ${limits.maxQueries} queries`);
    }
    this.budget.queries++;
    const server = servers[attempt % servers.length]!;
    const round = Math.floor(attempt / servers.length);
    const timeout = Math.min(limits.maxTimeout, limits.timeout * 2 ** round);
    const next = (problem: string) => {
      this.lastProblem = problem;
      this.query(zone, servers, attempt + 1);
    };
    this.pending = this.ctx.ask(server, this.qname, this.qtype, timeout, (r) => {
      this.pending = undefined;
      if (this.over) return;
      switch (r.kind) {
        case "timeout":
          this.ctx.markSuspect(server.address);
          return next(`${server.address} timed out`);
        case "error":
          this.ctx.markSuspect(server.address);
          return next(`${server.address}: ${r.error.code}`);
        case "tcp-unavailable":
          // Every server of the zone would truncate the same data: no point going round.
          return this.fail(
            `answer from ${server.address} truncated; ${r.reason}`,
            EDE.NETWORK_ERROR,
          );
        case "answer": {
          const problem = this.take(zone, server, r.message);
          if (problem !== undefined) next(problem);
        }
      }
    });
  }

  /** Acts on a response; returns a problem to move to the next server, or undefined. */
  private take(zone: string, server: Endpoint, msg: DnsMessage): string | undefined {
    if (msg.rcode !== DNS_RCODE.NOERROR && msg.rcode !== DNS_RCODE.NXDOMAIN) {
      return `${server.address} answered ${dnsRcodeName(msg.rcode)}`;
    }
    const s = sanitizeResponse(msg, this.qname, this.qtype, zone);
    this.ctx.rejected(s.outOfBailiwick.length);
    const { cache } = this.ctx;
    const trust = msg.aa ? DNS_TRUST.AUTHORITATIVE : DNS_TRUST.ANSWER;
    for (const set of rrsets([...s.chain, ...s.final])) cache.put(set, trust);
    if (s.chain.length > 0 && !this.follow(s.chain)) return undefined;
    if (s.final.length > 0) {
      this.succeed(s.final);
      return undefined;
    }
    const negative = msg.aa || s.soa !== undefined;
    if (msg.rcode === DNS_RCODE.NXDOMAIN && negative) {
      if (s.soa) cache.putNegative("nxdomain", s.lastName, this.qtype, s.soa);
      this.negative("nxdomain", s.soa);
      return undefined;
    }
    if (s.referral.length > 0 && s.chain.length === 0) {
      if (++this.referrals > this.ctx.limits.maxReferrals) {
        this.fail(`more than ${this.ctx.limits.maxReferrals} referrals`);
        return undefined;
      }
      cache.put(s.referral, DNS_TRUST.AUTHORITY);
      for (const set of rrsets(s.glue)) cache.put(set, DNS_TRUST.ADDITIONAL);
      this.step();
      return undefined;
    }
    if (s.chain.length > 0) {
      // The alias leads out of what this server knows: start again from the target.
      this.step();
      return undefined;
    }
    if (negative && msg.rcode === DNS_RCODE.NOERROR) {
      if (s.soa) cache.putNegative("nodata", s.lastName, this.qtype, s.soa);
      this.negative("nodata", s.soa);
      return undefined;
    }
    // Neither answer, nor referral down, nor authoritative: a lame server (RFC 1034 §5.3.3 4d).
    return `${server.address} is lame for ${zone}`;
  }

  /** Appends CNAMEs and moves to the last target; false (after failing) on a loop or long chain. */
  private follow(cnames: DnsRecord[]): boolean {
    for (const c of cnames) {
      if (c.type !== "CNAME") continue;
      const target = canonicalName(c.rdata);
      if (this.seen.has(target)) {
        this.fail(`CNAME loop at ${c.rdata}`);
        return false;
      }
      if (this.chain.length >= this.ctx.limits.maxCnameChain) {
        this.fail(`CNAME chain longer than ${this.ctx.limits.maxCnameChain}`);
        return false;
      }
      this.seen.add(target);
      this.chain.push(c);
      this.qname = c.rdata;
    }
    return true;
  }

  private succeed(records: DnsRecord[]): void {
    this.done({ rcode: DNS_RCODE.NOERROR, answers: [...this.chain, ...records], authorities: [] });
  }

  private negative(kind: "nxdomain" | "nodata", soa: DnsSoaRecord | undefined): void {
    this.done({
      rcode: kind === "nxdomain" ? DNS_RCODE.NXDOMAIN : DNS_RCODE.NOERROR,
      answers: [...this.chain],
      authorities: soa === undefined ? [] : [soa],
    });
  }

  private fail(reason: string, ede: number = EDE.OTHER): void {
    const what = `${this.qname} ${dnsTypeName(this.qtype)}`;
    this.done({
      rcode: DNS_RCODE.SERVFAIL,
      answers: [],
      authorities: [],
      reason: `${what}: ${reason}`,
      ede,
    });
  }

  private done(r: Omit<ResolveResult, "queries">): void {
    if (this.over) return;
    this.over = true;
    this.finish({ ...r, queries: this.budget.queries });
  }
}

/** An address record's address as text. */
function addressText(r: DnsRecord): string {
  if (r.type === "A") return formatIpv4(r.rdata);
  return r.type === "AAAA" ? r.rdata.toString() : "";
}
