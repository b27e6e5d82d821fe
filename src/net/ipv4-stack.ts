/**
 * The IPv4 layer of a node: input checks, local delivery (with reassembly), forwarding by
 * longest-prefix match with TTL decrement (RFC 1812 §5.3.1), fragmentation, and ICMP: echo
 * replies and the error messages routers and hosts send (RFC 792, RFC 1122 §3.2.2, RFC 1812
 * §4.3). Upper layers register a handler per protocol number and send through `send`.
 */
import { formatIpv4, type Ipv4 } from "../wire/address.js";
import { getU16, getU32 } from "../wire/bytes.js";
import { internetChecksum } from "../wire/checksum.js";
import {
  emitIcmpv4,
  ICMPV4_ECHO_REQUEST,
  type Icmpv4Record,
  Icmpv4TimeExceeded,
  Icmpv4Unreachable,
  parseIcmpv4,
} from "../wire/icmpv4.js";
import {
  decrementTtl,
  emitIpv4,
  IP_PROTOCOL_ICMP,
  IP_PROTOCOL_UDP,
  IPV4_FLAG_DF,
  IPV4_FLAG_MF,
  IPV4_FRAGMENT_OFFSET_MASK,
} from "../wire/ipv4.js";
import type { ParseError } from "../wire/parse-error.js";
import type { Interface } from "./interface.js";
import { fragmentIpv4, joinIpv4Fragments } from "./ipv4-fragment.js";
import type { Node } from "./node.js";
import { Reassembler } from "./reassembly.js";

/** A datagram delivered to an upper-layer protocol. */
export interface Ipv4Delivery {
  readonly family: 4;
  readonly src: Ipv4;
  readonly dst: Ipv4;
  readonly protocol: number;
  readonly ttl: number;
  /** Interface it arrived on (undefined for loopback). */
  readonly iface: Interface | undefined;
  /** The whole datagram (header included). */
  readonly packet: Uint8Array;
  /** The upper-layer bytes. */
  readonly payload: Uint8Array;
}

export type Ipv4Handler = (d: Ipv4Delivery) => void;

/** An ICMP message received by this node, with the datagram that carried it. */
export type Icmpv4Listener = (msg: Icmpv4Record, d: Ipv4Delivery) => void;

/** What to send. */
export interface Ipv4SendOptions {
  dst: Ipv4;
  protocol: number;
  payload: Uint8Array;
  /** Source address (default: chosen from the outgoing interface). */
  src?: Ipv4;
  /** Default 64, as Linux. */
  ttl?: number;
  dontFragment?: boolean;
  dscp?: number;
  ecn?: number;
  /** Send out of this interface without a route lookup (broadcast, multicast, link-local). */
  iface?: Interface;
}

export type SendResult = "sent" | "no-route" | "down" | "too-big";

/**
 * Sees a datagram that arrived on `iface`, after the header checks and before the local/forward
 * decision (netfilter's PREROUTING); may rewrite it in place. Returns false when it dropped it.
 */
export type Ipv4PreroutingHook = (packet: Uint8Array, iface: Interface) => boolean;

/**
 * Sees a datagram about to leave by `out` after the route lookup, forwarded (`inIface` set) or
 * originated here (`inIface` undefined) (netfilter's POSTROUTING); may rewrite it in place.
 * Returns false when it dropped it.
 */
export type Ipv4PostroutingHook = (
  packet: Uint8Array,
  out: Interface,
  inIface: Interface | undefined,
) => boolean;

/** Where a destination is reached: interface, next hop and the source address to use. */
export interface Ipv4Path {
  iface: Interface;
  nextHop: Ipv4;
  src: Ipv4;
}

const LIMITED_BROADCAST = 0xffffffff;
/** RFC 1812 §4.3.2.3: an ICMP error quotes as much as fits in 576 bytes. */
const ICMP_ERROR_MAX = 576;

function isMulticast(a: Ipv4): boolean {
  return a >>> 28 === 0xe;
}

export class Ipv4Stack {
  private readonly handlers = new Map<number, Ipv4Handler>();
  private readonly icmpListeners: Icmpv4Listener[] = [];
  private readonly local = new Set<number>();
  private readonly groups = new Set<number>();
  private nextId: number;
  readonly reassembler: Reassembler;
  /** Answer echo requests (default true, like Linux's icmp_echo_ignore_all=0). */
  answerEcho = true;
  /** Hook before the local/forward decision (a NAT's inbound side); unset costs one test. */
  prerouting: Ipv4PreroutingHook | undefined = undefined;
  /** Hook after the route lookup on forward and send (a NAT's outbound side). */
  postrouting: Ipv4PostroutingHook | undefined = undefined;

