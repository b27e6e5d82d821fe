import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue, PoppedEvent } from "./event-queue.js";
import { EventBudgetExceeded, Simulator } from "./simulator.js";
import { formatTime, ms, sec } from "./time.js";
import { TimeHeap } from "./time-heap.js";

describe("EventQueue", () => {
  it("pops in (time, insertion) order, matching a sorted model", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 300 }),
        (ops) => {
          const q = new EventQueue(4);
          const model: { t: number; i: number }[] = [];
          const ids: number[] = [];
          ops.forEach(([t, cancelPrevious], i) => {
            ids.push(q.push(t, () => {}, i));
            model.push({ t, i });
            if (cancelPrevious && i > 0 && i % 3 === 0) {
              const victim = i - 1;
              const idx = model.findIndex((m) => m.i === victim);
              expect(q.cancel(ids[victim]!)).toBe(idx !== -1);
              if (idx !== -1) model.splice(idx, 1);
            }
          });
          model.sort((a, b) => a.t - b.t || a.i - b.i);
          expect(q.size).toBe(model.length);
          const out = new PoppedEvent();
          const got: { t: number; i: number }[] = [];
          while (q.pop(out)) got.push({ t: out.time, i: out.arg as number });
          expect(got).toEqual(model);
          expect(q.size).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("matches a sorted model under interleaved push, pop and cancel at any time scale", () => {
    // Times are pushed at or after the last popped time, as the simulator guarantees.
    const op = fc.oneof(
      fc.record({ kind: fc.constant("push" as const), delay: fc.integer({ min: 0, max: 1e6 }) }),
      fc.record({ kind: fc.constant("push" as const), delay: fc.integer({ min: 0, max: 5 }) }),
      fc.record({
        kind: fc.constant("push" as const),
        delay: fc.integer({ min: 0, max: 2 ** 50 }),
      }),
      fc.record({ kind: fc.constant("pop" as const), delay: fc.constant(0) }),
      fc.record({ kind: fc.constant("cancel" as const), delay: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const q = new EventQueue(16);
        const out = new PoppedEvent();
        let now = 0;
        let n = 0;
        const model: { t: number; i: number; id: number }[] = [];
        for (const o of ops) {
          if (o.kind === "push") {
            const t = now + o.delay;
            model.push({ t, i: n, id: q.push(t, () => {}, n) });
            n++;
          } else if (o.kind === "cancel" && model.length > 0) {
            const [victim] = model.splice(o.delay % model.length, 1);
            expect(q.cancel(victim!.id)).toBe(true);
          } else if (o.kind === "pop") {
            model.sort((a, b) => a.t - b.t || a.i - b.i);
            const want = model.shift();
            expect(q.pop(out)).toBe(want !== undefined);
            if (want !== undefined) {
              expect([out.time, out.arg]).toEqual([want.t, want.i]);
              now = out.time;
            }
          }
          expect(q.size).toBe(model.length);
        }
        model.sort((a, b) => a.t - b.t || a.i - b.i);
        for (const want of model) {
          expect(q.peekTime()).toBe(want.t);
          expect(q.pop(out)).toBe(true);
          expect([out.time, out.arg]).toEqual([want.t, want.i]);
        }
        expect(q.pop(out)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it("ignores stale ids after a slot is reused", () => {
    const q = new EventQueue();
    const out = new PoppedEvent();
    const first = q.push(1, () => {}, "a");
    expect(q.pop(out)).toBe(true);
    const second = q.push(2, () => {}, "b"); // reuses the freed slot
    expect(q.cancel(first)).toBe(false);
    expect(q.size).toBe(1);
    expect(q.cancel(second)).toBe(true);
    expect(q.cancel(second)).toBe(false);
    expect(q.pop(out)).toBe(false);
  });

  it("grows past its initial capacity", () => {
    const q = new EventQueue(16);
    for (let i = 0; i < 10_000; i++) q.push(10_000 - i, () => {}, i);
    const out = new PoppedEvent();
    let last = -1;
    let n = 0;
    while (q.pop(out)) {
      expect(out.time).toBeGreaterThan(last);
      last = out.time;
      n++;
    }
    expect(n).toBe(10_000);
  });
});

describe("TimeHeap", () => {
  it("pops in (time, seq) order at depths beyond one level, matching a sorted model", () => {
    // The queue's buckets keep the heap shallow; this drives the bottom-up removal deep.
    const op = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(-1));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
        const heap = new TimeHeap(4);
        const model: { t: number; s: number }[] = [];
        let seq = 0;
        const popOne = () => {
          model.sort((a, b) => a.t - b.t || a.s - b.s);
          const want = model.shift()!;
          expect([heap.topTime(), heap.topSlot()]).toEqual([want.t, want.s]);
          heap.removeTop();
        };
        for (const t of ops) {
          if (t >= 0) {
            heap.push(t, seq, seq);
            model.push({ t, s: seq++ });
          } else if (model.length > 0) popOne();
          expect(heap.size).toBe(model.length);
        }
        while (model.length > 0) popOne();
      }),
      { numRuns: 200 },
    );
  });
});

describe("EventQueue at scale", () => {
  it("keeps order and cancels across more buckets than a small queue uses", () => {
    // Enough pending events that a cut uses thousands of buckets, with interleaved cancels.
    const q = new EventQueue();
    const out = new PoppedEvent();
    let x = 12345;
    const rand = (n: number) => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x % n;
    };
    const live = new Map<number, number>();
    const ids: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      const t = rand(1_000_000);
      ids.push(q.push(t, () => {}, i));
      live.set(i, t);
      if (i % 7 === 0) {
        const v = rand(i + 1);
        expect(q.cancel(ids[v]!)).toBe(live.delete(v));
      }
    }
    const want = [...live].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    for (const [i, t] of want) {
      expect(q.pop(out)).toBe(true);
      expect([out.time, out.arg]).toEqual([t, i]);
    }
    expect(q.pop(out)).toBe(false);
  });
});

