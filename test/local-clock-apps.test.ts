/**
 * Applications live on their host's clock: a drifting clock scales what they measure and how
 * long their timers last, and a step changes neither (timers and RTTs use the monotonic reading).
 */
import { describe, expect, it } from "vitest";
import { DNS_TRUST, DnsCache } from "../src/apps/dns/cache.js";
import type { DetectorFactory } from "../src/apps/heartbeat/detector.js";
import { FixedTimeoutDetector } from "../src/apps/heartbeat/detector.js";
import { HeartbeatMonitor, type MonitorEvent } from "../src/apps/heartbeat/monitor.js";
import { PhiAccrualDetector } from "../src/apps/heartbeat/phi-accrual.js";
import { HeartbeatSender } from "../src/apps/heartbeat/sender.js";
import { ping } from "../src/apps/tools/ping.js";
import { installGlobalRoutes } from "../src/net/global-routing.js";
import { Network } from "../src/net/network.js";
import type { HostClockOptions } from "../src/sim/host-clock.js";
import { HostClock } from "../src/sim/host-clock.js";
import { Simulator } from "../src/sim/simulator.js";
import { ms, sec } from "../src/sim/time.js";
import { DNS_TYPE } from "../src/wire/dns-rr.js";

/** a -- r -- m, 5 ms per link. */
function pair(clocks: { a?: HostClockOptions; m?: HostClockOptions } = {}): Network {
  const net = new Network({ seed: 3 });
  net.addHost("a");
  net.addRouter("r");
  net.addHost("m");
  net.connect("a", "r", {
    delay: ms(5),
    bandwidth: 100e6,
    addresses: ["10.0.1.1/30", "10.0.1.2/30"],
  });
  net.connect("r", "m", {
    delay: ms(5),
    bandwidth: 100e6,
    addresses: ["10.0.2.1/30", "10.0.2.2/30"],
  });
  installGlobalRoutes(net);
  if (clocks.a) net.node("a").clock.configure(clocks.a);
  if (clocks.m) net.node("m").clock.configure(clocks.m);
  return net;
}

const fixed3: DetectorFactory = () =>
  new FixedTimeoutDetector({ timeout: sec(3), suspectAfter: ms(1500) });
const akka: DetectorFactory = () =>
  new PhiAccrualDetector({ threshold: 8, minStdDev: ms(100), acceptablePause: sec(3) });

/** Heartbeats a -> m for 10 s, crashes a, runs to 30 s; events stamped with true time too. */
function heartbeats(detector: DetectorFactory, clocks: Parameters<typeof pair>[0]) {
  const net = pair(clocks);
  const monitor = HeartbeatMonitor.listen(net.node("m"), { port: 7000, detector });
  if (!(monitor instanceof HeartbeatMonitor)) throw new Error(monitor.message);
  const trueTimes: { kind: MonitorEvent["kind"]; at: number }[] = [];
  monitor.onEvent((e) => trueTimes.push({ kind: e.kind, at: net.sim.now }));
  let lastTrueArrival = 0;
  monitor.onHeartbeat(() => {
    lastTrueArrival = net.sim.now;
  });
  const s = HeartbeatSender.start(net.node("a"), { to: { address: "10.0.2.2", port: 7000 } });
  if (!(s instanceof HeartbeatSender)) throw new Error(s.message);
  net.sim.runUntil(ms(10_500));
  net.crash("a");
  net.sim.runUntil(sec(30));
  const peer = monitor.peer("a")!;
  const after = (kind: MonitorEvent["kind"]) =>
    (trueTimes.find((e) => e.kind === kind)?.at ?? Number.NaN) - lastTrueArrival;
  return { monitor, peer, sender: s, after };
}

