/**
 * Sequence diagrams from packet events, the way textbooks draw them: hosts as columns, one arrow
 * per packet from the node that sent it to the node it was delivered to, crosses for losses.
 *
 * Matching a packet across hops: routers rewrite the TTL and the header checksum, so a hop's
 * bytes are not the sender's bytes. A packet is keyed by what no router changes: for IPv4 the
 * source, destination, protocol, identification and fragment offset, plus the first 40 bytes of
 * the IP payload (the transport header: for TCP the ports, seq, ack, flags and window) and its
 * length; for IPv6 the addresses, next header and payload head. A transmit of a key from a node
 * the packet was last delivered to is a forward; any other transmit starts a new packet (so a
 * byte-identical retransmission is a new arrow). NAT rewrites the key and is not followed.
 * Frames that carry no IP (ARP) are ignored.
 */
import type { DropReason, PacketEvent } from "../net/packet-events.js";
import type { Nanos } from "../sim/time.js";
import { formatIpv4 } from "../wire/address.js";
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, parseEthernet } from "../wire/ethernet.js";
import { parseIcmpv4 } from "../wire/icmpv4.js";
import { IP_PROTOCOL_ICMP, IP_PROTOCOL_TCP, IP_PROTOCOL_UDP, parseIpv4 } from "../wire/ipv4.js";
import { ParseError } from "../wire/parse-error.js";
import { parseTcp, type TcpRecord } from "../wire/tcp.js";
import { parseUdp } from "../wire/udp.js";
import { ipv6Label } from "./ipv6-label.js";
import { icmpLabel, TcpLabeler, udpLabel } from "./sequence-label.js";
import { extent } from "./svg.js";

/** Why a packet never arrived: a drop, or a link flipping a bit in it. */
export type LossReason = DropReason | "corrupted";

export type ArrowKind = "normal" | "lost" | "retransmission" | "duplicate";

export interface SequenceArrow {
  /** Column the packet left. */
  from: string;
  /** Column it was (or, for a loss, would have been) delivered to; undefined when unknown. */
  to: string | undefined;
  /** First transmit by the sender. */
  sendTime: Nanos;
  /** Delivery at `to`; undefined for a loss. */
  receiveTime: Nanos | undefined;
  label: string;
  kind: ArrowKind;
  /** For a loss: where, when and why it was dropped. */
  lost?: { node: string; time: Nanos; reason: LossReason | undefined };
  /** A TCP segment that was also dropped elsewhere or retransmitted stays "retransmission". */
  retransmission: boolean;
  protocol: "tcp" | "udp" | "icmp" | "ip" | "ipv6";
  src: string;
  dst: string;
  srcPort?: number;
  dstPort?: number;
}

export interface SequenceModel {
  columns: string[];
  arrows: SequenceArrow[];
  /** Earliest and latest time drawn (for axes). */
  start: Nanos;
  end: Nanos;
}

export interface SequenceOptions {
  /** Columns in order; default: every node that sent or finally received a packet, by first use. */
  nodes?: readonly string[];
  /** Keep arrows sent at or after this time. */
  from?: Nanos;
  /** Keep arrows sent at or before this time. */
  to?: Nanos;
  filter?: (arrow: SequenceArrow) => boolean;
}

/** Reasons a packet can be dropped by the node that made it, before it reaches any wire. */
const DROPPED_BEFORE_SENDING = new Set<DropReason>([
  "queue-full",
  "link-down",
  "node-down",
  "no-route",
  "too-big",
  "arp-failed",
  "ndp-failed",
  "aqm",
]);

/** What the key-matching pass learns about one packet. */
interface Flight {
  origin: string;
  sendTime: Nanos;
  info: PacketInfo;
  /** Node it sits at after its last delivery; undefined while on a wire. */
  at: string | undefined;
  /** Link it is on while on a wire. */
  wire: string | undefined;
  /** Last node it was delivered to. */
  last: string | undefined;
  receiveTime: Nanos | undefined;
  lost?: { node: string; time: Nanos; reason: LossReason | undefined };
  duplicate: boolean;
}

interface PacketInfo {
  key: string;
  src: string;
  dst: string;
  protocol: SequenceArrow["protocol"];
  srcPort?: number;
  dstPort?: number;
  tcp?: TcpRecord;
  /** Label for anything but TCP (whose label needs connection state). */
  label: string;
}