  constructor(private readonly node: Node) {
    this.nextId = node.sim.rng(`node:${node.name}:ipv4-id`).nextInt(0x10000);
    this.reassembler = new Reassembler(node.sim, {
      complete: (header, payload) => this.reassembled(header, payload),
      timedOut: (first) => {
        // RFC 792: time exceeded, code 1, only if fragment zero arrived.
        if (first !== undefined) this.sendError(first, 11, Icmpv4TimeExceeded.reassembly);
        if (first !== undefined) node.drop(first, "reassembly-timeout");
      },
    });
    node.onUpDown(() => this.reassembler.clear());
  }

  /** Registers the handler for an IP protocol number (replacing any previous one). */
  register(protocol: number, handler: Ipv4Handler | undefined): void {
    if (handler === undefined) this.handlers.delete(protocol);
    else this.handlers.set(protocol, handler);
  }

  /** Subscribes to every ICMP message the node receives; returns an unsubscribe function. */
  onIcmp(fn: Icmpv4Listener): () => void {
    this.icmpListeners.push(fn);
    return () => {
      const i = this.icmpListeners.indexOf(fn);
      if (i !== -1) this.icmpListeners.splice(i, 1);
    };
  }

  /** Accepts datagrams sent to a multicast group (e.g. 224.0.0.9 for RIP). */
  joinGroup(group: Ipv4): void {
    this.groups.add(group >>> 0);
  }

  /** Recomputes the node's own addresses after interfaces change. */
  refreshAddresses(): void {
    this.local.clear();
    for (const i of this.node.interfaces) for (const a of i.v4) this.local.add(a.address);
  }

  /** True when `a` is one of this node's addresses, a broadcast it hears, or a joined group. */
  isLocal(a: Ipv4, iface?: Interface): boolean {
    if (this.local.has(a) || a === LIMITED_BROADCAST || a >>> 24 === 127) return true;
    if (isMulticast(a)) return this.groups.has(a);
    if (iface) {
      // Directed broadcast of the subnet the packet arrived on.
      for (const x of iface.v4) {
        if ((x.prefix.address | ~x.prefix.mask) >>> 0 === a && x.prefix.length < 31) return true;
      }
    }
    return false;
  }

  /** The interface, next hop and source address for `dst`, or undefined without a route. */
  pathTo(dst: Ipv4): Ipv4Path | undefined {
    const r = this.node.routes.lookup4(dst);
    if (r === undefined) return undefined;
    const nextHop = r.via ?? dst;
    const src = this.sourceFor(r.iface, nextHop);
    if (src === undefined) return undefined;
    return { iface: r.iface, nextHop, src };
  }

  /** Sends a datagram originated by this node. */
  send(o: Ipv4SendOptions): SendResult {
    const node = this.node;
    if (!node.up) return "down";
    let iface = o.iface;
    let src = o.src;
    if (iface === undefined && this.isLocal(o.dst)) {
      // Loopback: deliver to ourselves on the next event, as if through lo.
      const packet = this.build(o, src ?? o.dst, 0);
      node.sim.after(0, (p: Uint8Array) => this.input(p, undefined), packet);
      return "sent";
    }
    let nextHop = o.dst;
    if (iface === undefined) {
      const path = this.pathTo(o.dst);
      if (path === undefined) return "no-route";
      iface = path.iface;
      nextHop = path.nextHop;
      src ??= path.src;
    }
    src ??= iface.ipv4 ?? 0;
    if (!iface.operational) return "down";
    const packet = this.build(o, src, o.dontFragment ? IPV4_FLAG_DF : 0);
    if (this.postrouting !== undefined && !this.postrouting(packet, iface, undefined)) {
      return "sent";
    }
    if (packet.length > iface.mtu) {
      if (o.dontFragment) return "too-big";
      for (const f of fragmentIpv4(packet, iface.mtu)) this.transmit(f, iface, nextHop, "send");
      return "sent";
    }
    this.transmit(packet, iface, nextHop, "send");
    return "sent";
  }

