import { describe, expect, it } from "vitest";
import { ping } from "../apps/tools/ping.js";
import { ms, sec } from "../sim/time.js";
import { Ipv6Address } from "../wire/address.js";
import { toHex } from "../wire/bytes.js";
import { ICMPV6_PROTOCOL } from "../wire/icmpv6.js";
import { emitNdp, solicitedNodeAddress } from "../wire/ndp.js";
import { installGlobalRoutes } from "./global-routing.js";
import { Network } from "./network.js";
import type { PacketEvent } from "./packet-events.js";

const A = (s: string) => Ipv6Address.of(s);

/** h1, h2 and r1 on switch s1 (2001:db8:1::/64); r1 -- h3 point to point (2001:db8:9::/64). */
function lan6(): Network {
  const net = new Network({ seed: 4 });
  net.addSwitch("s1");
  for (const h of ["h1", "h2", "h3"]) net.addHost(h);
  net.addRouter("r1");
  net.connect("h1", "s1", { delay: ms(1), addresses: ["2001:db8:1::1/64", []] });
  net.connect("h2", "s1", { delay: ms(1), addresses: ["2001:db8:1::2/64", []] });
  net.connect("r1", "s1", { delay: ms(1), addresses: ["2001:db8:1::fe/64", []] });
  net.connect("r1", "h3", { delay: ms(1), addresses: ["2001:db8:9::1/64", "2001:db8:9::2/64"] });
  installGlobalRoutes(net);
  return net;
}

/** Frames put on the wire by hosts and routers (not the switch), as [time, node, hex]. */
function frames(net: Network): [number, string, string][] {
  const out: [number, string, string][] = [];
  net.events.subscribe((e) => {
    if (e.kind === "transmit" && e.framing === "ethernet" && e.node !== "s1") {
      out.push([e.time, e.node, toHex(e.packet)]);
    }
  });
  return out;
}

const ndpOf = (net: Network, node: string) => net.node(node).interfaces[0]!.ndp!;

// Captured from the simulation, written with text2pcap -l 1 and decoded by tshark: each is the
// NDP message named, hop limit 255, ICMPv6 checksum [correct].
// h1 (02:00:00:00:01:01) -> 33:33:ff:00:00:02: NS 2001:db8:1::1 -> ff02::1:ff00:2 for
// 2001:db8:1::2, source link-layer address 02:00:00:00:01:01 (RFC 4861 §7.2.2, RFC 2464 §7).
const NS_FRAME =
  "3333ff000002 020000000101 86dd 6000000000203aff 20010db8000100000000000000000001" +
  "ff0200000000000000000001ff000002 87001b2500000000 20010db8000100000000000000000002" +
  "0101020000000101";
// h2 -> h1: NA 2001:db8:1::2 -> 2001:db8:1::1, flags S and O, target link-layer 02:00:00:00:02:01.
const NA_FRAME =
  "020000000101 020000000201 86dd 6000000000203aff 20010db8000100000000000000000002" +
  "20010db8000100000000000000000001 8800886f60000000 20010db8000100000000000000000002" +
  "0201020000000201";
// Five seconds after h2 first used its STALE entry for h1: a unicast probe from h2's
// link-local address (§7.3.3), and h1's solicited answer.
const PROBE_FRAME =
  "020000000101 020000000201 86dd 6000000000203aff fe800000000000000000000200000001" +
  "20010db8000100000000000000000001 870019a900000000 20010db8000100000000000000000001" +
  "0101020000000201";
const PROBE_ANSWER =
  "020000000201 020000000101 86dd 6000000000203aff 20010db8000100000000000000000001" +
  "fe800000000000000000000200000001 8800b8a860000000 20010db8000100000000000000000001" +
  "0201020000000101";
const hex = (s: string) => s.replace(/\s+/g, "");

