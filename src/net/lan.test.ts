import { describe, expect, it } from "vitest";
import { ping } from "../apps/tools/ping.js";
import { ms, sec } from "../sim/time.js";
import { parseIpv4Address } from "../wire/address.js";
import { parseArp } from "../wire/arp.js";
import { ETHERTYPE_ARP, parseEthernet } from "../wire/ethernet.js";
import { formatMac } from "../wire/mac.js";
import { ParseError } from "../wire/parse-error.js";
import { installGlobalRoutes } from "./global-routing.js";
import { Network } from "./network.js";
import type { PacketEvent } from "./packet-events.js";

/** h1, h2 and r1 on switch s1 (10.0.0.0/24); r1 -- h3 point to point (10.0.9.0/24). */
function lan(): Network {
  const net = new Network({ seed: 4 });
  net.addSwitch("s1");
  for (const h of ["h1", "h2", "h3"]) net.addHost(h);
  net.addRouter("r1");
  net.connect("h1", "s1", { delay: ms(1), addresses: ["10.0.0.1/24", []] });
  net.connect("h2", "s1", { delay: ms(1), addresses: ["10.0.0.2/24", []] });
  net.connect("r1", "s1", { delay: ms(1), addresses: ["10.0.0.254/24", []] });
  net.connect("r1", "h3", { delay: ms(1), addresses: ["10.0.9.1/24", "10.0.9.2/24"] });
  installGlobalRoutes(net);
  return net;
}

describe("Ethernet LAN with ARP and a learning switch", () => {
  it("resolves with ARP, then the switch forwards to one port instead of flooding", () => {
    const net = lan();
    const frames: PacketEvent[] = [];
    net.events.subscribe((e) => {
      if (e.kind === "transmit" && e.framing === "ethernet") frames.push(e);
    });
    const run = ping(net.node("h1"), "10.0.0.2", { count: 2 });
    net.sim.run();
    expect(run.stats.received).toBe(2);
    const first = parseEthernet(frames[0]!.packet);
    if (first instanceof ParseError) throw new Error(first.message);
    expect(first.etherType).toBe(ETHERTYPE_ARP);
    expect(formatMac(first.dst)).toBe("ff:ff:ff:ff:ff:ff");
    const arp = parseArp(first.payload);
    expect(arp).toMatchObject({
      op: 1,
      targetIp: parseIpv4Address("10.0.0.2"),
      senderIp: parseIpv4Address("10.0.0.1"),
    });
    const s1 = net.switch("s1");
    expect(s1.stats.flooded).toBe(1); // only the ARP request
    expect(s1.macTable().map(([m, p]) => [formatMac(m), p])).toEqual([
      [formatMac(net.node("h1").interfaces[0]!.mac), "port1"],
      [formatMac(net.node("h2").interfaces[0]!.mac), "port2"],
    ]);
    // h2 learnt h1 from the request, so it answers without asking back.
    expect(net.node("h2").interfaces[0]!.arp!.stats.requestsSent).toBe(0);
    expect(net.node("h1").interfaces[0]!.arp!.stats.requestsSent).toBe(1);
  });

  it("routes off the LAN through the router, whose ARP finds the sender's MAC", () => {
    const net = lan();
    net.route("h1", "0.0.0.0/0", "10.0.0.254");
    const run = ping(net.node("h1"), "10.0.9.2", { count: 3 });
    net.sim.run();
    expect(run.stats.received).toBe(3);
    expect(run.output[1]).toMatch(/^64 bytes from 10\.0\.9\.2: icmp_seq=1 ttl=63 time=/);
  });

  it("reports Destination Host Unreachable when nobody answers ARP", () => {
    const net = lan();
    const events: PacketEvent[] = [];
    net.events.subscribe((e) => events.push(e));
    const run = ping(net.node("h1"), "10.0.0.77", { count: 1, wait: sec(5) });
    net.sim.run();
    expect(run.output[1]).toBe("From 10.0.0.1 icmp_seq=1 Destination Host Unreachable");
    expect(net.node("h1").interfaces[0]!.arp!.stats).toMatchObject({ requestsSent: 3, failed: 1 });
    const drop = events.find((e) => e.reason === "arp-failed");
    expect(drop?.time).toBe(sec(3));
  });

  it("expires ARP entries and switch entries with time", () => {
    const net = lan();
    ping(net.node("h1"), "10.0.0.2", { count: 1 });
    net.sim.run();
    const arp = net.node("h1").interfaces[0]!.arp!;
    expect(arp.entries()).toHaveLength(1);
    net.sim.runUntil(net.sim.now + sec(61));
    expect(arp.entries()).toHaveLength(0);
    expect(net.switch("s1").macTable()).toHaveLength(2);
    net.sim.runUntil(net.sim.now + sec(300));
    expect(net.switch("s1").macTable()).toHaveLength(0);
  });
});
