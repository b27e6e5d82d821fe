/**
 * The fields a packet filter looks at, read from an event's bytes: family, addresses, protocol
 * and ports. Decoding goes through the checked parsers, so a malformed packet yields what could
 * be read (often only the family) and never throws.
 */
import type { PacketEvent } from "../net/packet-events.js";
import { formatIpv4 } from "../wire/address.js";
import { parseArp } from "../wire/arp.js";
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, parseEthernet } from "../wire/ethernet.js";
import { IP_PROTOCOL_ICMP, IP_PROTOCOL_TCP, IP_PROTOCOL_UDP, parseIpv4 } from "../wire/ipv4.js";
import { parseIpv6 } from "../wire/ipv6.js";
import { ParseError } from "../wire/parse-error.js";

/** IANA protocol number of ICMPv6 (RFC 4443 §1). */
const IP_PROTOCOL_ICMPV6 = 58;

/** Protocol names a filter can test. */
export type FilterProtocol = "tcp" | "udp" | "icmp" | "icmp6" | "arp" | "other";

/** What a filter sees of one packet event. */
export interface PacketFields {
  /** Node and interface where the event happened. */
  node: string;
  iface: string;
  /** The event kind ("transmit", "drop", ...) and a drop's reason. */
  kind: string;
  reason: string;
  /** 4, 6, or 0 for a frame that carries no IP (ARP). */
  family: 0 | 4 | 6;
  /** Source and destination addresses as text (ARP: sender and target IPv4). */
  src: string;
  dst: string;
  protocol: FilterProtocol;
  /** TCP or UDP ports; -1 when there are none (other protocols, later fragments). */
  sport: number;
  dport: number;
  /** A TCP segment's sequence number and payload length; -1 and 0 for anything else. */
  tcpSeq: number;
  tcpLength: number;
}

const PROTOCOLS: Record<number, FilterProtocol> = {
  [IP_PROTOCOL_TCP]: "tcp",
  [IP_PROTOCOL_UDP]: "udp",
  [IP_PROTOCOL_ICMP]: "icmp",
  [IP_PROTOCOL_ICMPV6]: "icmp6",
};

/** Reads the filter fields of an event's packet. */
export function packetFields(e: PacketEvent): PacketFields {
  const f: PacketFields = {
    node: e.node,
    iface: e.iface ?? "",
    kind: e.kind,
    reason: e.reason ?? "",
    family: 0,
    src: "",
    dst: "",
    protocol: "other",
    sport: -1,
    dport: -1,
    tcpSeq: -1,
    tcpLength: 0,
  };
  let ip = e.packet;
  if (e.framing === "ethernet") {
    const frame = parseEthernet(e.packet);
    if (frame instanceof ParseError) return f;
    if (frame.etherType === ETHERTYPE_ARP) {
      const a = parseArp(frame.payload);
      f.protocol = "arp";
      if (!(a instanceof ParseError)) {
        f.src = formatIpv4(a.senderIp);
        f.dst = formatIpv4(a.targetIp);
      }
      return f;
    }
    if (frame.etherType !== ETHERTYPE_IPV4 && frame.etherType !== ETHERTYPE_IPV6) return f;
    ip = frame.payload;
  }
  let protocol: number;
  let payload: Uint8Array;
  let firstFragment = true;
  const version = ip.length > 0 ? ip[0]! >>> 4 : 0;
  if (version === 4) {
    const r = parseIpv4(ip, { allowPartial: true, verifyChecksum: false });
    if (r instanceof ParseError) return f;
    f.family = 4;
    f.src = formatIpv4(r.src);
    f.dst = formatIpv4(r.dst);
    protocol = r.protocol;
    payload = r.payload;
    firstFragment = r.fragmentOffset === 0;
  } else if (version === 6) {
    const r = parseIpv6(ip, { allowPartial: true });
    if (r instanceof ParseError) return f;
    f.family = 6;
    f.src = r.src.toString();
    f.dst = r.dst.toString();
    protocol = r.upperProtocol;
    payload = r.payload;
  } else return f;
  f.protocol = PROTOCOLS[protocol] ?? "other";
  // TCP and UDP both open with the source and destination ports (RFC 9293 §3.1, RFC 768).
  if ((f.protocol === "tcp" || f.protocol === "udp") && firstFragment && payload.length >= 4) {
    f.sport = (payload[0]! << 8) | payload[1]!;
    f.dport = (payload[2]! << 8) | payload[3]!;
  }
  // RFC 9293 §3.1: sequence number at bytes 4-7, data offset (32-bit words) in the top nibble of 12.
  if (f.protocol === "tcp" && firstFragment && payload.length >= 20) {
    f.tcpSeq = ((payload[4]! << 24) | (payload[5]! << 16) | (payload[6]! << 8) | payload[7]!) >>> 0;
    f.tcpLength = Math.max(0, payload.length - (payload[12]! >>> 4) * 4);
  }
  return f;
}