/** Builds the diagram model; events must be in time order (as the network emits them). */
export function sequenceDiagram(
  events: readonly PacketEvent[],
  options: SequenceOptions = {},
): SequenceModel {
  const flights: Flight[] = [];
  const byKey = new Map<string, Flight[]>();
  const onLink = new Map<string, Flight>();
  const start = (e: PacketEvent, info: PacketInfo, list: Flight[]): Flight => {
    const f: Flight = {
      origin: e.node,
      sendTime: e.time,
      info,
      at: undefined,
      wire: e.link,
      last: undefined,
      receiveTime: undefined,
      duplicate: false,
    };
    flights.push(f);
    list.push(f);
    return f;
  };
  for (const e of events) {
    if (e.kind === "corrupt") {
      // The bytes are already flipped, so the key no longer matches: a link corrupts the packet
      // that just finished serializing, which is the last one put on it.
      const f = e.link === undefined ? undefined : onLink.get(e.link);
      if (f !== undefined && f.wire === e.link && f.lost === undefined) {
        f.lost = { node: e.node, time: e.time, reason: "corrupted" };
        f.wire = undefined;
      }
      continue;
    }
    if (e.kind !== "transmit" && e.kind !== "deliver" && e.kind !== "drop") continue;
    // Delivered-then-refused at a host (no socket bound) still reached the host.
    if (e.kind === "drop" && (e.reason === "no-listener" || e.reason === "not-for-us")) continue;
    const info = decode(e.packet, e.framing);
    if (info === undefined) continue;
    let list = byKey.get(info.key);
    if (list === undefined) {
      list = [];
      byKey.set(info.key, list);
    }
    const newest = (pred: (f: Flight) => boolean) =>
      findLast(list, (f) => f.lost === undefined && pred(f));
    if (e.kind === "transmit") {
      let here = newest((f) => f.at === e.node);
      if (here === undefined) here = start(e, info, list);
      else {
        here.at = undefined;
        here.wire = e.link;
      }
      if (e.link !== undefined) onLink.set(e.link, here);
    } else if (e.kind === "deliver") {
      const onWire = newest((f) => f.wire !== undefined && f.wire === e.link);
      if (onWire !== undefined) {
        onWire.wire = undefined;
        onWire.at = onWire.last = e.node;
        onWire.receiveTime = e.time;
        continue;
      }
      // A second copy of what this wire already delivered: the link duplicated it.
      const orig = newest((f) => f.last === e.node);
      if (orig === undefined) continue;
      const copy: Flight = { ...orig, at: e.node, wire: undefined, receiveTime: e.time };
      copy.duplicate = true;
      flights.push(copy);
      list.push(copy);
    } else {
      let f =
        newest((x) => x.at === e.node) ?? newest((x) => x.wire !== undefined && x.wire === e.link);
      if (f === undefined) {
        // Unmatched: dropped before its first transmit (full queue, link down) starts a packet;
        // anything else (a corrupted copy failing its checksum) was accounted for already.
        if (!DROPPED_BEFORE_SENDING.has(e.reason ?? "loss")) continue;
        f = start(e, info, list);
      }
      f.lost = { node: e.node, time: e.time, reason: e.reason };
      f.at = f.wire = undefined;
    }
  }
  return buildModel(flights, options);
}

/** The last element matching `pred` (Array.prototype.findLast is ES2023; the project targets ES2022). */
function findLast<T>(list: readonly T[], pred: (x: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i]!)) return list[i];
  return undefined;
}

