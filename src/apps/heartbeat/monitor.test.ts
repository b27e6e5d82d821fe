import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../../test/support/fuzz.js";
import { installGlobalRoutes } from "../../net/global-routing.js";
import { Network } from "../../net/network.js";
import { ms, type Nanos, sec } from "../../sim/time.js";
import { type UdpSocket, udp } from "../../transport/udp.js";
import { type DetectorFactory, type FailureDetector, FixedTimeoutDetector } from "./detector.js";
import { encodeHeartbeat, parseHeartbeat } from "./message.js";
import { HeartbeatMonitor, type MonitorEvent } from "./monitor.js";
import { PhiAccrualDetector } from "./phi-accrual.js";
import { HeartbeatSender, type HeartbeatSenderOptions } from "./sender.js";

const PORT = 7000;
const MONITOR = { address: "10.0.2.2", port: PORT };
/** Akka cluster's defaults: threshold 8, 100 ms minimum deviation, 3 s acceptable pause. */
const akka: DetectorFactory = () =>
  new PhiAccrualDetector({ threshold: 8, minStdDev: ms(100), acceptablePause: sec(3) });
const fixed3: DetectorFactory = () =>
  new FixedTimeoutDetector({ timeout: sec(3), suspectAfter: ms(1500) });

/** a -- r -- m, 5 ms per link; `loss` and link jitter on a's link. */
function setup(o: { seed?: number; loss?: number; linkJitter?: Nanos; detector: DetectorFactory }) {
  const net = new Network({ seed: o.seed ?? 1 });
  net.addHost("a");
  net.addRouter("r");
  net.addHost("m");
  net.connect("a", "r", {
    delay: ms(5),
    bandwidth: 100e6,
    addresses: ["10.0.1.1/30", "10.0.1.2/30"],
    impairments: { loss: o.loss ?? 0, jitter: o.linkJitter ?? 0 },
  });
  net.connect("r", "m", {
    delay: ms(5),
    bandwidth: 100e6,
    addresses: ["10.0.2.1/30", "10.0.2.2/30"],
  });
  installGlobalRoutes(net);
  const monitor = HeartbeatMonitor.listen(net.node("m"), { port: PORT, detector: o.detector });
  if (!(monitor instanceof HeartbeatMonitor)) throw new Error(monitor.message);
  const start = (opts: Partial<HeartbeatSenderOptions> = {}) => {
    const s = HeartbeatSender.start(net.node("a"), { to: MONITOR, ...opts });
    if (!(s instanceof HeartbeatSender)) throw new Error(s.message);
    return s;
  };
  return { net, sim: net.sim, monitor, start };
}

const kinds = (events: MonitorEvent[]) => events.map((e) => `${e.time} ${e.peer} ${e.kind}`);

