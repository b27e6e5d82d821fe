/**
 * Kernel suite: events executed per wall-clock second in the classic "hold" model: N timers are
 * pending; each event that fires schedules one more at now + a random delay, so the queue stays
 * at N. Compared, when libns3-dev is installed, with ns-3's own default scheduler (a map-based
 * scheduler) running the same model in C++ (bench/ns3/hold.cc).
 */
import { Simulator } from "../src/sim/simulator.js";
import type { Figure, Suite } from "./harness.js";
import { ns3Hold } from "./ns3.js";

const TARGETS: Record<number, number> = { 1000: 8e6, 100000: 5e6 };

function holdRate(pending: number, events: number): number {
  const sim = new Simulator({ seed: 1 });
  const rng = sim.rng("bench");
  // Pre-drawn delays (1 ns .. 1 ms) keep the PRNG out of the measured loop.
  const delays = new Float64Array(1 << 16);
  for (let i = 0; i < delays.length; i++) delays[i] = 1 + rng.nextInt(1_000_000);
  let k = 0;
  let left = 0;
  const mask = delays.length - 1;
  const fire = () => {
    sim.after(delays[k++ & mask]!, fire);
    if (--left === 0) sim.stop();
  };
  for (let i = 0; i < pending; i++) sim.after(delays[k++ & mask]!, fire);
  // Warm up the JIT and the heap shape, then time a fixed number of events through run().
  left = Math.min(events, 200_000);
  sim.run();
  left = events;
  const t0 = performance.now();
  sim.run();
  const dt = (performance.now() - t0) / 1000;
  return events / dt;
}

export const kernelSuite: Suite = {
  name: "kernel",
  description: "simulator events per wall second (hold model) at 10^3, 10^5, 10^6 pending timers",
  async run() {
    const figures: Figure[] = [];
    for (const pending of [1_000, 100_000, 1_000_000]) {
      const events = pending >= 1_000_000 ? 3_000_000 : 5_000_000;
      let best = 0;
      for (let r = 0; r < 3; r++) best = Math.max(best, holdRate(pending, events));
      const ns3 = await ns3Hold(pending, events);
      const f: Figure = {
        suite: "kernel",
        name: `events/s, ${pending.toLocaleString("en-US")} pending`,
        value: best,
        unit: "events/s",
      };
      const target = TARGETS[pending];
      if (target !== undefined) f.target = target;
      f.note =
        ns3 === undefined
          ? "ns-3 comparison skipped (libns3-dev not installed)"
          : `ns-3 MapScheduler ${(ns3 / 1e6).toFixed(2)} M/s; wirelab/ns-3 = ${(best / ns3).toFixed(2)}x`;
      figures.push(f);
    }
    return figures;
  },
};
