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

describe("HostClock's list of armed timers", () => {
  it("re-times exactly the armed timers after any mix of arms, cancels and firings", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 3000 })), {
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 1500 }),
        (ops, adjustAt) => {
          const sim = new Simulator();
          const clock = new HostClock(sim);
          const fired: { i: number; mono: number; prev: number; target: number }[] = [];
          const timers = Array.from({ length: 8 }, (_, i) => {
            const t = clock.timer(() => {
              // The reading one instant earlier, if that instant is in the current segment.
              let prev = Number.NEGATIVE_INFINITY;
              if (sim.now - 1 > adjustAt || sim.now < adjustAt) {
                prev = clock.monotonicAt(Math.max(0, sim.now - 1));
              }
              fired.push({ i, mono: clock.monotonic(), prev, target: targets[i]! });
            });
            return t;
          });
          const targets: number[] = Array(8).fill(-1);
          // Each op at its own instant: a delay of 0 cancels, otherwise (re)arms.
          ops.forEach(([i, d], k) => {
            sim.at(k * 10, () => {
              if (d === 0) {
                timers[i]!.cancel();
                targets[i] = -1;
              } else {
                timers[i]!.set(d);
                targets[i] = timers[i]!.deadline;
              }
            });
          });
          sim.at(adjustAt, () => clock.adjustFrequency(400));
          sim.run();
          for (const f of fired) {
            // Fired at the first instant its local deadline was reached, never early.
            expect(f.mono).toBeGreaterThanOrEqual(f.target);
            if (f.prev !== Number.NEGATIVE_INFINITY) expect(f.prev).toBeLessThan(f.target);
          }
          expect(timers.every((t) => !t.armed)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

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