describe("heartbeats over UDP", () => {
  it("tracks arrivals, sequence numbers, data and inter-arrival statistics", () => {
    const { sim, monitor, start } = setup({ detector: fixed3 });
    const sender = start({ data: () => ({ load: 0.5 }) });
    sim.runUntil(ms(9500));
    expect(sender.stats).toEqual({ sent: 10, errors: 0 });
    const p = monitor.peer("a")!;
    expect(p).toMatchObject({
      name: "a",
      address: "10.0.1.1",
      health: "alive",
      received: 10,
      lastSeq: 10,
      missed: 0,
      stale: 0,
      data: { load: 0.5 },
    });
    // Gaps are 1 s, give or take the serialization of a few more digits in `time` (80 ns/byte).
    const s = p.interArrival;
    expect(s.count).toBe(9);
    for (const x of [s.mean, s.min, s.max]) expect(Math.abs(x - sec(1))).toBeLessThan(2000);
    expect(s.stdDev).toBeLessThan(1000);
    expect(Math.abs(p.lastArrival - sec(9) - p.firstSeen)).toBeLessThan(2000);
    expect(monitor.events.map((e) => e.kind)).toEqual(["joined"]);
  });

  it("declares a crashed sender dead exactly `timeout` after its last heartbeat arrived", () => {
    const { net, sim, monitor, start } = setup({ detector: fixed3 });
    start();
    sim.runUntil(ms(10_500));
    net.crash("a");
    sim.runUntil(sec(30));
    const last = monitor.peer("a")!.lastArrival;
    expect(last).toBeGreaterThan(sec(10));
    expect(last).toBeLessThan(ms(10_011));
    expect(kinds(monitor.events.slice(1))).toEqual([
      `${last + ms(1500)} a suspect`,
      `${last + sec(3)} a dead`,
    ]);
    expect(monitor.events[2]!.silence).toBe(sec(3));
    expect(net.faults.log.map((f) => f.action)).toEqual(["crash"]);
  });

  /** Crashes the sender at 20 phases across a heartbeat interval; returns detection latencies. */
  function latencies(detector: DetectorFactory) {
    const dead: number[] = [];
    const suspect: number[] = [];
    for (let k = 0; k < 20; k++) {
      const { net, sim, monitor, start } = setup({ seed: k + 1, detector });
      start({ jitter: ms(50) });
      const crashAt = sec(60) + ms(53 * k);
      sim.runUntil(crashAt);
      net.crash("a");
      sim.runUntil(crashAt + sec(30));
      const at = (kind: string) => monitor.events.find((e) => e.kind === kind)!.time - crashAt;
      dead.push(at("dead"));
      suspect.push(at("suspect"));
      expect(monitor.events.filter((e) => e.kind !== "joined")).toHaveLength(2);
    }
    return { dead, suspect };
  }

  it("detection time after a crash, fixed timeout 3 s: within (timeout - interval - jitter, timeout + one-way delay]", () => {
    const { dead, suspect } = latencies(fixed3);
    for (const d of dead) {
      expect(d).toBeGreaterThan(sec(3) - ms(1050));
      expect(d).toBeLessThanOrEqual(sec(3) + ms(11));
    }
    for (const s of suspect) expect(s).toBeLessThanOrEqual(ms(1500) + ms(11));
  });

  it("detection time after a crash, phi accrual (Akka defaults): dead at about 4 s + 8.2 sigma of silence", () => {
    const { dead } = latencies(akka);
    // Regular 1 s beats with +-50 ms jitter: sigma is the 100 ms floor, so dead after a silence
    // of 1 s + 3 s + 8.22 x 0.1 s = 4.82 s (plus the mean's small drift).
    for (const d of dead) {
      expect(d).toBeGreaterThan(ms(4820) - ms(1050) - ms(20));
      expect(d).toBeLessThanOrEqual(ms(4820) + ms(11) + ms(20));
    }
  });

  it("no false suspicion for phi (Akka defaults) over 20,000 heartbeats with jitter and 5% loss", () => {
    const { sim, monitor, start } = setup({
      seed: 42,
      loss: 0.05,
      linkJitter: ms(20),
      detector: akka,
    });
    const arrivals: Nanos[] = [];
    monitor.onHeartbeat(() => arrivals.push(sim.now));
    start({ jitter: ms(100) });
    sim.runUntil(sec(20_000));
    const p = monitor.peer("a")!;
    expect(p.missed).toBeGreaterThan(800); // the loss really happened
    expect(p.interArrival.max).toBeGreaterThan(sec(3)); // including runs of lost heartbeats
    expect(monitor.events.map((e) => e.kind)).toEqual(["joined"]);

    // The same arrivals replayed into other detectors: a fixed timeout short enough to detect
    // as fast, and phi without an acceptable pause, both suspect a live process.
    const falseAlarms = (d: FailureDetector) => {
      let suspect = 0;
      let dead = 0;
      for (const [i, t] of arrivals.entries()) {
        d.heartbeat(t);
        const next = arrivals[i + 1];
        if (next === undefined) break;
        const h = d.health(next - 1);
        if (h !== "alive") suspect++;
        if (h === "dead") dead++;
      }
      return { suspect, dead };
    };
    expect(falseAlarms(akka("a"))).toEqual({ suspect: 0, dead: 0 });
    expect(falseAlarms(fixed3("a")).dead).toBeGreaterThan(0);
    expect(falseAlarms(new PhiAccrualDetector({ threshold: 8 })).dead).toBeGreaterThan(0);
    expect(
      falseAlarms(new PhiAccrualDetector({ threshold: 8, distribution: "exponential" })),
    ).toEqual({
      suspect: 0,
      dead: 0,
    });
  });

  it("notices a one-way partition (sender -> monitor) and recovery after repair", () => {
    const { net, sim, monitor, start } = setup({ detector: fixed3 });
    start();
    sim.runUntil(ms(20_500));
    const last = monitor.peer("a")!.lastArrival;
    const rule = net.partitionOneWay(["a"], ["m"]);
    sim.runUntil(sec(40));
    net.repair(rule);
    sim.runUntil(sec(50));
    // Heartbeats 21..39 are dropped; the one sent at 40 s leaves after the repair.
    expect(rule.dropped).toBe(19);
    expect(kinds(monitor.events.slice(1))).toEqual([
      `${last + ms(1500)} a suspect`,
      `${last + sec(3)} a dead`,
      `${last + sec(20)} a alive-again`,
    ]);
    expect(monitor.peer("a")!.missed).toBe(19);
    expect(net.faults.log.map((f) => f.action)).toEqual(["partition-one-way", "repair"]);
  });

  it("is not disturbed by a one-way partition in the other direction", () => {
    const { net, sim, monitor, start } = setup({ detector: akka });
    start();
    sim.runUntil(sec(5));
    net.partitionOneWay(["m"], ["a"]);
    sim.runUntil(sec(60));
    expect(monitor.events.map((e) => e.kind)).toEqual(["joined"]);
  });

  it("sees a restarted sender come back, with a fresh sequence and a fresh detector", () => {
    const { net, sim, monitor, start } = setup({ detector: akka });
    start();
    sim.runUntil(ms(30_500));
    net.crash("a");
    sim.runUntil(sec(40));
    net.restart("a");
    const again = start();
    sim.runUntil(ms(45_500));
    expect(monitor.events.map((e) => e.kind)).toEqual(["joined", "suspect", "dead", "alive-again"]);
    const p = monitor.peer("a")!;
    expect(p).toMatchObject({ restarts: 1, lastSeq: 6, health: "alive" });
    expect(again.sequence).toBe(6);
    expect((p.detector as PhiAccrualDetector).samples).toBe(5);
  });

  it("counts malformed and stale datagrams and otherwise ignores them", () => {
    const { net, sim, monitor, start } = setup({ detector: fixed3 });
    start({ includeTime: false });
    const raw = udp(net.node("a")).bind(5555) as UdpSocket;
    const send = (b: Uint8Array) => raw.send(b, PORT, MONITOR.address);
    sim.after(ms(1500), () => {
      send(new TextEncoder().encode("not json"));
      send(new TextEncoder().encode('{"type":"heartbeat","from":"","seq":1}'));
      send(encodeHeartbeat({ type: "heartbeat", from: "a", seq: 1 }) as Uint8Array); // a replay
    });
    sim.runUntil(sec(3));
    expect(monitor.stats).toEqual({ datagrams: 6, heartbeats: 3, malformed: 2, stale: 1 });
    expect(monitor.lastError?.message).toBe(
      "heartbeat: invalid from at byte 0: from must be a name of 1-255 characters",
    );
    expect(monitor.peers().map((p) => p.name)).toEqual(["a"]);
  });

  it("stops when its own node crashes", () => {
    const { net, sim, monitor, start } = setup({ detector: fixed3 });
    start();
    sim.runUntil(sec(5));
    net.crash("m");
    sim.runUntil(sec(30));
    expect(monitor.listening).toBe(false);
    expect(monitor.events.map((e) => e.kind)).toEqual(["joined"]);
  });

  it("same seed, same event log; another seed, another log", () => {
    const run = (seed: number) => {
      const { net, sim, monitor, start } = setup({
        seed,
        loss: 0.2,
        linkJitter: ms(30),
        detector: akka,
      });
      start({ jitter: ms(200) });
      sim.runUntil(sec(100));
      net.crash("a");
      sim.runUntil(sec(120));
      return kinds(monitor.events).concat(monitor.events.map((e) => e.suspicion.toFixed(6)));
    };
    const a = run(7);
    expect(a.length).toBeGreaterThan(2);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
  });

  it("fuzz: heartbeat datagrams parse to a record or a ParseError (100,000 inputs)", () => {
    const samples = [
      encodeHeartbeat({ type: "heartbeat", from: "cs1", seq: 7, time: 123 }) as Uint8Array,
      encodeHeartbeat({
        type: "heartbeat",
        from: "x",
        seq: 1,
        data: { chunks: ["c1"] },
      }) as Uint8Array,
    ];
    fuzzParser(parseHeartbeat, samples);
  });
});
