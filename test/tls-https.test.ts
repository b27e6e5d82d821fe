/**
 * TLS and HTTPS between simulated hosts: Node's own tls and https modules over wirelab's TCP,
 * across two routers with 2 % loss on the middle hop, with certificates from the run-time test
 * CA. Handshake failures surface as Node's usual errors, with Node's codes.
 */
import type { TLSSocket } from "node:tls";
import { describe, expect, it } from "vitest";
import { parseUrl } from "../src/apps/http/url.js";
import { ms } from "../src/sim/time.js";
import { net } from "../src/socket/node/net.js";
import { runNodeUntilSettled } from "../src/socket/node/pump.js";
import { createTestCa } from "../src/socket/node/test-ca.js";
import type { TlsConnectOptions } from "../src/socket/node/tls.js";
import { connectTls, createTlsServer, httpsAgent } from "../src/socket/node/tls.js";
import { chain } from "../src/transport/tcp/transfer.test-support.js";
import { body, get, leafFor, serveHttps, type TlsLab, tlsLab } from "./support/tls-lab.js";

const ca = createTestCa({ commonName: "wirelab lab root" });
const PAGE = body(200_000, 1);
const MEGABYTE = body(1_000_000, 2);
const ECHO = body(300_000, 3);

/** Connects a TLS client from a to b and waits for the handshake's outcome: Node's error or the socket. */
function handshake(lab: TlsLab, o: Partial<TlsConnectOptions> & { port: number }) {
  return runNodeUntilSettled(
    lab.n.sim,
    new Promise<TLSSocket>((resolve, reject) => {
      const s = connectTls(lab.a, { host: lab.bAddress, ...o }, () => resolve(s));
      s.on("error", reject);
    }),
  );
}

describe("HTTPS between simulated hosts", () => {
  it("serves 200 and 404 across lossy routers, byte for byte", async () => {
    const lab = tlsLab(1, { ca });
    serveHttps(lab, { "/page": PAGE });
    const agent = httpsAgent(lab.a, { ca: ca.cert, keepAlive: true, maxSockets: 1 });
    const replies = await runNodeUntilSettled(
      lab.n.sim,
      (async () => [
        await get(agent, lab.bAddress, "/page"),
        await get(agent, lab.bAddress, "/missing"),
      ])(),
    );
    agent.destroy();
    const [page, missing] = replies;
    expect(lab.lost()).toBeGreaterThan(0); // the network really lost packets
    expect(page?.status).toBe(200);
    expect(page?.headers["content-length"]).toBe(String(PAGE.length));
    expect(page?.body.equals(PAGE)).toBe(true);
    expect(missing?.status).toBe(404);
    expect(missing?.body.toString()).toBe("no such page\n");
  });

  it("fetches 1 MB over the lossy path (virtual and wall time reported)", async () => {
    const lab = tlsLab(2, { ca });
    serveHttps(lab, { "/mb": MEGABYTE });
    const agent = httpsAgent(lab.a, { ca: ca.cert });
    const wallStart = performance.now();
    const reply = await runNodeUntilSettled(lab.n.sim, get(agent, lab.bAddress, "/mb"));
    const wall = performance.now() - wallStart;
    const virtual = lab.n.sim.now / 1e9;
    console.info(
      `HTTPS GET 1 MB over 2 % loss: ${virtual.toFixed(3)} s virtual, ${wall.toFixed(0)} ms wall, ${lab.lost()} packets lost`,
    );
    expect(reply.status).toBe(200);
    expect(reply.body.equals(MEGABYTE)).toBe(true);
    expect(lab.lost()).toBeGreaterThan(5);
    // At least 1 MB through the 100 Mb/s links plus the TCP and TLS handshakes (~4 RTTs of 24 ms).
    expect(virtual).toBeGreaterThan(0.08 + 0.08);
    expect(virtual).toBeLessThan(10);
  });

  it("reaches the server by name when the certificate is for the name, and by address", async () => {
    const lab = tlsLab(3, { ca });
    serveHttps(lab, { "/": Buffer.from("hi\n") });
    const byName = httpsAgent(lab.a, { ca: ca.cert, servername: "b.lab" });
    const byAddress = httpsAgent(lab.a, { ca: ca.cert });
    const [a, b] = await runNodeUntilSettled(
      lab.n.sim,
      Promise.all([get(byName, lab.bAddress, "/"), get(byAddress, lab.bAddress, "/")]),
    );
    expect(a?.body.toString()).toBe("hi\n");
    expect(b?.body.toString()).toBe("hi\n");
  });
});

