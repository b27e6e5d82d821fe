import { describe, expect, it } from "vitest";
import { Simulator } from "../sim/simulator.js";
import { ms, type Nanos, sec } from "../sim/time.js";
import { CODEL_INTERVAL, CODEL_TARGET, CodelQueue } from "./codel.js";
import { type ChannelHooks, type LinkEndpoint, PointToPointLink } from "./link.js";
import type { DropReason } from "./packet-events.js";
import type { QueueLimits } from "./packet-queue.js";

/** The bottleneck: 10 Mbit/s, 10 ms propagation; 1000-byte packets take 0.8 ms to send. */
const BANDWIDTH = 10e6;
const DELAY = ms(10);
const SIZE = 1000;
const SERIALIZATION = (SIZE * 8 * 1e9) / BANDWIDTH;

interface Outcome {
  /** Queueing delay (ms) of each packet delivered in the second half of the run, sorted. */
  delays: number[];
  drops: Partial<Record<DropReason, number>>;
  /** Share of the bottleneck used in the second half. */
  utilization: number;
}

/**
 * Runs one sender through the bottleneck for `duration`. Each packet carries its sequence number
 * and send time, so the receiver measures the time it spent queued. "cbr" sends at `rate`
 * regardless (in bursts of `burst` packets, default 1); "aimd" is a Reno-like window (slow start, +1 per round trip, halved once per
 * window of losses), acknowledged DELAY after arrival and told of a drop one round trip later.
 */
function bottleneck(
  queue: QueueLimits,
  sender: { kind: "cbr"; rate: number; burst?: number } | { kind: "aimd" },
  duration: Nanos = sec(20),
): Outcome {
  const sim = new Simulator({ seed: 1 });
  const half = duration / 2;
  const delays: number[] = [];
  const drops: Partial<Record<DropReason, number>> = {};
  let cwnd = 2;
  let ssthresh = Number.POSITIVE_INFINITY;
  let inflight = 0;
  let seq = 0;
  let recover = -1;
  const aimd = sender.kind === "aimd";
  const acked = () => {
    inflight--;
    cwnd += cwnd < ssthresh ? 1 : 1 / cwnd;
    pump();
  };
  const lost = (s: number) => {
    inflight--;
    if (s > recover) {
      cwnd = Math.max(1, cwnd / 2);
      ssthresh = cwnd;
      recover = seq;
    }
    pump();
  };
  const receiver: LinkEndpoint = {
    nodeName: "b",
    ifaceName: "eth0",
    framing: "ip",
    receiveFromLink(p) {
      const sent = new DataView(p.buffer, p.byteOffset).getFloat64(8);
      if (sim.now > half) delays.push((sim.now - sent - SERIALIZATION - DELAY) / 1e6);
      if (aimd) sim.after(DELAY, acked);
    },
  };
  const hooks: ChannelHooks = {
    judge: () => undefined,
    onTransmit: () => {},
    onDeliver: () => {},
    onDuplicate: () => {},
    onCorrupt: () => {},
    onDrop: (_c, p, reason) => {
      drops[reason] = (drops[reason] ?? 0) + 1;
      const s = new DataView(p.buffer, p.byteOffset).getUint32(0);
      if (aimd) sim.after(2 * DELAY, () => lost(s));
    },
  };
  const a: LinkEndpoint = { nodeName: "a", ifaceName: "eth0", framing: "ip", receiveFromLink() {} };
  const link = new PointToPointLink("a-b", a, receiver, sim, hooks, {
    bandwidth: BANDWIDTH,
    delay: DELAY,
    queue,
  });
  const send = () => {
    const p = new Uint8Array(SIZE);
    const v = new DataView(p.buffer);
    v.setUint32(0, seq++);
    v.setFloat64(8, sim.now);
    inflight++;
    link.ab.send(p);
  };
  function pump(): void {
    if (sim.now < duration) while (inflight < Math.floor(cwnd)) send();
  }
  if (sender.kind === "cbr") {
    const burst = sender.burst ?? 1;
    const gap = Math.round((burst * SIZE * 8 * 1e9) / sender.rate);
    const tick = () => {
      if (sim.now >= duration) return;
      for (let i = 0; i < burst; i++) send();
      sim.after(gap, tick);
    };
    tick();
  } else pump();
  sim.run();
  delays.sort((x, y) => x - y);
  return { delays, drops, utilization: (delays.length * SIZE * 8) / ((BANDWIDTH * half) / 1e9) };
}

const quantile = (xs: number[], q: number) => xs[Math.floor(q * (xs.length - 1))]!;