describe("NDP on an Ethernet LAN", () => {
  it("resolves with a multicast NS to the solicited-node group and a solicited NA, then pings", () => {
    const net = lan6();
    const seen = frames(net);
    const run = ping(net.node("h1"), "2001:db8:1::2", { count: 2 });
    net.sim.run();
    expect(run.output.slice(1, 3)).toEqual([
      // Resolution costs one round trip across the switch (4 ms) before the first request.
      "64 bytes from 2001:db8:1::2: icmp_seq=1 ttl=64 time=8.01 ms",
      "64 bytes from 2001:db8:1::2: icmp_seq=2 ttl=64 time=4.00 ms",
    ]);
    expect(seen.map(([, node, h]) => [node, h.slice(0, 12), h.slice(108, 110)])).toEqual([
      ["h1", "3333ff000002", "87"], // NS
      ["h2", "020000000101", "88"], // NA
      ["h1", "020000000201", "80"], // echo request
      ["h2", "020000000101", "81"], // echo reply
      ["h1", "020000000201", "80"],
      ["h2", "020000000101", "81"],
      ["h2", "020000000101", "87"], // unicast probe (h2 learnt h1 from the NS: STALE, DELAY)
      ["h1", "020000000201", "88"],
    ]);
    expect(seen[0]![2]).toBe(hex(NS_FRAME));
    expect(seen[1]![2]).toBe(hex(NA_FRAME));
    expect(seen[6]![0]).toBe(sec(5) + ms(6) + 4640); // DELAY_FIRST_PROBE_TIME after the reply
    expect(seen[6]![2]).toBe(hex(PROBE_FRAME));
    expect(seen[7]![2]).toBe(hex(PROBE_ANSWER));
    // The switch floods the multicast NS only; everything else goes to one learnt port.
    expect(net.switch("s1").stats.flooded).toBe(1);
    expect(ndpOf(net, "h1").stats).toMatchObject({ solicitationsSent: 1, resolved: 1 });
    expect(
      ndpOf(net, "h2")
        .entries()
        .map((e) => [e.address.toString(), e.state]),
    ).toEqual([["2001:db8:1::1", "REACHABLE"]]);
    // r1 heard the NS but is not the target: no answer, no entry.
    expect(ndpOf(net, "r1").entries()).toEqual([]);
  });

  it("joins the solicited-node group of every address, link-local included", () => {
    const net = lan6();
    const h2 = net.node("h2");
    expect(h2.ipv6.isLocal(solicitedNodeAddress(A("2001:db8:1::2")))).toBe(true);
    expect(h2.ipv6.isLocal(solicitedNodeAddress(h2.interfaces[0]!.linkLocal))).toBe(true);
    expect(h2.ipv6.isLocal(solicitedNodeAddress(A("2001:db8:1::fe")))).toBe(false);
    // Groups keep only 24 bits: h2's fe80::2:0:1 shares ff02::1:ff00:1 with 2001:db8:1::1.
    expect(h2.ipv6.isLocal(solicitedNodeAddress(A("2001:db8:1::1")))).toBe(true);
  });

  it("reaches off-LAN hosts through a router, resolving its link-local address", () => {
    const net = lan6();
    const r1ll = net.node("r1").interfaces[0]!.linkLocal;
    const out = ping(net.node("h1"), "2001:db8:9::2", { count: 3 });
    const back = ping(net.node("h3"), "2001:db8:1::2", { count: 2 });
    net.sim.run();
    expect(out.stats.received).toBe(3);
    expect(out.output[2]).toMatch(/^64 bytes from 2001:db8:9::2: icmp_seq=2 ttl=63 time=/);
    expect(back.stats.received).toBe(2);
    // The global routes point at r1's link-local address; r1's NA said it is a router.
    const h1Cache = ndpOf(net, "h1").entries();
    expect(h1Cache.map((e) => [e.address.toString(), e.router])).toEqual([[r1ll.toString(), true]]);
    expect(ndpOf(net, "h1").lookup(r1ll)).toBe(net.node("r1").interfaces[0]!.mac);
    // r1 resolved h2 itself (for h3's ping), learnt h1 from its solicitation, and h2's
    // link-local address from the probe h2 sent it five seconds later.
    expect(
      ndpOf(net, "r1")
        .entries()
        .map((e) => e.address.toString()),
    ).toEqual(["2001:db8:1::2", "2001:db8:1::1", "fe80::2:0:1"]);
  });

  it("answers an unresolvable neighbor with Destination unreachable: Address unreachable", () => {
    const net = lan6();
    const events: PacketEvent[] = [];
    net.events.subscribe((e) => events.push(e));
    const local = ping(net.node("h1"), "2001:db8:1::77", { count: 1, wait: sec(5) });
    const routed = ping(net.node("h3"), "2001:db8:1::78", { count: 1, wait: sec(5) });
    net.sim.run();
    expect(local.output[1]).toBe(
      "From 2001:db8:1::1 icmp_seq=1 Destination unreachable: Address unreachable",
    );
    expect(routed.output[1]).toBe(
      "From 2001:db8:9::1 icmp_seq=1 Destination unreachable: Address unreachable",
    );
    expect(ndpOf(net, "h1").stats).toMatchObject({ solicitationsSent: 3, failed: 1 });
    expect(ndpOf(net, "r1").stats).toMatchObject({ solicitationsSent: 3, failed: 1 });
    // Three solicitations a second apart, then failure (RFC 4861 §7.2.2, MAX_MULTICAST_SOLICIT).
    const ns = events.filter(
      (e) => e.kind === "transmit" && e.node === "h1" && toHex(e.packet, 0, 3) === "3333ff",
    );
    expect(ns.map((e) => e.time)).toEqual([0, sec(1), sec(2)]);
    const drop = events.find((e) => e.reason === "ndp-failed" && e.node === "h1");
    expect(drop?.time).toBe(sec(3));
    expect(ndpOf(net, "h1").state(A("2001:db8:1::77"))).toBeUndefined();
  });

  it("ages entries: REACHABLE for 30 s, then STALE, then collected", () => {
    const net = lan6();
    ping(net.node("h1"), "2001:db8:1::2", { count: 1 });
    net.sim.runUntil(sec(1));
    const ndp = ndpOf(net, "h1");
    const h2 = A("2001:db8:1::2");
    expect(ndp.state(h2)).toBe("REACHABLE");
    net.sim.runUntil(sec(29));
    expect(ndp.state(h2)).toBe("REACHABLE");
    net.sim.runUntil(sec(31));
    expect(ndp.state(h2)).toBe("STALE");
    expect(ndp.lookup(h2)).toBe(net.node("h2").interfaces[0]!.mac);
    net.sim.runUntil(sec(91));
    expect(ndp.state(h2)).toBeUndefined();
    expect(ndp.entries()).toEqual([]);
  });

  it("probes a STALE neighbor that went away, then deletes its entry", () => {
    const net = lan6();
    ping(net.node("h1"), "2001:db8:1::2", { count: 1 });
    net.sim.at(ms(100), () => net.crash("h1"));
    const seen = frames(net);
    net.sim.runUntil(sec(5));
    const ndp = ndpOf(net, "h2");
    const h1 = A("2001:db8:1::1");
    expect(ndp.state(h1)).toBe("DELAY");
    net.sim.runUntil(sec(6));
    expect(ndp.state(h1)).toBe("PROBE");
    net.sim.run();
    expect(ndp.state(h1)).toBeUndefined();
    const probes = seen.filter(([, n, h]) => n === "h2" && h.slice(108, 110) === "87");
    expect(probes).toHaveLength(3); // MAX_UNICAST_SOLICIT, all to h1's cached MAC
    expect(probes.every(([, , h]) => h.startsWith("020000000101"))).toBe(true);
  });

  it("ignores NDP messages whose hop limit is not 255 (RFC 4861 §7.1.1)", () => {
    const net = lan6();
    const h1 = net.node("h1");
    const iface = h1.interfaces[0]!;
    const target = A("2001:db8:1::2");
    const group = solicitedNodeAddress(target);
    const ns = (hopLimit: number) => {
      const src = iface.linkLocal;
      const payload = emitNdp(
        {
          type: "neighbor-solicitation",
          target,
          options: [{ type: "source-link-layer", mac: iface.mac }],
        },
        { family: 6, src, dst: group },
      );
      h1.ipv6.send({ dst: group, src, protocol: ICMPV6_PROTOCOL, payload, hopLimit, iface });
    };
    ns(64);
    net.sim.run();
    const h2 = ndpOf(net, "h2");
    expect(h2.stats).toMatchObject({ invalid: 1, advertisementsSent: 0 });
    expect(h2.entries()).toEqual([]);
    ns(255);
    net.sim.run();
    expect(h2.stats).toMatchObject({ invalid: 1, advertisementsSent: 1 });
    expect(h2.state(iface.linkLocal)).toBe("STALE");
  });

  it("applies unsolicited advertisements as §7.2.5 says, and learns routers from RAs", () => {
    const net = lan6();
    ping(net.node("h1"), "2001:db8:1::2", { count: 1 });
    net.sim.runUntil(sec(1));
    const ndp = ndpOf(net, "h1");
    const h2addr = A("2001:db8:1::2");
    const oldMac = net.node("h2").interfaces[0]!.mac;
    const newMac = 0x02_00_00_00_99_01;
    /** Sends an NDP message from h2 or r1's interface to all nodes, hop limit 255. */
    const announce = (node: string, src: Ipv6Address, m: Parameters<typeof emitNdp>[0]) => {
      const n = net.node(node);
      const dst = A("ff02::1");
      const payload = emitNdp(m, { family: 6, src, dst });
      const iface = n.interfaces[0]!;
      n.ipv6.send({ dst, src, protocol: ICMPV6_PROTOCOL, payload, hopLimit: 255, iface });
      net.sim.runUntil(net.sim.now + ms(10));
    };
    const na = (override: boolean) => ({
      type: "neighbor-advertisement" as const,
      router: false,
      solicited: false,
      override,
      target: h2addr,
      options: [{ type: "target-link-layer" as const, mac: newMac }],
    });
    // Without O, a different address only makes a REACHABLE entry STALE.
    announce("h2", h2addr, na(false));
    expect([ndp.state(h2addr), ndp.lookup(h2addr)]).toEqual(["STALE", oldMac]);
    // With O, the new address replaces the old one.
    announce("h2", h2addr, na(true));
    expect([ndp.state(h2addr), ndp.lookup(h2addr)]).toEqual(["STALE", newMac]);
    // An RA from r1's link-local address: r1 becomes a router neighbor, its timers are adopted.
    const r1 = net.node("r1").interfaces[0]!;
    const ra = {
      type: "router-advertisement" as const,
      hopLimit: 64,
      managed: false,
      other: false,
      routerLifetime: 1800,
      reachableTime: 20_000,
      retransTimer: 500,
      options: [{ type: "source-link-layer" as const, mac: r1.mac }],
    };
    announce("r1", r1.linkLocal, ra);
    expect(ndp.entries().find((e) => e.address.equals(r1.linkLocal))).toMatchObject({
      mac: r1.mac,
      state: "STALE",
      router: true,
    });
    expect([ndp.reachableTime, ndp.retransTimer]).toEqual([sec(20), ms(500)]);
    // §6.1.2: an RA from a global address is discarded.
    announce("r1", A("2001:db8:1::fe"), ra);
    expect(ndp.stats.invalid).toBe(1);
  });

  it("forgets its neighbors when the link goes down", () => {
    const net = lan6();
    ping(net.node("h1"), "2001:db8:1::2", { count: 1 });
    net.sim.run();
    expect(ndpOf(net, "h1").entries()).toHaveLength(2); // h2, and h2's link-local from its probe
    net.setLinkUp("h1-s1", false);
    expect(ndpOf(net, "h1").entries()).toEqual([]);
  });
});
