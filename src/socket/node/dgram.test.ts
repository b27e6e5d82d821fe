import { describe, expect, it } from "vitest";
import { installGlobalRoutes } from "../../net/global-routing.js";
import { Network } from "../../net/network.js";
import { ms } from "../../sim/time.js";
import { dgram, type RemoteInfo } from "./dgram.js";

function net(): Network {
  const n = new Network({ seed: 2 });
  n.addHost("client");
  n.addHost("server");
  n.connect("client", "server", {
    delay: ms(3),
    addresses: [
      ["10.0.0.1/24", "fd00::1/64"],
      ["10.0.0.2/24", "fd00::2/64"],
    ],
  });
  installGlobalRoutes(n);
  return n;
}

describe("node:dgram facade", () => {
  it("runs an echo server and client written against Node's dgram API", () => {
    const n = net();
    const log: string[] = [];
    const server = dgram(n.node("server")).createSocket("udp4");
    server.on("message", (msg: Buffer, rinfo: RemoteInfo) => {
      log.push(
        `server got "${msg.toString()}" from ${rinfo.address}:${rinfo.port} (${rinfo.family}, ${rinfo.size} B)`,
      );
      server.send(msg.toString().toUpperCase(), rinfo.port, rinfo.address);
    });
    server.on("listening", () =>
      log.push(`listening on ${server.address().address}:${server.address().port}`),
    );
    server.bind(41234);
    const client = dgram(n.node("client")).createSocket("udp4", (msg) => {
      log.push(`client got "${msg.toString()}" at ${n.sim.now / 1e6} ms`);
      client.close(() => log.push("client closed"));
    });
    client.send("hello", 41234, "10.0.0.2", (err, bytes) =>
      log.push(`sent ${bytes} bytes, err=${err}`),
    );
    n.sim.run();
    expect(log).toEqual([
      "listening on 0.0.0.0:41234",
      "sent 5 bytes, err=null",
      expect.stringMatching(/^server got "hello" from 10\.0\.0\.1:\d+ \(IPv4, 5 B\)$/),
      expect.stringMatching(/^client got "HELLO" at 6\.\d+ ms$/),
      "client closed",
    ]);
  });

  it("reports EADDRINUSE through 'error', and ECONNREFUSED on a connected socket", () => {
    const n = net();
    const errors: string[] = [];
    const a = dgram(n.node("server")).createSocket("udp4");
    a.bind(53);
    const b = dgram(n.node("server")).createSocket("udp4");
    b.on("error", (e: Error & { code: string }) => errors.push(`bind: ${e.code}`));
    b.bind(53);
    const c = dgram(n.node("client")).createSocket("udp4");
    c.on("error", (e: Error & { code: string }) => errors.push(`recv: ${e.code}`));
    c.connect(9, "10.0.0.2", () => c.send("x"));
    n.sim.run();
    expect(errors).toEqual(["bind: EADDRINUSE", "recv: ECONNREFUSED"]);
  });

  it("speaks IPv6 with udp6 sockets and slices with offset and length", () => {
    const n = net();
    const got: string[] = [];
    const server = dgram(n.node("server")).createSocket("udp6");
    server.on("message", (m: Buffer, r: RemoteInfo) =>
      got.push(`${m.toString()} from ${r.address} ${r.family}`),
    );
    server.bind(5000);
    const client = dgram(n.node("client")).createSocket("udp6");
    client.send(Buffer.from("xxhixx"), 2, 2, 5000, "fd00::2");
    n.sim.run();
    expect(got).toEqual(["hi from fd00::1 IPv6"]);
  });
});