describe("Simulator", () => {
  it("advances virtual time event by event, FIFO within an instant", () => {
    const sim = new Simulator();
    const log: string[] = [];
    sim.at(ms(5), () => log.push(`b@${sim.now}`));
    sim.at(ms(1), () => {
      log.push(`a@${sim.now}`);
      sim.after(0, () => log.push(`a2@${sim.now}`)); // same instant, after what is queued
    });
    sim.at(ms(1), () => log.push(`a1@${sim.now}`));
    expect(sim.run()).toBe("idle");
    expect(log).toEqual(["a@1000000", "a1@1000000", "a2@1000000", "b@5000000"]);
    expect(sim.eventsExecuted).toBe(4);
  });

  it("runUntil runs events up to and including t, then parks the clock at t", () => {
    const sim = new Simulator();
    const fired: number[] = [];
    for (const t of [10, 20, 30]) sim.at(t, () => fired.push(t));
    expect(sim.runUntil(20)).toBe("until");
    expect(fired).toEqual([10, 20]);
    expect(sim.now).toBe(20);
    expect(sim.runUntil(25)).toBe("until");
    expect(sim.now).toBe(25);
    expect(sim.runUntil(100)).toBe("idle");
    expect(sim.now).toBe(100);
    expect(fired).toEqual([10, 20, 30]);
  });

  it("step runs one event; stop ends a run after the current event", () => {
    const sim = new Simulator();
    let count = 0;
    const tick = () => {
      count++;
      if (count % 5 === 0) sim.stop();
      sim.after(1, tick);
    };
    sim.at(0, tick);
    expect(sim.step()).toBe(true);
    expect(count).toBe(1);
    expect(sim.run()).toBe("stopped");
    expect(count).toBe(5);
    expect(sim.run()).toBe("stopped"); // stop() is cleared at the start of each run
    expect(count).toBe(10);
  });

  it("throws EventBudgetExceeded on a zero-delay livelock", () => {
    const sim = new Simulator({ eventBudget: 1000 });
    const spin = () => sim.after(0, spin);
    sim.at(0, spin);
    expect(() => sim.run()).toThrow(EventBudgetExceeded);
    expect(sim.eventsExecuted).toBe(1000);
  });

  it("refuses scheduling in the past or at non-integer times", () => {
    const sim = new Simulator();
    sim.at(10, () => {});
    sim.run();
    expect(() => sim.at(5, () => {})).toThrow(RangeError);
    expect(() => sim.after(0.5, () => {})).toThrow(RangeError);
    expect(() => sim.after(-1, () => {})).toThrow(RangeError);
  });

  it("passes an argument without a closure, and cancel prevents firing", () => {
    const sim = new Simulator();
    const got: number[] = [];
    const record = (x: number) => got.push(x);
    sim.after(1, record, 7);
    const id = sim.after(2, record, 8);
    expect(sim.cancel(id)).toBe(true);
    sim.run();
    expect(got).toEqual([7]);
    expect(sim.cancel(id)).toBe(false);
  });

  it("Timer re-arms in O(1) and fires once at its last deadline", () => {
    const sim = new Simulator();
    const fires: number[] = [];
    const t = sim.timer(() => fires.push(sim.now));
    t.set(sec(1));
    expect(t.armed).toBe(true);
    sim.at(ms(500), () => t.set(sec(1))); // pushed back to 1.5 s
    sim.run();
    expect(fires).toEqual([sec(1.5)]);
    expect(t.armed).toBe(false);
    t.set(10);
    t.cancel();
    sim.run();
    expect(fires).toHaveLength(1);
    expect(sim.pending).toBe(0);
  });

  it("gives identical runs for identical seeds", () => {
    const trace = (seed: number) => {
      const sim = new Simulator({ seed });
      const rng = sim.rng("arrivals");
      const out: string[] = [];
      const arrive = (n: number) => {
        out.push(formatTime(sim.now));
        if (n < 50) sim.after(1 + rng.nextInt(1000), arrive, n + 1);
      };
      sim.at(0, arrive, 0);
      sim.run();
      return out.join(",");
    };
    expect(trace(9)).toBe(trace(9));
    expect(trace(9)).not.toBe(trace(10));
  });
});

describe("time", () => {
  it("formats nanoseconds as seconds", () => {
    expect(formatTime(0)).toBe("0.000000000");
    expect(formatTime(sec(1) + 250)).toBe("1.000000250");
    expect(formatTime(ms(1500))).toBe("1.500000000");
  });
});
