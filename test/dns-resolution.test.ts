/**
 * Recursive resolution across the example internet (root, TLD, authoritative servers): the walk,
 * the cache, negative caching and its expiry, CNAMEs across zones, delegations with and without
 * glue, retries around an unreachable server, bailiwick checks, and truncation reaching the TCP
 * hook. Each test reads the DNS packets that reached the servers, decoded from the trace.
 */
import { describe, expect, it } from "vitest";
import {
  AuthoritativeResponder,
  answerFromZones,
  DnsServer,
  type DnsTransport,
  type DnsTransportResult,
  dig,
  exampleInternet,
  lookup,
  type ResolveResult,
  resolve,
  TCP_FALLBACK_UNAVAILABLE,
  UnavailableTcpTransport,
  zone,
} from "../src/apps/dns/index.js";
import type { Network } from "../src/net/network.js";
import { sec } from "../src/sim/time.js";
import { TransportError } from "../src/transport/errors.js";
import { createDnsMessage, emitDnsMessage, parseDnsMessage } from "../src/wire/dns.js";
import { dnsTypeName, formatDnsRecord } from "../src/wire/dns-format.js";
import type { DnsRecord } from "../src/wire/dns-rr.js";
import { parseIpv4 } from "../src/wire/ipv4.js";
import { ParseError } from "../src/wire/parse-error.js";
import { parseUdp } from "../src/wire/udp.js";

const SERVERS = new Set(["root", "tld", "ns1", "ns2", "nsnet"]);

/** "server: name TYPE" for every DNS query that reaches an authoritative server. */
function serverQueries(net: Network): string[] {
  const seen: string[] = [];
  net.events.subscribe((e) => {
    if (e.kind !== "deliver" || !SERVERS.has(e.node)) return;
    const ip = parseIpv4(e.packet);
    if (ip instanceof ParseError || ip.protocol !== 17) return;
    const u = parseUdp(ip.payload);
    if (u instanceof ParseError || u.dstPort !== 53) return;
    const m = parseDnsMessage(u.payload);
    if (m instanceof ParseError) return;
    const q = m.questions[0]!;
    seen.push(`${e.node}: ${q.name} ${dnsTypeName(q.type)}`);
  });
  return seen;
}

/** Resolves through the resolver's API and runs the simulation until it is done. */
function resolveNow(
  x: ReturnType<typeof exampleInternet>,
  name: string,
  type: string,
): ResolveResult {
  const r = x.resolver.resolve(name, type);
  x.net.sim.run();
  return r.result!;
}

const lines = (rs: DnsRecord[]) => rs.map(formatDnsRecord);

