/**
 * Address conflict detection in the DHCP client (RFC 2131 §4.4.1 with the probes of RFC 5227):
 * a squatter statically using a pool address makes the client DECLINE it and lease another; with
 * no conflict the client probes, binds and announces, with the RFC's timings or scaled ones.
 */
import { describe, expect, it } from "vitest";
import { scaledAddressCheckTimings } from "../src/apps/dhcp/address-check.js";
import type { DhcpClient } from "../src/apps/dhcp/client.js";
import { ms, sec } from "../src/sim/time.js";
import { parseIpv4Address } from "../src/wire/address.js";
import { ARP_REQUEST } from "../src/wire/arp.js";
import { toHex } from "../src/wire/bytes.js";
import { chaddrFromMac, DHCP_MESSAGE } from "../src/wire/dhcp.js";
import { formatMac, MAC_BROADCAST } from "../src/wire/mac.js";
import { recordFrames } from "./support/dhcp-frames.js";
import { dhcpLan } from "./support/dhcp-lan.js";

const v4 = (s: string) => parseIpv4Address(s) as number;

function states(c: DhcpClient): string[] {
  return c.log.filter((e) => e.kind === "state").map((e) => e.detail.split(" -> ")[1]!);
}

function when(c: DhcpClient, kind: string, detail?: string): number[] {
  return c.log
    .filter((e) => e.kind === kind && (detail === undefined || e.detail.endsWith(detail)))
    .map((e) => e.time);
}

/** The DHCP LAN plus a host "squat" statically configured with 10.0.0.100, unknown to the server. */
function lanWithSquatter(client = {}) {
  const lan = dhcpLan(1, {}, { startDelay: 0, ...client });
  lan.net.addHost("squat");
  lan.net.connect("squat", "s1", { delay: ms(1), addresses: ["10.0.0.100/24", []] });
  return lan;
}

