import { describe, expect, it } from "vitest";
import { Simulator } from "../sim/simulator.js";
import { ms, us } from "../sim/time.js";
import type { Impairments } from "./impairments.js";
import { type ChannelHooks, type LinkEndpoint, PointToPointLink } from "./link.js";
import type { DropReason } from "./packet-events.js";

/** An endpoint that records what arrives and when. */
class Sink implements LinkEndpoint {
  readonly got: { at: number; packet: Uint8Array }[] = [];
  constructor(
    readonly nodeName: string,
    private readonly sim: Simulator,
  ) {}
  readonly ifaceName = "eth0";
  readonly framing = "ip" as const;
  receiveFromLink(packet: Uint8Array): void {
    this.got.push({ at: this.sim.now, packet });
  }
}

function setup(opts: { impairments?: Impairments; bandwidth?: number; queue?: number } = {}) {
  const sim = new Simulator({ seed: 5 });
  const a = new Sink("a", sim);
  const b = new Sink("b", sim);
  const drops: DropReason[] = [];
  let corrupted = 0;
  let duplicated = 0;
  const hooks: ChannelHooks = {
    judge: () => undefined,
    onTransmit: () => {},
    onDeliver: () => {},
    onDrop: (_c, _p, r) => drops.push(r),
    onDuplicate: () => duplicated++,
    onCorrupt: () => corrupted++,
  };
  const link = new PointToPointLink("a-b", a, b, sim, hooks, {
    delay: ms(10),
    bandwidth: opts.bandwidth ?? 1e9,
    impairments: opts.impairments ?? {},
    queue: { packets: opts.queue ?? 100_000 },
  });
  return { sim, a, b, link, drops, counts: () => ({ corrupted, duplicated }) };
}

/** Sends n numbered 100-byte packets a -> b, one every `gap` ns. */
function sendMany(env: ReturnType<typeof setup>, n: number, gap = us(100)): void {
  for (let i = 0; i < n; i++) {
    env.sim.at(i * gap, () => {
      const p = new Uint8Array(100);
      p[0] = i >>> 16;
      p[1] = i >>> 8;
      p[2] = i;
      env.link.ab.send(p);
    });
  }
  env.sim.run();
}

const seqOf = (p: Uint8Array) => (p[0]! << 16) | (p[1]! << 8) | p[2]!;

/** Bound for a binomial count: mean +- 5 standard deviations, so a correct model never fails. */
function within(count: number, n: number, p: number): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(count).toBeGreaterThanOrEqual(n * p - 5 * sd);
  expect(count).toBeLessThanOrEqual(n * p + 5 * sd);
}

