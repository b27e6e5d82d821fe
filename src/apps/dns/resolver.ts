/**
 * A recursive resolver: an in-process API (`resolve`) and a server on port 53 for clients that
 * set RD. It walks from the root hints down (iterate.ts), remembers in a TTL cache what it
 * learns, coalesces identical questions in flight, and answers SERVFAIL when it cannot resolve.
 * Upstream queries go through replaceable transports: UDP, then TCP for truncated answers.
 */
import type { Node } from "../../net/node.js";
import { type Nanos, NS_PER_MS, NS_PER_S } from "../../sim/time.js";
import type { TransportError } from "../../transport/errors.js";
import type { DnsMessage } from "../../wire/dns.js";
import { DNS_RCODE } from "../../wire/dns-header.js";
import { DNS_CLASS, DNS_TYPE } from "../../wire/dns-rr.js";
import { DNS_TRUST, DnsCache, type DnsCacheOptions } from "./cache.js";
import { exchange } from "./exchange.js";
import {
  type IterationLimits,
  Resolution,
  type ResolveResult,
  type ResolverContext,
} from "./iterate.js";
import { canonicalName } from "./names.js";
import { DnsRequest } from "./request.js";
import {
  DNS_EDNS_SIZE,
  type DnsAnswer,
  type DnsResponder,
  DnsServer,
  type DnsServerOptions,
} from "./server.js";
import { type DnsTransports, dnsTransports } from "./transport.js";
import { dnsTypeCode } from "./types.js";

export type { ResolveResult } from "./iterate.js";

/** A root server: its name and addresses (the contents of a root hints file). */
export interface RootHint {
  name: string;
  addresses: string[];
}

export interface ResolverOptions extends Partial<IterationLimits> {
  /** Where the walk starts (RFC 8109). */
  rootHints: RootHint[];
  /** EDNS0 payload size advertised upstream (default 1232). */
  ednsSize?: number;
  cache?: DnsCacheOptions;
  /** Replace the UDP transport or the TCP hook (default: the node's, see transport.ts). */
  transports?: Partial<DnsTransports>;
  /** How long a server that timed out stays at the back of the line (default 60 s). */
  suspectFor?: Nanos;
}

/** Counters for tests and reports. */
export interface ResolverStats {
  /** Questions asked of the resolver (API and clients). */
  requests: number;
  /** Questions joined to an identical one already in flight. */
  coalesced: number;
  /** Queries sent upstream. */
  queries: number;
  timeouts: number;
  /** Truncated answers the TCP hook could not retry. */
  tcpUnavailable: number;
  /** Records dropped by the bailiwick check. */
  outOfBailiwick: number;
  servfail: number;
}

/** Defaults close to BIND and Unbound, scaled to a small simulated internet. */
const DEFAULT_LIMITS: IterationLimits = {
  timeout: 800 * NS_PER_MS,
  maxTimeout: 5 * NS_PER_S,
  rounds: 3,
  maxQueries: 64,
  maxCnameChain: 8,
  maxDepth: 4,
  maxReferrals: 16,
};

export class RecursiveResolver implements ResolverContext, DnsResponder {
  readonly cache: DnsCache;
  readonly limits: IterationLimits;
  readonly transports: DnsTransports;
  readonly stats: ResolverStats = {
    requests: 0,
    coalesced: 0,
    queries: 0,
    timeouts: 0,
    tcpUnavailable: 0,
    outOfBailiwick: 0,
    servfail: 0,
  };
  private readonly hints: RootHint[];
  private readonly ednsSize: number;
  private readonly suspectFor: Nanos;
  private readonly suspects = new Map<string, Nanos>();
  private readonly inFlight = new Map<string, DnsRequest<ResolveResult>>();
  private server: DnsServer | undefined;

  constructor(
    readonly node: Node,
    options: ResolverOptions,
  ) {
    if (options.rootHints.length === 0) throw new RangeError("a resolver needs root hints");
    this.hints = options.rootHints;
    this.cache = new DnsCache(node.clock, options.cache);
    const limits = { ...DEFAULT_LIMITS };
    for (const k of Object.keys(DEFAULT_LIMITS) as (keyof IterationLimits)[]) {
      limits[k] = options[k] ?? DEFAULT_LIMITS[k];
    }
    this.limits = limits;
    this.transports = { ...dnsTransports(node), ...options.transports };
    this.ednsSize = options.ednsSize ?? DNS_EDNS_SIZE;
    this.suspectFor = options.suspectFor ?? 60 * NS_PER_S;
    // A crash empties memory: the cache and what is in flight die with the process.
    node.onUpDown((up) => {
      if (!up) {
        this.cache.clear();
        this.suspects.clear();
      }
    });
  }

