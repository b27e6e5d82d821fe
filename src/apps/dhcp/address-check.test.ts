import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Network } from "../../net/network.js";
import { ms, type Nanos } from "../../sim/time.js";
import { parseIpv4Address } from "../../wire/address.js";
import { type ArpRecord, parseArp } from "../../wire/arp.js";
import { ETHERTYPE_ARP, parseEthernet } from "../../wire/ethernet.js";
import { ParseError } from "../../wire/parse-error.js";
import { AddressCheck, RFC5227_TIMINGS, scaledAddressCheckTimings } from "./address-check.js";

const TARGET = parseIpv4Address("10.0.0.50") as number;

/** h1 (no address) probing 10.0.0.50 on a switch; h2 owns it when `taken`. */
function probeRun(seed: number, scale: number, taken: boolean) {
  const net = new Network({ seed });
  net.addSwitch("s1");
  net.addHost("h1");
  net.addHost("h2");
  net.connect("h1", "s1", { delay: ms(1) });
  net.connect("h2", "s1", {
    delay: ms(1),
    addresses: [taken ? "10.0.0.50/24" : "10.0.0.9/24", []],
  });
  const sent: { time: Nanos; arp: ArpRecord }[] = [];
  net.events.subscribe((e) => {
    if (e.kind !== "transmit" || e.node !== "h1" || e.framing !== "ethernet") return;
    const f = parseEthernet(e.packet);
    if (f instanceof ParseError || f.etherType !== ETHERTYPE_ARP) return;
    const a = parseArp(f.payload);
    if (!(a instanceof ParseError)) sent.push({ time: e.time, arp: a });
  });
  const iface = net.node("h1").interfaces[0]!;
  const timings = scaledAddressCheckTimings(scale);
  const outcome: { free: Nanos[]; conflicts: ArpRecord[] } = { free: [], conflicts: [] };
  const check = new AddressCheck(
    net.node("h1").clock,
    iface.arp!,
    iface.mac,
    TARGET,
    net.sim.rng("test:acd"),
    timings,
    {
      free: () => outcome.free.push(net.sim.now),
      conflict: (a) => outcome.conflicts.push(a),
    },
  ).start();
  const started = net.sim.now;
  net.sim.run();
  return { check, sent, outcome, timings, started, h2: net.node("h2").interfaces[0]! };
}

describe("AddressCheck (RFC 5227 probe and announce)", () => {
  it("keeps the RFC schedule for any seed and scale (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (seed, scale) => {
          const { check, sent, outcome, timings: t, started } = probeRun(seed, scale, false);
          const probes = sent.filter((s) => s.arp.senderIp === 0);
          const announcements = sent.filter((s) => s.arp.senderIp === TARGET);
          expect(probes).toHaveLength(t.probeNum);
          expect(announcements).toHaveLength(t.announceNum);
          expect(probes[0]!.time - started).toBeLessThanOrEqual(t.probeWait);
          for (let i = 1; i < probes.length; i++) {
            const gap = probes[i]!.time - probes[i - 1]!.time;
            expect(gap).toBeGreaterThanOrEqual(t.probeMin);
            expect(gap).toBeLessThanOrEqual(t.probeMax);
          }
          expect(outcome.free).toEqual([probes.at(-1)!.time + t.announceWait]);
          expect(announcements[0]!.time).toBe(outcome.free[0]);
          expect(announcements[1]!.time - announcements[0]!.time).toBe(t.announceInterval);
          expect(outcome.conflicts).toEqual([]);
          expect(check.state).toBe("done");
        },
      ),
      { numRuns: 40 },
    );
  });

  it("stops at the owner's reply to the first probe and never reports the address free", () => {
    const { check, sent, outcome, h2 } = probeRun(1, 1, true);
    expect(sent).toHaveLength(1);
    expect(outcome.free).toEqual([]);
    expect(outcome.conflicts.map((a) => [a.senderIp, a.senderMac])).toEqual([[TARGET, h2.mac]]);
    expect(check.state).toBe("conflict");
  });

  it("uses the RFC's constants by default", () => {
    expect(RFC5227_TIMINGS).toEqual({
      probeWait: 1e9,
      probeNum: 3,
      probeMin: 1e9,
      probeMax: 2e9,
      announceWait: 2e9,
      announceNum: 2,
      announceInterval: 2e9,
    });
  });
});
