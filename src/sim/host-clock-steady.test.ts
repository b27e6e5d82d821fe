// The steady fast path of HostClock.simDelayUntil (rate 1, no slew, integer anchor) must give
// exactly the instant the general search gives: the first at which the reading reaches the
// deadline. Checked against the definition, before and after steps and adjustments.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HostClock } from "./host-clock.js";
import { Simulator } from "./simulator.js";

/** The first simulation instant >= now at which the monotonic reading reaches `mono`. */
function firstInstant(clock: HostClock, mono: number): number {
  const t0 = clock.sim.now;
  let t = t0;
  while (clock.monotonicAt(t) < mono) t++;
  return t - t0;
}

describe("HostClock steady fast path", () => {
  it("matches the definition for integer deadlines around now, across steps", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.integer({ min: -2000, max: 2000 }),
        (at, stepBy, ahead) => {
          const sim = new Simulator();
          const clock = new HostClock(sim, { offset: 7 });
          sim.at(at, () => clock.step(stepBy));
          sim.run();
          const mono = Math.floor(clock.monotonic()) + ahead;
          expect(clock.simDelayUntil(mono)).toBe(firstInstant(clock, mono));
        },
      ),
    );
  });

  it("is left for the general path once the clock slews or is re-tuned, and matches it", () => {
    const sim = new Simulator();
    const clock = new HostClock(sim);
    const fired: number[] = [];
    const t = clock.timer(() => fired.push(sim.now));
    t.setAt(1_000_000);
    sim.at(100, () => clock.adjustFrequency(100)); // 100 ppm fast from t = 100
    sim.run();
    // 100 + ceil((1e6 - 100) / 1.0001)
    expect(fired).toEqual([100 + Math.ceil(999_900 / 1.0001)]);
    clock.adjustFrequency(0);
    // The anchor is now fractional: the general search still lands on the exact instant.
    const mono = Math.ceil(clock.monotonic()) + 5000;
    expect(clock.simDelayUntil(mono)).toBe(firstInstant(clock, mono));
  });
});