function buildModel(flights: readonly Flight[], options: SequenceOptions): SequenceModel {
  // Where each address lives: learnt from origins and final deliveries.
  const home = new Map<string, string>();
  for (const f of flights) {
    if (!home.has(f.info.src)) home.set(f.info.src, f.origin);
    if (f.lost === undefined && f.last !== undefined && !home.has(f.info.dst))
      home.set(f.info.dst, f.last);
  }
  const destOf = (f: Flight) => (f.lost === undefined ? f.last : home.get(f.info.dst));
  let columns: string[];
  if (options.nodes !== undefined) columns = [...options.nodes];
  else {
    const seen = new Set<string>();
    for (const f of flights) {
      seen.add(f.origin);
      const d = destOf(f);
      if (d !== undefined) seen.add(d);
    }
    columns = [...seen];
  }
  const inColumns = new Set(columns);
  const tcpState = new TcpLabeler();
  const labels = new Map<PacketInfo, { label: string; retransmission: boolean }>();
  const arrows: SequenceArrow[] = [];
  for (const f of flights) {
    // Label every TCP segment in order, even hidden ones, so relative numbers stay right.
    // A duplicate shares its original's info, so it also shares the original's label.
    const t = f.info.tcp;
    let tcp = labels.get(f.info);
    if (tcp === undefined && t !== undefined) {
      tcp = tcpState.label(f.info.src, f.info.dst, t);
      labels.set(f.info, tcp);
    }
    if (!inColumns.has(f.origin)) continue;
    const to = destOf(f);
    if (f.lost === undefined && (to === undefined || !inColumns.has(to))) continue;
    if (options.from !== undefined && f.sendTime < options.from) continue;
    if (options.to !== undefined && f.sendTime > options.to) continue;
    const retransmission = (tcp?.retransmission ?? false) && !f.duplicate;
    const kind: ArrowKind = f.duplicate
      ? "duplicate"
      : f.lost !== undefined
        ? "lost"
        : retransmission
          ? "retransmission"
          : "normal";
    const arrow: SequenceArrow = {
      from: f.origin,
      to: to !== undefined && inColumns.has(to) ? to : undefined,
      sendTime: f.sendTime,
      receiveTime: f.lost === undefined ? f.receiveTime : undefined,
      label: tcp?.label ?? f.info.label,
      kind,
      retransmission,
      protocol: f.info.protocol,
      src: f.info.src,
      dst: f.info.dst,
    };
    if (f.lost !== undefined) arrow.lost = f.lost;
    if (f.info.srcPort !== undefined) arrow.srcPort = f.info.srcPort;
    if (f.info.dstPort !== undefined) arrow.dstPort = f.info.dstPort;
    if (options.filter === undefined || options.filter(arrow)) arrows.push(arrow);
  }
  arrows.sort((a, b) => a.sendTime - b.sendTime);
  const times = arrows.flatMap((a) => [a.sendTime, a.receiveTime ?? a.lost?.time ?? a.sendTime]);
  const range = extent(times);
  return {
    columns,
    arrows,
    start: range?.[0] ?? 0,
    end: range?.[1] ?? 0,
  };
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

function decode(packet: Uint8Array, framing: "ip" | "ethernet"): PacketInfo | undefined {
  let ip = packet;
  if (framing === "ethernet") {
    const f = parseEthernet(packet);
    if (f instanceof ParseError) return undefined;
    if (f.etherType !== ETHERTYPE_IPV4 && f.etherType !== ETHERTYPE_IPV6) return undefined;
    ip = f.payload;
  }
  if (ip.length > 0 && ip[0]! >>> 4 === 6) {
    if (ip.length < 40) return undefined;
    const key = `6|${hex(ip.subarray(8, 40))}|${ip[6]}|${ip.length}|${hex(ip.subarray(40, 80))}`;
    return { key, src: "ipv6", dst: "ipv6", protocol: "ipv6", label: ipv6Label(ip) };
  }
  const r = parseIpv4(ip, { allowPartial: true, verifyChecksum: false });
  if (r instanceof ParseError) return undefined;
  const src = formatIpv4(r.src);
  const dst = formatIpv4(r.dst);
  const key = `4|${src}|${dst}|${r.protocol}|${r.identification}|${r.fragmentOffset}|${r.payload.length}|${hex(r.payload.subarray(0, 40))}`;
  const base = { key, src, dst };
  if (r.fragmentOffset > 0 || r.moreFragments)
    return { ...base, protocol: "ip", label: `IP fragment id=${r.identification}` };
  if (r.protocol === IP_PROTOCOL_TCP) {
    const t = parseTcp(r.payload);
    if (!(t instanceof ParseError))
      return {
        ...base,
        protocol: "tcp",
        srcPort: t.srcPort,
        dstPort: t.dstPort,
        tcp: t,
        label: "",
      };
  } else if (r.protocol === IP_PROTOCOL_UDP) {
    const u = parseUdp(r.payload);
    if (!(u instanceof ParseError)) {
      const label = udpLabel(u.srcPort, u.dstPort, u.payload);
      return { ...base, protocol: "udp", srcPort: u.srcPort, dstPort: u.dstPort, label };
    }
  } else if (r.protocol === IP_PROTOCOL_ICMP) {
    const m = parseIcmpv4(r.payload, { verifyChecksum: false });
    if (!(m instanceof ParseError)) return { ...base, protocol: "icmp", label: icmpLabel(m) };
  }
  return { ...base, protocol: "ip", label: `IP proto ${r.protocol} len=${r.payload.length}` };
}