  /** Sends an ICMP message to `dst`. */
  sendIcmp(dst: Ipv4, msg: Icmpv4Record, opts: Partial<Ipv4SendOptions> = {}): SendResult {
    const payload = emitIcmpv4(msg, { computeChecksum: true });
    return this.send({ ...opts, dst, protocol: IP_PROTOCOL_ICMP, payload });
  }

  /** Entry point from the node for an IPv4 packet (iface undefined for loopback). */
  input(packet: Uint8Array, iface: Interface | undefined): void {
    const node = this.node;
    const len = packet.length;
    const hl = len >= 20 ? (packet[0]! & 0x0f) * 4 : 0;
    const total = len >= 20 ? getU16(packet, 2) : 0;
    if (len < 20 || hl < 20 || hl > len || total < hl || total > len) {
      return node.drop(packet, "bad-header", iface);
    }
    if (internetChecksum(packet, 0, hl) !== 0) return node.drop(packet, "bad-checksum", iface);
    const p = total < len ? packet.subarray(0, total) : packet; // strip link padding
    if (this.prerouting !== undefined && iface !== undefined && !this.prerouting(p, iface)) return;
    const dst = getU32(p, 16);
    if (this.isLocal(dst, iface)) return this.deliverLocal(p, hl, iface);
    if (node.forwarding && iface !== undefined) return this.forward(p, iface);
    node.drop(p, "not-for-us", iface);
  }

  private deliverLocal(p: Uint8Array, hl: number, iface: Interface | undefined): void {
    const flags = getU16(p, 6);
    if ((flags & IPV4_FLAG_MF) !== 0 || (flags & IPV4_FRAGMENT_OFFSET_MASK) !== 0) {
      const key = `${getU32(p, 12)}>${getU32(p, 16)}:${p[9]}:${getU16(p, 4)}`;
      const offset = (flags & IPV4_FRAGMENT_OFFSET_MASK) * 8;
      if (
        !this.reassembler.add(
          key,
          p.subarray(0, hl),
          offset,
          p.subarray(hl),
          (flags & IPV4_FLAG_MF) !== 0,
          p,
        )
      ) {
        this.node.drop(p, "reassembly-limit", iface);
      }
      return;
    }
    this.dispatch(p, hl, iface);
  }

  private reassembled(header: Uint8Array, payload: Uint8Array): void {
    const p = joinIpv4Fragments(header, payload);
    if (p === undefined) return this.node.drop(header, "bad-header");
    this.dispatch(p, header.length, undefined);
  }

  private dispatch(p: Uint8Array, hl: number, iface: Interface | undefined): void {
    const protocol = p[9]!;
    const d: Ipv4Delivery = {
      family: 4,
      src: getU32(p, 12),
      dst: getU32(p, 16),
      protocol,
      ttl: p[8]!,
      iface,
      packet: p,
      payload: p.subarray(hl),
    };
    if (protocol === IP_PROTOCOL_ICMP) return this.icmpInput(d);
    const handler = this.handlers.get(protocol);
    if (handler !== undefined) return handler(d);
    this.node.drop(p, "no-listener", iface);
    // RFC 1122 §3.2.2.1: port unreachable for UDP with no listener, protocol unreachable else.
    if (protocol === IP_PROTOCOL_UDP) this.sendError(p, 3, Icmpv4Unreachable.port);
    else this.sendError(p, 3, Icmpv4Unreachable.protocol);
  }

  private icmpInput(d: Ipv4Delivery): void {
    const msg = parseIcmpv4(d.payload);
    if (isError(msg)) return this.node.drop(d.packet, "bad-checksum", d.iface);
    if (
      msg.type === "echo-request" &&
      this.answerEcho &&
      !isMulticast(d.dst) &&
      d.dst !== LIMITED_BROADCAST
    ) {
      // RFC 1122 §3.2.2.6: reply with the same identifier, sequence and data.
      this.sendIcmp(
        d.src,
        {
          type: "echo-reply",
          checksum: 0,
          identifier: msg.identifier,
          sequence: msg.sequence,
          data: msg.data,
        },
        { src: d.dst },
      );
    }
    for (const fn of this.icmpListeners) fn(msg, d);
  }

