import { describe, expect, it } from "vitest";
import { ping } from "../apps/tools/ping.js";
import { ms, sec } from "../sim/time.js";
import { installGlobalRoutes } from "./global-routing.js";
import { Network } from "./network.js";
import type { PacketEvent } from "./packet-events.js";

/** a -- r -- b, 1 ms links. */
function net(): Network {
  const n = new Network({ seed: 6 });
  n.addHost("a");
  n.addHost("b");
  n.addHost("c");
  n.addRouter("r");
  n.connect("a", "r", { delay: ms(1), addresses: ["10.0.1.1/24", "10.0.1.254/24"] });
  n.connect("r", "b", { delay: ms(1), addresses: ["10.0.2.254/24", "10.0.2.1/24"] });
  n.connect("r", "c", { delay: ms(1), addresses: ["10.0.3.254/24", "10.0.3.1/24"] });
  installGlobalRoutes(n);
  return n;
}

describe("faults as rules", () => {
  it("partitions by the nodes owning the addresses, both ways, until repaired", () => {
    const n = net();
    const rule = n.partition(["a"], ["b"]);
    const toB = ping(n.node("a"), "10.0.2.1", { count: 3, interval: ms(100) });
    const toC = ping(n.node("a"), "10.0.3.1", { count: 3, interval: ms(100) });
    n.sim.runUntil(sec(3));
    expect(toB.stats.received).toBe(0);
    expect(toC.stats.received).toBe(3); // only a<->b is cut
    expect(rule.dropped).toBe(3);
    n.repair(rule);
    const again = ping(n.node("a"), "10.0.2.1", { count: 2, interval: ms(100) });
    n.sim.run();
    expect(again.stats.received).toBe(2);
    expect(n.faults.log.map((l) => [l.action, l.detail])).toEqual([
      ["partition", "a | b"],
      ["repair", "partition a <-> b"],
    ]);
  });

  it("drops one way only with partitionOneWay", () => {
    const n = net();
    const rule = n.partitionOneWay(["b"], ["a"]); // replies from b are lost, requests arrive
    let requestsAtB = 0;
    n.node("b").ipv4.onIcmp((m) => {
      if (m.type === "echo-request") requestsAtB++;
    });
    const p = ping(n.node("a"), "10.0.2.1", { count: 4, interval: ms(100) });
    n.sim.run();
    expect(requestsAtB).toBe(4);
    expect(p.stats.received).toBe(0);
    expect(rule.dropped).toBe(4);
  });

  it("holds packets and releases them in order, late but intact", () => {
    const n = net();
    const hold = n.hold(["b"]);
    const arrivals: number[] = [];
    n.node("b").ipv4.onIcmp((m) => {
      if (m.type === "echo-request") arrivals.push(m.sequence);
    });
    ping(n.node("a"), "10.0.2.1", { count: 3, interval: ms(10), wait: sec(5) });
    n.sim.runUntil(ms(500));
    expect(arrivals).toEqual([]);
    expect(n.faults.heldCount(hold)).toBe(3);
    n.sim.at(sec(1), () => n.release(hold));
    n.sim.run();
    expect(arrivals).toEqual([1, 2, 3]);
    expect(hold.held).toBe(3);
    expect(n.faults.heldCount()).toBe(0);
  });

  it("delays packets by a rule's extra delay", () => {
    const n = net();
    // Rules see every link a packet crosses: restrict this one to the last hop toward b.
    n.faults.add({
      name: "slow r-b",
      decide: (p) => (p.link === "r-b" && p.dstNode === "b" ? { delay: ms(50) } : "pass"),
    });
    const p = ping(n.node("a"), "10.0.2.1", { count: 1 });
    n.sim.run();
    // 4 link crossings of 1 ms plus 50 ms on r -> b.
    expect(p.stats.rtts[0]).toBeGreaterThan(54);
    expect(p.stats.rtts[0]).toBeLessThan(54.1);
    expect(n.faults.active[0]!.delayed).toBe(1);
  });

  it("crashes a node (it neither answers nor forwards) and restarts it", () => {
    const n = net();
    const events: PacketEvent[] = [];
    n.events.subscribe((e) => events.push(e));
    n.crash("r");
    const p = ping(n.node("a"), "10.0.2.1", { count: 2, interval: ms(100) });
    n.sim.run();
    expect(p.stats.received).toBe(0);
    expect(
      events.filter((e) => e.kind === "drop" && e.reason === "node-down").map((e) => e.node),
    ).toEqual(["r", "r"]);
    n.restart("r");
    const q = ping(n.node("a"), "10.0.2.1", { count: 2, interval: ms(100) });
    n.sim.run();
    expect(q.stats.received).toBe(2);
    expect(n.faults.log.map((l) => l.action)).toEqual(["crash", "restart"]);
  });

  it("refuses faults that name unknown nodes, with the name", () => {
    const n = net();
    expect(() => n.partition(["a"], ["nope"])).toThrow('no node named "nope"');
    expect(() => n.setLinkUp("a-zz", false)).toThrow('no link named "a-zz"');
  });

  it("partitions hosts on one switch too (rules look inside Ethernet frames)", () => {
    const n = new Network({ seed: 1 });
    n.addSwitch("s");
    n.addHost("x");
    n.addHost("y");
    n.connect("x", "s", { addresses: ["10.5.0.1/24", []] });
    n.connect("y", "s", { addresses: ["10.5.0.2/24", []] });
    const rule = n.partition(["x"], ["y"]);
    const p = ping(n.node("x"), "10.5.0.2", { count: 2, interval: ms(100) });
    n.sim.run();
    expect(p.stats.received).toBe(0);
    expect(rule.dropped).toBe(2); // the echo requests; ARP, which belongs to no address, passes
  });
});
