/**
 * File distribution over real TCP: client-server sends N copies through the server's uplink,
 * peer-to-peer sends one and lets the clients relay their pieces; both deliver every byte
 * exactly, and with a server uplink no faster than the clients' combined, peer-to-peer wins.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type DistributionMode,
  FileDistribution,
  fileByte,
  pieceOf,
} from "../src/apps/p2p/file-distribution.js";
import { installGlobalRoutes } from "../src/net/global-routing.js";
import { Network } from "../src/net/network.js";
import { NS_PER_MS, NS_PER_S } from "../src/sim/time.js";

/** A star: server s at 10 Mbit/s and n clients at 5 Mbit/s around router r. */
function star(n: number, mode: DistributionMode, bytes: number, loss = 0) {
  const net = new Network({ seed: 3 });
  net.addRouter("r");
  net.addHost("s");
  net.connect("s", "r", {
    bandwidth: 10e6,
    delay: 2 * NS_PER_MS,
    addresses: ["10.0.0.1/30", "10.0.0.2/30"],
  });
  const clients = Array.from({ length: n }, (_, i) => {
    const name = `c${i + 1}`;
    net.addHost(name);
    net.connect(name, "r", {
      bandwidth: 5e6,
      delay: 2 * NS_PER_MS,
      impairments: { loss },
      addresses: [`10.0.${i + 1}.1/30`, `10.0.${i + 1}.2/30`],
    });
    return { node: net.node(name), address: `10.0.${i + 1}.1` };
  });
  installGlobalRoutes(net);
  const d = new FileDistribution({
    mode,
    server: { node: net.node("s"), address: "10.0.0.1" },
    clients,
    bytes,
  });
  net.sim.runUntil(120 * NS_PER_S);
  return d;
}

describe("file distribution", () => {
  it("pieces cover the file exactly, in order, whatever the sizes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 1e7 }), (n, extra) => {
        const bytes = n + extra;
        let next = 0;
        for (let i = 0; i < n; i++) {
          const [from, length] = pieceOf(i, n, bytes);
          expect(from).toBe(next);
          expect(length).toBeGreaterThan(0);
          next = from + length;
        }
        expect(next).toBe(bytes);
      }),
    );
  });

  it("client-server: every client gets every byte, and the server uploads N copies", () => {
    const d = star(4, "client-server", 200_000);
    expect(d.finished).toBe(true);
    expect(d.received).toEqual([200_000, 200_000, 200_000, 200_000]);
    expect(d.corrupt).toBe(0);
    expect(d.serverUploaded).toBe(800_000);
    expect(d.clientUploaded).toEqual([0, 0, 0, 0]);
    // 4 x 1.6 Mbit through a 10 Mbit/s uplink: at least 0.64 s.
    expect(d.duration).toBeGreaterThan(0.64 * NS_PER_S);
  });

  it("peer-to-peer: the server uploads one copy, each client relays its piece to the others", () => {
    const d = star(4, "peer-to-peer", 200_001);
    expect(d.finished).toBe(true);
    expect(d.received).toEqual([200_001, 200_001, 200_001, 200_001]);
    expect(d.corrupt).toBe(0);
    expect(d.serverUploaded).toBe(200_001);
    expect(d.clientUploaded.map((b, i) => b / 3 - pieceOf(i, 4, 200_001)[1])).toEqual([0, 0, 0, 0]);
  });

  it("peer-to-peer beats client-server once the server's uplink is the bottleneck", () => {
    const cs = star(8, "client-server", 500_000);
    const p2p = star(8, "peer-to-peer", 500_000);
    expect(cs.duration).toBeGreaterThan(3.2 * NS_PER_S); // 8 x 4 Mbit / 10 Mbit/s
    expect(p2p.duration).toBeLessThan(cs.duration! / 2);
  });

  it("delivers byte-exact over lossy links", () => {
    const d = star(5, "peer-to-peer", 300_000, 0.02);
    expect(d.finished).toBe(true);
    expect(d.corrupt).toBe(0);
    expect(d.received.every((b) => b === 300_000)).toBe(true);
  });

  it("the file pattern differs between neighbouring offsets and blocks", () => {
    expect(fileByte(0)).not.toBe(fileByte(1));
    expect(fileByte(5)).not.toBe(fileByte(5 + 512));
  });

  it("refuses a file smaller than one byte per client", () => {
    expect(() => star(4, "peer-to-peer", 3)).toThrow(RangeError);
  });
});
