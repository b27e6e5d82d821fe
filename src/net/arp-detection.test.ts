/**
 * The ARP pieces address conflict detection (RFC 5227) needs: a probe from an interface with no
 * address, an announcement, and watchers told of every ARP packet naming an address.
 */
import { describe, expect, it } from "vitest";
import { ms } from "../sim/time.js";
import { parseIpv4Address } from "../wire/address.js";
import { ARP_REPLY, ARP_REQUEST, type ArpRecord, parseArp } from "../wire/arp.js";
import { toHex } from "../wire/bytes.js";
import { ETHERTYPE_ARP, parseEthernet } from "../wire/ethernet.js";
import { ParseError } from "../wire/parse-error.js";
import { Network } from "./network.js";

const v4 = (s: string) => parseIpv4Address(s) as number;

/** h1 (no address), h2 (10.0.0.2/24) and h3 (10.0.0.3/24) on switch s1. */
function lan() {
  const net = new Network({ seed: 9 });
  net.addSwitch("s1");
  for (const h of ["h1", "h2", "h3"]) net.addHost(h);
  net.connect("h1", "s1", { delay: ms(1) });
  net.connect("h2", "s1", { delay: ms(1), addresses: ["10.0.0.2/24", []] });
  net.connect("h3", "s1", { delay: ms(1), addresses: ["10.0.0.3/24", []] });
  const frames: { node: string; bytes: Uint8Array }[] = [];
  net.events.subscribe((e) => {
    if (e.kind === "transmit" && e.framing === "ethernet")
      frames.push({ node: e.node, bytes: e.packet });
  });
  const arpOf = (node: string) =>
    frames
      .filter((f) => f.node === node)
      .map((f) => parseEthernet(f.bytes))
      .filter((f) => !(f instanceof ParseError) && f.etherType === ETHERTYPE_ARP)
      .map((f) => (f as { payload: Uint8Array }).payload);
  return { net, frames, arpOf, iface: (n: string) => net.node(n).interfaces[0]! };
}

describe("ARP probes, announcements and watchers", () => {
  it("probes from an unaddressed interface with sender 0.0.0.0, and the owner's reply is seen", () => {
    const { net, arpOf, iface } = lan();
    const h1 = iface("h1");
    const seen: ArpRecord[] = [];
    const stop = h1.arp!.watch(v4("10.0.0.2"), (a) => seen.push(a));
    h1.arp!.probe(v4("10.0.0.2"));
    net.sim.run();
    const [probe] = arpOf("h1");
    // RFC 5227 §2.1.1: request, sender MAC ours, sender IP zero, target MAC zero.
    expect(toHex(probe!.subarray(0, 28))).toBe(
      `0001080006040001${h1.mac.toString(16).padStart(12, "0")}00000000` +
        `000000000000${"0a000002"}`,
    );
    // h2 owns the address and answers the probe; its reply goes to h1's MAC, for 0.0.0.0.
    expect(seen).toEqual([
      {
        op: ARP_REPLY,
        senderMac: iface("h2").mac,
        senderIp: v4("10.0.0.2"),
        targetMac: h1.mac,
        targetIp: 0,
      },
    ]);
    expect(h1.arp!.detectionStats).toEqual({ probesSent: 1, announcementsSent: 0 });
    // A probe must not make anyone cache 0.0.0.0 or the prober's MAC.
    expect(iface("h2").arp!.entries()).toEqual([]);
    expect(iface("h3").arp!.entries()).toEqual([]);
    stop();
    h1.arp!.probe(v4("10.0.0.2"));
    net.sim.run();
    expect(seen).toHaveLength(1);
  });

  it("announces with sender and target both the address, and watchers on others see it", () => {
    const { net, arpOf, iface } = lan();
    const heard: ArpRecord[] = [];
    iface("h3").arp!.watch(v4("10.0.0.2"), (a) => heard.push(a));
    iface("h2").arp!.announce(v4("10.0.0.2"));
    net.sim.run();
    const bytes = arpOf("h2")[0]!;
    expect(parseArp(bytes)).toEqual({
      op: ARP_REQUEST,
      senderMac: iface("h2").mac,
      senderIp: v4("10.0.0.2"),
      targetMac: 0,
      targetIp: v4("10.0.0.2"),
    });
    // Seen once although the address is both sender and target; nobody replies to it.
    expect(heard).toHaveLength(1);
    expect(arpOf("h3")).toEqual([]);
    expect(iface("h2").arp!.detectionStats.announcementsSent).toBe(1);
  });

  it("tells watchers of another host's probe for the address, and only for that address", () => {
    const { net, iface } = lan();
    const heard: ArpRecord[] = [];
    iface("h3").arp!.watch(v4("10.0.0.77"), (a) => heard.push(a));
    iface("h1").arp!.probe(v4("10.0.0.78"));
    iface("h1").arp!.probe(v4("10.0.0.77"));
    net.sim.run();
    expect(heard.map((a) => [a.senderIp, a.targetIp, a.senderMac])).toEqual([
      [0, v4("10.0.0.77"), iface("h1").mac],
    ]);
  });
});