describe("recursive resolution", () => {
  it("walks root -> TLD -> authoritative for A, then asks only the zone's server for AAAA", () => {
    const x = exampleInternet({ seed: 1 });
    const queries = serverQueries(x.net);
    const a = lookup(x.hosts.client, "www.example.com", { family: 4 });
    x.net.sim.run();
    expect(a.result).toEqual({
      ok: true,
      name: "www.example.com.",
      addresses: [{ address: "10.0.3.80", family: 4 }],
    });
    expect(queries).toEqual([
      "root: www.example.com. A",
      "tld: www.example.com. A",
      "ns1: www.example.com. A",
    ]);
    queries.length = 0;
    const aaaa = lookup(x.hosts.client, "www.example.com", { family: 6 });
    x.net.sim.run();
    expect(aaaa.result).toEqual({
      ok: true,
      name: "www.example.com.",
      addresses: [{ address: "2001:db8:3::80", family: 6 }],
    });
    expect(queries).toEqual(["ns1: www.example.com. AAAA"]);
    // The com. referral carried glue for both name servers: no query for their addresses.
    expect(x.resolver.stats.queries).toBe(4);
  });

  it("answers a repeated question from the cache without sending a packet, TTL counting down", () => {
    const x = exampleInternet({ seed: 2 });
    resolve(x.hosts.client, "www.example.com", "A");
    x.net.sim.run();
    const start = x.net.sim.now;
    let upstream = 0;
    x.net.events.subscribe((e) => {
      if (e.kind === "send" && e.node === "resolver" && !isToClient(e.packet)) upstream++;
    });
    x.net.sim.runUntil(start + sec(100));
    const again = resolve(x.hosts.client, "www.example.com", "A");
    x.net.sim.run();
    expect(upstream).toBe(0);
    expect(again.result?.ok && lines(again.result.records)).toEqual([
      "www.example.com.\t200\tIN\tA\t10.0.3.80",
    ]);
    expect(x.resolver.stats.queries).toBe(3);
  });

  it("caches NXDOMAIN for the SOA minimum (RFC 2308), then asks again", () => {
    const x = exampleInternet({ seed: 3 });
    const queries = serverQueries(x.net);
    const first = resolveNow(x, "nope.example.com.", "A");
    expect(first.rcode).toBe(3);
    expect(lines(first.authorities)).toEqual([
      "example.com.\t\t60\tIN\tSOA\tns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 60",
    ]);
    expect(queries).toHaveLength(3);
    queries.length = 0;
    // Within the minute: NXDOMAIN for any type, from the cache.
    const cached = resolve(x.hosts.client, "nope.example.com", "AAAA");
    x.net.sim.run();
    expect(cached.result).toMatchObject({ ok: false, error: { code: "ENOTFOUND" } });
    expect(cached.result?.ok === false && cached.result.error.message).toBe(
      "queryAaaa ENOTFOUND nope.example.com",
    );
    expect(queries).toEqual([]);
    // After it: the zone's server is asked again (its NS set is still cached).
    x.net.sim.runUntil(x.net.sim.now + sec(61));
    expect(resolveNow(x, "nope.example.com.", "A").rcode).toBe(3);
    expect(queries).toEqual(["ns1: nope.example.com. A"]);
  });

  it("caches NODATA per type", () => {
    const x = exampleInternet({ seed: 4 });
    const queries = serverQueries(x.net);
    const r = resolveNow(x, "mail.example.com.", "AAAA");
    expect(r).toMatchObject({ rcode: 0, answers: [] });
    expect(r.authorities.map((s) => s.type)).toEqual(["SOA"]);
    queries.length = 0;
    expect(resolveNow(x, "mail.example.com.", "AAAA").queries).toBe(0);
    expect(resolveNow(x, "mail.example.com.", "A").answers).toHaveLength(1);
    expect(queries).toEqual(["ns1: mail.example.com. A"]);
  });

  it("follows a CNAME from example.com. into example.net.", () => {
    const x = exampleInternet({ seed: 5 });
    const queries = serverQueries(x.net);
    const r = resolveNow(x, "web.example.com.", "A");
    expect(lines(r.answers)).toEqual([
      "web.example.com.\t300\tIN\tCNAME\twww.example.net.",
      "www.example.net.\t300\tIN\tA\t10.0.5.80",
    ]);
    expect(queries).toEqual([
      "root: web.example.com. A",
      "tld: web.example.com. A",
      "ns1: web.example.com. A",
      "root: www.example.net. A",
      "tld: www.example.net. A",
      "nsnet: www.example.net. A",
    ]);
    const viaStub = lookup(x.hosts.client, "web", { family: 4 });
    x.net.sim.run();
    expect(viaStub.result).toMatchObject({
      ok: true,
      name: "web.example.com.",
      addresses: [{ address: "10.0.5.80" }],
    });
  });

  it("finds the address of a name server given without glue, then uses it", () => {
    const x = exampleInternet({ seed: 6 });
    // other.example.com. is served from example.net.'s server: an out-of-bailiwick NS, no glue.
    x.zones["example.com."]!.add({
      name: "other.example.com.",
      type: "NS",
      class: 1,
      ttl: 300,
      rdata: "ns1.example.net.",
    });
    const other = zone("other.example.com.")
      .soa({ mname: "ns1.example.net.", rname: "h" })
      .ns("@", "ns1.example.net.")
      .a("www", "10.0.5.81")
      .build();
    const responder = x.servers.nsnet!.responder;
    if (!(responder instanceof AuthoritativeResponder)) throw new Error("not authoritative");
    responder.zones.push(other);
    const queries = serverQueries(x.net);
    const r = resolveNow(x, "www.other.example.com.", "A");
    expect(lines(r.answers)).toEqual(["www.other.example.com.\t3600\tIN\tA\t10.0.5.81"]);
    expect(queries).toEqual([
      "root: www.other.example.com. A",
      "tld: www.other.example.com. A",
      "ns1: www.other.example.com. A",
      "root: ns1.example.net. A",
      "tld: ns1.example.net. A",
      "nsnet: ns1.example.net. A",
      "nsnet: www.other.example.com. A",
    ]);
  });

  it("stops a CNAME loop that runs across zones with SERVFAIL", () => {
    const x = exampleInternet({ seed: 11 });
    const alias = (name: string, rdata: string): DnsRecord => ({
      name,
      type: "CNAME",
      class: 1,
      ttl: 300,
      rdata,
    });
    x.zones["example.com."]!.add(alias("loop.example.com.", "loop.example.net."));
    x.zones["example.net."]!.add(alias("loop.example.net.", "loop.example.com."));
    const r = resolveNow(x, "loop.example.com.", "A");
    expect(r).toMatchObject({ rcode: 2, ede: 0, answers: [] });
    expect(r.reason).toBe("loop.example.net. A: CNAME loop at loop.example.com.");
  });

  it("answers RD-clear questions from its cache only", () => {
    const x = exampleInternet({ seed: 12 });
    const before = dig(x.hosts.client, "www.example.com", { recurse: false });
    x.net.sim.run();
    expect(before.response).toMatchObject({ rcode: 5, ra: true, answers: [] });
    lookup(x.hosts.client, "www.example.com", { family: 4 });
    x.net.sim.run();
    const after = dig(x.hosts.client, "www.example.com", { recurse: false });
    x.net.sim.run();
    expect(after.output).toContain(
      ";; flags: qr ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1",
    );
  });

  it("retries another server when one is cut off, with backoff, and then avoids it", () => {
    const x = exampleInternet({ seed: 7 });
    const cut = x.net.partition(["resolver"], ["ns1"]);
    const queries = serverQueries(x.net);
    const t0 = x.net.sim.now;
    const r = resolveNow(x, "www.example.com.", "A");
    expect(lines(r.answers)).toEqual(["www.example.com.\t300\tIN\tA\t10.0.3.80"]);
    expect(queries).toEqual([
      "root: www.example.com. A",
      "tld: www.example.com. A",
      "ns2: www.example.com. A",
    ]);
    expect(cut.dropped).toBe(1);
    expect(x.resolver.stats.timeouts).toBe(1);
    // 40 ms for root and TLD, 800 ms waiting for ns1, 20 ms for ns2's answer (plus serialization).
    expect(x.net.sim.now - t0).toBeGreaterThanOrEqual(sec(0.86));
    expect(x.net.sim.now - t0).toBeLessThan(sec(0.861));
    queries.length = 0;
    resolveNow(x, "mail.example.com.", "A");
    expect(queries).toEqual(["ns2: mail.example.com. A"]);
    expect(cut.dropped).toBe(1);
  });

  it("answers SERVFAIL, with an Extended DNS Error, when no server of a zone answers", () => {
    const x = exampleInternet({ seed: 8 });
    const cut = x.net.partition(["resolver"], ["ns1", "ns2"]);
    const t0 = x.net.sim.now;
    const r = resolveNow(x, "www.example.com.", "A");
    expect(r.rcode).toBe(2);
    expect(r.ede).toBe(22);
    expect(r.reason).toBe(
      "www.example.com. A: no server of example.com. answered (10.0.4.53 timed out)",
    );
    // Two servers, three rounds: 0.8 s, 1.6 s, 3.2 s for each.
    expect(cut.dropped).toBe(6);
    expect(x.net.sim.now - t0).toBeGreaterThan(sec(11.2));
    // The stub sees SERVFAIL too (its first try times out at 5 s; the retry joins the walk).
    x.net.repair(cut);
    x.resolver.cache.clear();
    const cut2 = x.net.partition(["resolver"], ["ns1", "ns2"]);
    const viaStub = resolve(x.hosts.client, "www.example.com", "A");
    x.net.sim.run();
    expect(viaStub.result).toMatchObject({ ok: false, error: { code: "ESERVFAIL" } });
    expect(cut2.dropped).toBe(6);
    expect(x.resolver.stats.coalesced).toBe(1);
  });

  it("believes only records within the answering server's zone (bailiwick)", () => {
    const x = exampleInternet({ seed: 9, skipServers: ["nsnet"] });
    const netZone = x.zones["example.net."]!;
    const forged = (name: string): DnsRecord => ({
      name,
      type: "A",
      class: 1,
      ttl: 86400,
      rdata: 0x06060606,
    });
    // A poisoning server for example.net.: honest answers, plus claims about example.com.
    const evil = DnsServer.listen(x.hosts.nsnet, {
      respond(query, _client, reply) {
        const q = query.questions[0]!;
        const honest = answerFromZones([netZone], q);
        if (q.name.startsWith("alias.")) {
          const cname: DnsRecord = {
            name: q.name,
            type: "CNAME",
            class: 1,
            ttl: 300,
            rdata: "www.example.com.",
          };
          return reply({
            ...honest,
            rcode: 0,
            aa: true,
            answers: [cname, forged("www.example.com.")],
            authorities: [],
          });
        }
        reply({
          ...honest,
          answers: [...honest.answers, forged("mail.example.com.")],
          authorities: [
            {
              name: "example.com.",
              type: "NS",
              class: 1,
              ttl: 86400,
              rdata: "ns.evil.example.net.",
            },
          ],
          additionals: [forged("www.example.com."), forged("ns.evil.example.net.")],
        });
      },
    });
    expect(evil).toBeInstanceOf(DnsServer);
    const r = resolveNow(x, "www.example.net.", "A");
    expect(lines(r.answers)).toEqual(["www.example.net.\t300\tIN\tA\t10.0.5.80"]);
    expect(x.resolver.stats.outOfBailiwick).toBe(3);
    const cache = x.resolver.cache;
    expect(cache.has("www.example.com.", 1) || cache.has("mail.example.com.", 1)).toBe(false);
    expect(cache.has("example.com.", 2)).toBe(false);
    expect(cache.has("ns.evil.example.net.", 1)).toBe(false);
    // A CNAME out of the zone is resolved afresh, not taken from the same answer.
    const alias = resolveNow(x, "alias.example.net.", "A");
    expect(lines(alias.answers)).toEqual([
      "alias.example.net.\t300\tIN\tCNAME\twww.example.com.",
      "www.example.com.\t300\tIN\tA\t10.0.3.80",
    ]);
  });

  it("sends a truncated answer to the TCP side, and SERVFAILs if TCP is unavailable", () => {
    const x = exampleInternet({ seed: 10 });
    // A resolver without TCP: its truncated answer cannot be retried.
    const tcp = new UnavailableTcpTransport(x.hosts.resolver);
    x.resolver.transports.tcp = tcp;
    const r = resolveNow(x, "big.example.com.", "TXT");
    expect(tcp.calls).toBe(1);
    expect(r).toMatchObject({ rcode: 2, ede: 23 });
    expect(r.reason).toBe(
      `big.example.com. TXT: answer from 10.0.3.53 truncated; ${TCP_FALLBACK_UNAVAILABLE}`,
    );
    expect(x.resolver.stats.tcpUnavailable).toBe(1);
  });

  it("takes the full answer from the TCP hook once a transport there can carry it", () => {
    const calls: { server: string; bytes: Uint8Array }[] = [];
    let x: ReturnType<typeof exampleInternet> | undefined;
    // A stand-in for DNS over TCP (RFC 7766): answers from example.com.'s zone without a size limit.
    const tcp: DnsTransport = {
      protocol: "TCP",
      query(server, bytes, options, done) {
        calls.push({ server: `${server.address}#${server.port}`, bytes });
        const q = parseDnsMessage(bytes);
        if (q instanceof ParseError) throw new Error("bad query");
        const a = answerFromZones([x!.zones["example.com."]!], q.questions[0]!);
        const reply = emitDnsMessage(
          createDnsMessage({ ...a, id: q.id, qr: true, questions: q.questions }),
        );
        const result: DnsTransportResult = options.accept(reply)
          ? { kind: "response", bytes: reply, from: server }
          : { kind: "error", error: new TransportError("EINVAL", "mismatch") };
        x!.net.sim.after(sec(0.03), () => done(result));
        return { cancel() {} };
      },
    };
    x = exampleInternet({ seed: 10, resolver: { transports: { tcp } } });
    const r = resolveNow(x, "big.example.com.", "TXT");
    expect(r.rcode).toBe(0);
    expect(r.answers).toHaveLength(12);
    expect(calls.map((c) => c.server)).toEqual(["10.0.3.53#53"]);
    // The same query goes over TCP as went over UDP.
    const q = parseDnsMessage(calls[0]!.bytes);
    expect(q instanceof ParseError ? null : q.questions).toEqual([
      { name: "big.example.com.", type: 16, class: 1 },
    ]);
  });
});

/** True when an IPv4 packet is addressed to the client. */
function isToClient(packet: Uint8Array): boolean {
  const ip = parseIpv4(packet);
  return !(ip instanceof ParseError) && ip.dst === 0x0a00640a;
}
