/**
 * The stub resolver applications call (lookup, resolve), per-node resolv.conf, and the
 * resolver's defences against forged answers: random ids and ports, and answers matched on
 * id, server address and port, and question.
 */
import { describe, expect, it } from "vitest";
import {
  configureResolver,
  dnsTransports,
  exampleInternet,
  lookup,
  resolve,
} from "../src/apps/dns/index.js";
import { installGlobalRoutes } from "../src/net/global-routing.js";
import { ms, sec } from "../src/sim/time.js";
import { udp } from "../src/transport/udp.js";
import { parseIpv4Address } from "../src/wire/address.js";
import { createDnsMessage, emitDnsMessage, parseDnsMessage } from "../src/wire/dns.js";
import { formatDnsRecord } from "../src/wire/dns-format.js";
import { parseIpv4 } from "../src/wire/ipv4.js";
import { ParseError } from "../src/wire/parse-error.js";
import { emitUdp, parseUdp } from "../src/wire/udp.js";

describe("stub resolver", () => {
  it("looks up both families, uses the search list and ndots, and reports like Node", () => {
    const x = exampleInternet({ seed: 1 });
    const c = x.hosts.client;
    const both = lookup(c, "www");
    const net = lookup(c, "www.example.net", { family: 4 });
    const none = lookup(c, "nope");
    x.net.sim.run();
    expect(both.result).toEqual({
      ok: true,
      name: "www.example.com.",
      addresses: [
        { address: "10.0.3.80", family: 4 },
        { address: "2001:db8:3::80", family: 6 },
      ],
    });
    // One dot meets ndots:1, so the name is tried as it stands (and found) before the search list.
    expect(net.result).toMatchObject({ ok: true, name: "www.example.net." });
    expect(none.result?.ok === false && none.result.error.message).toBe(
      "getaddrinfo ENOTFOUND nope",
    );
  });

  it("reads literals and the hosts table without sending, and never calls back synchronously", () => {
    const x = exampleInternet({ seed: 1 });
    configureResolver(x.hosts.client, {
      hosts: new Map([["gateway.lan", ["10.0.100.1", "fe80::1"]]]),
    });
    let sent = 0;
    x.net.events.subscribe((e) => {
      if (e.kind === "send") sent++;
    });
    const order: string[] = [];
    lookup(x.hosts.client, "10.1.2.3", {}, (r) =>
      order.push(`literal ${r.ok && r.addresses[0]!.address}`),
    );
    lookup(x.hosts.client, "GATEWAY.lan", { family: 4 }, (r) =>
      order.push(`hosts ${r.ok && r.addresses.map((a) => a.address)}`),
    );
    lookup(x.hosts.client, "10.1.2.3", { family: 6 }, (r) =>
      order.push(`v6 ${r.ok || r.error.code}`),
    );
    lookup(x.hosts.client, "bad..name", {}, (r) => order.push(`bad ${r.ok || r.error.code}`));
    order.push("returned");
    x.net.sim.run();
    expect(order).toEqual([
      "returned",
      "literal 10.1.2.3",
      "hosts 10.0.100.1",
      "v6 ENOTFOUND",
      "bad EBADNAME",
    ]);
    expect(sent).toBe(0);
  });

  it("resolves records of one type: ENODATA when the name has none, ENOTFOUND when it does not exist", () => {
    const x = exampleInternet({ seed: 2 });
    const mx = resolve(x.hosts.client, "example.com", "MX");
    const nodata = resolve(x.hosts.client, "www.example.com.", "MX");
    const txt = resolve(x.hosts.client, "example.com", 16);
    x.net.sim.run();
    expect(mx.result?.ok && mx.result.records.map(formatDnsRecord)).toEqual([
      "example.com.\t\t300\tIN\tMX\t10 mail.example.com.",
    ]);
    expect(nodata.result?.ok === false && nodata.result.error.message).toBe(
      "queryMx ENODATA www.example.com.",
    );
    expect(txt.result?.ok && txt.result.message.answers).toHaveLength(1);
  });

  it("fails with Node's codes: no nameserver, a port that refuses, a resolver that never answers", () => {
    const x = exampleInternet({ seed: 3 });
    const alone = lookup(x.hosts.ns2, "www.example.com");
    udp(x.net.node("core")); // the router now answers UDP with port unreachable
    configureResolver(x.hosts.tld, { nameservers: ["10.0.2.1"], attempts: 1 });
    const refused = lookup(x.hosts.tld, "www.example.com", { family: 4 });
    x.net.sim.run();
    expect(alone.result).toMatchObject({
      ok: false,
      error: { code: "ECONNREFUSED", detail: "no nameserver configured" },
    });
    expect(refused.result).toMatchObject({ ok: false, error: { code: "ECONNREFUSED" } });
    x.net.partition(["client"], ["resolver"]);
    const t0 = x.net.sim.now;
    const silent = lookup(x.hosts.client, "www.example.com", { family: 4 });
    x.net.sim.run();
    expect(silent.result).toMatchObject({ ok: false, error: { code: "ETIMEOUT" } });
    // resolv.conf defaults: timeout 5 s, 2 attempts, the wait doubling: 5 s + 10 s.
    expect(x.net.sim.now - t0).toBe(sec(15));
  });
});

