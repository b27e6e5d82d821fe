/**
 * DHCP on a switched LAN, end to end: leases, the configuration they bring, renewal, rebinding
 * and expiry, exhaustion, NAK, release and malformed messages (topology in support/dhcp-lan.ts).
 */
import { describe, expect, it } from "vitest";
import type { DhcpClient } from "../src/apps/dhcp/client.js";
import { resolvConf } from "../src/apps/dns/resolv-conf.js";
import { lookup } from "../src/apps/dns/stub.js";
import { ping } from "../src/apps/tools/ping.js";
import type { PacketEvent } from "../src/net/packet-events.js";
import { sec } from "../src/sim/time.js";
import { sequenceDiagram } from "../src/trace/sequence.js";
import { formatIpv4 } from "../src/wire/address.js";
import { parseIpv4 } from "../src/wire/ipv4.js";
import { ParseError } from "../src/wire/parse-error.js";
import { parseUdp } from "../src/wire/udp.js";
import { dhcpLan } from "./support/dhcp-lan.js";

/** The "FROM -> TO" state changes a client logged, with their times in seconds. */
function states(c: DhcpClient): string[] {
  return c.log.filter((e) => e.kind === "state").map((e) => e.detail.split(" -> ")[1]!);
}

function stateTimes(c: DhcpClient, s: string): number[] {
  return c.log
    .filter((e) => e.kind === "state" && e.detail.endsWith(`-> ${s}`))
    .map((e) => e.time / 1e9);
}

/** UDP datagrams a node sent to port 67: [source, destination]. */
function requestsTo67(events: PacketEvent[], node: string): [string, string][] {
  const out: [string, string][] = [];
  for (const e of events) {
    if (e.kind !== "send" || e.node !== node) continue;
    const ip = parseIpv4(e.packet);
    if (ip instanceof ParseError || ip.protocol !== 17) continue;
    const u = parseUdp(ip.payload);
    if (u instanceof ParseError || u.dstPort !== 67) continue;
    const f = (a: number) => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
    out.push([f(ip.src), f(ip.dst)]);
  }
  return out;
}