  private forward(p: Uint8Array, inIface: Interface): void {
    const node = this.node;
    const dst = getU32(p, 16);
    // RFC 1812 §5.3.1: a router must not forward a datagram whose TTL would reach 0.
    if (p[8]! <= 1) {
      node.drop(p, "ttl-exceeded", inIface);
      return this.sendError(p, 11, Icmpv4TimeExceeded.ttl);
    }
    const route = node.routes.lookup4(dst);
    if (route === undefined) {
      node.drop(p, "no-route", inIface);
      return this.sendError(p, 3, Icmpv4Unreachable.net);
    }
    const out = route.iface;
    const nextHop = route.via ?? dst;
    if (!out.operational) {
      node.drop(p, "link-down", out);
      return this.sendError(p, 3, Icmpv4Unreachable.host);
    }
    if (p.length > out.mtu && (getU16(p, 6) & IPV4_FLAG_DF) !== 0) {
      // RFC 1191 §4: fragmentation needed, with the next-hop MTU, so the sender can adapt.
      node.drop(p, "too-big", inIface);
      return this.sendError(p, 3, Icmpv4Unreachable.fragmentationNeeded, out.mtu);
    }
    decrementTtl(p, 0);
    if (this.postrouting !== undefined && !this.postrouting(p, out, inIface)) return;
    if (p.length > out.mtu) {
      for (const f of fragmentIpv4(p, out.mtu)) this.transmit(f, out, nextHop, "forward");
      return;
    }
    this.transmit(p, out, nextHop, "forward");
  }

  private transmit(
    packet: Uint8Array,
    iface: Interface,
    nextHop: Ipv4,
    kind: "send" | "forward",
  ): void {
    this.node.report(kind, packet, iface);
    if (!iface.sendIpv4(packet, nextHop)) this.node.drop(packet, "link-down", iface);
  }

  /**
   * Sends an ICMP error about datagram `orig`, unless RFC 1122 §3.2.2 forbids it: never about an
   * ICMP error, a fragment other than the first, or a datagram to or from a broadcast or
   * multicast address.
   */
  sendError(orig: Uint8Array, type: 3 | 11, code: number, mtu = 0): void {
    if (orig.length < 20) return;
    const hl = (orig[0]! & 0x0f) * 4;
    const src = getU32(orig, 12);
    const dst = getU32(orig, 16);
    if ((getU16(orig, 6) & IPV4_FRAGMENT_OFFSET_MASK) !== 0) return;
    if (src === 0 || src === LIMITED_BROADCAST || isMulticast(src) || isMulticast(dst)) return;
    if (dst === LIMITED_BROADCAST) return;
    if (orig[9] === IP_PROTOCOL_ICMP && orig.length > hl) {
      const t = orig[hl]!;
      if (t !== ICMPV4_ECHO_REQUEST && t !== 0) return; // only queries may provoke errors
    }
    const original = orig.subarray(0, Math.min(orig.length, ICMP_ERROR_MAX - 20 - 8));
    const msg: Icmpv4Record =
      type === 11
        ? { type: "time-exceeded", code, checksum: 0, original }
        : { type: "destination-unreachable", code, checksum: 0, nextHopMtu: mtu, original };
    this.sendIcmp(src, msg);
  }

  private build(o: Ipv4SendOptions, src: Ipv4, flags: number): Uint8Array {
    if (20 + o.payload.length > 0xffff) {
      throw new RangeError(`IPv4 datagram of ${20 + o.payload.length} bytes exceeds 65535`);
    }
    const id = this.nextId;
    this.nextId = (this.nextId + 1) & 0xffff;
    return emitIpv4({
      dscp: o.dscp ?? 0,
      ecn: o.ecn ?? 0,
      identification: id,
      dontFragment: (flags & IPV4_FLAG_DF) !== 0,
      moreFragments: false,
      fragmentOffset: 0,
      ttl: o.ttl ?? 64,
      protocol: o.protocol,
      headerChecksum: 0,
      src,
      dst: o.dst,
      options: [],
      payload: o.payload,
    });
  }

  /** Source address: the interface's address on the next hop's subnet, else its first one. */
  private sourceFor(iface: Interface, nextHop: Ipv4): Ipv4 | undefined {
    for (const a of iface.v4) if (a.prefix.contains(nextHop)) return a.address;
    return iface.ipv4 ?? this.anyAddress();
  }

  private anyAddress(): Ipv4 | undefined {
    for (const i of this.node.interfaces) if (i.ipv4 !== undefined) return i.ipv4;
    return undefined;
  }

  toString(): string {
    return `ipv4 ${[...this.local].map(formatIpv4).join(" ")}`;
  }
}

function isError(x: Icmpv4Record | ParseError): x is ParseError {
  return (x as ParseError).kind === "parse-error";
}