describe("forged answers", () => {
  it("draws a fresh random id and source port for every upstream query", () => {
    const x = exampleInternet({ seed: 4 });
    const seen: { port: number; id: number }[] = [];
    x.net.events.subscribe((e) => {
      if (e.kind !== "send" || e.node !== "resolver") return;
      const ip = parseIpv4(e.packet);
      if (ip instanceof ParseError) return;
      const u = parseUdp(ip.payload);
      if (u instanceof ParseError || u.dstPort !== 53) return;
      const m = parseDnsMessage(u.payload);
      if (!(m instanceof ParseError)) seen.push({ port: u.srcPort, id: m.id });
    });
    lookup(x.hosts.client, "web.example.com");
    x.net.sim.run();
    expect(seen.length).toBeGreaterThanOrEqual(8);
    expect(new Set(seen.map((s) => s.port)).size).toBe(seen.length);
    expect(new Set(seen.map((s) => s.id)).size).toBe(seen.length);
    for (const s of seen) expect(s.port).toBeGreaterThanOrEqual(1024);
  });

  it("ignores forged responses with a wrong id, port, source or question", () => {
    const x = exampleInternet({ seed: 5 });
    const evil = x.net.addHost("evil");
    x.net.connect(evil, "core", { delay: ms(1), addresses: ["10.0.66.6/24", "10.0.66.1/24"] });
    installGlobalRoutes(x.net);
    const resolverIp = parseIpv4Address("10.0.0.53") as number;
    const ns1 = parseIpv4Address("10.0.3.53") as number;
    const forge = (id: number, name: string, srcPort: number, dstPort: number, src: number) => {
      const dns = emitDnsMessage(
        createDnsMessage({
          id,
          qr: true,
          aa: true,
          questions: [{ name, type: 1, class: 1 }],
          answers: [{ name, type: "A", class: 1, ttl: 86400, rdata: 0x06060606 }],
        }),
      );
      const payload = emitUdp(
        { srcPort, dstPort, checksum: 0, payload: dns },
        { family: 4, src, dst: resolverIp },
      );
      evil.ipv4.send({ src, dst: resolverIp, protocol: 17, payload });
    };
    const drops: string[] = [];
    let forged = false;
    x.net.events.subscribe((e) => {
      if (e.kind === "drop" && e.node === "resolver") drops.push(e.reason ?? "");
      if (forged || e.kind !== "send" || e.node !== "resolver") return;
      const ip = parseIpv4(e.packet);
      if (ip instanceof ParseError || ip.dst !== ns1) return;
      const u = parseUdp(ip.payload);
      const q = u instanceof ParseError ? u : parseDnsMessage(u.payload);
      if (u instanceof ParseError || q instanceof ParseError) return;
      // An on-path observer forges four answers the moment the query leaves.
      forged = true;
      x.net.sim.after(0, () => {
        forge(q.id ^ 1, "www.example.com.", 53, u.srcPort, ns1); // wrong id
        forge(q.id, "www.example.com.", 53, u.srcPort ^ 1, ns1); // wrong port
        forge(q.id, "www.example.com.", 53, u.srcPort, parseIpv4Address("10.0.66.6") as number); // wrong source
        forge(q.id, "mail.example.com.", 53, u.srcPort, ns1); // wrong question
      });
    });
    const r = lookup(x.hosts.client, "www.example.com", { family: 4 });
    x.net.sim.run();
    expect(forged).toBe(true);
    expect(r.result).toMatchObject({ ok: true, addresses: [{ address: "10.0.3.80" }] });
    const stats = dnsTransports(x.hosts.resolver).udp as unknown as {
      stats: { mismatched: number; strangers: number };
    };
    expect(stats.stats).toMatchObject({ mismatched: 2, strangers: 1 });
    expect(drops).toEqual(["no-listener"]);
    expect(x.resolver.cache.get("www.example.com.", 1)?.map((a) => a.rdata)).toEqual([0x0a000350]);
    expect(x.resolver.cache.has("mail.example.com.", 1)).toBe(false);
  });
});
