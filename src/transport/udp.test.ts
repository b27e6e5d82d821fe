import { describe, expect, it } from "vitest";
import { installGlobalRoutes } from "../net/global-routing.js";
import { Network } from "../net/network.js";
import type { PacketEvent } from "../net/packet-events.js";
import { ms } from "../sim/time.js";
import { TransportError } from "./errors.js";
import { type UdpMessage, type UdpSocket, type UdpSocketError, udp } from "./udp.js";

function net(opts: { loss?: number; corrupt?: number } = {}): Network {
  const n = new Network({ seed: 21 });
  n.addHost("a");
  n.addHost("b");
  n.addRouter("r");
  n.connect("a", "r", {
    delay: ms(2),
    addresses: [
      ["10.0.1.1/24", "fd00:1::1/64"],
      ["10.0.1.254/24", "fd00:1::ff/64"],
    ],
  });
  n.connect("r", "b", {
    delay: ms(2),
    addresses: [
      ["10.0.2.254/24", "fd00:2::ff/64"],
      ["10.0.2.1/24", "fd00:2::1/64"],
    ],
    impairments: { loss: opts.loss ?? 0, corrupt: opts.corrupt ?? 0 },
  });
  installGlobalRoutes(n);
  return n;
}

function bound(s: UdpSocket | TransportError): UdpSocket {
  if (s instanceof TransportError) throw new Error(s.message);
  return s;
}

describe("UDP", () => {
  it("delivers datagrams to the bound socket and replies reach the ephemeral port", () => {
    const n = net();
    const server = bound(udp(n.node("b")).bind(7));
    server.onMessage((m) => server.send(m.data, m.from.port, m.from.address));
    const client = bound(udp(n.node("a")).bind());
    expect(client.local.port).toBeGreaterThanOrEqual(32768);
    expect(client.local.port).toBeLessThanOrEqual(60999);
    const got: UdpMessage[] = [];
    client.onMessage((m) => got.push(m));
    expect(client.send(new TextEncoder().encode("hello"), 7, "10.0.2.1")).toBeUndefined();
    n.sim.run();
    expect(got).toHaveLength(1);
    expect(new TextDecoder().decode(got[0]!.data)).toBe("hello");
    expect(got[0]!.from).toEqual({ address: "10.0.2.1", port: 7 });
    expect(got[0]!.ttl).toBe(63);
  });

  it("refuses a port in use with EADDRINUSE, wildcard against specific too", () => {
    const n = net();
    const l = udp(n.node("b"));
    bound(l.bind(53));
    expect((l.bind(53) as TransportError).code).toBe("EADDRINUSE");
    expect((l.bind(53, "10.0.2.1") as TransportError).code).toBe("EADDRINUSE");
    expect((l.bind(54, "192.0.2.1") as TransportError).code).toBe("EADDRNOTAVAIL");
    const s = bound(l.bind(55, "10.0.2.1"));
    expect((l.bind(55) as TransportError).code).toBe("EADDRINUSE");
    s.close();
    bound(l.bind(55));
  });

  it("answers a closed port with ICMP port unreachable, seen by the sender as ECONNREFUSED", () => {
    const n = net();
    const client = bound(udp(n.node("a")).bind());
    const errors: UdpSocketError[] = [];
    client.onError((e) => errors.push(e));
    client.send(new Uint8Array(4), 9999, "10.0.2.1");
    n.sim.run();
    expect(errors.map((e) => [e.error.code, e.peer.port, e.reporter])).toEqual([
      ["ECONNREFUSED", 9999, "10.0.2.1"],
    ]);
  });

  it("carries 65,507-byte datagrams in fragments and refuses one byte more", () => {
    const n = net();
    const server = bound(udp(n.node("b")).bind(9));
    const sizes: number[] = [];
    server.onMessage((m) => sizes.push(m.data.length));
    const client = bound(udp(n.node("a")).bind());
    const big = new Uint8Array(65_507).map((_, i) => i & 0xff);
    expect(client.send(big, 9, "10.0.2.1")).toBeUndefined();
    expect(client.send(new Uint8Array(65_508), 9, "10.0.2.1")?.code).toBe("EMSGSIZE");
    n.sim.run();
    expect(sizes).toEqual([65_507]);
  });

  it("loses a whole datagram when any fragment is lost", () => {
    const n = net({ loss: 0.05 });
    const server = bound(udp(n.node("b")).bind(9));
    let whole = 0;
    server.onMessage((m) => {
      expect(m.data.length).toBe(14_000);
      whole++;
    });
    const client = bound(udp(n.node("a")).bind());
    for (let i = 0; i < 200; i++)
      n.sim.at(i * ms(10), () => client.send(new Uint8Array(14_000), 9, "10.0.2.1"));
    n.sim.run();
    // 10 fragments each: P(all arrive) = 0.95^10 ~ 0.60 -> about 120 of 200.
    expect(whole).toBeGreaterThan(95);
    expect(whole).toBeLessThan(145);
  });

  it("drops corrupted datagrams by checksum instead of delivering them", () => {
    const n = net({ corrupt: 0.5 });
    const events: PacketEvent[] = [];
    n.events.subscribe((e) => events.push(e));
    const server = bound(udp(n.node("b")).bind(9));
    const got: Uint8Array[] = [];
    server.onMessage((m) => got.push(m.data));
    const client = bound(udp(n.node("a")).bind());
    const data = new Uint8Array(200).fill(0x5a);
    for (let i = 0; i < 100; i++) n.sim.at(i * ms(1), () => client.send(data, 9, "10.0.2.1"));
    n.sim.run();
    for (const g of got) expect(g).toEqual(data);
    const corrupted = events.filter((e) => e.kind === "corrupt").length;
    const rejected = events.filter(
      (e) => e.kind === "drop" && (e.reason === "bad-checksum" || e.reason === "bad-header"),
    ).length;
    expect(corrupted).toBeGreaterThan(30);
    expect(rejected).toBe(corrupted);
    expect(got.length).toBe(100 - corrupted);
  });

  it("works over IPv6 too, with its own port space and ICMPv6 errors", () => {
    const n = net();
    const b = udp(n.node("b"));
    const server = bound(b.bind(7, "::"));
    bound(b.bind(7)); // IPv4 port 7 is separate
    server.onMessage((m) => server.send(m.data, m.from.port, m.from.address));
    const client = bound(udp(n.node("a")).bind(0, "::"));
    expect(client.family).toBe(6);
    const got: UdpMessage[] = [];
    client.onMessage((m) => got.push(m));
    const errors: UdpSocketError[] = [];
    client.onError((e) => errors.push(e));
    client.send(new TextEncoder().encode("six"), 7, "fd00:2::1");
    client.send(new Uint8Array(1), 9, "fd00:2::1");
    expect(client.send(new Uint8Array(1), 9, "10.0.2.1")?.code).toBe("EINVAL");
    expect(client.send(new Uint8Array(65_528), 9, "fd00:2::1")?.code).toBe("EMSGSIZE");
    n.sim.run();
    expect(got.map((m) => [new TextDecoder().decode(m.data), m.from.address, m.ttl])).toEqual([
      ["six", "fd00:2::1", 63],
    ]);
    expect(errors.map((e) => [e.error.code, e.peer.port])).toEqual([["ECONNREFUSED", 9]]);
  });
});