describe("DHCP on a switched LAN", () => {
  it("gives three clients distinct leases that configure address, routes and DNS", () => {
    const { net, dhcp, clients } = dhcpLan(3);
    for (const c of clients) c.start();
    net.sim.runUntil(sec(30));
    expect(clients.map((c) => c.state)).toEqual(["BOUND", "BOUND", "BOUND"]);
    const addresses = clients.map((c) => c.address);
    expect(new Set(addresses).size).toBe(3);
    for (const a of addresses) expect(a).toMatch(/^10\.0\.0\.1\d\d$/);
    // CHECKING: since RFC 5227 probing, the address is ARP-probed between the ACK and BOUND,
    // 3 probes 1-2 s apart after a 0-1 s wait, then 2 s of silence: 4 to 7 s in all.
    expect(states(clients[0]!)).toEqual(["INIT", "SELECTING", "REQUESTING", "CHECKING", "BOUND"]);
    for (const c of clients) {
      const probing = (stateTimes(c, "BOUND")[0]! - stateTimes(c, "CHECKING")[0]!) * 1e9;
      expect(probing).toBeGreaterThanOrEqual(sec(4));
      expect(probing).toBeLessThanOrEqual(sec(7));
    }
    const c1 = clients[0]!.node;
    expect(c1.interfaces[0]!.toString()).toBe(`c1:eth0 ${addresses[0]}/24`);
    expect(c1.routes.format4()).toEqual([
      "default via 10.0.0.1 dev eth0 proto dhcp metric 0",
      "10.0.0.0/24 dev eth0 proto connected metric 0",
    ]);
    expect(resolvConf(c1).nameservers).toEqual(["10.0.9.53"]);
    expect(dhcp.stats).toMatchObject({ offers: 3, acks: 3, naks: 0, malformed: 0 });
    expect(dhcp.log.filter((e) => e.kind === "ack").map((e) => e.address)).toEqual(
      expect.arrayContaining(addresses),
    );
    expect(net.ownerOf4(clients[1]!.lease!.address)).toBe(clients[1]!.node);

    // Beyond the router, by address and by a name the lease's DNS server answers.
    const pings = clients.map((c) => ping(c.node, "10.0.9.53", { count: 2 }));
    const name = lookup(clients[2]!.node, "www.lab");
    net.sim.runUntil(sec(40));
    expect(pings.map((p) => p.stats.received)).toEqual([2, 2, 2]);
    expect(name.result).toEqual({
      ok: true,
      name: "www.lab.",
      addresses: [{ address: "10.0.9.80", family: 4 }],
    });
  });

  it("renews by unicast at T1 and keeps the address", () => {
    const { net, dhcp, clients } = dhcpLan(1, { leaseTime: sec(120) });
    const events: PacketEvent[] = [];
    net.events.subscribe((e) => events.push(e));
    const c = clients[0]!.start();
    net.sim.runUntil(sec(20));
    const first = c.lease!;
    expect(first.t1 - first.start).toBe(sec(60));
    expect(first.t2 - first.start).toBe(sec(105));
    net.sim.runUntil(sec(300));
    expect(c.state).toBe("BOUND");
    expect(c.lease!.address).toBe(first.address);
    // Renewed at each T1 (about 60 s apart), never rebinding.
    const renewing = stateTimes(c, "RENEWING");
    expect(renewing.length).toBeGreaterThanOrEqual(4);
    expect(renewing[0]).toBeCloseTo(first.t1 / 1e9, 6);
    expect(stateTimes(c, "REBINDING")).toEqual([]);
    expect(c.log.filter((e) => e.kind === "renewed").length).toBe(renewing.length);
    expect(dhcp.log.filter((e) => e.detail === "lease renewed").length).toBe(renewing.length);
    // DISCOVER and REQUEST broadcast from 0.0.0.0, then each renewal unicast to the server.
    const sent = requestsTo67(events, "c1");
    expect(sent.slice(0, 2)).toEqual([
      ["0.0.0.0", "255.255.255.255"],
      ["0.0.0.0", "255.255.255.255"],
    ]);
    expect(sent.slice(2)).toEqual(renewing.map(() => [c.address, "10.0.0.1"]));
  });

  it("times the lease on the client's own clock: a clock 25 % fast renews 25 % early", () => {
    // The same LAN and seed twice; only c1's clock rate differs. Every wait of the client (the
    // start delay, the ARP probes, T1 = 60 s after the request) is in its own time, so on a
    // clock running 1.25x the whole timeline shrinks by 1.25 in true time.
    const renewAfter = (driftPpm: number) => {
      const { net, clients } = dhcpLan(1, { leaseTime: sec(120) });
      net.node("c1").clock.configure({ driftPpm });
      const c = clients[0]!.start();
      const trueTimes: number[] = [];
      c.onEvent((e) => {
        if (e.kind === "state" && e.detail.endsWith("-> BOUND")) trueTimes.push(net.sim.now);
        if (e.kind === "state" && e.detail.endsWith("-> RENEWING")) trueTimes.push(net.sim.now);
      });
      net.sim.runUntil(sec(200));
      expect(c.state).toBe("BOUND");
      return (trueTimes[1]! - trueTimes[0]!) / 1e9;
    };
    const perfect = renewAfter(0);
    const fast = renewAfter(250_000);
    // BOUND comes 4-7 s after the request (the ARP probes), T1 60 s after it.
    expect(perfect).toBeGreaterThan(52);
    expect(perfect).toBeLessThan(57);
    expect(fast).toBeCloseTo(perfect / 1.25, 3);
  });

  it("rebinds at T2 when the server is down, then loses address and routes at expiry", () => {
    const { net, clients } = dhcpLan(1, { leaseTime: sec(120) });
    const events: PacketEvent[] = [];
    net.events.subscribe((e) => events.push(e));
    const c = clients[0]!.start();
    net.sim.runUntil(sec(20));
    const lease = c.lease!;
    const address = c.address!;
    net.crash("r1");
    net.sim.runUntil(lease.expires + sec(1));
    expect(stateTimes(c, "RENEWING")).toEqual([lease.t1 / 1e9]);
    expect(stateTimes(c, "REBINDING")).toEqual([lease.t2 / 1e9]);
    const expired = c.log.find((e) => e.kind === "expired")!;
    expect(expired.time).toBe(lease.expires);
    expect(expired.detail).toBe(`lost ${address}`);
    expect(states(c)).toEqual([
      "INIT",
      "SELECTING",
      "REQUESTING",
      "CHECKING", // ARP probing before the first BOUND; renewals do not probe
      "BOUND",
      "RENEWING",
      "REBINDING",
      "INIT",
      "SELECTING",
    ]);
    const node = c.node;
    expect(node.interfaces[0]!.ipv4).toBeUndefined();
    expect(node.routes.format4()).toEqual([]);
    expect(resolvConf(node).nameservers).toEqual([]);
    expect(net.ownerOf4(lease.address)).toBeUndefined();
    // The REBINDING request was a broadcast from the leased address.
    const sent = requestsTo67(events, "c1");
    expect(sent).toContainEqual([address, "255.255.255.255"]);
    expect(sent).toContainEqual([address, "10.0.0.1"]);
    expect(sent.at(-1)).toEqual(["0.0.0.0", "255.255.255.255"]);
  });

  it("is answered in REBINDING by a server back before expiry, and keeps its address", () => {
    const { net, dhcp, clients } = dhcpLan(1, { leaseTime: sec(120) });
    const c = clients[0]!.start();
    net.sim.runUntil(sec(20));
    const lease = c.lease!;
    net.crash("r1");
    net.sim.runUntil(lease.t2 - sec(5));
    net.restart("r1");
    net.sim.runUntil(lease.expires + sec(10));
    expect(stateTimes(c, "REBINDING")).toEqual([lease.t2 / 1e9]);
    expect(c.state).toBe("BOUND");
    expect(c.address).toBe(formatIpv4(lease.address));
    expect(c.log.filter((e) => e.kind === "expired")).toEqual([]);
    expect(dhcp.log.at(-1)).toMatchObject({ kind: "ack", detail: "lease renewed" });
  });

  it("loses its lease in a crash and asks for the same address after the restart", () => {
    const { net, clients } = dhcpLan(1);
    const c = clients[0]!.start();
    net.sim.runUntil(sec(20));
    const address = c.address;
    net.crash("c1");
    expect(c.state).toBe("STOPPED");
    expect(c.node.interfaces[0]!.ipv4).toBeUndefined();
    net.restart("c1");
    net.sim.runUntil(sec(40));
    expect(c.address).toBe(address);
    // A rebooted client probes its remembered address too (RFC 2131 §3.2 step 4).
    expect(states(c).slice(-4)).toEqual(["INIT-REBOOT", "REBOOTING", "CHECKING", "BOUND"]);
  });

  it("shows each exchange by name in a sequence diagram", () => {
    const { net, clients } = dhcpLan(1, { leaseTime: sec(60) });
    const events: PacketEvent[] = [];
    net.events.subscribe((e) => events.push(e));
    const c = clients[0]!.start();
    net.sim.runUntil(sec(50));
    c.release();
    net.sim.runUntil(sec(51));
    const model = sequenceDiagram(events, { nodes: ["c1", "r1"] });
    const xid = /^(DHCP \w+(?: [\d.]+)?) xid=0x[0-9a-f]{8}$/;
    expect(model.arrows.map((a) => `${a.from}>${a.to} ${a.label.replace(xid, "$1")}`)).toEqual([
      "c1>r1 DHCP DISCOVER",
      "r1>c1 DHCP OFFER 10.0.0.100",
      "c1>r1 DHCP REQUEST",
      "r1>c1 DHCP ACK 10.0.0.100",
      "c1>r1 DHCP REQUEST",
      "r1>c1 DHCP ACK 10.0.0.100",
      "c1>r1 DHCP RELEASE",
    ]);
  });
});
