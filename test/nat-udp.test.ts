/**
 * NAT mappings and filters for UDP (RFC 4787): which flows share a mapping under each mapping
 * behaviour, which inbound packets each filtering behaviour admits, idle timeouts, hairpinning
 * and a full table.
 */
import { describe, expect, it } from "vitest";
import type { NatBehaviour } from "../src/net/nat/index.js";
import { ms, sec } from "../src/sim/time.js";
import { sockets } from "../src/socket/index.js";
import { TransportError } from "../src/transport/errors.js";
import { type NatLab, natLab, openUdpMapping, PUBLIC, S1, S2, udpOn } from "./support/nat-lab.js";

/** Lets 50 ms of simulated time pass. */
const step = (lab: NatLab) => lab.net.sim.runUntil(lab.net.sim.now + ms(50));

describe("NAT mapping behaviour (RFC 4787 §4.1)", () => {
  it("endpoint-independent: one mapping for every destination, the port preserved", () => {
    const lab = natLab({ mapping: "endpoint-independent" });
    const h1 = udpOn(lab.h1, 5000);
    const h2 = udpOn(lab.h2, 5000);
    const a = udpOn(lab.s1, 7000);
    const b = udpOn(lab.s2, 7000);
    h1.send("one", S1, 7000);
    h1.send("two", S2, 7000);
    h2.send("three", S1, 7000);
    lab.net.sim.runUntil(sec(1));
    expect(a.got).toEqual([`${PUBLIC}:5000 one`, `${PUBLIC}:57079 three`]);
    expect(b.got).toEqual([`${PUBLIC}:5000 two`]);
    expect(lab.nat.mappings().map((m) => [m.protocol, m.internal, m.external, m.remote])).toEqual([
      ["udp", "192.168.1.2:5000", `${PUBLIC}:5000`, undefined],
      ["udp", "192.168.1.3:5000", `${PUBLIC}:57079`, undefined],
    ]);
    expect(lab.nat.counters).toMatchObject({ outbound: 3, created: 2 });
  });

  const cases: [NatBehaviour, number][] = [
    ["endpoint-independent", 1],
    ["address-dependent", 2],
    ["address-and-port-dependent", 3],
  ];
  it.each(cases)("%s: flows to s1:7000, s1:7001 and s2:7000 use %i mappings", (mapping, n) => {
    const lab = natLab({ mapping });
    const h1 = udpOn(lab.h1, 5000);
    udpOn(lab.s1, 7000);
    udpOn(lab.s1, 7001);
    udpOn(lab.s2, 7000);
    for (const [addr, port] of [
      [S1, 7000],
      [S1, 7001],
      [S2, 7000],
      [S1, 7000],
    ] as const) {
      h1.send("x", addr, port);
      step(lab); // one at a time: ARP queues only 3 datagrams while it resolves
    }
    lab.net.sim.runUntil(sec(1));
    const maps = lab.nat.mappings();
    expect(maps.length).toBe(n);
    expect(maps[0]!.external).toBe(`${PUBLIC}:5000`); // the first keeps its port
    expect(new Set(maps.map((m) => m.external)).size).toBe(n);
    expect(maps[0]!.packetsOut).toBe(n === 1 ? 4 : n === 2 ? 3 : 2);
  });
});