describe("DHCP client address conflict detection", () => {
  it("DECLINEs an address another host uses, waits 10 s and leases another", () => {
    const { net, dhcp, clients } = lanWithSquatter({ hostName: "c1" });
    const c = clients[0]!;
    const sent = recordFrames(net, "c1");
    c.start();
    net.sim.runUntil(sec(60));

    expect(states(c)).toEqual([
      "INIT",
      "SELECTING",
      "REQUESTING",
      "CHECKING",
      "INIT",
      "SELECTING",
      "REQUESTING",
      "CHECKING",
      "BOUND",
    ]);
    const squat = net.node("squat").interfaces[0]!.mac;
    expect(c.log.find((e) => e.kind === "conflict")!.detail).toBe(
      `10.0.0.100 in use by ${formatMac(squat)}`,
    );
    expect(c.stats).toMatchObject({ conflicts: 1, declines: 1 });
    expect(c.address).toBe("10.0.0.101");
    expect(c.node.interfaces[0]!.toString()).toBe("c1:eth0 10.0.0.101/24");

    // The first probe drew the squatter's reply: one probe, no announcement of .100.
    const forSquatted = sent.arp.filter((a) => a.arp.targetIp === v4("10.0.0.100"));
    expect(forSquatted).toHaveLength(1);
    expect(forSquatted[0]!.arp.senderIp).toBe(0);

    // RFC 2131 §4.4.1 table 5: DECLINE broadcast from 0.0.0.0 with the requested address and the
    // server identifier; ciaddr and secs zero; no host name, no parameter request list.
    const declines = sent.dhcp.filter((d) => d.msg.options.messageType === DHCP_MESSAGE.DECLINE);
    expect(declines).toHaveLength(1);
    const d = declines[0]!;
    expect([d.src, d.dst]).toEqual([0, 0xffffffff]);
    expect(d.msg.ciaddr).toBe(0);
    expect(d.msg.secs).toBe(0);
    expect(d.msg.options.requestedAddress).toBe(v4("10.0.0.100"));
    expect(d.msg.options.serverId).toBe(v4("10.0.0.1"));
    expect(d.msg.options.hostName).toBeUndefined();
    expect(d.msg.options.parameterRequestList).toBeUndefined();
    expect(d.msg.options.other).toEqual([]);
    expect(d.msg.options.clientId).toEqual(Uint8Array.of(1, ...chaddrFromMac(c.iface.mac)));

    // RFC 2131 §3.1 step 5: at least ten seconds before the next DISCOVER.
    const conflictAt = when(c, "conflict")[0]!;
    expect(when(c, "state", "-> SELECTING")[1]! - conflictAt).toBe(sec(10));
    const discovers = sent.dhcp.filter((x) => x.msg.options.messageType === DHCP_MESSAGE.DISCOVER);
    expect(discovers[1]!.msg.options.requestedAddress).toBeUndefined();

    // The server withholds the declined address and says so.
    const decline = dhcp.log.find((e) => e.kind === "decline")!;
    expect(decline).toMatchObject({ address: "10.0.0.100" });
    expect(dhcp.pool.holder(v4("10.0.0.100"))?.state).toBe("declined");
    expect(dhcp.describe()[0]).toMatch(/^10\.0\.0\.100 declined /);
    expect(dhcp.stats.declines).toBe(1);
    // The squatter keeps its address and nobody else took it.
    expect(net.node("squat").interfaces[0]!.ipv4).toBe(v4("10.0.0.100"));
  });

  it("binds, then announces the address twice, 2 s apart, after three probes", () => {
    const { net, clients } = dhcpLan(1, {}, { startDelay: 0 });
    const c = clients[0]!;
    const sent = recordFrames(net, "c1");
    c.start();
    net.sim.runUntil(sec(30));
    expect(c.address).toBe("10.0.0.100");
    const a = v4("10.0.0.100");
    const mac = c.iface.mac;
    const macHex = mac.toString(16).padStart(12, "0");
    const probes = sent.arp.filter((x) => x.arp.senderIp === 0);
    const announcements = sent.arp.filter((x) => x.arp.senderIp === a);
    expect(sent.arp).toHaveLength(5);
    expect(probes).toHaveLength(3);
    expect(announcements).toHaveLength(2);
    for (const p of sent.arp) expect(p.dst).toBe(MAC_BROADCAST);
    // RFC 5227 §2.1.1 and §2.3, byte for byte: request; sender 0.0.0.0 (probe) or the address
    // (announcement); target MAC zero; target IP the address.
    expect(toHex(probes[0]!.bytes)).toBe(
      `0001080006040001${macHex}00000000${"0".repeat(12)}0a000064`,
    );
    expect(toHex(announcements[0]!.bytes)).toBe(
      `0001080006040001${macHex}0a000064${"0".repeat(12)}0a000064`,
    );
    for (const x of sent.arp) expect(x.arp.op).toBe(ARP_REQUEST);

    // Timings (RFC 5227 §2.1.1): first probe within PROBE_WAIT of the ACK, then 1-2 s gaps, then
    // ANNOUNCE_WAIT (2 s) to BOUND, where the first announcement goes out; the next 2 s later.
    const checking = when(c, "state", "-> CHECKING")[0]!;
    const bound = when(c, "bound")[0]!;
    const t = sent.arp.map((x) => x.time);
    expect(t[0]! - checking).toBeLessThanOrEqual(sec(1));
    for (const gap of [t[1]! - t[0]!, t[2]! - t[1]!]) {
      expect(gap).toBeGreaterThanOrEqual(sec(1));
      expect(gap).toBeLessThanOrEqual(sec(2));
    }
    expect(bound - t[2]!).toBe(sec(2));
    expect(t[3]).toBe(bound);
    expect(t[4]! - t[3]!).toBe(sec(2));
    // The address is configured when it is announced, not before.
    expect(c.log.find((e) => e.kind === "probing")!.detail).toBe("ARP probes for 10.0.0.100");
    expect(c.iface.arp!.detectionStats).toEqual({ probesSent: 3, announcementsSent: 2 });
    expect(c.stats).toMatchObject({ conflicts: 0, declines: 0 });
  });

  it("probes with scaled timings, or not at all when told not to", () => {
    const fast = dhcpLan(1, {}, { startDelay: 0, addressCheck: scaledAddressCheckTimings(0.1) });
    fast.clients[0]!.start();
    fast.net.sim.runUntil(sec(10));
    const c = fast.clients[0]!;
    const probing = when(c, "bound")[0]! - when(c, "state", "-> CHECKING")[0]!;
    expect(probing).toBeGreaterThanOrEqual(ms(400));
    expect(probing).toBeLessThanOrEqual(ms(700));

    const none = dhcpLan(1, {}, { startDelay: 0, addressCheck: false });
    const sent = recordFrames(none.net, "c1");
    none.clients[0]!.start();
    none.net.sim.runUntil(sec(10));
    expect(states(none.clients[0]!)).toEqual(["INIT", "SELECTING", "REQUESTING", "BOUND"]);
    expect(
      sent.arp.filter((x) => x.arp.senderIp === 0 || x.arp.senderIp === x.arp.targetIp),
    ).toEqual([]);
  });

  it("draws its probe delays from a seeded stream: same seed, same times", () => {
    const run = (seed: number) => {
      const lan = dhcpLan(1, {}, { startDelay: 0 }, seed);
      const sent = recordFrames(lan.net, "c1");
      lan.clients[0]!.start();
      lan.net.sim.runUntil(sec(20));
      return sent.arp.map((x) => x.time);
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });

  it("declines when another host probes for the same address at the same time", () => {
    const { net, clients } = dhcpLan(1, {}, { startDelay: 0 });
    net.addHost("rival");
    net.connect("rival", "s1", { delay: ms(1) });
    const rival = net.node("rival").interfaces[0]!;
    const c = clients[0]!;
    c.onEvent((e) => {
      // RFC 5227 §2.1.1: a probe for the address from another MAC is a conflict too.
      if (e.kind === "probing") net.sim.after(ms(200), () => rival.arp!.probe(v4("10.0.0.100")));
    });
    c.start();
    net.sim.runUntil(sec(40));
    expect(c.log.find((e) => e.kind === "conflict")!.detail).toBe(
      `10.0.0.100 probed for by ${formatMac(rival.mac)}`,
    );
    expect(c.address).toBe("10.0.0.101");
  });

  it("rate-limits to one try a minute after ten conflicts (RFC 5227 ACD_MAX_CONFLICTS)", () => {
    // Every address in a pool of 12 is squatted: the client declines them one by one.
    const { net, clients } = dhcpLan(1, { range: ["10.0.0.100", "10.0.0.111"] }, { startDelay: 0 });
    for (let i = 0; i < 12; i++) {
      net.addHost(`sq${i}`);
      net.connect(`sq${i}`, "s1", { delay: ms(1), addresses: [`10.0.0.${100 + i}/24`, []] });
    }
    const c = clients[0]!.start();
    net.sim.runUntil(sec(400));
    const conflicts = when(c, "conflict");
    const selecting = when(c, "state", "-> SELECTING");
    expect(conflicts.length).toBeGreaterThanOrEqual(11);
    for (let i = 0; i < 9; i++) expect(selecting[i + 1]! - conflicts[i]!).toBe(sec(10));
    expect(selecting[10]! - conflicts[9]!).toBe(sec(60));
    expect(c.state).not.toBe("BOUND");
  });

  it("stops probing in a crash and probes again after the restart", () => {
    const { net, clients } = dhcpLan(1, {}, { startDelay: 0 });
    const c = clients[0]!;
    const sent = recordFrames(net, "c1");
    c.onEvent((e) => {
      if (e.kind === "probing" && c.stats.acks === 1)
        net.sim.after(ms(1500), () => net.crash("c1"));
    });
    c.start();
    net.sim.runUntil(sec(20));
    expect(c.state).toBe("STOPPED");
    const before = sent.arp.length;
    expect(before).toBeLessThan(3); // cut short: the third probe never went out
    expect(c.node.interfaces[0]!.ipv4).toBeUndefined();
    net.restart("c1");
    net.sim.runUntil(sec(40));
    expect(c.state).toBe("BOUND");
    expect(c.address).toBe("10.0.0.100");
    expect(sent.arp.length - before).toBe(5); // 3 probes and 2 announcements after the restart
  });
});
