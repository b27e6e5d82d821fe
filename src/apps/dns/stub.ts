/**
 * The stub resolver every application uses, the seeds' gethostbyname: `lookup` (addresses, like
 * Node's dns.lookup and getaddrinfo, with /etc/hosts and the search list) and `resolve` (records
 * of one type, like dns.resolve). It asks the node's configured resolvers with RD set and keeps
 * no cache. Results come back through a DnsRequest and callbacks on later events (request.ts).
 */
import type { Node } from "../../net/node.js";
import type { Endpoint } from "../../transport/udp.js";
import { formatIpv4, parseIpv4Address, parseIpv6Address } from "../../wire/address.js";
import type { DnsMessage } from "../../wire/dns.js";
import { DNS_RCODE } from "../../wire/dns-header.js";
import { DNS_TYPE, type DnsRecord } from "../../wire/dns-rr.js";
import { ParseError } from "../../wire/parse-error.js";
import { sanitizeResponse } from "./bailiwick.js";
import { exchange } from "./exchange.js";
import { canonicalName, tryCanonicalName } from "./names.js";
import { DnsRequest } from "./request.js";
import { MAX_NAMESERVERS, type ResolvConf, resolvConf } from "./resolv-conf.js";
import { DNS_EDNS_SIZE, DNS_PORT } from "./server.js";
import { type DnsTransports, dnsTransports } from "./transport.js";
import { type DnsTypeInput, dnsTypeCode } from "./types.js";

/** Error codes as Node's dns module names them. */
export type DnsErrorCode =
  /** The name does not exist (NXDOMAIN), or (lookup) has no address. */
  | "ENOTFOUND"
  /** The name exists but has no records of the type (resolve). */
  | "ENODATA"
  | "ESERVFAIL"
  | "EREFUSED"
  | "ENOTIMP"
  | "EFORMERR"
  /** No resolver answered in time. */
  | "ETIMEOUT"
  /** The resolver's port was unreachable, or no resolver is configured. */
  | "ECONNREFUSED"
  /** An answer we could not use (truncated with no TCP to retry over). */
  | "EBADRESP"
  | "EBADNAME";

/** A failed lookup, as a value: the code, the name asked and a Node-style message. */
export class DnsError {
  readonly kind = "dns-error" as const;
  constructor(
    readonly code: DnsErrorCode,
    readonly hostname: string,
    /** "getaddrinfo" for lookup, "queryA" and so on for resolve, as Node says. */
    readonly syscall: string,
    readonly detail = "",
  ) {}
  get message(): string {
    return `${this.syscall} ${this.code} ${this.hostname}${this.detail ? ` (${this.detail})` : ""}`;
  }
  toString(): string {
    return this.message;
  }
}

export interface LookupAddress {
  address: string;
  family: 4 | 6;
}

export type LookupResult =
  | {
      ok: true /** The name that answered, after the search list. */;
      name: string;
      addresses: LookupAddress[];
    }
  | { ok: false; error: DnsError };

export type ResolveRecordsResult =
  | { ok: true; records: DnsRecord[] /** The resolver's response. */; message: DnsMessage }
  | { ok: false; error: DnsError };

export interface LookupOptions {
  /** 4: IPv4 only; 6: IPv6 only; 0 (default): both, IPv4 first. */
  family?: 0 | 4 | 6;
}

/** The stub's transports (the node's by default; tests swap the TCP hook). */
export interface StubOptions {
  transports?: Partial<DnsTransports>;
}

/** What one question to the configured resolvers came to. */
type Outcome =
  | { kind: "records"; records: DnsRecord[]; message: DnsMessage }
  | { kind: "nxdomain" }
  | { kind: "nodata"; message: DnsMessage }
  | { kind: "error"; code: DnsErrorCode; detail: string };

const RCODE_ERRORS: Record<number, DnsErrorCode> = {
  [DNS_RCODE.SERVFAIL]: "ESERVFAIL",
  [DNS_RCODE.REFUSED]: "EREFUSED",
  [DNS_RCODE.NOTIMP]: "ENOTIMP",
  [DNS_RCODE.FORMERR]: "EFORMERR",
};

