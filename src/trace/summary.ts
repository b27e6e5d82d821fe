/**
 * One-line packet summaries in the style of tcpdump -n, for terminals and logs:
 * "IP 10.0.1.1 > 10.0.4.2: ICMP echo request, id 7, seq 1, length 64". Decoding goes through
 * the checked parsers, so a malformed packet prints what was wrong instead of throwing. IPv6
 * lives in ipv6-summary.ts, UDP in udp-summary.ts, TCP in tcp-summary.ts; application
 * protocols (DNS, NTP, DHCP, RIP, STUN, HTTP, TLS) are found by port through summary-registry.ts.
 */
import { formatIpv4 } from "../wire/address.js";
import { parseArp } from "../wire/arp.js";
import { internetChecksum } from "../wire/checksum.js";
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, parseEthernet } from "../wire/ethernet.js";
import { parseIcmpv4 } from "../wire/icmpv4.js";
import {
  IP_PROTOCOL_ICMP,
  IP_PROTOCOL_TCP,
  IP_PROTOCOL_UDP,
  type Ipv4Record,
  parseIpv4,
} from "../wire/ipv4.js";
import { formatMac } from "../wire/mac.js";
import { ParseError } from "../wire/parse-error.js";
import { summarizeIpv6 } from "./ipv6-summary.js";
import { transportSummary } from "./summary-registry.js";
import { summarizeUdp } from "./udp-summary.js";
// The printers of TCP and the application protocols register themselves on import.
import "./tcp-summary.js";
import "./dns-summary.js";
import "./udp-app-summaries.js";
import "./tcp-app-summaries.js";

const UNREACHABLE: Record<number, string> = {
  0: "net {dst} unreachable",
  1: "host {dst} unreachable",
  2: "{dst} protocol {proto} unreachable",
  3: "{dst} udp port {port} unreachable",
  4: "{dst} unreachable - need to frag (mtu {mtu})",
};

export { registerTransportSummary } from "./summary-registry.js";

/** Summarises a bare IP datagram. */
export function summarizeIp(packet: Uint8Array): string {
  const version = packet.length > 0 ? packet[0]! >>> 4 : 0;
  if (version === 6) return summarizeIpv6(packet);
  const ip = parseIpv4(packet, { allowPartial: true, verifyChecksum: false });
  if (ip instanceof ParseError) return `IP [malformed: ${ip.message}]`;
  const bad = internetChecksum(packet, 0, (packet[0]! & 0x0f) * 4) !== 0 ? " [bad hdr cksum]" : "";
  return `${summarizeIpRecord(ip)}${bad}`;
}

function summarizeIpRecord(ip: Ipv4Record): string {
  const src = formatIpv4(ip.src);
  const dst = formatIpv4(ip.dst);
  const frag = ip.moreFragments || ip.fragmentOffset > 0;
  const fragNote = frag
    ? ` (frag ${ip.identification}:${ip.payload.length}@${ip.fragmentOffset * 8}${ip.moreFragments ? "+" : ""})`
    : "";
  if (frag && ip.fragmentOffset > 0)
    return `IP ${src} > ${dst}: ip-proto-${ip.protocol}${fragNote}`;
  if (ip.protocol === IP_PROTOCOL_ICMP) {
    const m = parseIcmpv4(ip.payload, { verifyChecksum: false });
    const len = ip.payload.length;
    if (m instanceof ParseError) return `IP ${src} > ${dst}: ICMP [malformed: ${m.message}]`;
    let text: string;
    switch (m.type) {
      case "echo-request":
      case "echo-reply":
        text = `ICMP echo ${m.type === "echo-request" ? "request" : "reply"}, id ${m.identifier}, seq ${m.sequence}, length ${len}`;
        break;
      case "time-exceeded":
        text = `ICMP time exceeded in-transit${m.code === 1 ? " (reassembly)" : ""}, length ${len}`;
        break;
      case "destination-unreachable": {
        const q = parseIpv4(m.original, { allowPartial: true, verifyChecksum: false });
        const qdst = q instanceof ParseError ? "?" : formatIpv4(q.dst);
        const qport =
          q instanceof ParseError || q.payload.length < 4
            ? 0
            : (q.payload[2]! << 8) | q.payload[3]!;
        const proto = q instanceof ParseError ? 0 : q.protocol;
        const t = UNREACHABLE[m.code] ?? `{dst} unreachable (code ${m.code})`;
        text = `ICMP ${t.replace("{dst}", qdst).replace("{port}", String(qport)).replace("{proto}", String(proto)).replace("{mtu}", String(m.nextHopMtu))}, length ${len}`;
        break;
      }
      default:
        text = `ICMP type ${m.icmpType}, code ${m.code}, length ${len}`;
    }
    return `IP ${src} > ${dst}: ${text}${fragNote}`;
  }
  if (ip.protocol === IP_PROTOCOL_UDP && !frag) {
    return `IP ${summarizeUdp(src, dst, ip.payload)}`;
  }
  const custom = transportSummary(ip.protocol);
  if (custom && !frag) return `IP ${custom(src, dst, ip.payload)}`;
  const name = ip.protocol === IP_PROTOCOL_TCP ? "tcp" : `ip-proto-${ip.protocol}`;
  return `IP ${src} > ${dst}: ${name} ${ip.payload.length}${fragNote}`;
}

/** Summarises an Ethernet frame (ARP, or the IP datagram inside). */
export function summarizeFrame(frame: Uint8Array): string {
  const f = parseEthernet(frame);
  if (f instanceof ParseError) return `[malformed frame: ${f.message}]`;
  const head = `${formatMac(f.src)} > ${formatMac(f.dst)}`;
  if (f.etherType === ETHERTYPE_ARP) {
    const a = parseArp(f.payload);
    if (a instanceof ParseError) return `${head}, ARP [malformed: ${a.message}]`;
    return a.op === 1
      ? `${head}, ARP, Request who-has ${formatIpv4(a.targetIp)} tell ${formatIpv4(a.senderIp)}, length 28`
      : `${head}, ARP, Reply ${formatIpv4(a.senderIp)} is-at ${formatMac(a.senderMac)}, length 28`;
  }
  if (f.etherType === ETHERTYPE_IPV4 || f.etherType === ETHERTYPE_IPV6)
    return `${head}, ${summarizeIp(f.payload)}`;
  return `${head}, ethertype 0x${f.etherType.toString(16).padStart(4, "0")}, length ${frame.length}`;
}
