import { describe, expect, it } from "vitest";
import { ms, sec } from "../../sim/time.js";
import { type GfsOptions, gfsExample } from "./gfs-example.js";
import { PhiAccrualDetector } from "./phi-accrual.js";

// Placement with 4 chunkservers, 8 chunks, 3 replicas: chunk i on cs(i+1), cs(i+2), cs(i+3).
const CHUNKS = {
  cs1: ["chunk-00", "chunk-02", "chunk-03", "chunk-04", "chunk-06", "chunk-07"],
  cs2: ["chunk-00", "chunk-01", "chunk-03", "chunk-04", "chunk-05", "chunk-07"],
  cs3: ["chunk-00", "chunk-01", "chunk-02", "chunk-04", "chunk-05", "chunk-06"],
  cs4: ["chunk-01", "chunk-02", "chunk-03", "chunk-05", "chunk-06", "chunk-07"],
};

/**
 * Heartbeats sent at whole seconds reach main 2 ms later (two 1 ms links), give or take 0.5 ms
 * (serialization, and queueing behind the other chunkservers' heartbeats on the r-main link).
 */
const arrival = (s: number) => expect.closeTo(sec(s) + ms(2), -6);

describe("GFS-like example: chunkservers heartbeat their chunk lists to main", () => {
  it("main's table lists every chunkserver, its address and its chunks", () => {
    const { net, main } = gfsExample();
    net.sim.runUntil(ms(5500));
    expect(main.table()).toEqual(
      (["cs1", "cs2", "cs3", "cs4"] as const).map((name, i) => ({
        name,
        address: `10.0.${i + 1}.1`,
        health: "alive",
        chunks: CHUNKS[name],
        lastHeartbeat: arrival(5),
      })),
    );
    expect(main.underReplicated()).toEqual([]);
    expect(main.report()).toBe("all chunks fully replicated");
    expect([...main.locations().keys()]).toHaveLength(8);
    expect(main.locations().get("chunk-00")).toEqual(["cs1", "cs2", "cs3"]);
  });

  it("notices a crashed chunkserver, reports under-replicated chunks, and sees it come back", () => {
    const { net, main, chunkservers } = gfsExample();
    net.sim.runUntil(ms(10_500));
    net.crash("cs2");
    net.sim.runUntil(sec(20));
    // Last heartbeat from cs2 arrived at 10.002 s: suspect at 12.502 s, dead at 15.002 s.
    expect(main.table().find((r) => r.name === "cs2")).toMatchObject({
      health: "dead",
      lastHeartbeat: arrival(10),
    });
    expect(main.underReplicated()).toEqual([
      { chunk: "chunk-00", live: ["cs1", "cs3"], missing: 1 },
      { chunk: "chunk-01", live: ["cs3", "cs4"], missing: 1 },
      { chunk: "chunk-03", live: ["cs1", "cs4"], missing: 1 },
      { chunk: "chunk-04", live: ["cs1", "cs3"], missing: 1 },
      { chunk: "chunk-05", live: ["cs3", "cs4"], missing: 1 },
      { chunk: "chunk-07", live: ["cs1", "cs4"], missing: 1 },
    ]);
    net.restart("cs2");
    net.sim.runUntil(ms(25_500));
    expect(chunkservers[1]!.boots).toBe(2);
    expect(main.table().map((r) => [r.name, r.health])).toEqual([
      ["cs1", "alive"],
      ["cs2", "alive"],
      ["cs3", "alive"],
      ["cs4", "alive"],
    ]);
    expect(main.underReplicated()).toEqual([]);
    expect(main.monitor.peer("cs2")!.restarts).toBe(1);
    expect(main.log).toEqual([
      "0.002 cs1 joined with 6 chunks",
      "0.002 cs2 joined with 6 chunks",
      "0.002 cs3 joined with 6 chunks",
      "0.002 cs4 joined with 6 chunks",
      "12.502 cs2 suspect (silent 2.500 s)",
      "15.002 cs2 dead (silent 5.000 s); under-replicated: chunk-00 2/3 [cs1,cs3], " +
        "chunk-01 2/3 [cs3,cs4], chunk-03 2/3 [cs1,cs4], chunk-04 2/3 [cs1,cs3], " +
        "chunk-05 2/3 [cs3,cs4], chunk-07 2/3 [cs1,cs4]",
      "20.002 cs2 alive again with 6 chunks; all chunks fully replicated",
    ]);
    expect(net.faults.log.map((f) => `${f.time} ${f.action} ${f.detail}`)).toEqual([
      `${sec(10.5)} crash cs2`,
      `${sec(20)} restart cs2`,
    ]);
  });

  it("reports a chunk down to one replica when two of its holders die", () => {
    const { net, main } = gfsExample();
    net.sim.runUntil(ms(3500));
    net.crash("cs1");
    net.crash("cs2");
    net.sim.runUntil(sec(12));
    expect(main.underReplicated()).toEqual([
      { chunk: "chunk-00", live: ["cs3"], missing: 2 },
      { chunk: "chunk-01", live: ["cs3", "cs4"], missing: 1 },
      { chunk: "chunk-02", live: ["cs3", "cs4"], missing: 1 },
      { chunk: "chunk-03", live: ["cs4"], missing: 2 },
      { chunk: "chunk-04", live: ["cs3"], missing: 2 },
      { chunk: "chunk-05", live: ["cs3", "cs4"], missing: 1 },
      { chunk: "chunk-06", live: ["cs3", "cs4"], missing: 1 },
      { chunk: "chunk-07", live: ["cs4"], missing: 2 },
    ]);
  });

  it("notices a chunkserver cut off by a one-way partition, and its return after repair", () => {
    const { net, main } = gfsExample();
    net.sim.runUntil(ms(4500));
    const rule = net.partitionOneWay(["cs3"], ["main"]);
    net.sim.runUntil(sec(12));
    expect(main.table().find((r) => r.name === "cs3")!.health).toBe("dead");
    expect(main.underReplicated().map((u) => u.chunk)).toEqual(CHUNKS.cs3);
    net.repair(rule);
    net.sim.runUntil(ms(13_500));
    expect(main.underReplicated()).toEqual([]);
    expect(main.log.slice(4)).toEqual([
      "6.502 cs3 suspect (silent 2.500 s)",
      expect.stringMatching(
        /^9\.002 cs3 dead \(silent 5\.000 s\); under-replicated: chunk-00 2\/3/,
      ),
      // The heartbeat sent at 12 s leaves after the repair.
      "12.002 cs3 alive again with 6 chunks; all chunks fully replicated",
    ]);
  });

  it("same seed, identical logs with jitter, loss and a phi accrual detector", () => {
    const run = (seed: number) => {
      const o: GfsOptions = {
        seed,
        chunkservers: 6,
        chunks: 20,
        jitter: ms(200),
        loss: 0.1,
        detector: () => new PhiAccrualDetector({ threshold: 8, acceptablePause: sec(1) }),
      };
      const { net, main } = gfsExample(o);
      net.sim.runUntil(sec(60));
      net.crash("cs4");
      net.sim.runUntil(sec(90));
      net.restart("cs4");
      net.sim.runUntil(sec(120));
      return [...main.log, ...main.monitor.events.map((e) => `${e.time} ${e.peer} ${e.kind}`)];
    };
    const a = run(3);
    expect(a.some((l) => l.includes("cs4 dead"))).toBe(true);
    expect(a.some((l) => l.includes("cs4 alive again"))).toBe(true);
    expect(run(3)).toEqual(a);
    expect(run(4)).not.toEqual(a);
  });
});