/**
 * Asks the node's resolvers about (`name`, `type`): each in turn, `attempts` rounds, the wait
 * doubling each round (glibc's res_send pattern). Errors move on to the next server.
 */
function ask(
  node: Node,
  conf: ResolvConf,
  name: string,
  type: number,
  t: DnsTransports,
  done: (o: Outcome) => void,
): void {
  const servers: Endpoint[] = conf.nameservers
    .slice(0, MAX_NAMESERVERS)
    .map((address) => ({ address, port: DNS_PORT }));
  if (servers.length === 0) {
    node.sim.after(0, () =>
      done({ kind: "error", code: "ECONNREFUSED", detail: "no nameserver configured" }),
    );
    return;
  }
  let last: Outcome = { kind: "error", code: "ETIMEOUT", detail: "" };
  const attempt = (k: number): void => {
    if (k >= servers.length * Math.max(1, conf.attempts)) return done(last);
    const server = servers[k % servers.length]!;
    const timeout = conf.timeout * 2 ** Math.floor(k / servers.length);
    const options = { rd: true, edns: DNS_EDNS_SIZE, timeout };
    exchange(node, t, server, { name, type }, options, (r) => {
      if (r.kind === "timeout") {
        last = { kind: "error", code: "ETIMEOUT", detail: `${server.address} timed out` };
        return attempt(k + 1);
      }
      if (r.kind === "error") {
        const code = r.error.code === "ECONNREFUSED" ? "ECONNREFUSED" : "ETIMEOUT";
        last = { kind: "error", code, detail: `${server.address}: ${r.error.code}` };
        return attempt(k + 1);
      }
      if (r.kind === "tcp-unavailable") {
        return done({ kind: "error", code: "EBADRESP", detail: `truncated answer; ${r.reason}` });
      }
      const m = r.message;
      if (m.rcode === DNS_RCODE.NXDOMAIN) return done({ kind: "nxdomain" });
      if (m.rcode !== DNS_RCODE.NOERROR) {
        last = {
          kind: "error",
          code: RCODE_ERRORS[m.rcode] ?? "EBADRESP",
          detail: `from ${server.address}`,
        };
        return attempt(k + 1);
      }
      // The resolver vouches for its answer; read the chain from the name as it stands.
      const s = sanitizeResponse(m, name, type, ".");
      if (s.final.length > 0) return done({ kind: "records", records: s.final, message: m });
      done({ kind: "nodata", message: m });
    });
  };
  attempt(0);
}

/** The names to try for `name` under resolv.conf(5)'s search and ndots rules. */
export function searchCandidates(
  name: string,
  conf: Pick<ResolvConf, "search" | "ndots">,
): string[] {
  if (name.endsWith(".")) return [name];
  const dots = name.split(".").length - 1;
  const searched = conf.search.map((d) => `${name}.${d.endsWith(".") ? d : `${d}.`}`);
  return dots >= conf.ndots ? [`${name}.`, ...searched] : [...searched, `${name}.`];
}

/**
 * Finds the addresses of `name` from `node`, as getaddrinfo does: an address literal as is, then
 * the node's hosts table, then each search candidate's A and/or AAAA records from the
 * configured resolvers. A name with no address is ENOTFOUND, as Node reports it.
 */
