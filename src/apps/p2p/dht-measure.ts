/**
 * Builds a Kademlia network of N peers on the message bus and measures lookups: peers join one
 * after another through a random earlier peer, then random peers look up random peers' ids and
 * we count hops (the depth at which the target answered). Optionally a fraction of peers fails
 * first, and lookups of the survivors must still succeed.
 */
import { Simulator } from "../../sim/simulator.js";
import { type Nanos, NS_PER_MS } from "../../sim/time.js";
import { KademliaNode, type KademliaOptions } from "./kademlia.js";
import type { DhtLookupResult } from "./lookup.js";
import { MessageBus, type MessageBusOptions } from "./transport.js";

/** What to build and measure. */
export interface DhtMeasureOptions {
  peers: number;
  seed?: number;
  /** Lookups to measure (default 1,000). */
  lookups?: number;
  /** Fraction of peers that fail before the lookups (default 0). */
  failFraction?: number;
  /** Time between joins (default 20 ms). */
  joinSpacing?: Nanos;
  kademlia?: KademliaOptions;
  bus?: MessageBusOptions;
}

/** Summary of a measurement. */
export interface DhtMeasurement {
  peers: number;
  log2N: number;
  lookups: number;
  /** Lookups that reached their target. */
  succeeded: number;
  meanHops: number;
  p50Hops: number;
  p99Hops: number;
  maxHops: number;
  /** Mean queries sent per lookup, and mean simulated lookup latency in ms. */
  meanQueries: number;
  meanLatencyMs: number;
  /** Mean contacts per routing table, and bus messages in total. */
  meanTableSize: number;
  messages: number;
  /** Hop count histogram: histogram[h] lookups took h hops. */
  histogram: number[];
  /** Simulator events executed, for determinism checks. */
  events: number;
}

/** The q-quantile (0..1) of sorted numbers, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** Builds the network, runs the joins and the lookups, and summarizes the hop counts. */
export function measureDht(options: DhtMeasureOptions): DhtMeasurement {
  const n = options.peers;
  const sim = new Simulator({ seed: options.seed ?? 1 });
  const bus = new MessageBus(sim, options.bus);
  const rng = sim.rng("p2p:dht:measure");
  const idRng = sim.rng("p2p:dht:ids");
  const refreshRng = sim.rng("p2p:dht:refresh");
  const random = () => refreshRng.nextU32();
  const used = new Set<number>();
  const nodes: KademliaNode[] = [];
  for (let i = 0; i < n; i++) {
    let id = idRng.nextU32();
    while (used.has(id)) id = idRng.nextU32();
    used.add(id);
    // Bucket refresh on join costs ~log N lookups per join; off unless asked for.
    const kad = { refreshOnJoin: false, ...options.kademlia, id };
    nodes.push(new KademliaNode(bus.attach(`p${i}`), kad));
  }
  const spacing = options.joinSpacing ?? 20 * NS_PER_MS;
  for (let i = 1; i < n; i++) {
    const boot = nodes[rng.nextInt(i)]!;
    const node = nodes[i]!;
    sim.at(i * spacing, () => node.join(boot.contact, undefined, random));
  }
  sim.run();

  const failed = new Set<number>();
  const failCount = Math.floor((options.failFraction ?? 0) * n);
  const order = rng.shuffle(nodes.map((_, i) => i));
  for (const i of order.slice(0, failCount)) {
    failed.add(i);
    bus.fail(`p${i}`);
  }
  const alive = nodes.map((_, i) => i).filter((i) => !failed.has(i));

  const lookups = options.lookups ?? 1000;
  const results: (DhtLookupResult & { latency: Nanos; target: number })[] = [];
  // This driver is an outside observer: it schedules lookups and times them in true time.
  const start = sim.now + 1_000 * NS_PER_MS;
  for (let j = 0; j < lookups; j++) {
    const src = nodes[alive[rng.nextInt(alive.length)]!]!;
    let dst = nodes[alive[rng.nextInt(alive.length)]!]!;
    while (dst === src && alive.length > 1) dst = nodes[alive[rng.nextInt(alive.length)]!]!;
    const t0 = start + j * NS_PER_MS;
    sim.at(t0, () =>
      src.findNode(
        dst.id,
        (r) => results.push({ ...r, latency: sim.now - t0, target: dst.id }),
        true,
      ),
    );
  }
  sim.run();

  const ok = results.filter((r) => r.found);
  const hops = ok.map((r) => r.hops).sort((a, b) => a - b);
  const histogram: number[] = [];
  for (const h of hops) histogram[h] = (histogram[h] ?? 0) + 1;
  const mean = (xs: readonly number[]) =>
    xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    peers: n,
    log2N: Math.log2(n),
    lookups,
    succeeded: ok.length,
    meanHops: mean(hops),
    p50Hops: quantile(hops, 0.5),
    p99Hops: quantile(hops, 0.99),
    maxHops: hops[hops.length - 1] ?? 0,
    meanQueries: mean(ok.map((r) => r.queries)),
    meanLatencyMs: mean(ok.map((r) => r.latency)) / NS_PER_MS,
    meanTableSize: mean(alive.map((i) => nodes[i]!.table.size)),
    messages: bus.stats.sent,
    histogram: Array.from(histogram, (x) => x ?? 0),
    events: sim.eventsExecuted,
  };
}
