/**
 * IPv6 packets in tcpdump -n's words (print-ip6.c, print-icmp6.c, print-frag6.c, tcpdump 4.99):
 * "IP6 2001:db8::1 > 2001:db8::2: ICMP6, echo request, id 1, seq 1, length 64". Extension
 * headers print in order before the upper layer ("HBH", "DSTOPT", "RT6 (...)", "frag (off|len)"),
 * and a later fragment stops there, as its bytes carry no upper-layer header.
 */
import { Ipv6Address } from "../wire/address.js";
import { getU16 } from "../wire/bytes.js";
import {
  ICMPV6_PROTOCOL,
  type Icmpv6Record,
  Icmpv6Unreachable,
  parseIcmpv6,
} from "../wire/icmpv6.js";
import { IP_PROTOCOL_UDP } from "../wire/ipv4.js";
import {
  IPV6_DESTINATION_OPTIONS,
  IPV6_FRAGMENT,
  IPV6_HOP_BY_HOP,
  IPV6_NO_NEXT_HEADER,
  type Ipv6Extension,
  parseIpv6,
} from "../wire/ipv6.js";
import { isNdpType, ndpFromIcmpv6 } from "../wire/ndp.js";
import { ParseError } from "../wire/parse-error.js";
import { transportSummary } from "./summary-registry.js";
import { summarizeUdp } from "./udp-summary.js";

/** tcpdump's icmp6_dst_unreach_code_values (RFC 4443 §3.1). */
const UNREACH: Record<number, string> = {
  [Icmpv6Unreachable.noRoute]: "unreachable route",
  // tcpdump's table has this one with a leading space, hence its double space.
  [Icmpv6Unreachable.administrativelyProhibited]: " unreachable prohibited",
  [Icmpv6Unreachable.beyondScope]: "beyond scope",
  [Icmpv6Unreachable.address]: "unreachable address",
  [Icmpv6Unreachable.port]: "unreachable port",
  // tcpdump 4.99 has no names for codes 5 and 6 (it dumps the packet); these are RFC 4443's.
  [Icmpv6Unreachable.sourcePolicy]: "failed policy",
  [Icmpv6Unreachable.rejectRoute]: "reject route",
};

/** The destination, upper protocol and destination port of the packet an ICMPv6 error quotes. */
function quoted(
  original: Uint8Array,
): { src: string; dst: string; proto: number; port: number } | undefined {
  const q = parseIpv6(original, { allowPartial: true });
  if (q instanceof ParseError) return undefined;
  const port = q.payload.length >= 4 ? getU16(q.payload, 2) : 0;
  return { src: q.src.toString(), dst: q.dst.toString(), proto: q.upperProtocol, port };
}

/** tcpdump's words for parameter problem codes (RFC 4443 §3.4). */
const PARAM_PROBLEMS = ["erroneous", "next header", "option"];

/** NDP messages; tcpdump prints their options only with -v. */
function ndpText(type: number, m: ReturnType<typeof ndpFromIcmpv6>): string {
  if (m instanceof ParseError) return `ICMP6 type ${type} [malformed: ${m.message}]`;
  switch (m.type) {
    case "router-solicitation":
      return "router solicitation";
    case "router-advertisement":
      return "router advertisement";
    case "neighbor-solicitation":
      return `neighbor solicitation, who has ${m.target}`;
    case "neighbor-advertisement":
      return `neighbor advertisement, tgt is ${m.target}`;
  }
}

