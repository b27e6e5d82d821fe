/**
 * The HTTP/1.1 server and client over the example internet: names resolve through the DNS
 * hierarchy, requests cross two links to www.example.com. Raw sockets check what the client
 * cannot send (pipelining, malformed requests, idle clients).
 */
import { describe, expect, it } from "vitest";
import type { FetchResult } from "../src/apps/http/client.js";
import { HttpClient } from "../src/apps/http/client.js";
import { EXAMPLE_INDEX, exampleWeb } from "../src/apps/http/example-web.js";
import { parseResponses } from "../src/apps/http/parse-all.js";
import type { Network } from "../src/net/network.js";
import type { Node } from "../src/net/node.js";
import { ms, sec } from "../src/sim/time.js";
import { sockets } from "../src/socket/index.js";
import { TransportError } from "../src/transport/errors.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);
const latin1 = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

function ok(r: FetchResult | undefined): Extract<FetchResult, { ok: true }> {
  if (r === undefined) throw new Error("no result");
  if (!r.ok) throw new Error(r.error.message);
  return r;
}

/** Counts TCP SYNs (without ACK) a node sends. */
function synCounter(net: Network, node: string): () => number {
  let n = 0;
  net.events.subscribe((e) => {
    if (e.kind !== "send" || e.node !== node) return;
    const p = e.packet;
    if (p[0]! >> 4 !== 4 || p[9] !== 6) return;
    const flags = p[((p[0]! & 0xf) << 2) + 13]!;
    if ((flags & 0x12) === 0x02) n++;
  });
  return () => n;
}

/** Sends raw bytes to www.example.com:80 and collects everything the server answers. */
function raw(node: Node, send: string | null): { data: () => string; ended: () => boolean } {
  const s = sockets(node).connect({ address: "10.0.3.80", port: 80 });
  if (s instanceof TransportError) throw new Error(s.message);
  let got = "";
  let ended = false;
  s.onData((d) => {
    got += new TextDecoder("latin1").decode(d);
  });
  s.onEnd(() => {
    ended = true;
  });
  s.onConnect(() => {
    if (send !== null) s.write(bytes(send));
  });
  return { data: () => got, ended: () => ended };
}

