/**
 * Arrow labels for IPv6 packets in sequence diagrams: ICMPv6 and NDP messages by name ("ICMP6
 * echo request seq=1", "NDP NS 2001:db8::2"), UDP by its application like IPv4's, TCP by ports,
 * flags and length (relative numbering is done for IPv4 connections only), later fragments by id.
 */
import { ICMPV6_PROTOCOL, parseIcmpv6 } from "../wire/icmpv6.js";
import { IP_PROTOCOL_TCP, IP_PROTOCOL_UDP } from "../wire/ipv4.js";
import { IPV6_FRAGMENT, parseIpv6 } from "../wire/ipv6.js";
import { isNdpType, ndpFromIcmpv6 } from "../wire/ndp.js";
import { ParseError } from "../wire/parse-error.js";
import { parseTcp, TCP_FLAG_ACK, TCP_FLAG_FIN, TCP_FLAG_RST, TCP_FLAG_SYN } from "../wire/tcp.js";
import { parseUdp } from "../wire/udp.js";
import { udpLabel } from "./sequence-label.js";
import { appSummary } from "./summary-registry.js";

const NDP_NAMES: Record<string, string> = {
  "router-solicitation": "NDP RS",
  "router-advertisement": "NDP RA",
  "neighbor-solicitation": "NDP NS",
  "neighbor-advertisement": "NDP NA",
};

const TCP_FLAGS: [number, string][] = [
  [TCP_FLAG_FIN, "FIN"],
  [TCP_FLAG_SYN, "SYN"],
  [TCP_FLAG_RST, "RST"],
  [TCP_FLAG_ACK, "ACK"],
];

/** The label of one IPv6 packet; "IPv6" when it does not parse. */
export function ipv6Label(packet: Uint8Array): string {
  const ip = parseIpv6(packet, { allowPartial: true });
  if (ip instanceof ParseError) return "IPv6";
  const frag = ip.extensions.find((e) => e.type === IPV6_FRAGMENT);
  if (frag?.type === IPV6_FRAGMENT && frag.fragmentOffset > 0)
    return `IPv6 fragment id=${frag.identification}`;
  if (ip.upperProtocol === ICMPV6_PROTOCOL) {
    const m = parseIcmpv6(ip.payload);
    if (m instanceof ParseError) return "ICMP6";
    if (m.type === "echo-request" || m.type === "echo-reply")
      return `ICMP6 echo ${m.type === "echo-request" ? "request" : "reply"} seq=${m.sequence}`;
    if (m.type !== "other") return `ICMP6 ${m.type.replaceAll("-", " ")}`;
    if (!isNdpType(m.icmpType)) return `ICMP6 type ${m.icmpType}`;
    const n = ndpFromIcmpv6(m);
    if (n instanceof ParseError) return "NDP";
    const target = "target" in n ? ` ${n.target}` : "";
    return `${NDP_NAMES[n.type]}${target}`;
  }
  if (ip.upperProtocol === IP_PROTOCOL_UDP) {
    const u = parseUdp(ip.payload);
    return u instanceof ParseError ? "UDP" : udpLabel(u.srcPort, u.dstPort, u.payload);
  }
  if (ip.upperProtocol === IP_PROTOCOL_TCP) {
    const t = parseTcp(ip.payload);
    if (t instanceof ParseError) return "TCP";
    const flags = TCP_FLAGS.filter(([b]) => (t.flags & b) !== 0).map(([, n]) => n);
    let label = `TCP ${t.srcPort} > ${t.dstPort} ${flags.join(",") || "<none>"}`;
    if (t.payload.length > 0) {
      label += ` len=${t.payload.length}`;
      const app = appSummary("tcp", t.srcPort, t.dstPort, t.payload, "label");
      if (app !== undefined) label += ` ${app}`;
    }
    return label;
  }
  return `IPv6 next header ${ip.upperProtocol}`;
}