export function lookup(
  node: Node,
  name: string,
  options: LookupOptions & StubOptions = {},
  callback?: (r: LookupResult) => void,
): DnsRequest<LookupResult> {
  const request = new DnsRequest<LookupResult>();
  if (callback) request.onDone(callback);
  const family = options.family ?? 0;
  const fail = (code: DnsErrorCode, detail = "") => ({
    ok: false as const,
    error: new DnsError(code, name, "getaddrinfo", detail),
  });
  const soon = (r: LookupResult) => node.sim.after(0, () => request.settle(r));
  const literal = addressLiteral(name);
  if (literal !== undefined) {
    soon(
      family === 0 || family === literal.family
        ? { ok: true, name, addresses: [literal] }
        : fail("ENOTFOUND"),
    );
    return request;
  }
  if (tryCanonicalName(name) === undefined) {
    soon(fail("EBADNAME"));
    return request;
  }
  const conf = resolvConf(node);
  const key = canonicalName(name);
  for (const [host, addresses] of conf.hosts) {
    if (tryCanonicalName(host) !== key) continue;
    const found = addresses.map(addressLiteral).filter((a): a is LookupAddress => a !== undefined);
    const wanted = found.filter((a) => family === 0 || a.family === family);
    if (wanted.length > 0) {
      soon({ ok: true, name: key, addresses: wanted });
      return request;
    }
  }
  const t = { ...dnsTransports(node), ...options.transports };
  const types =
    family === 4 ? [DNS_TYPE.A] : family === 6 ? [DNS_TYPE.AAAA] : [DNS_TYPE.A, DNS_TYPE.AAAA];
  const candidates = searchCandidates(name, conf);
  const tryName = (i: number): void => {
    const candidate = candidates[i];
    if (candidate === undefined) return request.settle(fail("ENOTFOUND"));
    // Both families are asked at once, as glibc does; answers are put together in type order.
    const outcomes: (Outcome | undefined)[] = types.map(() => undefined);
    for (const [j, type] of types.entries()) {
      ask(node, conf, candidate, type, t, (o) => {
        outcomes[j] = o;
        if (outcomes.some((x) => x === undefined)) return;
        const addresses = outcomes.flatMap((x) =>
          x!.kind === "records" ? x!.records.map(addressOf) : [],
        );
        if (addresses.length > 0) return request.settle({ ok: true, name: candidate, addresses });
        const error = outcomes.find((x) => x!.kind === "error");
        if (error?.kind === "error") return request.settle(fail(error.code, error.detail));
        tryName(i + 1);
      });
    }
  };
  tryName(0);
  return request;
}

/**
 * Asks the node's resolvers for the records of `type` at `name` (taken as absolute; no search
 * list, as with Node's dns.resolve). NXDOMAIN is ENOTFOUND, no records of the type ENODATA.
 */
export function resolve(
  node: Node,
  name: string,
  type: DnsTypeInput,
  callback?: (r: ResolveRecordsResult) => void,
  options: StubOptions = {},
): DnsRequest<ResolveRecordsResult> {
  const request = new DnsRequest<ResolveRecordsResult>();
  if (callback) request.onDone(callback);
  const code = dnsTypeCode(type);
  const syscall = `query${typeof type === "string" ? type.charAt(0).toUpperCase() + type.slice(1).toLowerCase() : code}`;
  const fail = (c: DnsErrorCode, detail = "") => ({
    ok: false as const,
    error: new DnsError(c, name, syscall, detail),
  });
  if (tryCanonicalName(name) === undefined) {
    node.sim.after(0, () => request.settle(fail("EBADNAME")));
    return request;
  }
  const t = { ...dnsTransports(node), ...options.transports };
  ask(node, resolvConf(node), name.endsWith(".") ? name : `${name}.`, code, t, (o) => {
    if (o.kind === "records")
      return request.settle({ ok: true, records: o.records, message: o.message });
    if (o.kind === "nxdomain") return request.settle(fail("ENOTFOUND"));
    if (o.kind === "nodata") return request.settle(fail("ENODATA"));
    request.settle(fail(o.code, o.detail));
  });
  return request;
}

function addressLiteral(text: string): LookupAddress | undefined {
  if (text.includes(":")) {
    const a = parseIpv6Address(text);
    return a instanceof ParseError ? undefined : { address: a.toString(), family: 6 };
  }
  const a = parseIpv4Address(text);
  return a instanceof ParseError ? undefined : { address: formatIpv4(a), family: 4 };
}

function addressOf(r: DnsRecord): LookupAddress {
  return r.type === "A"
    ? { address: formatIpv4(r.rdata), family: 4 }
    : { address: r.type === "AAAA" ? r.rdata.toString() : "", family: 6 };
}
