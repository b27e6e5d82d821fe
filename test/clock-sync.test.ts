/**
 * A lesson on the limits of clock synchronization. Hosts whose clocks are off by up to 300 ms
 * and drift by tens of ppm converge with an NTP-like client. On a path whose forward delay d1
 * differs from its return delay d2, the client cannot tell the asymmetry from an offset: it
 * settles (d1 - d2) / 2 away from the truth while believing it is exact, as RFC 5905 §8's
 * formula predicts; jitter spreads the error further. Cristian's algorithm and the Berkeley
 * algorithm (with a faulty clock left out of the average) bring clocks together too.
 */
import { describe, expect, it } from "vitest";
import { BerkeleyMaster, BerkeleyMember } from "../src/apps/clock/berkeley.js";
import { CristianClient, type CristianResult } from "../src/apps/clock/cristian.js";
import { NtpClient } from "../src/apps/clock/ntp-client.js";
import { NtpServer } from "../src/apps/clock/ntp-server.js";
import { installGlobalRoutes } from "../src/net/global-routing.js";
import { Network } from "../src/net/network.js";
import type { Node } from "../src/net/node.js";
import type { HostClockOptions } from "../src/sim/host-clock.js";
import { ms, type Nanos, sec } from "../src/sim/time.js";
import { TransportError } from "../src/transport/errors.js";
import { udp } from "../src/transport/udp.js";
import { emitNtp, NTP_MODE_SERVER, type NtpPacket, parseNtp } from "../src/wire/ntp.js";

function ok<T>(x: T | TransportError): T {
  if (x instanceof TransportError) throw new Error(x.toString());
  return x;
}

/** A star: router r, a time server s (perfect clock) and the given hosts, 5 ms per link. */
function star(clocks: Record<string, HostClockOptions>, seed = 1) {
  const net = new Network({ seed });
  net.addRouter("r");
  const hosts: Record<string, Node> = {};
  ["s", ...Object.keys(clocks)].forEach((name, i) => {
    const h = net.addHost(name);
    net.connect(h, "r", { delay: ms(5), addresses: [`10.0.${i}.2/24`, `10.0.${i}.1/24`] });
    h.clock.configure(clocks[name] ?? {});
    hosts[name] = h;
  });
  installGlobalRoutes(net);
  return { net, hosts };
}

/**
 * Client c and server s on one link: forward delay d1, return delay d2 (the longer direction
 * gets its extra delay from a fault rule), optional jitter each way. Runs NTP for 30 minutes
 * and samples the client's true error every 10 s over the last 10 minutes.
 */
