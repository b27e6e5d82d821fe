import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HostClock } from "./host-clock.js";
import { Simulator } from "./simulator.js";
import { ms, sec } from "./time.js";

/** Runs the simulator to absolute time `t`. */
function advance(sim: Simulator, t: number): void {
  sim.at(t, () => {});
  sim.runUntil(t);
}

describe("HostClock", () => {
  it("is perfect by default", () => {
    const sim = new Simulator();
    const c = new HostClock(sim);
    advance(sim, sec(3));
    expect(c.now()).toBe(sec(3));
    expect(c.error()).toBe(0);
  });

  it("reads offset + drift as a pure function of simulation time", () => {
    const sim = new Simulator();
    const c = new HostClock(sim, { offset: ms(100), driftPpm: 50 });
    expect(c.readAt(sec(10))).toBeCloseTo(sec(10) + ms(100) + 500_000, 3);
    expect(c.readAt(sec(10))).toBe(c.readAt(sec(10)));
    advance(sim, sec(10));
    expect(c.now()).toBe(c.readAt(sec(10)));
    expect(c.error()).toBeCloseTo(ms(100.5), 3);
  });

  it("takes scheduled steps at their instants", () => {
    const sim = new Simulator();
    const c = new HostClock(sim, {
      steps: [
        { at: sec(5), by: -ms(20) },
        { at: 0, by: ms(1) },
      ],
    });
    expect(c.readAt(sec(4))).toBe(sec(4) + ms(1));
    expect(c.readAt(sec(5))).toBe(sec(5) - ms(19));
    advance(sim, sec(6));
    c.step(ms(19));
    expect(c.error()).toBe(0);
    expect(c.readAt(sec(7))).toBe(sec(7));
  });

  it("steps, slews at the maximum rate and corrects frequency", () => {
    const sim = new Simulator();
    const c = new HostClock(sim, { driftPpm: 50 });
    advance(sim, sec(1));
    c.set(sec(1));
    expect(c.error()).toBe(0);
    c.adjustFrequency(-50);
    expect(c.rate).toBe(1);
    // 10 ms at 500 ppm takes 20 s; halfway, half of it is applied.
    c.slew(ms(10));
    advance(sim, sec(11));
    expect(c.error()).toBeCloseTo(ms(5), 3);
    expect(c.pendingSlew).toBeCloseTo(ms(5), 3);
    // A new slew replaces the rest of the old one (adjtime).
    c.slew(-ms(1));
    advance(sim, sec(21));
    expect(c.error()).toBeCloseTo(ms(4), 3);
    expect(c.pendingSlew).toBe(0);
    expect(c.adjustFrequency(900)).toBe(500);
  });

  it("never runs backwards while slewing, whatever the adjustments", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 1, max: sec(5) }),
            fc.double({ min: -1e8, max: 1e8, noNaN: true }),
            fc.double({ min: -400, max: 400, noNaN: true }),
          ),
          { maxLength: 20 },
        ),
        (ops) => {
          const sim = new Simulator();
          const c = new HostClock(sim, { driftPpm: -30, offset: ms(5) });
          let last = c.now();
          for (const [gap, slew, freq] of ops) {
            advance(sim, sim.now + gap);
            const t = c.now();
            expect(t).toBeGreaterThanOrEqual(last);
            c.slew(slew);
            c.adjustFrequency(freq);
            expect(c.now()).toBe(t);
            last = t;
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