describe("CoDel (RFC 8289)", () => {
  it("drop-tail under overload holds a standing queue: delay = queue size / rate", () => {
    // 12 Mbit/s into 10 Mbit/s: the 200-packet queue fills and stays full.
    const r = bottleneck({ packets: 200 }, { kind: "cbr", rate: 12e6 });
    const full = (200 * SERIALIZATION) / 1e6; // 160 ms
    expect(quantile(r.delays, 0.01)).toBeGreaterThan(full - 1);
    expect(quantile(r.delays, 1)).toBeLessThanOrEqual(full);
    expect(Object.keys(r.drops)).toEqual(["queue-full"]);
  });

  it("keeps a responsive sender's queueing delay near target where drop-tail lets it stand", () => {
    const tail = bottleneck({ packets: 200 }, { kind: "aimd" });
    const codel = bottleneck({ packets: 200, aqm: "codel" }, { kind: "aimd" });
    // Drop-tail: the window grows until the buffer overflows, so the queue stands at 80-160 ms.
    expect(quantile(tail.delays, 0.5)).toBeGreaterThan(80);
    expect(quantile(tail.delays, 0.9)).toBeGreaterThan(140);
    // CoDel: the median packet waits less than the 5 ms target, 90% less than 10 ms, and the
    // link stays busy. Its drops are reported as "aqm", never as a full queue.
    expect(quantile(codel.delays, 0.5)).toBeLessThan(5);
    expect(quantile(codel.delays, 0.9)).toBeLessThan(10);
    expect(codel.utilization).toBeGreaterThan(0.9);
    expect(Object.keys(codel.drops)).toEqual(["aqm"]);
  });

  it("brings a mild unresponsive overload down from the buffer size to about twice target", () => {
    const tail = bottleneck({ packets: 200 }, { kind: "cbr", rate: 10.5e6 });
    const codel = bottleneck({ packets: 200, aqm: "codel" }, { kind: "cbr", rate: 10.5e6 });
    expect(quantile(tail.delays, 0.5)).toBeGreaterThan(159);
    expect(quantile(codel.delays, 0.5)).toBeLessThan((2 * CODEL_TARGET) / 1e6 + 1);
    expect(quantile(codel.delays, 0.99)).toBeLessThan(20);
  });

  it("never drops while the queue stays below target, and lets a short burst through", () => {
    // Bursts of 5 packets every 8 ms, half the link: the last of each waits 3.2 ms.
    const below = bottleneck({ packets: 200, aqm: "codel" }, { kind: "cbr", rate: 5e6, burst: 5 });
    expect(below.drops).toEqual({});
    expect(quantile(below.delays, 1)).toBeCloseTo((4 * SERIALIZATION) / 1e6, 6);
    const sim = new Simulator({ seed: 1 });
    const dropped: Uint8Array[] = [];
    const q = new CodelQueue(
      {},
      () => sim.now,
      (p) => dropped.push(p),
    );
    let worst = 0;
    // A 60-packet burst waits up to 48 ms at 0.8 ms a packet: above target, but for less than
    // an interval, so CoDel drops nothing (RFC 8289 §3.2: a good queue absorbs bursts).
    for (let i = 0; i < 60; i++) q.push(new Uint8Array(SIZE));
    for (let i = 1; i <= 60; i++) {
      sim.runUntil(i * SERIALIZATION);
      expect(q.shift()).toBeDefined();
      worst = Math.max(worst, q.lastSojourn);
    }
    expect(worst).toBeGreaterThan(CODEL_TARGET);
    expect(dropped).toHaveLength(0);
    expect(q.drops).toBe(0);
  });

  it("drops after an interval above target, then at interval / sqrt(count)", () => {
    const sim = new Simulator({ seed: 1 });
    const drops: number[] = [];
    const q = new CodelQueue(
      {},
      () => sim.now,
      () => drops.push(sim.now),
    );
    for (let i = 0; i < 1000; i++) q.push(new Uint8Array(100));
    // Dequeue one packet a millisecond from 10 ms on: every sojourn time is above target.
    for (let t = 10; t <= 400; t++) {
      sim.runUntil(ms(t));
      q.shift();
    }
    const interval = CODEL_INTERVAL;
    // First above target at 10 ms, so the first drop comes an interval later (RFC 8289 §5.6),
    // then the next at 210 ms, 210 + 100/sqrt(2) = 280.7 (seen at 281), +100/sqrt(3) = 338.4
    // (seen at 339), +100/sqrt(4) = 388.4 (seen at 389).
    expect(drops).toEqual([ms(110), ms(110) + interval, ms(281), ms(339), ms(389)]);
    expect(q.isDropping).toBe(true);
    expect(q.aqmDrops).toBe(5);
    // The queue drained (or an idle link) leaves the dropping state.
    q.flush();
    expect(q.shift()).toBeUndefined();
    expect(q.isDropping).toBe(false);
  });

  it("applies its packet and byte limits like drop-tail, and refuses bad parameters", () => {
    const q = new CodelQueue(
      { packets: 2 },
      () => 0,
      () => {},
    );
    expect([1, 2, 3].map(() => q.push(new Uint8Array(10)))).toEqual([true, true, false]);
    expect([q.length, q.bytes, q.drops, q.tailDrops]).toEqual([2, 20, 1, 1]);
    const b = new CodelQueue(
      { bytes: 15 },
      () => 0,
      () => {},
    );
    expect([b.push(new Uint8Array(10)), b.push(new Uint8Array(10))]).toEqual([true, false]);
    expect(
      () =>
        new CodelQueue(
          { target: 0 },
          () => 0,
          () => {},
        ),
    ).toThrow(/target/);
    expect(
      () =>
        new CodelQueue(
          { packets: 0 },
          () => 0,
          () => {},
        ),
    ).toThrow(/limits/);
  });
});