describe("NAT filtering behaviour (RFC 4787 §5)", () => {
  // h1:5000 has sent to s1:7000 only; then s1:7000, s1:7001 and s2:7000 send to its mapping.
  const cases: [NatBehaviour, string[]][] = [
    ["endpoint-independent", ["from s1:7000", "from s1:7001", "from s2:7000"]],
    ["address-dependent", ["from s1:7000", "from s1:7001"]],
    ["address-and-port-dependent", ["from s1:7000"]],
  ];
  it.each(cases)("%s admits %j and drops the rest as nat-filtered", (filtering, admitted) => {
    const lab = natLab({ filtering });
    const h1 = udpOn(lab.h1, 5000);
    const senders = {
      "s1:7000": udpOn(lab.s1, 7000),
      "s1:7001": udpOn(lab.s1, 7001),
      "s2:7000": udpOn(lab.s2, 7000),
    };
    h1.send("hello", S1, 7000);
    lab.net.sim.runUntil(sec(1));
    for (const [name, s] of Object.entries(senders)) {
      s.send(`from ${name}`, PUBLIC, 5000);
      step(lab);
    }
    senders["s1:7000"].send("to a closed port", PUBLIC, 6000); // no mapping at all
    lab.net.sim.runUntil(sec(2));
    expect(h1.got.map((g) => g.slice(g.indexOf(" ") + 1))).toEqual(admitted);
    const filtered = lab.drops.filter((d) => d.reason === "nat-filtered");
    expect(filtered.length).toBe(4 - admitted.length);
    expect(filtered.every((d) => d.node === "nat" && d.iface === "outside")).toBe(true);
    expect(lab.nat.counters.filtered).toBe(4 - admitted.length);
    expect(lab.nat.log.filter((e) => e.event === "filtered").at(-1)?.detail).toBe(
      `${S1}:7000 to port 6000: no mapping`,
    );
  });

  it("never lets the outside reach a private address directly", () => {
    const lab = natLab({ filtering: "endpoint-independent" });
    const h1 = udpOn(lab.h1, 5000);
    lab.net.route("isp", "192.168.1.0/24", PUBLIC); // a neighbour that routes private space to us
    udpOn(lab.s1, 7000).send("sneak", "192.168.1.2", 5000);
    lab.net.sim.runUntil(sec(1));
    expect(h1.got).toEqual([]);
    expect(lab.drops.map((d) => d.reason)).toEqual(["nat-filtered"]);
  });
});

describe("NAT mapping timeouts", () => {
  it("keeps an idle UDP mapping 5 minutes by default (RFC 4787 REQ-5), then filters", () => {
    const lab = natLab({ filtering: "endpoint-independent" });
    const { h1, s } = openUdpMapping(lab);
    const [m] = lab.nat.mappings();
    expect(m!.expires - m!.created).toBe(sec(300));
    lab.net.sim.runUntil(sec(299));
    s.send("still there", PUBLIC, 5000); // inbound refresh: +5 min from now
    lab.net.sim.runUntil(sec(598));
    expect(lab.nat.mappings().length).toBe(1);
    lab.net.sim.runUntil(sec(600));
    expect(lab.nat.mappings()).toEqual([]);
    s.send("too late", PUBLIC, 5000);
    lab.net.sim.runUntil(sec(601));
    expect(h1.got.map((g) => g.split(" ").slice(1).join(" "))).toEqual(["still there"]);
    expect(lab.nat.counters.expired).toBe(1);
    expect(lab.nat.log.map((e) => e.event)).toEqual(["map", "expire", "filtered"]);
  });

  it("without inbound refresh only outbound packets keep a mapping alive", () => {
    const lab = natLab({ udpTimeout: sec(120), udpInboundRefresh: false });
    const h1 = udpOn(lab.h1, 5000);
    const s = udpOn(lab.s1, 7000);
    h1.send("open", S1, 7000);
    lab.net.sim.runUntil(sec(100));
    s.send("in", PUBLIC, 5000);
    lab.net.sim.runUntil(sec(121));
    expect(lab.nat.mappings()).toEqual([]);
    expect(h1.got.length).toBe(1);
  });
});

describe("NAT hairpinning (RFC 4787 §6)", () => {
  function hairpin(hairpinning: boolean) {
    const lab = natLab({ hairpinning, filtering: "endpoint-independent" });
    const h1 = udpOn(lab.h1, 5000);
    const h2 = udpOn(lab.h2, 6000);
    udpOn(lab.s1, 7000);
    h2.send("register", S1, 7000); // h2's mapping: PUBLIC:6000
    lab.net.sim.runUntil(sec(1));
    h1.send("via the public address", PUBLIC, 6000);
    lab.net.sim.runUntil(sec(2));
    return { lab, h1, h2 };
  }

  it("on: h2 gets h1's packet from h1's external endpoint, and can answer it", () => {
    const { lab, h1, h2 } = hairpin(true);
    expect(h2.got).toEqual([`${PUBLIC}:5000 via the public address`]);
    h2.send("back", PUBLIC, 5000);
    lab.net.sim.runUntil(sec(3));
    expect(h1.got).toEqual([`${PUBLIC}:6000 back`]);
    expect(lab.nat.counters.hairpinned).toBe(2);
  });

  it("off: the packet goes to the router itself, which has no such port", () => {
    const { lab, h1, h2 } = hairpin(false);
    expect(h2.got).toEqual([]);
    expect(h1.errors).toEqual(["ECONNREFUSED"]);
    expect(lab.nat.counters.hairpinned).toBe(0);
  });
});

