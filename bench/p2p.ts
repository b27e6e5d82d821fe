/**
 * Peer-to-peer figures: Kademlia lookup hops (mean, p99) and simulated latency at 1,000 and
 * 10,000 peers on the message bus, with and without 20% of peers failed, against log2 N; the
 * wall time and heap to build and measure each network; client/server against swarming.
 */
import { measureDht } from "../src/apps/p2p/dht-measure.js";
import { compareDistribution } from "../src/apps/p2p/swarm.js";
import type { Figure, Suite } from "./harness.js";

function dhtFigures(peers: number, failFraction: number): Figure[] {
  const label = `${peers} peers${failFraction > 0 ? `, ${failFraction * 100}% failed` : ""}`;
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const m = measureDht({ peers, lookups: 1000, seed: 1, failFraction });
  const wall = (performance.now() - t0) / 1000;
  const heap = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  const f = (name: string, value: number, unit: string, note?: string): Figure => ({
    suite: "p2p",
    name: `${name} (${label})`,
    value,
    unit,
    lowerIsBetter: true,
    ...(note === undefined ? {} : { note }),
  });
  return [
    f(
      "mean lookup hops",
      m.meanHops,
      "hops",
      `log2 N = ${m.log2N.toFixed(2)}; ${m.succeeded}/${m.lookups} found`,
    ),
    f("p99 lookup hops", m.p99Hops, "hops", `max ${m.maxHops}; histogram ${m.histogram.join(",")}`),
    f(
      "mean lookup latency",
      m.meanLatencyMs,
      "ms",
      `${m.meanQueries.toFixed(1)} queries per lookup`,
    ),
    f(
      "build + measure wall time",
      wall,
      "s",
      `${m.messages} messages, mean table ${m.meanTableSize.toFixed(0)} contacts`,
    ),
    f("heap growth", heap, "MB"),
  ];
}

export const p2pSuite: Suite = {
  name: "p2p",
  description: "Kademlia lookup hops at 1,000 and 10,000 peers; client/server vs swarming",
  run(): Figure[] {
    const out: Figure[] = [];
    for (const [peers, fail] of [
      [1000, 0],
      [10_000, 0],
      [10_000, 0.2],
    ] as const) {
      out.push(...dhtFigures(peers, fail));
    }
    for (const clients of [10, 100, 1000]) {
      const r = compareDistribution({ clients });
      out.push({
        suite: "p2p",
        name: `file to ${clients} clients, swarming`,
        value: r.peerToPeer,
        unit: "rounds",
        lowerIsBetter: true,
        note: `client/server ${r.clientServer} rounds; bound ${r.peerToPeerBound.toFixed(1)}`,
      });
    }
    return out;
  },
};