describe("point-to-point link", () => {
  it("delivers after serialization plus propagation, and queues behind a busy transmitter", () => {
    const env = setup({ bandwidth: 8e6 }); // 1 byte per microsecond
    env.link.ab.send(new Uint8Array(1000));
    env.link.ab.send(new Uint8Array(500));
    env.sim.run();
    expect(env.b.got.map((g) => g.at)).toEqual([us(1000) + ms(10), us(1500) + ms(10)]);
  });

  it("drops at the tail when the queue is full", () => {
    const env = setup({ bandwidth: 8e6, queue: 2 });
    for (let i = 0; i < 5; i++) env.link.ab.send(new Uint8Array(100));
    env.sim.run();
    // One on the wire, two queued, two dropped.
    expect(env.b.got).toHaveLength(3);
    expect(env.drops).toEqual(["queue-full", "queue-full"]);
  });

  it("loses about p of the packets (Bernoulli)", () => {
    const env = setup({ impairments: { loss: 0.1 } });
    sendMany(env, 20_000);
    within(20_000 - env.b.got.length, 20_000, 0.1);
    expect(env.drops.every((d) => d === "loss")).toBe(true);
  });

  it("loses in bursts with Gilbert-Elliott at the stationary rate", () => {
    const p = 0.01;
    const r = 0.25;
    const env = setup({ impairments: { burstLoss: { p, r } } });
    const n = 40_000;
    sendMany(env, n, us(10));
    const lost = n - env.b.got.length;
    // Stationary probability of the bad state is p / (p + r) ~ 3.8%; mean burst length 1/r = 4.
    const expected = (p / (p + r)) * n;
    expect(Math.abs(lost - expected)).toBeLessThan(0.25 * expected);
    const delivered = new Set(env.b.got.map((g) => seqOf(g.packet)));
    let bursts = 0;
    for (let i = 0; i < n; i++) if (!delivered.has(i) && delivered.has(i - 1)) bursts++;
    const meanBurst = lost / bursts;
    expect(meanBurst).toBeGreaterThan(3);
    expect(meanBurst).toBeLessThan(5);
  });

  it("duplicates and reorders at their configured rates", () => {
    const env = setup({ impairments: { duplicate: 0.05, reorder: 0.1, reorderDelay: ms(1) } });
    const n = 20_000;
    sendMany(env, n);
    within(env.counts().duplicated, n, 0.05);
    expect(env.b.got.length).toBe(n + env.counts().duplicated);
    // A reordered packet arrives after packets sent later (here, the next ten).
    let late = 0;
    let highest = -1;
    for (const g of env.b.got) {
      const s = seqOf(g.packet);
      if (s < highest) late++;
      highest = Math.max(highest, s);
    }
    // Late originals, plus their duplicates (which are late as well).
    within(late, n, 0.1 * 1.05);
  });

  it("corrupts about p of the packets by flipping exactly one bit", () => {
    const env = setup({ impairments: { corrupt: 0.02 } });
    const n = 20_000;
    sendMany(env, n);
    within(env.counts().corrupted, n, 0.02);
    let flipped = 0;
    for (const g of env.b.got) {
      let bits = 0;
      // Bytes 3.. were zero when sent; bytes 0-2 hold the sequence number, so count only 3..99.
      for (let i = 3; i < g.packet.length; i++)
        bits += g.packet[i]!.toString(2).split("1").length - 1;
      expect(bits).toBeLessThanOrEqual(1);
      flipped += bits;
    }
    // 97 of the 100 bytes are checkable.
    within(flipped, env.counts().corrupted, 0.97);
  });

  it("adds jitter uniformly below the bound", () => {
    const env = setup({ impairments: { jitter: ms(4) } });
    sendMany(env, 5000, ms(1));
    const extra = env.b.got.map((g) => g.at - ms(10) - 800 - seqOf(g.packet) * ms(1));
    expect(Math.min(...extra)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...extra)).toBeLessThan(ms(4));
    const mean = extra.reduce((a, b) => a + b, 0) / extra.length;
    expect(Math.abs(mean - ms(2))).toBeLessThan(ms(0.1));
  });

  it("uses independent streams: turning on duplication does not change the loss pattern", () => {
    const lossOnly = setup({ impairments: { loss: 0.2 } });
    sendMany(lossOnly, 2000);
    const both = setup({ impairments: { loss: 0.2, duplicate: 0.3 } });
    sendMany(both, 2000);
    const seqs = (e: typeof lossOnly) =>
      [...new Set(e.b.got.map((g) => seqOf(g.packet)))].sort((x, y) => x - y);
    expect(seqs(both)).toEqual(seqs(lossOnly));
  });

  it("drops queued and in-flight packets when the link goes down, and carries again when up", () => {
    const env = setup({ bandwidth: 8e6 });
    env.link.ab.send(new Uint8Array(1000)); // on the wire until 1 ms, arrives at 11 ms
    env.link.ab.send(new Uint8Array(1000)); // queued
    env.sim.at(ms(5), () => env.link.setUp(false));
    env.sim.at(ms(6), () => env.link.ab.send(new Uint8Array(10)));
    env.sim.at(ms(20), () => {
      env.link.setUp(true);
      env.link.ab.send(new Uint8Array(10));
    });
    env.sim.run();
    expect(env.b.got.map((g) => g.packet.length)).toEqual([10]);
    expect(env.drops).toEqual(["link-down", "link-down", "link-down"]);
  });

  it("refuses bad parameters with the field named", () => {
    expect(() => setup({ impairments: { loss: 1.5 } })).toThrow(/loss/);
    expect(() => setup({ impairments: { jitter: -1 } })).toThrow(/jitter/);
  });
});
