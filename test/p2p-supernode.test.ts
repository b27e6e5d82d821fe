/**
 * The supernode overlay over real JSON-in-UDP datagrams on a simulated LAN: login, lookup,
 * relay (direct to a neighbour, and through two supernodes), logout, silent peers expiring,
 * supernode failure, and replicated storage repairing itself after a crash.
 */
import { describe, expect, it } from "vitest";
import { supernodeExample } from "../src/apps/p2p/example.js";
import type { DirectoryEntry } from "../src/apps/p2p/supernode.js";
import { sec } from "../src/sim/time.js";

const SN1 = "10.0.0.1:4000";
const SN2 = "10.0.0.2:4000";

describe("supernode overlay over UDP", () => {
  it("logs peers in, replicates the directory, and looks peers up", () => {
    const ex = supernodeExample({ supernodes: 2, peers: 6 });
    ex.net.sim.runUntil(sec(1));
    expect(ex.peers.map((p) => [p.name, p.state, p.supernode])).toEqual([
      ["p1", "online", SN1],
      ["p2", "online", SN2],
      ["p3", "online", SN1],
      ["p4", "online", SN2],
      ["p5", "online", SN1],
      ["p6", "online", SN2],
    ]);
    for (const sn of ex.supernodes) expect(sn.directory.size).toBe(6);
    expect(ex.supernodes[0]!.localPeers().map((e) => e.name)).toEqual(["p1", "p3", "p5"]);
    let found: DirectoryEntry | undefined;
    ex.peer("p1").lookup("p4", (e) => {
      found = e;
    });
    ex.net.sim.runUntil(sec(2));
    expect(found).toMatchObject({ name: "p4", address: "10.0.0.6:4000", supernode: SN2 });
  });

  it("relays through the sender's and the receiver's supernodes, or straight to a neighbour", () => {
    const ex = supernodeExample({ supernodes: 2, peers: 6, natted: ["p4"] });
    ex.net.sim.runUntil(sec(1));
    expect(ex.peer("p1").send("p4", "hello p4")).toBe(true);
    ex.net.sim.runUntil(sec(2));
    expect(ex.peer("p4").inbox).toEqual([
      {
        from: "p1",
        body: "hello p4",
        path: ["10.0.0.3:4000", SN1, SN2, "10.0.0.6:4000"],
        time: expect.any(Number),
      },
    ]);
    const p6 = ex.peer("p6");
    const neighbour = p6.neighbours[0]!;
    expect(p6.neighbours.length).toBeGreaterThan(0);
    p6.send(neighbour.name, { n: 1 });
    ex.net.sim.runUntil(sec(3));
    const got = ex.peer(neighbour.name).inbox;
    expect(got.at(-1)?.path).toEqual(["10.0.0.8:4000", neighbour.address]);
    // A NAT-ed peer is never handed out as a neighbour.
    for (const p of ex.peers) expect(p.neighbours.map((e) => e.name)).not.toContain("p4");
  });

  it("drops a peer on logout, and a crashed (silent) peer after the keepalive timeout", () => {
    const ex = supernodeExample({ supernodes: 2, peers: 4 });
    ex.net.sim.runUntil(sec(1));
    ex.peer("p1").logout();
    ex.net.crash("p2");
    ex.net.sim.runUntil(sec(1.5));
    for (const sn of ex.supernodes) expect([...sn.directory.keys()]).toEqual(["p2", "p3", "p4"]);
    ex.net.sim.runUntil(sec(6));
    for (const sn of ex.supernodes) expect([...sn.directory.keys()]).toEqual(["p3", "p4"]);
    const expired = ex.supernodes[1]!.events.find((e) => e.kind === "expired");
    expect(expired?.peer).toBe("p2");
    // p2 was heard last at login (~0.02 s; it crashed before its first keepalive at 1.02 s):
    // dead 3 s later, and dropped by the next once-a-second sweep.
    expect(expired!.time).toBe(sec(4));
  });

  it("moves peers to another supernode when theirs crashes", () => {
    const ex = supernodeExample({ supernodes: 2, peers: 4 });
    ex.net.sim.runUntil(sec(1));
    ex.net.crash("sn1");
    ex.net.sim.runUntil(sec(5));
    expect(ex.peers.map((p) => [p.name, p.state, p.supernode])).toEqual([
      ["p1", "online", SN2],
      ["p2", "online", SN2],
      ["p3", "online", SN2],
      ["p4", "online", SN2],
    ]);
    const sn2 = ex.supernodes[1]!;
    expect(sn2.localPeers().map((e) => e.name)).toEqual(["p2", "p4", "p1", "p3"]);
    expect(sn2.events.some((e) => e.kind === "supernode-dead" && e.peer === SN1)).toBe(true);
    ex.peer("p2").send("p3", "still there?");
    ex.net.sim.runUntil(sec(6));
    expect(ex.peer("p3").inbox.map((d) => d.body)).toEqual(["still there?"]);
  });
});