/** The text after "ICMP6, " (print-icmp6.c without -v). */
function icmp6Text(m: Icmpv6Record): string {
  switch (m.type) {
    case "echo-request":
    case "echo-reply":
      return `echo ${m.type === "echo-request" ? "request" : "reply"}, id ${m.identifier}, seq ${m.sequence}`;
    case "destination-unreachable": {
      const q = quoted(m.original);
      const what = UNREACH[m.code] ?? `unknown unreach code (${m.code})`;
      if (q === undefined) return `destination unreachable, ${what}`;
      if (m.code === Icmpv6Unreachable.beyondScope)
        return `destination unreachable, ${what} ${q.dst}, source address ${q.src}`;
      if (m.code !== Icmpv6Unreachable.port) return `destination unreachable, ${what} ${q.dst}`;
      const name = q.proto === IP_PROTOCOL_UDP ? "udp" : q.proto === 6 ? "tcp" : undefined;
      return name === undefined
        ? `destination unreachable, ${what}, ${q.dst} protocol ${q.proto} port ${q.port} unreachable`
        : `destination unreachable, ${what}, ${q.dst} ${name} port ${q.port}`;
    }
    case "packet-too-big":
      return `packet too big, mtu ${m.mtu}`;
    case "time-exceeded": {
      if (m.code === 1) return "time exceeded in-transit (reassembly)";
      const q = quoted(m.original);
      return `time exceeded in-transit${q === undefined ? "" : ` for ${q.dst}`}`;
    }
    case "parameter-problem":
      return `parameter problem, ${PARAM_PROBLEMS[m.code] ?? `code-#${m.code}`} - octet ${m.pointer}`;
    case "other":
      if (isNdpType(m.icmpType)) return ndpText(m.icmpType, ndpFromIcmpv6(m));
      return `unknown icmp6 type (${m.icmpType})`;
  }
}

/** One extension header, as tcpdump prints it before the upper layer. */
function extensionText(e: Ipv6Extension, fragmentBytes: number): string {
  if (e.type === IPV6_FRAGMENT) return `frag (${e.fragmentOffset * 8}|${fragmentBytes})`;
  if (e.type === IPV6_HOP_BY_HOP) return "HBH";
  if (e.type === IPV6_DESTINATION_OPTIONS) return "DSTOPT";
  // Routing header (RFC 8200 §4.4): type and segments left are its first two data bytes; types
  // 0 (deprecated by RFC 5095) and 2 (RFC 6275 §6.4) list addresses after four reserved bytes.
  const type = e.data[0] ?? 0;
  let text = `RT6 (len=${(e.data.length + 2) / 8 - 1}, type=${type}${type === 0 ? " [Deprecated]" : ""}, segleft=${e.data[1] ?? 0}`;
  if (type === 0 || type === 2)
    for (let o = 6, i = 0; o + 16 <= e.data.length; o += 16, i++)
      text += `, [${i}]${Ipv6Address.fromBytes(e.data, o)}`;
  return `${text})`;
}

/** Summarises an IPv6 packet: "IP6 src > dst: ..." as tcpdump -n prints it. */
export function summarizeIpv6(packet: Uint8Array): string {
  const ip = parseIpv6(packet, { allowPartial: true });
  if (ip instanceof ParseError) return `IP6 [malformed: ${ip.message}]`;
  const src = ip.src.toString();
  const dst = ip.dst.toString();
  const head = `IP6 ${src} > ${dst}:`;
  const exts = ip.extensions.map((e) => extensionText(e, ip.payload.length));
  const pre = exts.length === 0 ? "" : ` ${exts.join(" ")}`;
  const frag = ip.extensions.find((e) => e.type === IPV6_FRAGMENT);
  if (frag !== undefined && frag.type === IPV6_FRAGMENT && frag.fragmentOffset > 0)
    return `${head}${pre}`;
  const upper = ip.upperProtocol;
  const len = ip.payload.length;
  if (upper === ICMPV6_PROTOCOL) {
    const m = parseIcmpv6(ip.payload);
    if (m instanceof ParseError) return `${head}${pre} ICMP6 [malformed: ${m.message}]`;
    return `${head}${pre} ICMP6, ${icmp6Text(m)}, length ${len}`;
  }
  if (upper === IPV6_NO_NEXT_HEADER) return `${head}${pre} no next header`;
  // tcpdump's transport printers (udpipaddr_print, tcp_print) print "a.p > b.q:" when the
  // fixed header names them, so such a packet reads "IP6 a.p > b.q: ..."; after extension
  // headers they print the ports alone: "IP6 a > b: DSTOPT 40000 > 53: ...".
  const transport = upper === IP_PROTOCOL_UDP ? summarizeUdp : transportSummary(upper);
  if (transport !== undefined) {
    if (exts.length === 0) return `IP6 ${transport(src, dst, ip.payload)}`;
    return `${head}${pre} ${transport("", "", ip.payload)}`;
  }
  // ip6_print's own spacing: " ip-proto-99 7" after the colon and its space.
  return `${head}${pre}  ip-proto-${upper} ${len}`;
}
