/**
 * TCP (RFC 5382) and ICMP (RFC 5508) through the NAT: a byte-exact bulk transfer, the TCP
 * mapping's idle timeout following SYN and FIN, an unsolicited SYN filtered, ping, and ICMP
 * errors from outside translated back to the inside host (traceroute and port unreachable).
 */
import { describe, expect, it } from "vitest";
import { ping } from "../src/apps/tools/ping.js";
import { traceroute } from "../src/apps/tools/traceroute.js";
import { NAT_TCP_ESTABLISHED_TIMEOUT, NAT_TCP_TRANSITORY_TIMEOUT } from "../src/net/nat/index.js";
import { ms, sec } from "../src/sim/time.js";
import { type StreamSocket, sockets } from "../src/socket/index.js";
import { TransportError } from "../src/transport/errors.js";
import { natLab, openUdpMapping, PUBLIC, S1, udpOn } from "./support/nat-lab.js";

const BYTES = 1_000_000;

function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >>> 8)) & 0xff;
  return b;
}

describe("TCP through the NAT (RFC 5382)", () => {
  it("carries a 1 MB transfer byte for byte, the server seeing the public address", () => {
    const lab = natLab();
    const chunks: Uint8Array[] = [];
    let remote = "";
    const server = sockets(lab.s1).listen(80, (s: StreamSocket) => {
      remote = `${s.remote.address}`;
      s.onData((d) => chunks.push(d.slice()));
      s.onEnd(() => s.end());
    });
    if (server instanceof TransportError) throw new Error(server.message);
    const c = sockets(lab.h1).connect({ address: S1, port: 80 });
    if (c instanceof TransportError) throw new Error(c.message);
    const data = pattern(BYTES);
    c.onConnect(() => {
      c.write(data);
      c.end();
    });
    lab.net.sim.runUntil(ms(40)); // connected, transfer under way
    const [m] = lab.nat.mappings();
    expect(m).toMatchObject({
      protocol: "tcp",
      internal: `192.168.1.2:${c.local.port}`,
      tcp: "established",
    });
    expect(m!.expires - lab.net.sim.now).toBeGreaterThan(NAT_TCP_ESTABLISHED_TIMEOUT - sec(1));
    lab.net.sim.runUntil(sec(30));
    const got = new Uint8Array(chunks.reduce((n, x) => n + x.length, 0));
    let o = 0;
    for (const x of chunks) {
      got.set(x, o);
      o += x.length;
    }
    expect(got.length).toBe(BYTES);
    expect(got).toEqual(data);
    expect(remote).toBe(PUBLIC);
    expect(lab.drops.filter((d) => d.reason === "bad-checksum")).toEqual([]);
    // Both FINs seen: the mapping is closing and lives the transitory 4 minutes.
    const [closed] = lab.nat.mappings();
    expect(closed!.tcp).toBe("closing");
    expect(closed!.expires - closed!.created).toBeLessThan(sec(30) + NAT_TCP_TRANSITORY_TIMEOUT);
    lab.net.sim.runUntil(sec(30) + NAT_TCP_TRANSITORY_TIMEOUT);
    expect(lab.nat.mappings()).toEqual([]);
  });

  it("keeps an idle established connection past 2 hours (RFC 5382 REQ-5)", () => {
    const lab = natLab();
    let serverSide: StreamSocket | undefined;
    sockets(lab.s1).listen(80, (s) => {
      serverSide = s;
    });
    const c = sockets(lab.h1).connect({ address: S1, port: 80 });
    if (c instanceof TransportError) throw new Error(c.message);
    const got: string[] = [];
    c.onData((d) => got.push(new TextDecoder().decode(d)));
    lab.net.sim.runUntil(sec(1));
    lab.net.sim.runUntil(sec(2 * 3600 + 3 * 60));
    serverSide!.write(new TextEncoder().encode("after two hours"));
    lab.net.sim.runUntil(sec(2 * 3600 + 3 * 60 + 1));
    expect(got).toEqual(["after two hours"]);
  });

  it("gives a refused connection (SYN out, RST in) the transitory 4 minutes", () => {
    const lab = natLab();
    sockets(lab.s1).listen(80, () => {}); // TCP runs on s1, but nobody listens on 81: RST
    const c = sockets(lab.h1).connect({ address: S1, port: 81 });
    if (c instanceof TransportError) throw new Error(c.message);
    const errors: string[] = [];
    c.onError((e) => errors.push(e.code));
    lab.net.sim.runUntil(sec(1));
    expect(errors).toEqual(["ECONNREFUSED"]);
    const [m] = lab.nat.mappings();
    expect(m!.tcp).toBe("closing");
    expect(m!.expires - m!.created).toBeLessThan(NAT_TCP_TRANSITORY_TIMEOUT + ms(100));
    lab.net.sim.runUntil(NAT_TCP_TRANSITORY_TIMEOUT + sec(1));
    expect(lab.nat.mappings()).toEqual([]);
  });

  it("filters an unsolicited SYN silently", () => {
    const lab = natLab();
    sockets(lab.h1).listen(22, () => {});
    const c = sockets(lab.s1).connect({ address: PUBLIC, port: 22 });
    if (c instanceof TransportError) throw new Error(c.message);
    lab.net.sim.runUntil(sec(2));
    expect(lab.drops.filter((d) => d.reason === "nat-filtered").length).toBeGreaterThan(0);
    expect(lab.nat.mappings()).toEqual([]);
    expect(lab.nat.log[0]!.detail).toMatch(new RegExp(`^${S1}:\\d+ to port 22: no mapping$`));
  });
});

