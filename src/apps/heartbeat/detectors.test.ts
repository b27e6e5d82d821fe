import { describe, expect, it } from "vitest";
import { ms, type Nanos, sec } from "../../sim/time.js";
import { type FailureDetector, FixedTimeoutDetector, type Health } from "./detector.js";
import { log10NormalTail, PhiAccrualDetector, zForPhi } from "./phi-accrual.js";

/** A detector under test, and what its configuration promises after regular 1 s heartbeats. */
interface DetectorCase {
  name: string;
  make: () => FailureDetector;
  /** Silence after the last heartbeat at which it suspects, and at which it declares dead. */
  suspectAfter: Nanos;
  deadAfter: Nanos;
}

const INTERVAL = sec(1);
const RANK: Record<Health, number> = { alive: 0, suspect: 1, dead: 2 };

/** Feeds `n` heartbeats 1 s apart starting at `start`; returns the last arrival time. */
function regular(d: FailureDetector, n: number, start = sec(100)): Nanos {
  let t = start;
  for (let i = 0; i < n; i++, t += INTERVAL) d.heartbeat(t);
  return t - INTERVAL;
}

/** Follows nextChange from `t` until it ends: [instant, health] for every change. */
function walk(d: FailureDetector, t: Nanos): [Nanos, Health][] {
  const out: [Nanos, Health][] = [];
  for (let next = d.nextChange(t); next !== undefined; next = d.nextChange(next)) {
    expect(next).toBeGreaterThan(t);
    expect(Number.isInteger(next)).toBe(true);
    out.push([next, d.health(next)]);
    t = next;
  }
  return out;
}

/** The conformance suite every FailureDetector passes (hono's common.case.test.ts pattern). */
function detectorConformance(c: DetectorCase): void {
  describe(`${c.name} conformance`, () => {
    it("is alive and schedules nothing before the first heartbeat", () => {
      const d = c.make();
      expect(d.lastHeartbeat).toBeUndefined();
      expect(d.health(sec(50))).toBe("alive");
      expect(d.nextChange(sec(50))).toBeUndefined();
      expect(d.suspicion(sec(50))).toBe(0);
    });

    it("stays alive through a regular stream of heartbeats", () => {
      const d = c.make();
      let t = sec(1);
      for (let i = 0; i < 300; i++, t += INTERVAL) {
        d.heartbeat(t);
        expect(d.lastHeartbeat).toBe(t);
        expect(d.health(t)).toBe("alive");
        expect(d.health(t + INTERVAL)).toBe("alive");
        expect(d.nextChange(t)).toBeGreaterThan(t + INTERVAL);
      }
    });

    it("without heartbeats goes alive -> suspect -> dead at the announced instants, then stops", () => {
      const d = c.make();
      const last = regular(d, 50);
      const changes = walk(d, last);
      const expected: [Nanos, Health][] =
        c.suspectAfter === c.deadAfter
          ? [[last + c.deadAfter, "dead"]]
          : [
              [last + c.suspectAfter, "suspect"],
              [last + c.deadAfter, "dead"],
            ];
      expect(changes).toEqual(expected);
      // Just before each change, the verdict is still the previous one.
      for (const [t] of changes) expect(RANK[d.health(t - 1)]).toBeLessThan(RANK[d.health(t)]);
      expect(d.nextChange(last + c.deadAfter + sec(100))).toBeUndefined();
    });

    it("suspicion and verdict never decrease during a silence", () => {
      const d = c.make();
      const last = regular(d, 50);
      let prev = d.suspicion(last);
      let prevRank = 0;
      for (let t = last; t <= last + 2 * c.deadAfter; t += ms(7)) {
        const s = d.suspicion(t);
        expect(s).toBeGreaterThanOrEqual(prev);
        expect(RANK[d.health(t)]).toBeGreaterThanOrEqual(prevRank);
        prev = s;
        prevRank = RANK[d.health(t)];
      }
    });

    it("a heartbeat makes a suspected or dead process alive again", () => {
      for (const health of ["suspect", "dead"] as const) {
        const d = c.make();
        const last = regular(d, 50);
        const t = last + (health === "dead" ? c.deadAfter : c.suspectAfter) + ms(1);
        if (c.suspectAfter !== c.deadAfter || health === "dead") expect(d.health(t)).toBe(health);
        d.heartbeat(t);
        expect(d.health(t)).toBe("alive");
        expect(d.nextChange(t)).toBeGreaterThan(t);
      }
    });

    it("depends only on the arrival times given: same inputs, same answers, shift-invariant", () => {
      const a = c.make();
      const b = c.make();
      const shifted = c.make();
      const gaps = [1000, 1100, 900, 1000, 2000, 950, 1050, 1000].map(ms);
      let t = sec(10);
      for (const g of [...gaps, ...gaps]) {
        t += g;
        a.heartbeat(t);
        b.heartbeat(t);
        shifted.heartbeat(t + sec(3600));
      }
      expect(walk(b, t)).toEqual(walk(a, t));
      expect(walk(shifted, t + sec(3600)).map(([x, h]) => [x - sec(3600), h])).toEqual(walk(a, t));
    });
  });
}

detectorConformance({
  name: "fixed timeout (suspect 1.5 s, dead 3 s)",
  make: () => new FixedTimeoutDetector({ timeout: sec(3), suspectAfter: ms(1500) }),
  suspectAfter: ms(1500),
  deadAfter: sec(3),
});