describe("HTTPS connections over time", () => {
  it("reuses a keep-alive connection; the server's idle timeout runs on virtual time", async () => {
    const lab = tlsLab(10, { ca });
    const server = serveHttps(lab, { "/": Buffer.from("hi\n") });
    server.server.keepAliveTimeout = 5000;
    let connections = 0;
    server.server.on("secureConnection", () => connections++);
    const agent = httpsAgent(lab.a, { ca: ca.cert, keepAlive: true, maxSockets: 1 });
    const reused = await runNodeUntilSettled(
      lab.n.sim,
      (async () => {
        const out: boolean[] = [];
        for (let i = 0; i < 3; i++) {
          const reply = await get(agent, lab.bAddress, "/");
          expect(reply.body.toString()).toBe("hi\n");
          out.push(reply.reused);
        }
        return out;
      })(),
    );
    expect(reused).toEqual([false, true, true]);
    expect(connections).toBe(1);
    const idleFrom = lab.n.sim.now;
    const closedAt = await runNodeUntilSettled(
      lab.n.sim,
      new Promise<number>((resolve) => {
        Object.values(agent.freeSockets)[0]?.[0]?.once("close", () => resolve(lab.n.sim.now));
      }),
    );
    // 5 s plus the 1 s buffer Node's http adds to keepAliveTimeout, as over plain http.
    expect(closedAt - idleFrom).toBeGreaterThan(ms(5000));
    expect(closedAt - idleFrom).toBeLessThan(ms(6000) + ms(50));
  });

  it("a client's setTimeout fires on virtual time", async () => {
    const lab = tlsLab(11, { ca });
    createTlsServer(lab.b, lab.leaf, () => {}).listen(7); // says nothing after the handshake
    const s = await handshake(lab, { port: 7, ca: ca.cert, timeout: 2500 });
    const from = lab.n.sim.now;
    const firedAt = await runNodeUntilSettled(
      lab.n.sim,
      new Promise<number>((resolve) => s.once("timeout", () => resolve(lab.n.sim.now))),
    );
    s.destroy();
    // The idle timer restarts with the handshake's last packets, shortly after 'secureConnect'.
    expect(firedAt - from).toBeGreaterThanOrEqual(ms(2500) - ms(50));
    expect(firedAt - from).toBeLessThanOrEqual(ms(2500) + ms(50));
  });
});

describe("bad input to a TLS server", () => {
  it("plaintext HTTP to port 443 is a tlsClientError; the server serves the next client", async () => {
    const lab = tlsLab(12, { ca });
    const server = serveHttps(lab, { "/": Buffer.from("still here\n") });
    const errors: unknown[] = [];
    server.server.on("tlsClientError", (e: NodeJS.ErrnoException) => errors.push(e.code));
    const answer = await runNodeUntilSettled(
      lab.n.sim,
      new Promise<Buffer>((resolve) => {
        const raw = lab.a.connect({ host: lab.bAddress, port: 443 }, () =>
          raw.write("GET / HTTP/1.1\r\nHost: b.lab\r\n\r\n"),
        );
        const parts: Buffer[] = [];
        raw.on("data", (d: Buffer) => parts.push(d));
        raw.on("error", () => {});
        raw.on("close", () => resolve(Buffer.concat(parts)));
      }),
    );
    expect(errors).toEqual(["ERR_SSL_HTTP_REQUEST"]); // OpenSSL recognises plain HTTP
    expect(answer.toString("latin1")).not.toContain("still here");
    const agent = httpsAgent(lab.a, { ca: ca.cert });
    const reply = await runNodeUntilSettled(lab.n.sim, get(agent, lab.bAddress, "/"));
    expect(reply.body.toString()).toBe("still here\n");
  });
});