describe("ICMP through the NAT (RFC 5508)", () => {
  it("pings out with the echo identifier mapped, and the replies come back", () => {
    const lab = natLab();
    const seen: string[] = [];
    lab.s1.ipv4.onIcmp((msg, d) => {
      if (msg.type === "echo-request") seen.push(`${d.src}`);
    });
    const run = ping(lab.h1, S1, { count: 3 });
    lab.net.sim.runUntil(sec(5));
    expect(run.stats.received).toBe(3);
    expect(new Set(seen)).toEqual(new Set([`${0xcb007102}`])); // 203.0.113.2
    expect(lab.nat.mappings().map((m) => [m.protocol, m.packetsOut, m.packetsIn])).toEqual([
      ["icmp", 3, 3],
    ]);
    lab.net.sim.runUntil(sec(70));
    expect(lab.nat.mappings()).toEqual([]); // 60 s query timeout (RFC 5508 REQ-1)
  });

  it("translates a port unreachable from outside back to the inside socket", () => {
    const lab = natLab();
    const h1 = udpOn(lab.h1, 5000);
    h1.send("anyone?", S1, 9999);
    lab.net.sim.runUntil(sec(1));
    expect(h1.errors).toEqual(["ECONNREFUSED"]);
    expect(lab.nat.counters.icmpErrors).toBe(1);
  });

  it("traceroute from inside sees every hop, the ISP's time-exceeded translated", () => {
    const lab = natLab();
    const run = traceroute(lab.h1, S1, { probes: 1 });
    lab.net.sim.runUntil(sec(30));
    expect(run.reached).toBe(true);
    expect(run.hops.map((h) => h.probes[0]?.from)).toEqual(["192.168.1.1", "203.0.113.1", S1]);
    expect(lab.nat.counters.icmpErrors).toBe(2);
  });

  it("an inside host's port unreachable leaves with the public address inside and out", () => {
    const lab = natLab({ filtering: "endpoint-independent" });
    const { h1, s } = openUdpMapping(lab);
    h1.socket.close();
    s.send("is anyone there?", PUBLIC, 5000);
    lab.net.sim.runUntil(sec(2));
    expect(s.errors).toEqual(["ECONNREFUSED"]);
  });

  it("the router's own time-exceeded about an inbound packet quotes the public endpoint", () => {
    const lab = natLab({ filtering: "endpoint-independent" });
    const { h1, s } = openUdpMapping(lab);
    const quoted: string[] = [];
    lab.s1.ipv4.onIcmp((msg) => {
      if (msg.type !== "time-exceeded") return;
      const q = msg.original;
      quoted.push(`${q[16]}.${q[17]}.${q[18]}.${q[19]}:${(q[22]! << 8) | q[23]!}`);
    });
    // TTL 2: the ISP forwards it with TTL 1, and the NAT may not forward it further.
    s.socket.send(
      new TextEncoder().encode("short-lived"),
      { address: PUBLIC, port: 5000 },
      { ttl: 2 },
    );
    lab.net.sim.runUntil(sec(2));
    expect(h1.got).toEqual([]);
    expect(quoted).toEqual([`${PUBLIC}:5000`]);
    expect(lab.drops.map((d) => d.reason)).toEqual(["ttl-exceeded"]);
  });

  it("lets the router answer pings to its public address, and serve its own local ports", () => {
    const lab = natLab({ localPorts: [53] });
    const run = ping(lab.s1, PUBLIC, { count: 2 });
    const service = udpOn(lab.nat.node, 53);
    udpOn(lab.s1, 7000).send("query", PUBLIC, 53);
    lab.net.sim.runUntil(sec(5));
    expect(run.stats.received).toBe(2);
    expect(service.got).toEqual([`${S1}:7000 query`]);
    expect(lab.nat.mappings()).toEqual([]);
  });
});
