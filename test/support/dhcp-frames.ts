/**
 * Frames a node put on the wire during a DHCP test, decoded as far as the tests need: ARP
 * packets, and DHCP messages with their IP source and destination.
 */
import type { Network } from "../../src/net/network.js";
import type { Nanos } from "../../src/sim/time.js";
import { type ArpRecord, parseArp } from "../../src/wire/arp.js";
import { type DhcpMessage, parseDhcp } from "../../src/wire/dhcp.js";
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, parseEthernet } from "../../src/wire/ethernet.js";
import { parseIpv4 } from "../../src/wire/ipv4.js";
import { ParseError } from "../../src/wire/parse-error.js";
import { parseUdp } from "../../src/wire/udp.js";

export interface SentArp {
  time: Nanos;
  arp: ArpRecord;
  /** The 28 ARP bytes as sent. */
  bytes: Uint8Array;
  dst: number;
}

export interface SentDhcp {
  time: Nanos;
  msg: DhcpMessage;
  src: number;
  dst: number;
}

/** Records from now on what `node` transmits: ARP packets and DHCP messages. */
export function recordFrames(net: Network, node: string) {
  const arp: SentArp[] = [];
  const dhcp: SentDhcp[] = [];
  net.events.subscribe((e) => {
    if (e.kind !== "transmit" || e.node !== node || e.framing !== "ethernet") return;
    const f = parseEthernet(e.packet);
    if (f instanceof ParseError) return;
    if (f.etherType === ETHERTYPE_ARP) {
      const a = parseArp(f.payload);
      if (!(a instanceof ParseError)) {
        arp.push({ time: e.time, arp: a, bytes: f.payload.slice(0, 28), dst: f.dst });
      }
      return;
    }
    if (f.etherType !== ETHERTYPE_IPV4) return;
    const ip = parseIpv4(f.payload);
    if (ip instanceof ParseError || ip.protocol !== 17) return;
    const u = parseUdp(ip.payload);
    if (u instanceof ParseError || (u.dstPort !== 67 && u.dstPort !== 68)) return;
    const m = parseDhcp(u.payload);
    if (!(m instanceof ParseError)) dhcp.push({ time: e.time, msg: m, src: ip.src, dst: ip.dst });
  });
  return { arp, dhcp };
}