describe("TLS between simulated hosts", () => {
  it("echoes 300 KB through TLS 1.3 across lossy routers", async () => {
    const lab = tlsLab(4, { ca });
    let serverSide: TLSSocket | undefined;
    createTlsServer(lab.b, { key: lab.leaf.key, cert: lab.leaf.cert }, (s) => {
      serverSide = s;
      s.pipe(s);
    }).listen(7);
    const { echoed, protocol, authorized } = await runNodeUntilSettled(
      lab.n.sim,
      new Promise<{ echoed: Buffer; protocol: string | null; authorized: boolean }>(
        (resolve, reject) => {
          const s = connectTls(lab.a, { host: lab.bAddress, port: 7, ca: ca.cert }, () =>
            s.end(ECHO),
          );
          const parts: Buffer[] = [];
          s.on("data", (d: Buffer) => parts.push(d));
          s.on("end", () =>
            resolve({
              echoed: Buffer.concat(parts),
              protocol: s.getProtocol(),
              authorized: s.authorized,
            }),
          );
          s.on("error", reject);
        },
      ),
    );
    expect(lab.lost()).toBeGreaterThan(0);
    expect(protocol).toBe("TLSv1.3");
    expect(authorized).toBe(true);
    expect(echoed.length).toBe(ECHO.length);
    expect(echoed.equals(ECHO)).toBe(true);
    expect(serverSide?.encrypted).toBe(true);
    // The TLS sockets report the simulated TCP endpoints, as over a real socket.
    expect(serverSide?.remoteAddress).toBe("10.0.0.1");
    expect(serverSide?.localPort).toBe(7);
    expect(serverSide?.address()).toEqual({ address: lab.bAddress, family: "IPv4", port: 7 });
  });

  it("answers after the client's half-close: the reply follows the client's FIN", async () => {
    const lab = tlsLab(14, { ca });
    createTlsServer(lab.b, lab.leaf, (s) => {
      const parts: Buffer[] = [];
      s.on("data", (d: Buffer) => parts.push(d));
      // Written once the client's close_notify and FIN have arrived: the TCP socket below must
      // still be writable then (it is half-open; TLS, not TCP, decides when to end).
      // In pieces: Node's TLS hands them to the TCP socket one write at a time, so most are
      // written after the FIN was read.
      s.on("end", () => {
        const reply = Buffer.concat(parts).reverse();
        for (let i = 0; i < reply.length; i += 16_384) s.write(reply.subarray(i, i + 16_384));
        s.end();
      });
    }).listen(7);
    const reply = await runNodeUntilSettled(
      lab.n.sim,
      new Promise<Buffer>((resolve, reject) => {
        const s = connectTls(
          lab.a,
          { host: lab.bAddress, port: 7, ca: ca.cert, allowHalfOpen: true },
          () => s.end(ECHO),
        );
        const parts: Buffer[] = [];
        s.on("data", (d: Buffer) => parts.push(d));
        s.on("end", () => resolve(Buffer.concat(parts)));
        s.on("error", reject);
      }),
    );
    expect(reply.length).toBe(ECHO.length);
    expect(reply.equals(Buffer.from(ECHO).reverse())).toBe(true);
  });

  it("runs over IPv6, checking the address in the certificate", async () => {
    const { net: n, bAddress6 } = chain({ seed: 13, ipv6: true, impairments: { loss: 0.02 } });
    const leaf = ca.issue({ commonName: "b6", ipAddresses: [bAddress6] });
    createTlsServer(net(n.node("b")), leaf, (s) => s.end("over v6")).listen(7);
    const text = await runNodeUntilSettled(
      n.sim,
      new Promise<string>((resolve, reject) => {
        const s = connectTls(net(n.node("a")), { host: bAddress6, port: 7, ca: ca.cert });
        let got = "";
        s.setEncoding("latin1");
        s.on("data", (d: string) => {
          got += d;
        });
        s.on("end", () => resolve(`${got} ${s.remoteAddress ?? "?"}`));
        s.on("error", reject);
      }),
    );
    expect(text).toBe(`over v6 ${bAddress6}`);
  });

  it("speaks TLS 1.2 when the client asks for it", async () => {
    const lab = tlsLab(5, { ca });
    createTlsServer(lab.b, lab.leaf, (s) => s.end("ok")).listen(7);
    const s = await handshake(lab, { port: 7, ca: ca.cert, maxVersion: "TLSv1.2" });
    expect(s.getProtocol()).toBe("TLSv1.2");
    s.destroy();
  });

  it("authenticates a client certificate (mutual TLS)", async () => {
    const lab = tlsLab(6, { ca });
    const client = ca.issue({ commonName: "client-a" });
    const seen: { authorized: boolean; cn: unknown }[] = [];
    createTlsServer(
      lab.b,
      { ...lab.leaf, ca: ca.cert, requestCert: true, rejectUnauthorized: true },
      (s) => {
        seen.push({ authorized: s.authorized, cn: s.getPeerCertificate().subject?.CN });
        s.end();
      },
    ).listen(7);
    const s = await handshake(lab, { port: 7, ca: ca.cert, key: client.key, cert: client.cert });
    await runNodeUntilSettled(lab.n.sim, new Promise((resolve) => s.once("end", resolve)));
    expect(seen).toEqual([{ authorized: true, cn: "client-a" }]);
  });
});

