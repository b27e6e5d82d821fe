/**
 * DNS over TCP (RFC 7766) on the example internet: truncated UDP answers retried over TCP by
 * the resolver, the stub and dig; a walk where every server truncates over UDP; refused TCP as
 * typed errors and SERVFAIL with an Extended DNS Error; the server's handling of pipelined
 * queries, garbage and idle connections; and determinism of the whole exchange.
 */
import { describe, expect, it } from "vitest";
import {
  DnsServer,
  type DnsTransportResult,
  dig,
  dnsTransports,
  exampleInternet,
  frameDnsMessage,
  listenDnsTcp,
  resolve,
  serveZones,
  TcpDnsTransport,
} from "../src/apps/dns/index.js";
import type { Node } from "../src/net/node.js";
import { sec } from "../src/sim/time.js";
import { sockets } from "../src/socket/index.js";
import { TransportError } from "../src/transport/errors.js";
import { udp } from "../src/transport/udp.js";
import { createDnsMessage, emitDnsMessage, parseDnsMessage } from "../src/wire/dns.js";
import { formatDnsRecord } from "../src/wire/dns-format.js";
import { ParseError } from "../src/wire/parse-error.js";

const EXAMPLE_COM = "example.com.";
const WWW = "www.example.com.\t300\tIN\tA\t10.0.3.80";

/** Starts a server on `node` whose UDP side answers every query with an empty TC response. */
function truncatingServer(x: ReturnType<typeof exampleInternet>, node: Node, origins: string[]) {
  const server = serveZones(
    node,
    origins.map((o) => x.zones[o]!),
    { tcp: false, addresses: ["0.0.0.0"], port: 5353 },
  );
  if (server instanceof TransportError) throw new Error(server.message);
  // The real answers come only over TCP on port 53.
  const tcp = listenDnsTcp(node, server);
  if (tcp instanceof TransportError) throw new Error(tcp.message);
  const socket = udp(node).bind(53, "0.0.0.0");
  if (socket instanceof TransportError) throw new Error(socket.message);
  let truncated = 0;
  socket.onMessage((m) => {
    const q = parseDnsMessage(m.data);
    if (q instanceof ParseError) return;
    truncated++;
    const tc = createDnsMessage({ id: q.id, qr: true, tc: true, questions: q.questions });
    socket.send(emitDnsMessage(tc), m.from.port, m.from.address);
  });
  return { tcp, truncated: () => truncated };
}

