/**
 * Shared by the TLS tests: a small lossy internet (a - r1 - r2 - b, loss on r1 - r2), a test CA
 * with a certificate for b, an HTTPS server on b:443 and a client's GET.
 */
import type { IncomingHttpHeaders } from "node:http";
import https from "node:https";
import type { Network } from "../../src/net/network.js";
import { ms } from "../../src/sim/time.js";
import { type NetModule, net } from "../../src/socket/node/net.js";
import {
  createTestCa,
  type IssuedCertificate,
  type TestCertificateAuthority,
} from "../../src/socket/node/test-ca.js";
import { createHttpsServer, type SimulatedSecureServer } from "../../src/socket/node/tls.js";
import { chain } from "../../src/transport/tcp/transfer.test-support.js";

/** Deterministic bytes of a given length and flavour. */
export function body(length: number, salt: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 131 + salt + (i >>> 9)) & 0xff;
  return b;
}

/** The lab: network, addresses, the CA, b's certificate and each host's net module. */
export interface TlsLab {
  n: Network;
  bAddress: string;
  ca: TestCertificateAuthority;
  leaf: IssuedCertificate;
  a: NetModule;
  b: NetModule;
  /** Packets the lossy hop dropped so far. */
  lost: () => number;
}

/** Options of tlsLab. */
export interface TlsLabOptions {
  /** Loss on the middle hop (default 2 %). */
  loss?: number;
  /** The authority (default: a new one). */
  ca?: TestCertificateAuthority;
  /** b's certificate (default: a new P-256 one from `ca` for b.lab and b's address). */
  leaf?: IssuedCertificate;
}

/** A fresh lab. */
export function tlsLab(seed: number, o: TlsLabOptions = {}): TlsLab {
  const ca = o.ca ?? createTestCa();
  const loss = o.loss ?? 0.02;
  const { net: n, bAddress } = chain({ seed, delay: ms(4), impairments: { loss } });
  let lost = 0;
  n.events.subscribe((e) => {
    if (e.kind === "drop" && e.reason === "loss") lost++;
  });
  const leaf = o.leaf ?? ca.issue(leafFor(bAddress));
  return { n, bAddress, ca, leaf, a: net(n.node("a")), b: net(n.node("b")), lost: () => lost };
}

/** What b's certificate names: b.lab and its address. */
export function leafFor(bAddress: string) {
  return { commonName: "b.lab", dnsNames: ["b.lab"], ipAddresses: [bAddress] };
}

/** An HTTPS server on b:443: the given pages, 404 for anything else, no real-time Date header. */
export function serveHttps(
  lab: TlsLab,
  pages: Record<string, Buffer>,
  certificate: { key: string; cert: string } = lab.leaf,
): SimulatedSecureServer<https.Server> {
  return createHttpsServer(lab.b, certificate, (req, res) => {
    res.sendDate = false;
    const page = pages[req.url ?? ""];
    if (page === undefined) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("no such page\n");
    } else {
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": page.length,
      });
      res.end(page);
    }
  }).listen(443);
}

/** What a GET brought back. */
export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The request went over a connection kept alive from an earlier one. */
  reused: boolean;
}

/** One GET with Node's https client through `agent`; rejects with Node's error. */
export function get(agent: https.Agent, host: string, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host, port: 443, path, agent }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(parts),
          reused: req.reusedSocket,
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}