describe("TLS handshake failures surface as Node's errors", () => {
  /** The code of the client's error, and what the server's 'tlsClientError' saw. */
  async function failure(
    certificate: { key: string; cert: string } | undefined,
    o: Partial<TlsConnectOptions>,
  ): Promise<{ client: unknown; server: unknown[] }> {
    const lab = tlsLab(7, { ca });
    const server = createTlsServer(lab.b, certificate ?? lab.leaf, (s) => s.end());
    const serverErrors: unknown[] = [];
    server.server.on("tlsClientError", (e: NodeJS.ErrnoException) => serverErrors.push(e.code));
    server.listen(7);
    const client = await handshake(lab, { port: 7, ...o }).then(
      () => "connected",
      (e: NodeJS.ErrnoException) => e.code,
    );
    lab.n.sim.run(); // the alert reaches the server
    await runNodeUntilSettled(lab.n.sim, Promise.resolve());
    return { client, server: serverErrors };
  }

  it("unknown CA: UNABLE_TO_VERIFY_LEAF_SIGNATURE", async () => {
    const r = await failure(undefined, {}); // no ca: Node's bundled roots do not know ours
    expect(r.client).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    // Node checks the chain in JS once OpenSSL's handshake is done, then just closes: no alert
    // is sent, so the server sees a finished handshake and a close, not a tlsClientError.
    expect(r.server).toEqual([]);
  });

  it("unknown CA sent in the chain: SELF_SIGNED_CERT_IN_CHAIN", async () => {
    const lab = tlsLab(8, { ca });
    const chain = { key: lab.leaf.key, cert: lab.leaf.cert + ca.cert };
    const other = createTestCa({ commonName: "someone else" });
    const r = await failure(chain, { ca: other.cert });
    expect(r.client).toBe("SELF_SIGNED_CERT_IN_CHAIN");
  });

  it("wrong name: ERR_TLS_CERT_ALTNAME_INVALID", async () => {
    const r = await failure(undefined, { ca: ca.cert, servername: "not-b.lab" });
    expect(r.client).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("expired certificate: CERT_HAS_EXPIRED", async () => {
    const expired = ca.issue({
      ...leafFor("10.0.2.2"),
      notBefore: new Date("2020-01-01T00:00:00Z"),
      notAfter: new Date("2021-01-01T00:00:00Z"),
    });
    const r = await failure(expired, { ca: ca.cert });
    expect(r.client).toBe("CERT_HAS_EXPIRED");
  });

  it("a name the certificate has, with the right CA, connects (the control case)", async () => {
    const r = await failure(undefined, { ca: ca.cert, servername: "b.lab" });
    expect(r.client).toBe("connected");
    expect(r.server).toEqual([]);
  });

  it("no server: ECONNREFUSED through https", async () => {
    const lab = tlsLab(9, { ca });
    const agent = httpsAgent(lab.a, { ca: ca.cert });
    const code = await runNodeUntilSettled(
      lab.n.sim,
      get(agent, lab.bAddress, "/").then(
        () => "replied",
        (e: NodeJS.ErrnoException) => e.code,
      ),
    );
    expect(code).toBe("ECONNREFUSED");
  });
});

describe("the portable engine has no TLS, and says so", () => {
  it("its URL parser points https users to the Node entry", () => {
    const r = parseUrl("https://b.lab/");
    expect(r).not.toHaveProperty("host");
    expect(String((r as { detail?: string }).detail)).toContain('"wirelab/node"');
  });
});