describe("DNS over TCP", () => {
  it("retries a truncated answer over TCP and gets all 12 records (resolver and stub)", () => {
    const x = exampleInternet({ seed: 10 });
    const r = x.resolver.resolve("big.example.com.", "TXT");
    x.net.sim.run();
    expect(r.result?.rcode).toBe(0);
    expect(r.result?.answers).toHaveLength(12);
    expect(dnsTransports(x.hosts.resolver).tcp.stats.connections).toBe(1);
    expect(x.servers.ns1!.tcp!.stats.connections).toBe(1);
    expect(x.servers.ns1!.stats.truncated).toBe(1);
    // The stub asks the resolver, whose UDP answer is truncated too; it retries over TCP.
    const s = resolve(x.hosts.client, "big.example.com", "TXT");
    x.net.sim.run();
    expect(s.result).toMatchObject({ ok: true });
    expect(s.result?.ok && s.result.records).toHaveLength(12);
    expect(dnsTransports(x.hosts.client).tcp.stats.connections).toBe(1);
    expect(x.resolver.dnsServer!.tcp!.stats.connections).toBe(1);
    // Both sides closed their connections once the answer was in.
    expect(dnsTransports(x.hosts.client).tcp.stats.errors).toBe(0);
  });

  it("dig retries over TCP after TC, and with tcp shows (TCP) without retrying", () => {
    const x = exampleInternet({ seed: 3 });
    const retried = dig(x.hosts.client, "big.example.com", {
      server: "10.0.3.53",
      type: "TXT",
      recurse: false,
    });
    x.net.sim.run();
    expect(retried.output).toContain(";; Truncated, retrying in TCP mode.");
    expect(retried.output).toContain(";; SERVER: 10.0.3.53#53(10.0.3.53) (TCP)");
    expect(retried.response?.answers).toHaveLength(12);
    const direct = dig(x.hosts.client, "www.example.com", { server: "10.0.3.53", tcp: true });
    x.net.sim.run();
    expect(direct.output[1]).toBe(
      "; <<>> DiG 9.18 (wirelab) <<>> @10.0.3.53 www.example.com A +tcp",
    );
    expect(direct.output).not.toContain(";; Truncated, retrying in TCP mode.");
    expect(direct.output).toContain(";; SERVER: 10.0.3.53#53(10.0.3.53) (TCP)");
    expect(direct.response?.answers.map(formatDnsRecord)).toEqual([WWW]);
  });

  it("walks root -> TLD -> authoritative over TCP when every server truncates over UDP", () => {
    const x = exampleInternet({ seed: 5, skipServers: ["root", "tld", "ns1", "ns2"] });
    const servers = [
      truncatingServer(x, x.hosts.root, ["."]),
      truncatingServer(x, x.hosts.tld, ["com.", "net."]),
      truncatingServer(x, x.hosts.ns1, [EXAMPLE_COM]),
      truncatingServer(x, x.hosts.ns2, [EXAMPLE_COM]),
    ];
    const r = x.resolver.resolve("www.example.com.", "A");
    x.net.sim.run();
    expect(r.result?.rcode).toBe(0);
    expect(r.result?.answers.map(formatDnsRecord)).toEqual([WWW]);
    const per = servers.map((s) => [s.truncated(), s.tcp.stats.connections]);
    // Root, TLD and one of example.com.'s servers: each truncated once and answered over TCP.
    expect(per.slice(0, 2)).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(per[2]![1]! + per[3]![1]!).toBe(1);
    expect(dnsTransports(x.hosts.resolver).tcp.stats.connections).toBe(3);
  });

  it("refused TCP: the stub gets ECONNREFUSED, the resolver SERVFAILs with an EDE", () => {
    const x = exampleInternet({ seed: 7, skipServers: ["ns1", "ns2"] });
    for (const host of ["ns1", "ns2"] as const) {
      const s = serveZones(x.hosts[host], [x.zones[EXAMPLE_COM]!], { tcp: false });
      expect(s).toBeInstanceOf(DnsServer);
    }
    const r = x.resolver.resolve("big.example.com.", "TXT");
    x.net.sim.run();
    expect(r.result).toMatchObject({ rcode: 2, ede: 22 });
    expect(r.result?.reason).toMatch(
      /^big\.example\.com\. TXT: no server of example\.com\. answered/,
    );
    expect(r.result?.reason).toContain("ECONNREFUSED");
    // The client's own transport reports the refusal as a typed error.
    const results: DnsTransportResult[] = [];
    new TcpDnsTransport(x.hosts.client).query(
      { address: "10.0.3.53", port: 53 },
      emitDnsMessage(createDnsMessage({ id: 1, questions: [{ name: "a.", type: 1, class: 1 }] })),
      { timeout: sec(2), accept: () => true },
      (result) => results.push(result),
    );
    x.net.sim.run();
    expect(results).toHaveLength(1);
    expect(results[0]!.kind === "error" && results[0]!.error.code).toBe("ECONNREFUSED");
    // A resolver that answers but listens on UDP only: the stub's retry over TCP is refused.
    const y = exampleInternet({ seed: 7 });
    y.resolver.dnsServer!.tcp!.close();
    const s = resolve(y.hosts.client, "big.example.com", "TXT");
    y.net.sim.run();
    expect(s.result).toMatchObject({ ok: false, error: { code: "ECONNREFUSED" } });
  });

  it("times out on the simulator's clock when the server never answers over TCP", () => {
    const x = exampleInternet({ seed: 8 });
    // A listener that accepts and reads, but never replies.
    const l = sockets(x.hosts.nsnet).listen(54, () => {});
    expect(l).not.toBeInstanceOf(TransportError);
    const t = new TcpDnsTransport(x.hosts.client);
    const results: DnsTransportResult[] = [];
    const start = x.net.sim.now;
    t.query(
      { address: "10.0.5.53", port: 54 },
      emitDnsMessage(createDnsMessage({ id: 1, questions: [{ name: "a.", type: 1, class: 1 }] })),
      { timeout: sec(2), accept: () => true },
      (result) => results.push(result),
    );
    x.net.sim.run();
    expect(results).toEqual([{ kind: "timeout" }]);
    expect(t.stats.timeouts).toBe(1);
    expect(x.net.sim.now - start).toBeGreaterThanOrEqual(sec(2));
  });

  it("serves pipelined queries, answers garbage with FORMERR, closes on bad framing or idleness", () => {
    const x = exampleInternet({ seed: 9 });
    const q = (id: number, name: string) =>
      emitDnsMessage(createDnsMessage({ id, questions: [{ name, type: 1, class: 1 }] }));
    // A header announcing one question, followed by one stray byte: unparsable, but framed.
    const garbage = new Uint8Array([0, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x99]);
    const framed = [q(1, "www.example.com."), garbage, q(3, "www.example.com.")].map(
      (m) => frameDnsMessage(m)!,
    );
    const all = new Uint8Array(framed.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of framed) {
      all.set(f, at);
      at += f.length;
    }
    const c = sockets(x.hosts.client).connect({ address: "10.0.3.53", port: 53 });
    if (c instanceof TransportError) throw new Error(c.message);
    // Split inside a length prefix, to check reassembly on the server.
    c.write(all.subarray(0, 1));
    x.net.sim.after(sec(0.1), () => c.write(all.subarray(1)));
    const got: Uint8Array[] = [];
    c.onData((d) => got.push(d));
    let ended = -1;
    c.onEnd(() => {
      ended = x.net.sim.now;
      c.close();
    });
    x.net.sim.run();
    const bytes = new Uint8Array(got.reduce((n, g) => n + g.length, 0));
    at = 0;
    for (const g of got) {
      bytes.set(g, at);
      at += g.length;
    }
    const replies: string[] = [];
    for (let i = 0; i < bytes.length; ) {
      const len = (bytes[i]! << 8) | bytes[i + 1]!;
      const m = parseDnsMessage(bytes.subarray(i + 2, i + 2 + len));
      i += 2 + len;
      if (m instanceof ParseError) throw new Error(m.message);
      replies.push(`${m.id} rcode=${m.rcode} answers=${m.answers.length}`);
    }
    expect(replies).toEqual(["1 rcode=0 answers=1", "2 rcode=1 answers=0", "3 rcode=0 answers=1"]);
    const tcp = x.servers.ns1!.tcp!;
    // The idle timer (10 s) closed the connection after the last answer.
    expect(tcp.stats.idleClosed).toBe(1);
    expect(ended).toBeGreaterThan(sec(10));
    // A zero length cannot start a DNS message: the server closes at once.
    const bad = sockets(x.hosts.client).connect({ address: "10.0.3.53", port: 53 });
    if (bad instanceof TransportError) throw new Error(bad.message);
    bad.write(new Uint8Array([0, 0, 1, 2, 3]));
    let badEnded = false;
    bad.onEnd(() => {
      badEnded = true;
      bad.close();
    });
    x.net.sim.run();
    expect(badEnded).toBe(true);
    expect(tcp.stats.framingErrors).toBe(1);
  });
});

/** A session over TCP: every packet as text, and the dig transcripts. */
function session(seed: number) {
  const x = exampleInternet({ seed });
  const trace: string[] = [];
  x.net.events.subscribe((e) => {
    const hex = Array.from(e.packet, (b) => b.toString(16).padStart(2, "0")).join("");
    trace.push(`${e.time} ${e.kind} ${e.node} ${hex}`);
  });
  const runs = [
    dig(x.hosts.client, "big.example.com", { type: "TXT" }),
    dig(x.hosts.client, "www.example.com", { tcp: true }),
  ];
  x.net.sim.run();
  return { text: runs.map((r) => r.text).join(""), trace };
}

describe("DNS over TCP determinism", () => {
  it("gives the same packets and transcripts for the same seed", () => {
    const a = session(21);
    const b = session(21);
    expect(a.trace.length).toBeGreaterThan(50);
    expect(b.trace).toEqual(a.trace);
    expect(b.text).toBe(a.text);
    expect(a.text).toContain("(TCP)");
  });
});