detectorConformance({
  name: "fixed timeout (dead 2 s, no separate suspicion)",
  make: () => new FixedTimeoutDetector({ timeout: sec(2), suspectAfter: sec(2) }),
  suspectAfter: sec(2),
  deadAfter: sec(2),
});

// Regular 1 s arrivals: standard deviation 0, floored at 100 ms; phi 8 at z = 5.612,
// phi 16 at z = 8.222 (P_later = 1e-8 and 1e-16).
detectorConformance({
  name: "phi accrual, normal",
  make: () => new PhiAccrualDetector({ threshold: 8 }),
  suspectAfter: Math.ceil(sec(1) + zForPhi(8) * ms(100)),
  deadAfter: Math.ceil(sec(1) + zForPhi(16) * ms(100)),
});

detectorConformance({
  name: "phi accrual, normal, acceptable pause 3 s (Akka's cluster defaults)",
  make: () => new PhiAccrualDetector({ threshold: 8, acceptablePause: sec(3) }),
  suspectAfter: Math.ceil(sec(4) + zForPhi(8) * ms(100)),
  deadAfter: Math.ceil(sec(4) + zForPhi(16) * ms(100)),
});

// Exponential: phi = t / (mean · ln 10), so phi 3 at 6.908 s and phi 6 at 13.816 s.
detectorConformance({
  name: "phi accrual, exponential",
  make: () => new PhiAccrualDetector({ threshold: 3, distribution: "exponential" }),
  suspectAfter: Math.ceil(3 * Math.LN10 * sec(1)),
  deadAfter: Math.ceil(6 * Math.LN10 * sec(1)),
});

describe("phi accrual specifics", () => {
  it("computes the normal tail to the accuracy of its erfc fit, far into the tail", () => {
    // Q(z) from tables (Abramowitz and Stegun 26.2), checked to a relative error of 1e-6.
    const table: [number, number][] = [
      [-1, 0.8413447460685429],
      [0, 0.5],
      [1, 0.15865525393145707],
      [3, 0.0013498980316301],
      [5, 2.866515718791939e-7],
      [8, 6.220960574271785e-16],
      [20, 2.753624118606233e-89],
    ];
    for (const [z, q] of table) {
      expect(Math.abs(10 ** log10NormalTail(z) / q - 1)).toBeLessThan(1e-6);
    }
    expect(-log10NormalTail(40)).toBeGreaterThan(300); // no underflow to -Infinity
    expect(zForPhi(8)).toBeCloseTo(5.612, 3);
  });

  it("phi = -log10 P_later(t - t_last) with the window's mean and deviation (paper §3.2)", () => {
    const d = new PhiAccrualDetector({ minStdDev: 1 });
    // Alternating 0.8 s and 1.2 s gaps: mean 1 s, standard deviation 0.2 s.
    let t = 0;
    for (let i = 0; i < 41; i++) {
      d.heartbeat(t);
      t += i % 2 === 0 ? ms(800) : ms(1200);
    }
    const last = d.lastHeartbeat!;
    expect(d.mean).toBe(sec(1));
    expect(d.stdDev).toBeCloseTo(ms(200), 3);
    expect(d.suspicion(last + sec(1))).toBeCloseTo(-Math.log10(0.5), 6);
    expect(d.suspicion(last + ms(1600))).toBeCloseTo(-Math.log10(0.0013498980316301), 5);
  });

  it("floors the standard deviation and adds the acceptable pause to the mean", () => {
    const plain = new PhiAccrualDetector({ minStdDev: ms(250) });
    const paused = new PhiAccrualDetector({ minStdDev: ms(250), acceptablePause: sec(2) });
    regular(plain, 20);
    const last = regular(paused, 20);
    expect(plain.stdDev).toBe(ms(250));
    expect(paused.nextChange(last)! - plain.nextChange(last)!).toBe(sec(2));
  });

  it("exponential: phi grows linearly with the silence", () => {
    const d = new PhiAccrualDetector({ distribution: "exponential" });
    const last = regular(d, 10);
    expect(d.suspicion(last + sec(1))).toBeCloseTo(1 / Math.LN10, 9);
    expect(d.suspicion(last + sec(10))).toBeCloseTo(10 / Math.LN10, 9);
  });

  it("forgets old intervals: the window slides", () => {
    const d = new PhiAccrualDetector({ windowSize: 10 });
    let t = regular(d, 30);
    for (let i = 0; i < 10; i++) {
      t += sec(3);
      d.heartbeat(t);
    }
    expect(d.samples).toBe(10);
    expect(d.mean).toBe(sec(3));
  });

  it("starts from the first-interval estimate before two heartbeats have arrived", () => {
    const d = new PhiAccrualDetector({ firstInterval: sec(2) });
    d.heartbeat(sec(5));
    expect(d.mean).toBe(sec(2));
    expect(d.stdDev).toBe(ms(500));
  });

  it("refuses inconsistent options", () => {
    expect(() => new PhiAccrualDetector({ threshold: 8, deadThreshold: 4 })).toThrow(RangeError);
    expect(() => new FixedTimeoutDetector({ timeout: sec(1), suspectAfter: sec(2) })).toThrow(
      RangeError,
    );
  });
});
