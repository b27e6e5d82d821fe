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

/** A clock with arbitrary drift, offset and maybe a pending slew and a correction. */
const clockArb = fc.record({
  driftPpm: fc.double({ min: -2000, max: 2000, noNaN: true }),
  offset: fc.integer({ min: -sec(100), max: sec(100) }),
  start: fc.integer({ min: 0, max: sec(1000) }),
  slew: fc.double({ min: -1e9, max: 1e9, noNaN: true }),
  freq: fc.double({ min: -500, max: 500, noNaN: true }),
});

function makeClock(p: {
  driftPpm: number;
  offset: number;
  start: number;
  slew: number;
  freq: number;
}): { sim: Simulator; c: HostClock } {
  const sim = new Simulator();
  const c = new HostClock(sim, { driftPpm: p.driftPpm, offset: p.offset });
  advance(sim, p.start);
  c.adjustFrequency(p.freq);
  c.slew(p.slew);
  return { sim, c };
}

describe("HostClock monotonic time and local timers", () => {
  it("equals simulation time on a perfect clock, whatever its offset", () => {
    const sim = new Simulator();
    const c = new HostClock(sim, { offset: sec(7) });
    advance(sim, sec(3) + 17);
    expect(c.monotonic()).toBe(sec(3) + 17);
    expect(c.now()).toBe(sec(10) + 17);
    expect(c.simDelayFor(ms(250) + 3)).toBe(ms(250) + 3);
  });

  it("fires a local 1 s timer early on a fast clock and late on a slow one", () => {
    for (const [ppm, expected] of [
      [100, Math.ceil(sec(1) / (1 + 1e-4))],
      [-100, Math.ceil(sec(1) / (1 - 1e-4))],
      [0, sec(1)],
    ] as const) {
      const sim = new Simulator();
      const c = new HostClock(sim, { driftPpm: ppm });
      let firedAt = -1;
      c.after(sec(1), () => {
        firedAt = sim.now;
      });
      sim.run();
      expect(Math.abs(firedAt - expected)).toBeLessThanOrEqual(1);
      expect(c.monotonic()).toBeGreaterThanOrEqual(sec(1));
    }
  });

  it("ignores steps (as CLOCK_MONOTONIC) but follows a slew started while it is armed", () => {
    const sim = new Simulator();
    const c = new HostClock(sim, { steps: [{ at: ms(300), by: -sec(5) }] });
    const fired: number[] = [];
    const t = c.timer(() => fired.push(sim.now));
    t.set(sec(1));
    advance(sim, ms(500));
    c.step(sec(60));
    expect(t.simDeadline).toBe(sec(1));
    sim.run();
    expect(fired).toEqual([sec(1)]);
    // A +10 ms slew runs the clock 500 ppm fast for 20 s: a 10 s timer set before it fires
    // 10 s / 1.0005 after it was set.
    const start = sim.now;
    t.set(sec(10));
    c.slew(ms(10));
    expect(Math.abs(t.simDeadline - start - sec(10) / 1.0005)).toBeLessThanOrEqual(1);
    // A frequency correction while armed moves the expiry too.
    advance(sim, start + sec(5));
    c.adjustFrequency(-500);
    sim.run();
    expect(fired).toHaveLength(2);
    expect(c.monotonic() - (start + sec(0))).toBeGreaterThanOrEqual(sec(10) - 1);
    expect(c.monotonicAt(sim.now - 1)).toBeLessThan(start + sec(10));
  });

  it("re-arms, cancels and keeps nothing armed after firing", () => {
    const sim = new Simulator();
    const c = new HostClock(sim, { driftPpm: 250 });
    let n = 0;
    const t = c.timer(() => n++);
    t.set(sec(1));
    t.set(sec(2));
    expect(t.armed).toBe(true);
    expect(t.deadline).toBe(sec(2));
    t.cancel();
    expect(t.armed).toBe(false);
    expect(t.deadline).toBe(-1);
    sim.run();
    expect(n).toBe(0);
    t.setAt(sec(3));
    sim.run();
    expect(n).toBe(1);
    expect(t.armed).toBe(false);
    // Nothing left armed: adjusting the clock schedules nothing.
    c.adjustFrequency(10);
    expect(sim.pending).toBe(0);
  });

  it("converts local delays so the deadline is the first instant the reading reaches it", () => {
    fc.assert(
      fc.property(clockArb, fc.integer({ min: 0, max: sec(3600) }), (p, d) => {
        const { sim, c } = makeClock(p);
        const target = c.monotonic() + d;
        const dt = c.simDelayFor(d);
        expect(Number.isInteger(dt)).toBe(true);
        expect(dt).toBeGreaterThanOrEqual(0);
        if (d > 0) {
          // Inverse within 1 ns: reached at dt, not yet one nanosecond earlier.
          expect(c.monotonicAt(sim.now + dt)).toBeGreaterThanOrEqual(target);
          expect(c.monotonicAt(sim.now + dt - 1)).toBeLessThan(target);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("keeps the monotonic reading increasing and never stepped", () => {
    fc.assert(
      fc.property(
        clockArb,
        fc.array(
          fc.tuple(
            fc.integer({ min: 1, max: sec(30) }),
            fc.double({ min: -1e10, max: 1e10, noNaN: true }),
          ),
        ),
        (p, ops) => {
          const { sim, c } = makeClock(p);
          let last = c.monotonic();
          for (const [gap, step] of ops) {
            advance(sim, sim.now + gap);
            const m = c.monotonic();
            expect(m).toBeGreaterThan(last);
            c.step(step);
            expect(c.monotonic()).toBe(m);
            last = m;
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("orders timers with different local delays as their delays, on any clock", () => {
    fc.assert(
      fc.property(
        clockArb,
        fc.uniqueArray(fc.integer({ min: 1, max: sec(100) }), { minLength: 2, maxLength: 10 }),
        (p, delays) => {
          const { sim, c } = makeClock(p);
          const fired: number[] = [];
          for (const d of delays) c.after(d, () => fired.push(d));
          sim.run();
          const sorted = [...delays].sort((a, b) => a - b);
          // Delays closer than a nanosecond of simulation time may tie; otherwise in order.
          for (let i = 1; i < fired.length; i++) {
            const a = fired[i - 1] as number;
            const b = fired[i] as number;
            if (a > b) expect(a - b).toBeLessThanOrEqual(2);
          }
          expect(fired.length).toBe(sorted.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