describe("a full NAT table", () => {
  it("drops new flows as nat-table-full and keeps the existing ones", () => {
    const lab = natLab({ maxMappings: 2, mapping: "address-and-port-dependent" });
    const h1 = udpOn(lab.h1, 5000);
    const s = [7000, 7001, 7002].map((p) => udpOn(lab.s1, p));
    for (const p of [7000, 7001, 7002]) {
      h1.send(`to ${p}`, S1, p);
      step(lab);
    }
    lab.net.sim.runUntil(sec(1));
    expect(s.map((x) => x.got.length)).toEqual([1, 1, 0]);
    expect(lab.drops.map((d) => d.reason)).toEqual(["nat-table-full"]);
    expect(lab.nat.log.at(-1)).toMatchObject({
      event: "table-full",
      detail: `192.168.1.2:5000 to ${S1}:7002: no mapping`,
    });
    s[0]!.send("reply", PUBLIC, 5000);
    h1.send("again", S1, 7001);
    lab.net.sim.runUntil(sec(2));
    expect(h1.got).toEqual([`${S1}:7000 reply`]);
    const second = lab.nat.mappings()[1]!.external; // the existing flow keeps its mapping
    expect(s[1]!.got).toEqual([`${second} to 7001`, `${second} again`]);
    expect(lab.nat.counters.tableFull).toBe(1);
  });

  it("makes room once old mappings expire", () => {
    const lab = natLab({ maxMappings: 1, udpTimeout: sec(120) });
    const h1 = udpOn(lab.h1, 5000);
    const h2 = udpOn(lab.h2, 5000);
    const s = udpOn(lab.s1, 7000);
    h1.send("first", S1, 7000);
    h2.send("refused", S1, 7000);
    lab.net.sim.runUntil(sec(121));
    h2.send("now", S1, 7000);
    lab.net.sim.runUntil(sec(122));
    expect(s.got.map((g) => g.split(" ")[1])).toEqual(["first", "now"]);
  });
});

describe("fragments through the NAT", () => {
  it("reassembles, translates and fragments again a 4000-byte datagram each way", () => {
    const lab = natLab();
    const sizes: number[] = [];
    const h1 = udpOn(lab.h1, 5000);
    const s = sockets(lab.s1).bind(7000);
    if (s instanceof TransportError) throw new Error(s.message);
    s.onMessage((m) => {
      sizes.push(m.data.length);
      s.send(m.data, m.from); // echo it back, fragmented by s1
    });
    const big = new Uint8Array(4000).map((_, i) => i & 0xff);
    const err = h1.socket.send(big, { address: S1, port: 7000 });
    expect(err).toBeUndefined();
    const fragments: number[] = [];
    lab.net.events.subscribe((e) => {
      if (e.kind === "transmit" && e.node === "nat" && e.iface === "outside")
        fragments.push(e.packet.length);
    });
    lab.net.sim.runUntil(sec(1));
    expect(sizes).toEqual([4000]);
    expect(fragments).toEqual([1500, 1500, 1068]);
    expect(h1.got.length).toBe(1);
    expect(h1.got[0]!.startsWith(`${S1}:7000 `)).toBe(true);
    expect(lab.nat.mappings().map((m) => [m.external, m.packetsOut, m.packetsIn])).toEqual([
      [`${PUBLIC}:5000`, 1, 1],
    ]);
  });
});