describe("replicated storage over the overlay", () => {
  it("stores each item on k peers, reads it back, and restores k copies after a crash", () => {
    const ex = supernodeExample({ supernodes: 2, peers: 10, k: 3 });
    ex.net.sim.runUntil(sec(1));
    let holders: string[] = [];
    ex.store("p1").put("song.mp3", "la la la", (h) => {
      holders = h;
    });
    ex.net.sim.runUntil(sec(2));
    expect(holders).toHaveLength(3);
    const holding = () => ex.stores.filter((s) => s.items.has("song.mp3")).map((s) => s.host.name);
    expect(holding().sort()).toEqual([...holders].sort());

    const victim = holders[0]!;
    const crashAt = sec(2.5);
    ex.net.sim.runUntil(crashAt);
    ex.net.crash(victim);
    ex.net.sim.runUntil(sec(8));
    const live = holding().filter((n) => n !== victim);
    expect(live).toHaveLength(3);
    expect(live).not.toContain(victim);
    const repairs = ex.stores.flatMap((s) => s.repairs);
    expect(repairs).toHaveLength(1);
    expect(repairs[0]).toMatchObject({ key: "song.mp3", lost: victim });
    expect(repairs[0]!.holders).toHaveLength(3);
    // The next check (3.0 s) pings; 3 tries of 300 ms fail at 3.9 s; then a "closest" query to
    // the supernode and one copy round on 1 ms links: restored about 1.41 s after the crash.
    const restore = repairs[0]!.time - crashAt;
    expect(restore).toBeGreaterThan(sec(1.4));
    expect(restore).toBeLessThan(sec(1.43));

    let value: string | undefined;
    ex.store("p9").get("song.mp3", (v) => {
      value = v;
    });
    ex.net.sim.runUntil(sec(9));
    expect(value).toBe("la la la");
  });

  it("loses no item while at most k-1 of its holders fail", () => {
    const ex = supernodeExample({ supernodes: 2, peers: 12, k: 3 });
    ex.net.sim.runUntil(sec(1));
    const keys = Array.from({ length: 8 }, (_, i) => `item-${i}`);
    for (const key of keys) ex.store("p1").put(key, `value of ${key}`);
    ex.net.sim.runUntil(sec(2));
    ex.net.crash("p3");
    ex.net.crash("p7");
    ex.net.sim.runUntil(sec(10));
    const values: (string | undefined)[] = keys.map(() => undefined);
    keys.forEach((key, i) => {
      ex.store("p2").get(key, (v) => {
        values[i] = v;
      });
    });
    ex.net.sim.runUntil(sec(12));
    expect(values).toEqual(keys.map((k) => `value of ${k}`));
  });

  it("is deterministic: same seed, same directory events and repairs", () => {
    const run = () => {
      const ex = supernodeExample({ supernodes: 2, peers: 8, seed: 7, loss: 0.02 });
      ex.net.sim.runUntil(sec(1));
      ex.store("p1").put("a", "1");
      ex.net.sim.runUntil(sec(2));
      ex.net.crash("p5");
      ex.net.sim.runUntil(sec(8));
      return JSON.stringify([
        ex.supernodes.map((s) => s.events),
        ex.stores.map((s) => s.repairs),
        ex.net.sim.eventsExecuted,
      ]);
    };
    expect(run()).toBe(run());
  });
});