  /**
   * Resolves `name` (absolute or not; it is taken as absolute) for `type` (a code or a name
   * such as "AAAA"). The result arrives through the returned request (and `callback`) on a
   * later simulator event, even when the cache has it.
   */
  resolve(
    name: string,
    type: number | string,
    callback?: (r: ResolveResult) => void,
  ): DnsRequest<ResolveResult> {
    this.stats.requests++;
    const code = dnsTypeCode(type);
    const request = new DnsRequest<ResolveResult>();
    if (callback) request.onDone(callback);
    const key = `${canonicalName(name)}|${code}`;
    const running = this.inFlight.get(key);
    if (running !== undefined) {
      this.stats.coalesced++;
      running.onDone((r) => request.settle(r));
      return request;
    }
    this.inFlight.set(key, request);
    const resolution = new Resolution(this, name, code, (r) => {
      if (r.rcode === DNS_RCODE.SERVFAIL) this.stats.servfail++;
      // Settle on an event of its own, so a cache hit is as asynchronous as a walk.
      this.node.sim.after(0, () => {
        this.inFlight.delete(key);
        request.settle(r);
      });
    });
    resolution.start();
    return request;
  }

  /** Listens for clients (UDP port 53 by default); see DnsServer. */
  listen(options?: DnsServerOptions): DnsServer | TransportError {
    const server = DnsServer.listen(this.node, this, options);
    if (!(server instanceof DnsServer)) return server;
    this.server = server;
    return server;
  }

  /** The listening server, if `listen` succeeded. */
  get dnsServer(): DnsServer | undefined {
    return this.server;
  }

  // ---- DnsResponder: answering clients ----

  respond(query: DnsMessage, _client: unknown, reply: (a: DnsAnswer) => void): void {
    const q = query.questions[0]!;
    const refuse = (rcode: number): void =>
      reply({ rcode, ra: true, answers: [], authorities: [], additionals: [] });
    if (q.class !== DNS_CLASS.IN) return refuse(DNS_RCODE.REFUSED);
    if (q.type === DNS_TYPE.AXFR || q.type === DNS_TYPE.IXFR) return refuse(DNS_RCODE.NOTIMP);
    if (!query.rd) {
      // RD clear: answer from the cache only, as a resolver does for "dig +norecurse".
      const hit = this.cache.get(q.name, q.type, DNS_TRUST.ANSWER);
      if (hit === undefined) return refuse(DNS_RCODE.REFUSED);
      return reply({
        rcode: DNS_RCODE.NOERROR,
        ra: true,
        answers: hit,
        authorities: [],
        additionals: [],
      });
    }
    this.resolve(q.name, q.type, (r) =>
      reply({
        rcode: r.rcode,
        ra: true,
        answers: r.answers,
        authorities: r.authorities,
        additionals: [],
        ...(r.reason !== undefined ? { extendedError: { code: r.ede ?? 0, text: r.reason } } : {}),
      }),
    );
  }

  // ---- ResolverContext: what resolutions use ----

  now(): Nanos {
    // The resolver's own clock: TTLs, suspicion and timeouts all age on it.
    return this.node.clock.monotonic();
  }

  rootServers(): RootHint[] {
    return this.hints;
  }

  ask(
    server: { address: string; port: number },
    name: string,
    type: number,
    timeout: Nanos,
    done: Parameters<ResolverContext["ask"]>[4],
  ) {
    this.stats.queries++;
    return exchange(
      this.node,
      this.transports,
      server,
      { name, type },
      { rd: false, edns: this.ednsSize, timeout },
      (r) => {
        if (r.kind === "timeout") this.stats.timeouts++;
        if (r.kind === "tcp-unavailable") this.stats.tcpUnavailable++;
        done(r);
      },
    );
  }

  isSuspect(address: string): boolean {
    const until = this.suspects.get(address);
    return until !== undefined && until > this.node.clock.monotonic();
  }

  markSuspect(address: string): void {
    this.suspects.set(address, this.node.clock.monotonic() + this.suspectFor);
  }

  rejected(count: number): void {
    this.stats.outOfBailiwick += count;
  }
}

/** Starts a recursive resolver on `node` listening on port 53, or the bind error. */
export function startResolver(
  node: Node,
  options: ResolverOptions & { listen?: DnsServerOptions },
): RecursiveResolver | TransportError {
  const resolver = new RecursiveResolver(node, options);
  const server = resolver.listen(options.listen);
  return server instanceof DnsServer ? resolver : server;
}
