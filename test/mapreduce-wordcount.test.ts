/**
 * The word count's output must equal a direct count of the input whatever the network does:
 * no faults, a crashed worker, a crash then restart, lossy links, and a worker partitioned long
 * enough to be declared dead whose result then arrives late and must be ignored.
 */
import { describe, expect, it } from "vitest";
import { mapReduceExample } from "../src/apps/mapreduce/example.js";
import { localWordCount, type Pair } from "../src/apps/mapreduce/wordcount.js";
import { NS_PER_S } from "../src/sim/time.js";

const VOCAB = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "map", "reduce"];

/** Deterministic input: 60 lines drawn from a small vocabulary by a fixed recurrence. */
function corpus(): string {
  const lines: string[] = [];
  let x = 7;
  for (let i = 0; i < 60; i++) {
    const ws: string[] = [];
    for (let j = 0; j < 8; j++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      ws.push(VOCAB[x % VOCAB.length]!);
    }
    lines.push(`${ws.join(" ")}, line ${i}.`);
  }
  return lines.join("\n");
}

const TEXT = corpus();
const EXPECTED: Pair[] = localWordCount(TEXT);
const s = (x: number) => x * NS_PER_S;

function run(options: Parameters<typeof mapReduceExample>[0], until = s(300)) {
  const ex = mapReduceExample(options);
  ex.net.sim.runUntil(until);
  return ex;
}

describe("mapreduce word count", () => {
  it("matches a local count with no faults", () => {
    const { manager } = run({ text: TEXT });
    expect(manager.output).toEqual(EXPECTED);
    expect(manager.log.filter((l) => l.includes("dead"))).toEqual([]);
    expect(manager.log.filter((l) => l.includes("completed"))).toHaveLength(9);
  });

  it("survives a worker crash mid-task, logging death and reassignment", () => {
    const ex = mapReduceExample({ text: TEXT });
    // w1 takes map-0 at about 0.003 s and needs over 1 s for it: crash it in the middle.
    ex.net.sim.after(s(0.5), () => ex.net.crash("w1"));
    ex.net.sim.runUntil(s(300));
    const log = ex.manager.log;
    expect(ex.manager.output).toEqual(EXPECTED);
    const at = (re: RegExp) => log.findIndex((l) => re.test(l));
    expect(at(/assigned map-0 to w1$/)).toBeGreaterThanOrEqual(0);
    expect(log.some((l) => / w1 completed /.test(l))).toBe(false);
    expect(at(/worker w1 dead \(no heartbeat/)).toBeGreaterThan(at(/assigned map-0 to w1$/));
    expect(at(/reassigning map-0 from w1/)).toBe(at(/worker w1 dead/) + 1);
    expect(at(/assigned map-0 to w[23] \(attempt 2\)/)).toBeGreaterThan(at(/reassigning map-0/));
    expect(at(/w[23] completed map-0/)).toBeGreaterThan(at(/map-0 to w[23] \(attempt 2\)/));
    expect(ex.manager.liveWorkers).toEqual(["w2", "w3"]);
  });

  it("takes a restarted worker back after a crash", () => {
    const ex = mapReduceExample({ text: TEXT });
    ex.net.sim.after(s(0.5), () => ex.net.crash("w2"));
    ex.net.sim.after(s(4), () => ex.net.restart("w2"));
    ex.net.sim.runUntil(s(300));
    expect(ex.manager.output).toEqual(EXPECTED);
    expect(ex.workers[1]!.boots).toBe(2);
    expect(ex.manager.log.filter((l) => / w2 registered$/.test(l))).toHaveLength(2);
    expect(ex.manager.liveWorkers.sort()).toEqual(["w1", "w2", "w3"]);
  });

  it("takes a quickly restarted worker's new registration as its death", () => {
    const ex = mapReduceExample({ text: TEXT });
    ex.net.sim.after(s(0.5), () => ex.net.crash("w3"));
    ex.net.sim.after(s(0.8), () => ex.net.restart("w3"));
    ex.net.sim.runUntil(s(300));
    expect(ex.manager.output).toEqual(EXPECTED);
    expect(ex.manager.log.some((l) => /worker w3 dead \(registered again\)/.test(l))).toBe(true);
  });

  it("matches with 2 % loss on every link", () => {
    for (const seed of [1, 2, 3]) {
      const { manager } = run({ text: TEXT, loss: 0.02, seed });
      expect(manager.output, `seed ${seed}`).toEqual(EXPECTED);
    }
  });

  it("ignores the late result of a worker declared dead during a partition", () => {
    // Slow tasks so w1 is still working when the partition starts and finishes inside it.
    const ex = mapReduceExample({ text: TEXT, taskTime: () => s(3) });
    // Heartbeats stop at 1 s; w1 is declared dead at about 3 s, finishes map-0 at about 3 s
    // (its answer is lost in the partition) and TCP delivers the answer after the repair.
    ex.net.sim.after(s(1), () => {
      const cut = ex.net.partition(["w1"], ["manager"]);
      ex.net.sim.after(s(5), () => ex.net.repair(cut));
    });
    ex.net.sim.runUntil(s(300));
    const log = ex.manager.log;
    expect(ex.manager.output).toEqual(EXPECTED);
    expect(log.some((l) => /worker w1 dead \(no heartbeat/.test(l))).toBe(true);
    expect(log.some((l) => /ignored late result of map-0 from dead worker w1/.test(l))).toBe(true);
    expect(ex.manager.ignoredLateResults).toBe(1);
    expect(log.some((l) => / w1 completed /.test(l))).toBe(false);
    expect(ex.workers[0]!.tasksDone).toBe(1);
  });

  it("is deterministic: same seed, same log, faults and output", () => {
    const once = () => {
      const ex = mapReduceExample({ text: TEXT, loss: 0.02, seed: 9 });
      ex.net.sim.after(s(0.5), () => ex.net.crash("w1"));
      ex.net.sim.after(s(5), () => ex.net.restart("w1"));
      ex.net.sim.runUntil(s(300));
      return {
        log: ex.manager.log,
        faults: ex.net.faults.log,
        output: ex.manager.output,
        at: ex.manager.finishedAt,
      };
    };
    const a = once();
    expect(a.output).toEqual(EXPECTED);
    expect(once()).toEqual(a);
  });
});
