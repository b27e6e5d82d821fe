import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VectorClockProcess, vcCompare } from "../apps/clock/vector-clock.js";
import { type CausalEvent, orderByHappenedBefore } from "./happened-before.js";

interface Ev extends CausalEvent {
  label: string;
}

describe("orderByHappenedBefore", () => {
  it("puts causes first even when the times say otherwise, and lists concurrent pairs", () => {
    const a = new VectorClockProcess("a");
    const b = new VectorClockProcess("b");
    const send = a.send();
    // b's clock is wrong: its receive is stamped before a's send.
    const events: Ev[] = [
      { label: "b-recv", node: "b", time: 5, clock: b.receive(send) },
      { label: "a-send", node: "a", time: 10, clock: send },
      { label: "a-local", node: "a", time: 7, clock: a.tick() },
      { label: "b-local", node: "b", time: 7, clock: b.tick() },
    ];
    const { order, concurrent } = orderByHappenedBefore(events);
    expect(order.map((e) => e.label)).toEqual(["a-send", "b-recv", "a-local", "b-local"]);
    expect(concurrent.map(([x, y]) => `${x.label}|${y.label}`)).toEqual([
      "b-recv|a-local",
      "a-local|b-local",
    ]);
  });

  it("orders concurrent events by time, then node, then input position", () => {
    const clock = new VectorClockProcess("x").tick();
    const same: Ev[] = [
      { label: "2", node: "n2", time: 1, clock: new VectorClockProcess("q").tick() },
      { label: "1", node: "n1", time: 1, clock: new VectorClockProcess("p").tick() },
      { label: "0", node: "n9", time: 0, clock: new VectorClockProcess("r").tick() },
      { label: "e1", node: "n1", time: 1, clock },
      { label: "e2", node: "n1", time: 1, clock },
    ];
    expect(orderByHappenedBefore(same).order.map((e) => e.label)).toEqual([
      "0",
      "1",
      "e1",
      "e2",
      "2",
    ]);
  });

  it("always yields a linear extension, whatever the input order", () => {
    const ops = fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.boolean()), { maxLength: 30 });
    fc.assert(
      fc.property(ops, fc.infiniteStream(fc.nat()), (o, shuffle) => {
        const procs = [0, 1, 2, 3].map((i) => new VectorClockProcess(`p${i}`));
        const events: Ev[] = [];
        o.forEach(([p, q, message], i) => {
          const clock = message ? procs[q]!.receive(procs[p]!.send()) : procs[p]!.tick();
          events.push({ label: String(i), node: `p${message ? q : p}`, time: i % 5, clock });
        });
        const it = shuffle[Symbol.iterator]();
        const input = [...events].sort(() => (it.next().value % 3) - 1);
        const { order, concurrent } = orderByHappenedBefore(input);
        expect(order.length).toBe(events.length);
        for (let i = 0; i < order.length; i++) {
          for (let j = i + 1; j < order.length; j++) {
            expect(vcCompare(order[j]!.clock, order[i]!.clock)).not.toBe("before");
          }
        }
        const pairs = concurrent.length;
        let expected = 0;
        for (let i = 0; i < order.length; i++) {
          for (let j = i + 1; j < order.length; j++) {
            if (vcCompare(order[i]!.clock, order[j]!.clock) === "concurrent") expected++;
          }
        }
        expect(pairs).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
