// The proof of the Node facade: Node's own http server and client (llhttp, its streams and
// nextTicks) exchange requests over simulated sockets across three lossy hops, byte for byte,
// and the same seed gives a byte-identical pcapng capture.
import { createHash } from "node:crypto";
import http from "node:http";
import { describe, expect, it } from "vitest";
import { ms } from "../src/sim/time.js";
import { net } from "../src/socket/node/net.js";
import { runNodeUntilSettled } from "../src/socket/node/pump.js";
import { NetworkCapture } from "../src/trace/capture.js";
import { chain } from "../src/transport/tcp/transfer.test-support.js";

/** Deterministic bytes of a given length and flavour. */
function body(length: number, salt: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 131 + salt + (i >>> 9)) & 0xff;
  return b;
}

const BIG = body(500_000, 1);
const UPLOAD = body(300_000, 2);

/** The server: echo a POST body, serve a big download, say hello, or 404. */
function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  // Node stamps every response with a Date header from the real clock: the one thing in this
  // exchange that real time reaches. Turn it off, or two runs differ in those 29 bytes.
  res.sendDate = false;
  const parts: Buffer[] = [];
  req.on("data", (d: Buffer) => parts.push(d));
  req.on("end", () => {
    const received = Buffer.concat(parts);
    if (req.method === "POST" && req.url === "/echo") {
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "x-sha256": createHash("sha256").update(received).digest("hex"),
      });
      res.end(received);
    } else if (req.url === "/big") {
      res.writeHead(200, { "content-length": BIG.length });
      res.end(BIG);
    } else if (req.url === "/hello") {
      res.setHeader("content-type", "text/plain");
      res.end(`hello ${req.headers["user-agent"]} via ${req.socket.remoteAddress}\n`);
    } else {
      res.writeHead(404);
      res.end("no such page");
    }
  });
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Runs the whole exchange over a fresh network; returns the replies and the capture's hash. */
async function scenario(seed: number): Promise<{ replies: Reply[]; pcap: string; lost: number }> {
  const { net: n, bAddress } = chain({
    seed,
    delay: ms(4),
    impairments: { loss: 0.015, jitter: ms(1) },
  });
  let lost = 0;
  n.events.subscribe((e) => {
    if (e.kind === "drop" && e.reason === "loss") lost++;
  });
  const capture = new NetworkCapture(n);
  const httpServer = http.createServer(handler);
  net(n.node("b"))
    .createServer((socket) => httpServer.emit("connection", socket))
    .listen(80);
  const client = net(n.node("a"));
  const request = (method: string, path: string, payload?: Buffer) =>
    new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        {
          method,
          path,
          host: bAddress,
          port: 80,
          headers: {
            "user-agent": "node-http",
            ...(payload ? { "content-length": payload.length } : {}),
          },
          createConnection: () => client.createConnection({ port: 80, host: bAddress }),
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on("data", (d: Buffer) => parts.push(d));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(parts),
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  const main = async () => {
    const replies: Reply[] = [];
    replies.push(await request("GET", "/hello"));
    replies.push(await request("POST", "/echo", UPLOAD));
    // Two at once, on two connections.
    replies.push(...(await Promise.all([request("GET", "/big"), request("GET", "/missing")])));
    return replies;
  };
  const replies = await runNodeUntilSettled(n.sim, main());
  n.sim.run(); // let TIME-WAIT and every timer finish, so the capture is complete
  const pcap = createHash("sha256").update(capture.toPcapng()).digest("hex");
  return { replies, pcap, lost };
}

describe("Node's http over the simulated net facade", () => {
  it("exchanges requests across three lossy hops, byte for byte", async () => {
    const { replies, lost } = await scenario(42);
    expect(lost).toBeGreaterThan(0); // the network really lost packets
    const [hello, echo, big, missing] = replies;
    expect(hello?.status).toBe(200);
    expect(hello?.body.toString()).toBe("hello node-http via 10.0.0.1\n");
    expect(echo?.status).toBe(200);
    expect(echo?.headers["transfer-encoding"]).toBe("chunked");
    expect(echo?.headers["x-sha256"]).toBe(createHash("sha256").update(UPLOAD).digest("hex"));
    expect(echo?.body.equals(UPLOAD)).toBe(true);
    expect(big?.status).toBe(200);
    expect(big?.headers["content-length"]).toBe(String(BIG.length));
    expect(big?.body.equals(BIG)).toBe(true);
    expect(missing?.status).toBe(404);
    expect(missing?.body.toString()).toBe("no such page");
  });

  it("gives a byte-identical pcap for the same seed, and a different one for another", async () => {
    const a = await scenario(7);
    const b = await scenario(7);
    const c = await scenario(8);
    expect(b.pcap).toBe(a.pcap);
    expect(c.pcap).not.toBe(a.pcap);
    expect(b.replies.map((r) => r.body.length)).toEqual(a.replies.map((r) => r.body.length));
  });

  it("reuses one connection with a keep-alive Agent; the server's idle timeout runs on virtual time", async () => {
    const { net: n, bAddress } = chain({ seed: 3, impairments: { loss: 0.01 } });
    const httpServer = http.createServer(handler);
    httpServer.keepAliveTimeout = 5000;
    let connections = 0;
    net(n.node("b"))
      .createServer((socket) => {
        connections++;
        httpServer.emit("connection", socket);
      })
      .listen(80);
    const client = net(n.node("a"));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    // Agent's connection factory is public API (agent.createConnection) but missing from the types.
    Object.assign(agent, {
      createConnection: () => client.createConnection({ port: 80, host: bAddress }),
    });
    const get = (path: string) =>
      new Promise<{ reused: boolean; body: string }>((resolve, reject) => {
        const req = http.get({ host: bAddress, port: 80, path, agent }, (res) => {
          let text = "";
          res.setEncoding("latin1");
          res.on("data", (d: string) => {
            text += d;
          });
          res.on("end", () => resolve({ reused: req.reusedSocket, body: text }));
        });
        req.on("error", reject);
      });
    const main = async () => {
      const out = [];
      for (let i = 0; i < 3; i++) out.push(await get("/hello"));
      return out;
    };
    const replies = await runNodeUntilSettled(n.sim, main());
    expect(replies.map((r) => r.reused)).toEqual([false, true, true]);
    expect(replies.every((r) => r.body === "hello undefined via 10.0.0.1\n")).toBe(true);
    expect(connections).toBe(1);
    const idleFrom = n.sim.now;
    const serverClosedAt = await runNodeUntilSettled(
      n.sim,
      new Promise<number>((resolve) => {
        const socket = Object.values(agent.freeSockets)[0]?.[0];
        socket?.once("close", () => resolve(n.sim.now));
      }),
    );
    // The server's keep-alive timeout closed the idle connection on virtual time: 5 s plus
    // the 1 s HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER recent Node versions add to socket.setTimeout.
    expect(serverClosedAt - idleFrom).toBeGreaterThan(ms(5000));
    expect(serverClosedAt - idleFrom).toBeLessThan(ms(6000) + ms(50));
    agent.destroy();
  });
});
