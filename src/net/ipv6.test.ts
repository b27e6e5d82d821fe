import { describe, expect, it } from "vitest";
import { ping } from "../apps/tools/ping.js";
import { traceroute } from "../apps/tools/traceroute.js";
import { ms } from "../sim/time.js";
import { Ipv6Address } from "../wire/address.js";
import type { Icmpv6Record } from "../wire/icmpv6.js";
import { installGlobalRoutes } from "./global-routing.js";
import { Network } from "./network.js";
import type { PacketEvent } from "./packet-events.js";

/** h1 -- r1 -- r2 -- h2 over IPv6 (and IPv4), 5 ms links, the r1-r2 link with MTU `mtu`. */
function chain6(mtu = 1500): Network {
  const net = new Network({ seed: 8 });
  net.addHost("h1");
  net.addHost("h2");
  net.addRouter("r1");
  net.addRouter("r2");
  const l = { delay: ms(5), bandwidth: 100e6 };
  net.connect("h1", "r1", {
    ...l,
    addresses: [
      ["2001:db8:1::1/64", "10.0.1.1/24"],
      ["2001:db8:1::ff/64", "10.0.1.254/24"],
    ],
  });
  net.connect("r1", "r2", { ...l, mtu, addresses: ["2001:db8:2::1/64", "2001:db8:2::2/64"] });
  net.connect("r2", "h2", { ...l, addresses: [["2001:db8:3::ff/64"], ["2001:db8:3::2/64"]] });
  installGlobalRoutes(net);
  return net;
}

describe("IPv6", () => {
  it("pings across routers with output shaped like iputils ping for IPv6", () => {
    const net = chain6();
    const run = ping(net.node("h1"), "2001:db8:3::2", { count: 2 });
    net.sim.run();
    expect(run.output.slice(0, 3)).toEqual([
      "PING 2001:db8:3::2(2001:db8:3::2) 56 data bytes",
      // 104-byte packets: 8.32 us per link at 100 Mbit/s, six link crossings, 30 ms propagation.
      "64 bytes from 2001:db8:3::2: icmp_seq=1 ttl=62 time=30.0 ms",
      "64 bytes from 2001:db8:3::2: icmp_seq=2 ttl=62 time=30.0 ms",
    ]);
    expect(run.stats.rtts[0]).toBeCloseTo(30.04992, 5);
  });

  it("traces the route with hop-limit-exceeded answers, then port unreachable", () => {
    const net = chain6();
    const run = traceroute(net.node("h1"), "2001:db8:3::2");
    net.sim.run();
    expect(run.reached).toBe(true);
    expect(run.output.map((l) => l.replace(/ {2}\d+\.\d+ ms/g, " T"))).toEqual([
      "traceroute to 2001:db8:3::2 (2001:db8:3::2), 30 hops max, 80 byte packets",
      " 1  2001:db8:1::ff T T T",
      " 2  2001:db8:2::2 T T T",
      " 3  2001:db8:3::2 T T T",
    ]);
  });

  it("answers a hop limit of 1 with time exceeded, and an unknown network with no route", () => {
    const net = chain6();
    const got: { from: string; msg: Icmpv6Record }[] = [];
    net.node("h1").ipv6.onIcmp((msg, d) => got.push({ from: d.src.toString(), msg }));
    const data = new Uint8Array(4);
    net
      .node("h1")
      .ipv6.sendIcmp(
        Ipv6Address.of("2001:db8:3::2"),
        { type: "echo-request", checksum: 0, identifier: 1, sequence: 1, data },
        { hopLimit: 1 },
      );
    net.route("h1", "::/0", "2001:db8:1::ff");
    net.node("h1").ipv6.sendIcmp(Ipv6Address.of("2001:db8:99::1"), {
      type: "echo-request",
      checksum: 0,
      identifier: 1,
      sequence: 2,
      data,
    });
    net.sim.run();
    expect(got.map((g) => [g.from, g.msg.type, (g.msg as { code?: number }).code])).toEqual([
      ["2001:db8:1::ff", "time-exceeded", 0],
      ["2001:db8:1::ff", "destination-unreachable", 0],
    ]);
  });

  it("discovers the path MTU from Packet Too Big, then fragments at the source (RFC 8201)", () => {
    const net = chain6(1280);
    const events: PacketEvent[] = [];
    net.events.subscribe((e) => events.push(e));
    const run = ping(net.node("h1"), "2001:db8:3::2", { count: 3, size: 1400 });
    net.sim.run();
    // Request 1 is too big for r1-r2: r1 tells h1, which fragments from then on. Reply 2 is
    // too big on the way back: r2 tells h2 and the reply is lost. Reply 3 comes in fragments.
    expect(run.output[1]).toBe("From 2001:db8:1::ff icmp_seq=1 Packet too big: mtu=1280");
    expect(run.output[2]).toMatch(/^1408 bytes from 2001:db8:3::2: icmp_seq=3 ttl=62 time=/);
    expect(run.stats).toMatchObject({ transmitted: 3, received: 1, errors: 1 });
    expect(
      net.node("h2").ipv6.pathMtu(Ipv6Address.of("2001:db8:1::1"), net.node("h2").interfaces[0]!),
    ).toBe(1280);
    expect(
      net.node("h1").ipv6.pathMtu(Ipv6Address.of("2001:db8:3::2"), net.node("h1").interfaces[0]!),
    ).toBe(1280);
    const narrow = events.filter((e) => e.kind === "transmit" && e.link === "r1-r2");
    expect(narrow.every((e) => e.packet.length <= 1280)).toBe(true);
    expect(events.some((e) => e.kind === "drop" && e.reason === "too-big" && e.node === "r1")).toBe(
      true,
    );
  });

  it("never forwards link-local traffic", () => {
    const net = chain6();
    const h1 = net.node("h1");
    const ll = net.node("r2").interfaces[0]!.linkLocal;
    net.route("h1", "::/0", "2001:db8:1::ff");
    const events: PacketEvent[] = [];
    net.events.subscribe((e) => events.push(e));
    // Force it out of h1's interface toward r1: r1 must not pass it on to r2.
    h1.ipv6.sendIcmp(
      ll,
      { type: "echo-request", checksum: 0, identifier: 1, sequence: 1, data: new Uint8Array(0) },
      { iface: h1.interfaces[0]! },
    );
    net.sim.run();
    expect(events.filter((e) => e.kind === "forward")).toHaveLength(0);
    expect(events.find((e) => e.kind === "drop")?.node).toBe("r1");
  });
});