describe("applications on a drifting host clock", () => {
  it("a sender on a slow clock beats less often; a monitor on a fast clock sees longer gaps", () => {
    const perfect = heartbeats(fixed3, {});
    const slowSender = heartbeats(fixed3, { a: { driftPpm: -200_000 } });
    const fastMonitor = heartbeats(fixed3, { m: { driftPpm: 500_000 } });
    expect(Math.abs(perfect.peer.interArrival.mean - sec(1))).toBeLessThan(2000);
    // The sender's 1 s is 1/0.8 s of true time; the monitor's clock reads true time.
    expect(Math.abs(slowSender.peer.interArrival.mean - sec(1.25))).toBeLessThan(3000);
    expect(slowSender.sender.stats.sent).toBe(9); // 0, 1.25, ..., 10 s
    // True gaps of 1 s, read on a clock running 1.5 times too fast.
    expect(Math.abs(fastMonitor.peer.interArrival.mean - sec(1.5))).toBeLessThan(3000);
  });

  it("a fixed timeout is a local duration: a fast monitor declares death early in true time", () => {
    const perfect = heartbeats(fixed3, {});
    const fast = heartbeats(fixed3, { m: { driftPpm: 500_000 } });
    const slow = heartbeats(fixed3, { m: { driftPpm: -250_000 } });
    expect(perfect.after("dead")).toBe(sec(3));
    expect(Math.abs(fast.after("dead") - sec(2))).toBeLessThanOrEqual(1);
    expect(Math.abs(slow.after("dead") - sec(4))).toBeLessThanOrEqual(1);
    // The monitor's own view: dead 3 s of its time after the last arrival, whatever its rate.
    for (const run of [perfect, fast, slow]) {
      expect(run.monitor.events.find((e) => e.kind === "dead")!.silence).toBe(sec(3));
    }
  });

  it("phi-accrual on a fast clock: learned intervals and silences both scale, the pause does not", () => {
    const perfect = heartbeats(akka, {});
    const fast = heartbeats(akka, { m: { driftPpm: 500_000 } });
    // Perfect: phi reaches 8 once the silence exceeds mean (1 s) + pause (3 s) by a few deviations.
    // Fast: the local silence grows 1.5 times as fast and must pass 1.5 s + 3 s, so the same
    // threshold comes after about (4.5 + 0.5) / 1.5 = 3.3 s of true time instead of about 4.5 s.
    const p = perfect.after("dead");
    const f = fast.after("dead");
    expect(p).toBeGreaterThan(sec(4));
    expect(p).toBeLessThan(sec(5));
    expect(f).toBeGreaterThan(sec(3));
    expect(f).toBeLessThan(sec(3.6));
    expect(p - f).toBeGreaterThan(sec(1));
    expect(Math.abs(fast.peer.interArrival.mean - sec(1.5))).toBeLessThan(3000);
  });

  it("a clock step, even backwards by an hour, neither stalls heartbeats nor makes them stale", () => {
    const run = heartbeats(fixed3, { a: { steps: [{ at: ms(4500), by: -sec(3600) }] } });
    expect(run.peer.stale).toBe(0);
    expect(run.peer.received).toBe(11);
    expect(Math.abs(run.peer.interArrival.max - sec(1))).toBeLessThan(2000);
    expect(run.monitor.events.map((e) => e.kind)).toEqual(["joined", "suspect", "dead"]);
  });

  it("ping on a drifting host reports RTTs scaled by (1 + drift); a step changes nothing", () => {
    const rtts = (clock: HostClockOptions) => {
      const net = pair({ a: clock });
      const run = ping(net.node("a"), "10.0.2.2", { count: 4 });
      net.sim.run();
      return { rtts: run.stats.rtts, text: run.text, end: net.sim.now };
    };
    const base = rtts({});
    expect(base.rtts).toHaveLength(4);
    for (const drift of [100, -300, 200_000, -500_000]) {
      const r = rtts({ driftPpm: drift });
      expect(r.rtts).toHaveLength(4);
      r.rtts.forEach((x, i) => {
        expect(Math.abs(x - base.rtts[i]! * (1 + drift * 1e-6))).toBeLessThan(1e-6);
      });
    }
    // 1 s intervals of a clock running 25% fast: the run ends 25% sooner in true time.
    const fast = rtts({ driftPpm: 250_000 });
    expect(fast.end).toBeLessThan(base.end * 0.81);
    const stepped = rtts({ offset: sec(50), steps: [{ at: ms(1500), by: -sec(30) }] });
    expect(stepped.text).toBe(base.text);
  });

  it("a DNS cache on a fast clock lets an entry expire early in true time", () => {
    const sim = new Simulator();
    const clock = new HostClock(sim, { driftPpm: 250_000 });
    const cache = new DnsCache(clock);
    cache.put(
      [{ name: "www.example.com.", type: "A", class: 1, ttl: 100, rdata: 1 }],
      DNS_TRUST.AUTHORITATIVE,
    );
    const at = (t: number) => {
      sim.at(t, () => {});
      sim.runUntil(t);
      return cache.get("www.example.com.", DNS_TYPE.A);
    };
    // 100 s of a clock running 1.25 times too fast last 80 s.
    expect(at(sec(40))?.[0]?.ttl).toBe(50);
    expect(at(sec(79.9))).toBeDefined();
    expect(at(sec(80))).toBeUndefined();
    expect(cache.stats.expired).toBe(1);
    // A step does not age or rejuvenate entries: TTLs run on the monotonic reading.
    cache.put(
      [{ name: "b.example.", type: "A", class: 1, ttl: 10, rdata: 2 }],
      DNS_TRUST.AUTHORITATIVE,
    );
    clock.step(sec(3600));
    expect(cache.get("b.example.", DNS_TYPE.A)?.[0]?.ttl).toBe(10);
  });
});
