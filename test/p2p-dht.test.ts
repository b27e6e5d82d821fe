/**
 * The Kademlia DHT on the message bus: lookup hop counts grow as O(log N) (1,000 and 2,000
 * peers here; 10,000 in bench/p2p.ts), lookups survive failed peers, values stored on the k
 * closest nodes are found, and the same seed gives the same run. Also the protocol over UDP.
 */
import { describe, expect, it } from "vitest";
import { measureDht } from "../src/apps/p2p/dht-measure.js";
import { KademliaNode } from "../src/apps/p2p/kademlia.js";
import { compareDistribution } from "../src/apps/p2p/swarm.js";
import { MessageBus } from "../src/apps/p2p/transport.js";
import { UdpOverlayTransport } from "../src/apps/p2p/udp-transport.js";
import { Network } from "../src/net/network.js";
import { Simulator } from "../src/sim/simulator.js";
import { ms, sec } from "../src/sim/time.js";

describe("Kademlia on the message bus", () => {
  it("needs O(log N) hops: mean well under log2 N, growing slowly from 1,000 to 2,000 peers", () => {
    const a = measureDht({ peers: 1000, lookups: 500, seed: 3 });
    const b = measureDht({ peers: 2000, lookups: 500, seed: 3 });
    for (const m of [a, b]) {
      expect(m.succeeded).toBe(m.lookups);
      expect(m.meanHops).toBeLessThanOrEqual(0.5 * m.log2N);
      expect(m.p99Hops).toBeLessThanOrEqual(m.log2N);
    }
    // Doubling N adds one bit to log2 N, and a fraction of a hop to the lookup.
    expect(b.meanHops).toBeGreaterThan(a.meanHops);
    expect(b.meanHops - a.meanHops).toBeLessThan(1);
  }, 60_000);

  it("still finds live peers after 20% of peers fail", () => {
    const m = measureDht({ peers: 1000, lookups: 300, seed: 5, failFraction: 0.2 });
    expect(m.succeeded).toBe(m.lookups);
    expect(m.meanHops).toBeLessThanOrEqual(0.5 * m.log2N);
  }, 60_000);

  it("is deterministic: same seed, same hops, messages and event count", () => {
    const run = () => JSON.stringify(measureDht({ peers: 200, lookups: 100, seed: 9 }));
    expect(run()).toBe(run());
  });

  it("stores a value on the k closest nodes and finds it from elsewhere, after k-1 of them fail", () => {
    const sim = new Simulator({ seed: 2 });
    const bus = new MessageBus(sim);
    const nodes = Array.from(
      { length: 100 },
      (_, i) => new KademliaNode(bus.attach(`n${i}`), { k: 5 }),
    );
    nodes.forEach((n, i) => {
      if (i > 0) sim.at(ms(10 * i), () => n.join(nodes[0]!.contact));
    });
    sim.run();
    let stored = 0;
    nodes[10]!.store("song.mp3", "bytes", (n) => {
      stored = n;
    });
    sim.run();
    expect(stored).toBe(5);
    const holders = nodes.filter((n) => n.values.size > 0);
    expect(holders).toHaveLength(5);
    for (const h of holders.slice(0, 4)) bus.fail(h.transport.address);
    let found: string | undefined;
    let hops = -1;
    const reader = nodes.find((n) => n.values.size === 0 && n !== nodes[10])!;
    reader.findValue("song.mp3", (r) => {
      found = r.value;
      hops = r.hops;
    });
    sim.run();
    expect(found).toBe("bytes");
    expect(hops).toBeGreaterThan(0);
  });
});

describe("Kademlia over real UDP", () => {
  it("joins 12 hosts on a LAN and looks one up, in JSON datagrams", () => {
    const net = new Network({ seed: 1 });
    net.addSwitch("lan");
    const nodes: KademliaNode[] = [];
    for (let i = 1; i <= 12; i++) {
      net.addHost(`h${i}`);
      net.connect(`h${i}`, "lan", { delay: ms(1), addresses: [`10.0.0.${i}/24`, []] });
      const t = new UdpOverlayTransport(net.node(`h${i}`), net.sim, `10.0.0.${i}`, 5000);
      nodes.push(new KademliaNode(t, { k: 4 }));
    }
    nodes.forEach((n, i) => {
      if (i > 0) net.sim.at(ms(20 * i), () => n.join(nodes[0]!.contact));
    });
    net.sim.runUntil(sec(5));
    let found = false;
    nodes[3]!.findNode(
      nodes[11]!.id,
      (r) => {
        found = r.found;
      },
      true,
    );
    net.sim.runUntil(sec(10));
    expect(found).toBe(true);
    expect(nodes.every((n) => n.table.size >= 3)).toBe(true);
  });
});

describe("client/server against swarming", () => {
  it("client/server time grows linearly with N; swarming stays near F/u_s + a few rounds", () => {
    const rows = [10, 100, 1000].map((clients) => compareDistribution({ clients, seed: 1 }));
    expect(rows.map((r) => r.clientServer)).toEqual([125, 1250, 12500]);
    for (const r of rows) {
      expect(r.peerToPeer).toBeGreaterThanOrEqual(r.peerToPeerBound);
      expect(r.peerToPeer).toBeLessThan(r.peerToPeerBound * 1.6);
    }
    expect(rows[2]!.peerToPeer).toBeLessThan(100);
  });
});