describe("http server and client", () => {
  it("serves 200 with the static body, typed, dated from virtual time, via DNS", () => {
    const x = exampleWeb();
    const c = new HttpClient(x.hosts.client);
    const f = c.get("http://www.example.com/");
    x.net.sim.runUntil(sec(5));
    const r = ok(f.result);
    expect(r.status).toBe(200);
    expect(text(r.body)).toBe(EXAMPLE_INDEX);
    expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(r.headers.get("server")).toBe("wirelab-httpd/1.0");
    expect(r.headers.get("date")).toMatch(/^Mon, 01 Jan 2024 00:00:0\d GMT$/);
    expect(r.timing.dns).toBeGreaterThan(0);
    expect(r.timing.connect).toBeGreaterThan(r.timing.dns);
    expect(r.timing.firstByte).toBeGreaterThan(r.timing.connect);
    expect(r.timing.total).toBeGreaterThanOrEqual(r.timing.firstByte);
  });

  it("answers 404, 405 with Allow, 500 for a throwing handler, and follows a 301", () => {
    const x = exampleWeb();
    const c = new HttpClient(x.hosts.client);
    const missing = c.get("http://www.example.com/nope");
    const wrong = c.fetch("http://www.example.com/hello", { method: "DELETE" });
    const boom = c.get("http://www.example.com/boom");
    const moved = c.get("http://www.example.com/old");
    const raw301 = c.fetch("http://www.example.com/old", { followRedirects: false });
    const head = c.fetch("http://www.example.com/hello", { method: "HEAD" });
    x.net.sim.runUntil(sec(5));
    const h = ok(head.result);
    expect([h.status, h.headers.get("content-length"), h.body.length]).toEqual([200, "13", 0]);
    expect(ok(missing.result).status).toBe(404);
    const w = ok(wrong.result);
    expect([w.status, w.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    expect(ok(boom.result).status).toBe(500);
    const m = ok(moved.result);
    expect([m.status, m.url, m.redirects]).toEqual([
      200,
      "http://www.example.com/",
      ["http://www.example.com/"],
    ]);
    expect(text(m.body)).toBe(EXAMPLE_INDEX);
    const r = ok(raw301.result);
    expect([r.status, r.headers.get("location")]).toEqual([301, "/"]);
  });

  it("reuses one keep-alive connection for three requests in a row", () => {
    const x = exampleWeb();
    const syns = synCounter(x.net, "client");
    const c = new HttpClient(x.hosts.client);
    const seen: number[] = [];
    c.get("http://www.example.com/hello", (a) => {
      seen.push(ok(a).status);
      c.get("http://www.example.com/", (b) => {
        seen.push(ok(b).status);
        c.get("http://www.example.com/robots.txt", (d) => {
          seen.push(ok(d).status);
          expect(ok(d).reused).toBe(true);
        });
      });
    });
    x.net.sim.runUntil(sec(5));
    expect(seen).toEqual([200, 200, 200]);
    expect(syns()).toBe(1);
    expect(c.pool.opened).toBe(1);
    expect(x.server.stats.connections).toBe(1);
  });

  it("answers pipelined requests in order, chunked bodies included", () => {
    const x = exampleWeb();
    const req = (p: string) => `GET ${p} HTTP/1.1\r\nHost: www.example.com\r\n\r\n`;
    const conn = raw(x.hosts.client, req("/chunked") + req("/hello") + req("/nope"));
    x.net.sim.runUntil(sec(2));
    const parsed = parseResponses(latin1(conn.data()));
    if (!Array.isArray(parsed)) throw new Error(parsed.message);
    expect(parsed.map((m) => m.status)).toEqual([200, 200, 404]);
    const [chunked, hello] = parsed;
    expect(chunked!.framing).toBe("chunked");
    expect(chunked!.headers.get("transfer-encoding")).toBe("chunked");
    expect(text(chunked!.body)).toBe("one\ntwo\nthree\n");
    expect(text(hello!.body)).toBe("hello, world\n");
  });

  it("echoes a POST body byte for byte", () => {
    const x = exampleWeb();
    const c = new HttpClient(x.hosts.client);
    const body = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
    const f = c.fetch("http://www.example.com/echo", {
      body,
      headers: [["Content-Type", "application/octet-stream"]],
    });
    x.net.sim.runUntil(sec(5));
    const r = ok(f.result);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(body);
  });

  it("answers a malformed request with 400 and closes; a bad version with 505", () => {
    const x = exampleWeb();
    const bad = raw(x.hosts.client, "GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n");
    const smuggle = raw(
      x.hosts.client,
      "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    const v2 = raw(x.hosts.client, "GET / HTTP/2.0\r\nHost: a\r\n\r\n");
    x.net.sim.runUntil(sec(2));
    for (const [conn, status] of [
      [bad, 400],
      [smuggle, 400],
      [v2, 505],
    ] as const) {
      expect(conn.data().startsWith(`HTTP/1.1 ${status} `)).toBe(true);
      expect(conn.data()).toContain("Connection: close");
      expect(conn.ended()).toBe(true);
    }
  });

  it("refuses oversize headers (431) and bodies (413) per the configured limits", () => {
    const x = exampleWeb({ http: { limits: { maxHeaderBytes: 256, maxBodyBytes: 100 } } });
    const big = raw(x.hosts.client, `GET / HTTP/1.1\r\nHost: a\r\nX: ${"y".repeat(400)}\r\n\r\n`);
    const post = raw(
      x.hosts.client,
      "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 500\r\n\r\n",
    );
    x.net.sim.runUntil(sec(2));
    expect(big.data().startsWith("HTTP/1.1 431 ")).toBe(true);
    expect(post.data().startsWith("HTTP/1.1 413 ")).toBe(true);
    expect(big.ended() && post.ended()).toBe(true);
  });

  it("sends 408 to an idle or slow client when the request timer runs out", () => {
    const x = exampleWeb({ http: { requestTimeout: sec(2) } });
    const idle = raw(x.hosts.client, null);
    const slow = raw(x.hosts.client, "GET / HTTP/1.1\r\nHo");
    x.net.sim.runUntil(sec(1));
    expect(idle.data()).toBe("");
    x.net.sim.runUntil(sec(4));
    for (const conn of [idle, slow]) {
      expect(conn.data().startsWith("HTTP/1.1 408 Request Timeout\r\n")).toBe(true);
      expect(conn.ended()).toBe(true);
    }
  });

  it("delivers byte-exact bodies over lossy links (2 % each way, two hops)", () => {
    const x = exampleWeb({ seed: 7 });
    x.net.setImpairments("client-core", { loss: 0.02, jitter: ms(1) });
    x.net.setImpairments("ns1-core", { loss: 0.02 });
    const payload = "0123456789abcdef".repeat(4096); // 64 KiB
    x.server.get("/big", (_req, res) => res.send(payload));
    x.server.get("/bigchunks", (_req, res) => {
      for (let i = 0; i < 16; i++) res.write(payload.slice(i * 4096, (i + 1) * 4096));
      res.end();
    });
    const c = new HttpClient(x.hosts.client);
    const results: FetchResult[] = [];
    c.get("http://www.example.com/big", (a) => {
      results.push(a);
      c.get("http://www.example.com/bigchunks", (b) => results.push(b));
    });
    x.net.sim.runUntil(sec(60));
    expect(results.length).toBe(2);
    for (const r of results) expect(text(ok(r).body)).toBe(payload);
  });

  it("reports DNS failures and refused connections as errors", () => {
    const x = exampleWeb();
    const c = new HttpClient(x.hosts.client);
    const nx = c.get("http://nope.example.com/");
    const refused = c.get("http://10.0.4.53:8080/");
    x.net.sim.runUntil(sec(10));
    expect(nx.result?.ok === false && nx.result.error.code).toBe("ENOTFOUND");
    expect(refused.result?.ok === false && refused.result.error.code).toBe("ECONNREFUSED");
  });
});
