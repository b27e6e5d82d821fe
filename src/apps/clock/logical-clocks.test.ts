import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LamportClock } from "./lamport.js";
import {
  type VectorClock,
  VectorClockProcess,
  vcCompare,
  vcHappenedBefore,
  vcIncrement,
  vcMerge,
  vectorClock,
} from "./vector-clock.js";

const NAMES = ["p0", "p1", "p2", "p3"];

/** One recorded event of a random execution, with both clocks and its direct causes. */
interface Ev {
  lamport: number;
  vector: VectorClock;
  causes: number[];
}

/**
 * Runs a random execution: each op is a local event, a send to another process or the delivery
 * of the oldest message waiting for a process. Returns events with their true causes (previous
 * event of the same process, and the send of a received message).
 */
function execute(ops: [number, number, number][]): Ev[] {
  const lamports = NAMES.map(() => new LamportClock());
  const vectors = NAMES.map((n) => new VectorClockProcess(n));
  const last: (number | undefined)[] = NAMES.map(() => undefined);
  const inbox: { from: number; lamport: number; vector: VectorClock }[][] = NAMES.map(() => []);
  const events: Ev[] = [];
  const record = (p: number, lamport: number, vector: VectorClock, extra?: number) => {
    const causes = [last[p], extra].filter((x): x is number => x !== undefined);
    events.push({ lamport, vector, causes });
    last[p] = events.length - 1;
  };
  for (const [kind, p, q] of ops) {
    if (kind === 0) record(p, lamports[p]!.tick(), vectors[p]!.tick());
    else if (kind === 1) {
      const l = lamports[p]!.send();
      const v = vectors[p]!.send();
      record(p, l, v);
      inbox[q]!.push({ from: events.length - 1, lamport: l, vector: v });
    } else {
      const m = inbox[p]!.shift();
      if (m === undefined) continue;
      record(p, lamports[p]!.receive(m.lamport), vectors[p]!.receive(m.vector), m.from);
    }
  }
  return events;
}

/** reach[a][b]: a happened before b, by the transitive closure of the true causes. */
function closure(events: Ev[]): boolean[][] {
  const reach = events.map(() => new Array<boolean>(events.length).fill(false));
  events.forEach((e, b) => {
    for (const c of e.causes) {
      reach[c]![b] = true;
      for (let a = 0; a < b; a++) if (reach[a]![c]) reach[a]![b] = true;
    }
  });
  return reach;
}

const ops = fc.array(
  fc.tuple(
    fc.integer({ min: 0, max: 2 }),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 3 }),
  ),
  { maxLength: 40 },
);
const vector = fc
  .dictionary(fc.constantFrom(...NAMES, "__proto__", "constructor"), fc.integer({ min: 0, max: 5 }))
  .map((d) => vectorClock(d));

describe("logical clocks", () => {
  it("Lamport: tick, send and receive = max + 1", () => {
    const a = new LamportClock();
    const b = new LamportClock();
    expect(a.tick()).toBe(1);
    const stamp = a.send();
    expect(stamp).toBe(2);
    expect(b.receive(stamp)).toBe(3);
    expect(b.receive(1)).toBe(4);
    expect(() => b.receive(-1)).toThrow(RangeError);
  });

  it("vector clocks: increment, merge and compare", () => {
    const a = vcIncrement(vectorClock(), "a");
    const ab = vcMerge(a, vectorClock({ b: 2 }));
    expect({ ...ab }).toEqual({ a: 1, b: 2 });
    expect(vcCompare(a, ab)).toBe("before");
    expect(vcCompare(ab, a)).toBe("after");
    expect(vcCompare(ab, vectorClock({ b: 2, a: 1 }))).toBe("equal");
    expect(vcCompare(a, vectorClock({ b: 1 }))).toBe("concurrent");
    expect(Object.keys(vcMerge(vectorClock({ z: 1 }), vectorClock({ a: 1 })))).toEqual(["a", "z"]);
    expect(() => vectorClock({ a: -1 })).toThrow(RangeError);
  });

  it("vector clocks say happened-before exactly, and Lamport clocks respect it", () => {
    fc.assert(
      fc.property(ops, (o) => {
        const events = execute(o);
        const reach = closure(events);
        events.forEach((x, i) => {
          events.forEach((y, j) => {
            expect(vcHappenedBefore(x.vector, y.vector)).toBe(reach[i]![j]);
            if (reach[i]![j]) expect(x.lamport).toBeLessThan(y.lamport);
            if (i !== j && !reach[i]![j] && !reach[j]![i]) {
              expect(vcCompare(x.vector, y.vector)).toBe("concurrent");
            }
          });
        });
      }),
      { numRuns: 300 },
    );
  });

  it("happened-before is a strict partial order", () => {
    fc.assert(
      fc.property(vector, vector, vector, (a, b, c) => {
        expect(vcHappenedBefore(a, a)).toBe(false);
        if (vcHappenedBefore(a, b)) expect(vcHappenedBefore(b, a)).toBe(false);
        if (vcHappenedBefore(a, b) && vcHappenedBefore(b, c)) {
          expect(vcHappenedBefore(a, c)).toBe(true);
        }
        const flip = { before: "after", after: "before", equal: "equal", concurrent: "concurrent" };
        expect(vcCompare(b, a)).toBe(flip[vcCompare(a, b)]);
      }),
    );
  });

  it("merge is commutative, associative and idempotent, and an upper bound", () => {
    fc.assert(
      fc.property(vector, vector, vector, (a, b, c) => {
        expect(vcCompare(vcMerge(a, b), vcMerge(b, a))).toBe("equal");
        expect(vcCompare(vcMerge(vcMerge(a, b), c), vcMerge(a, vcMerge(b, c)))).toBe("equal");
        expect(vcCompare(vcMerge(a, a), a)).toBe("equal");
        expect(["after", "equal"]).toContain(vcCompare(vcMerge(a, b), a));
        expect(JSON.stringify(vcMerge(a, b))).toBe(JSON.stringify(vcMerge(b, a)));
      }),
    );
  });
});