function asymmetric(d1: Nanos, d2: Nanos, jitter: Nanos = 0) {
  const net = new Network({ seed: 7 });
  const c = net.addHost("c");
  const s = net.addHost("s");
  const base = Math.min(d1, d2);
  net.connect(c, s, {
    delay: base,
    addresses: ["10.0.0.1/24", "10.0.0.2/24"],
    impairments: jitter > 0 ? { jitter } : {},
  });
  net.faults.add({
    name: "asymmetry",
    decide: (p) => {
      const extra = p.from === "c" ? d1 - base : d2 - base;
      return extra > 0 ? { delay: extra } : "pass";
    },
  });
  installGlobalRoutes(net);
  c.clock.configure({ offset: ms(100), driftPpm: 50 });
  ok(NtpServer.start(s));
  const client = ok(NtpClient.start(c, { server: { address: "10.0.0.2" } }));
  net.sim.runUntil(sec(20 * 60));
  const errors: number[] = [];
  for (let t = 20 * 60 + 10; t <= 30 * 60; t += 10) {
    net.sim.runUntil(sec(t));
    errors.push(c.clock.error());
  }
  return { client, errors, clock: c.clock };
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

describe("clock synchronization", () => {
  it("NTP brings drifting, offset clocks to within a millisecond of the server", () => {
    const { net, hosts } = star({
      a: { offset: ms(100), driftPpm: 50 },
      b: { offset: -ms(100), driftPpm: -30 },
      c: { offset: ms(300), driftPpm: 10, steps: [{ at: sec(400), by: ms(40) }] },
    });
    ok(NtpServer.start(hosts.s!));
    const clients = ["a", "b", "c"].map((n) =>
      ok(NtpClient.start(hosts[n]!, { server: { address: "10.0.0.2" } })),
    );
    net.sim.runUntil(sec(15 * 60));
    for (const n of ["a", "b", "c"]) {
      expect(Math.abs(hosts[n]!.clock.error())).toBeLessThan(ms(1));
    }
    // The discipline learnt each oscillator's error: the correction cancels the drift.
    expect(hosts.a!.clock.frequencyPpm).toBeCloseTo(-50, 0);
    expect(hosts.b!.clock.frequencyPpm).toBeCloseTo(30, 0);
    // 100 ms is slewed (below the 128 ms step threshold); 300 ms is stepped at the first update.
    expect(clients[0]!.updates.map((u) => u.action)).not.toContain("step");
    expect(clients[2]!.updates[0]!.action).toBe("step");
    // The clock's own 40 ms step at 400 s is measured and corrected by slewing.
    const after = clients[2]!.samples.find((s) => s.simTime > sec(400))!;
    expect(after.offset).toBeCloseTo(-ms(40), -5);
    // Each client's record of its offset over time ends near zero.
    for (const cl of clients) expect(Math.abs(cl.samples.at(-1)!.offset)).toBeLessThan(ms(1));
    expect(clients[0]!.stats).toMatchObject({ malformed: 0, bogus: 0 });
    expect(clients[0]!.samples[0]!.delay).toBeCloseTo(ms(20), -4);
  });

  it("on an asymmetric path the residual error is (d1 - d2) / 2, and invisible to the client", () => {
    const cases: [number, number][] = [
      [10, 10],
      [20, 10],
      [10, 30],
      [50, 10],
      [5, 45],
    ];
    const rows: string[] = [];
    for (const [d1, d2] of cases) {
      const { client, errors } = asymmetric(ms(d1), ms(d2));
      const residual = mean(errors);
      const predicted = ms((d1 - d2) / 2);
      rows.push(
        `d1=${d1}ms d2=${d2}ms predicted ${(predicted / 1e6).toFixed(3)}ms measured ${(residual / 1e6).toFixed(4)}ms`,
      );
      expect(Math.abs(residual - predicted)).toBeLessThan(ms(0.05));
      // The client believes it is synchronized: its own offset estimate is near zero.
      expect(Math.abs(client.offset!)).toBeLessThan(ms(0.05));
    }
    console.log(`NTP residual offset vs path asymmetry:\n  ${rows.join("\n  ")}`);
  });

  it("jitter widens the error around (d1 - d2) / 2", () => {
    const calm = asymmetric(ms(20), ms(10));
    const noisy = asymmetric(ms(20), ms(10), ms(5));
    const spread = (xs: number[]) => Math.max(...xs.map((e) => Math.abs(e - ms(5))));
    console.log(
      `NTP error around (d1-d2)/2 = 5 ms: jitter 0: ${(spread(calm.errors) / 1e6).toFixed(4)} ms; jitter 5 ms: ${(spread(noisy.errors) / 1e6).toFixed(3)} ms (mean ${(mean(noisy.errors) / 1e6).toFixed(3)} ms)`,
    );
    expect(spread(calm.errors)).toBeLessThan(ms(0.01));
    expect(spread(noisy.errors)).toBeGreaterThan(ms(0.2));
    expect(spread(noisy.errors)).toBeLessThan(ms(10));
    expect(Math.abs(mean(noisy.errors) - ms(5))).toBeLessThan(ms(2.5));
  });

  it("ignores malformed and unsolicited replies, and a server survives garbage", () => {
    const { net, hosts } = star({ c: { offset: ms(50) }, x: {} });
    const server = ok(NtpServer.start(hosts.s!));
    const client = ok(NtpClient.start(hosts.c!, { server: { address: "10.0.0.2" } }));
    const forger = ok(udp(hosts.x!).bind(123));
    const forged: NtpPacket = {
      ...(parseNtp(
        emitNtp({
          leap: 0,
          version: 4,
          mode: NTP_MODE_SERVER,
          stratum: 1,
          poll: 4,
          precision: -20,
          rootDelay: 0,
          rootDispersion: 0,
          referenceId: 0,
          referenceTimestamp: { seconds: 1, fraction: 0 },
          originTimestamp: { seconds: 12345, fraction: 678 },
          receiveTimestamp: { seconds: 0xed003780 + 3600, fraction: 0 },
          transmitTimestamp: { seconds: 0xed003780 + 3600, fraction: 0 },
        }),
      ) as NtpPacket),
    };
    net.sim.after(ms(100), () => {
      forger.send(emitNtp(forged), client.localPort, "10.0.1.2");
      forger.send(new Uint8Array([1, 2, 3]), client.localPort, "10.0.1.2");
      forger.send(new Uint8Array(48), 123, "10.0.0.2");
      forger.send(new Uint8Array([0xe3, 0, 0]), 123, "10.0.0.2");
    });
    net.sim.runUntil(sec(1));
    expect(client.stats).toMatchObject({ accepted: 1, bogus: 1, malformed: 1 });
    expect(server.stats).toMatchObject({ answered: 1, ignored: 2 });
    // The forged hour was not believed: the clock is only ever corrected toward the truth.
    expect(Math.abs(hosts.c!.clock.error())).toBeLessThanOrEqual(ms(50));
    net.sim.runUntil(sec(200));
    expect(Math.abs(hosts.c!.clock.error())).toBeLessThan(ms(1));
    expect(server.stats.answered).toBeGreaterThan(5);
  });

  it("Cristian's algorithm sets the clock to server time + RTT/2", () => {
    const { net, hosts } = star({ c: { offset: ms(250), driftPpm: 20 } });
    ok(NtpServer.start(hosts.s!, { processingDelay: ms(2) }));
    let result: CristianResult | TransportError | undefined;
    let errorWhenSet = 0;
    ok(
      CristianClient.run(hosts.c!, { server: { address: "10.0.0.2" } }, (r) => {
        result = r;
        errorWhenSet = hosts.c!.clock.error();
      }),
    );
    net.sim.runUntil(sec(10));
    const r = result as CristianResult;
    expect(r.samples).toHaveLength(4);
    // RTT: 4 links of 5 ms plus the server's 2 ms; the estimate assumes the reply took half.
    expect(r.best.rtt).toBeCloseTo(ms(22), -4);
    // The server read its clock after its 2 ms of work, so the reply took 10 ms, not RTT/2 =
    // 11 ms: the clock ends 1 ms ahead, and the step is 1 ms short of the 250 ms error.
    expect(r.step).toBeCloseTo(-ms(249), -5);
    expect(errorWhenSet).toBeCloseTo(ms(1), -4);
    // Cristian sets the clock once: the 20 ppm drift is not corrected and the error grows.
    expect(hosts.c!.clock.error()).toBeCloseTo(ms(1.2), -4);
  });

  it("Cristian's algorithm reports a server that never answers", () => {
    const { net, hosts } = star({ c: {} });
    let result: CristianResult | TransportError | undefined;
    ok(
      CristianClient.run(
        hosts.c!,
        { server: { address: "10.0.0.2" }, attempts: 2 },
        (r) => (result = r),
      ),
    );
    net.sim.runUntil(sec(10));
    expect(result).toBeInstanceOf(TransportError);
    expect((result as TransportError).code).toBe("ETIMEDOUT");
  });

  it("Berkeley averages the clocks that agree, leaves a faulty one out, and corrects it too", () => {
    const { net, hosts } = star({
      m: { offset: 0 },
      a: { offset: ms(30) },
      b: { offset: -ms(20) },
      c: { offset: ms(10) },
      f: { offset: sec(5) },
    });
    const members = ["a", "b", "c", "f"].map((n) => ok(BerkeleyMember.start(hosts[n]!)));
    const master = ok(
      BerkeleyMaster.start(hosts.m!, {
        members: ["a", "b", "c", "f"].map((_, i) => ({ address: `10.0.${i + 2}.2` })),
        threshold: ms(50),
      }),
    );
    net.sim.runUntil(sec(1));
    const round = master.rounds[0]!;
    expect(round.estimates.map((e) => e.excluded)).toEqual([false, false, false, false, true]);
    // The average of master, a, b and c: (0 + 30 - 20 + 10) / 4 = 5 ms, not pulled by f's 5 s.
    expect(round.average).toBeCloseTo(ms(5), -4);
    const clocks = ["m", "a", "b", "c", "f"].map((n) => hosts[n]!.clock.error());
    for (const e of clocks) expect(e).toBeCloseTo(ms(5), -4);
    expect(members[3]!.adjustments[0]!.by).toBeCloseTo(ms(5) - sec(5), -4);
    net.sim.runUntil(sec(61));
    expect(master.rounds[1]!.estimates.every((e) => !e.excluded)).toBe(true);
  });
});
