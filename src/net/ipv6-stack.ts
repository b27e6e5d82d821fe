/**
 * The IPv6 layer of a node (RFC 8200): input checks, local delivery with extension-header
 * walking and fragment reassembly, forwarding by longest-prefix match with hop-limit decrement,
 * and ICMPv6 (RFC 4443): echo replies, errors, and Packet Too Big, which routers send instead of
 * fragmenting. Hosts keep a path-MTU cache fed by Packet Too Big (RFC 8201) and fragment at the
 * source. Link-local addresses are never forwarded (RFC 4291 §2.5.6).
 */
import { Ipv6Address } from "../wire/address.js";
import { getU16 } from "../wire/bytes.js";
import { emitIcmpv6, ICMPV6_PROTOCOL, type Icmpv6Record, parseIcmpv6 } from "../wire/icmpv6.js";
import { IP_PROTOCOL_UDP } from "../wire/ipv4.js";
import {
  decrementHopLimit,
  emitIpv6,
  IPV6_FRAGMENT,
  IPV6_HEADER_LENGTH,
  type Ipv6Extension,
  parseIpv6,
} from "../wire/ipv6.js";
import { isNdpType } from "../wire/ndp.js";
import { ParseError } from "../wire/parse-error.js";
import type { Interface } from "./interface.js";
import type { Node } from "./node.js";
import { Reassembler } from "./reassembly.js";

/** A packet delivered to an upper-layer protocol. */
export interface Ipv6Delivery {
  readonly family: 6;
  readonly src: Ipv6Address;
  readonly dst: Ipv6Address;
  readonly protocol: number;
  readonly hopLimit: number;
  readonly iface: Interface | undefined;
  /** The whole packet as received (after reassembly, a rebuilt one without fragment header). */
  readonly packet: Uint8Array;
  readonly payload: Uint8Array;
}

export type Ipv6Handler = (d: Ipv6Delivery) => void;
export type Icmpv6Listener = (msg: Icmpv6Record, d: Ipv6Delivery) => void;

export interface Ipv6SendOptions {
  dst: Ipv6Address;
  /** Upper-layer protocol (next header). */
  protocol: number;
  payload: Uint8Array;
  src?: Ipv6Address;
  /** Default 64. */
  hopLimit?: number;
  trafficClass?: number;
  /** Send out of this interface without a route lookup (link-local, multicast). */
  iface?: Interface;
  /** Refuse to fragment (as IPV6_DONTFRAG): "too-big" instead. */
  dontFragment?: boolean;
}

export type Send6Result = "sent" | "no-route" | "down" | "too-big";

/** RFC 8200 §5: every link carries at least 1280 bytes. */
export const IPV6_MIN_MTU = 1280;

function isMulticast6(a: Ipv6Address): boolean {
  return a.w0 >>> 24 === 0xff;
}

function isLinkLocal(a: Ipv6Address): boolean {
  return a.w0 >>> 22 === 0x3fa; // fe80::/10
}

function key(a: Ipv6Address): string {
  return `${a.w0}:${a.w1}:${a.w2}:${a.w3}`;
}

const ALL_NODES = Ipv6Address.of("ff02::1");
const ALL_ROUTERS = Ipv6Address.of("ff02::2");

export class Ipv6Stack {
  private readonly handlers = new Map<number, Ipv6Handler>();
  private readonly icmpListeners: Icmpv6Listener[] = [];
  private readonly groups = new Set<string>();
  private readonly pmtu = new Map<string, number>();
  private nextId: number;
  readonly reassembler: Reassembler;
  answerEcho = true;

  constructor(private readonly node: Node) {
    this.nextId = node.sim.rng(`node:${node.name}:ipv6-id`).nextU32();
    this.reassembler = new Reassembler(node.sim, {
      complete: (header, payload) => this.reassembled(header, payload),
      timedOut: (first) => {
        // RFC 8200 §4.5: time exceeded (reassembly) only when fragment zero had arrived.
        if (first !== undefined) {
          node.drop(first, "reassembly-timeout");
          this.sendError(first, { type: "time-exceeded", code: 1, checksum: 0, original: first });
        }
      },
    });
    node.onUpDown(() => {
      this.reassembler.clear();
      this.pmtu.clear();
    });
  }

  register(protocol: number, handler: Ipv6Handler | undefined): void {
    if (handler === undefined) this.handlers.delete(protocol);
    else this.handlers.set(protocol, handler);
  }

  onIcmp(fn: Icmpv6Listener): () => void {
    this.icmpListeners.push(fn);
    return () => {
      const i = this.icmpListeners.indexOf(fn);
      if (i !== -1) this.icmpListeners.splice(i, 1);
    };
  }

  joinGroup(group: Ipv6Address): void {
    this.groups.add(key(group));
  }

  /** The path MTU known for `dst` (the first hop's MTU unless Packet Too Big said less). */
  pathMtu(dst: Ipv6Address, iface: Interface): number {
    return Math.min(iface.mtu, this.pmtu.get(key(dst)) ?? Number.POSITIVE_INFINITY);
  }

  /** True when `a` is one of ours, on any interface (or `iface` for link-local), or a group we hear. */
  isLocal(a: Ipv6Address, iface?: Interface): boolean {
    if (a.equals(Ipv6Address.LOOPBACK)) return true;
    if (isMulticast6(a)) {
      return (
        a.equals(ALL_NODES) ||
        (this.node.forwarding && a.equals(ALL_ROUTERS)) ||
        this.groups.has(key(a))
      );
    }
    for (const i of this.node.interfaces) {
      if (i.linkLocal.equals(a) && (iface === undefined || i === iface)) return true;
      for (const x of i.v6) if (x.address.equals(a)) return true;
    }
    return false;
  }

  /** Outgoing interface, next hop and source address for `dst`. */
  pathTo(
    dst: Ipv6Address,
  ): { iface: Interface; nextHop: Ipv6Address; src: Ipv6Address } | undefined {
    const r = this.node.routes.lookup6(dst);
    if (r === undefined) return undefined;
    return { iface: r.iface, nextHop: r.via ?? dst, src: this.sourceFor(r.iface, dst) };
  }

  /** Sends a packet originated here, fragmenting at the source when it exceeds the path MTU. */
  send(o: Ipv6SendOptions): Send6Result {
    const node = this.node;
    if (!node.up) return "down";
    if (o.iface === undefined && this.isLocal(o.dst) && !isMulticast6(o.dst)) {
      const packet = this.build(o, o.src ?? o.dst, [], o.payload);
      node.sim.after(0, (p: Uint8Array) => this.input(p, undefined), packet);
      return "sent";
    }
    let iface = o.iface;
    let src = o.src;
    let nextHop = o.dst;
    if (iface === undefined) {
      const path = this.pathTo(o.dst);
      if (path === undefined) return "no-route";
      iface = path.iface;
      src ??= path.src;
      nextHop = path.nextHop;
    }
    src ??= this.sourceFor(iface, o.dst);
    if (!iface.operational) return "down";
    const mtu = this.pathMtu(o.dst, iface);
    if (IPV6_HEADER_LENGTH + o.payload.length <= mtu) {
      this.transmit(this.build(o, src, [], o.payload), iface, "send", nextHop);
      return "sent";
    }
    if (o.dontFragment) return "too-big";
    // RFC 8200 §4.5: fragment at the source; each piece but the last a multiple of 8 bytes.
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0;
    const room = Math.floor((mtu - IPV6_HEADER_LENGTH - 8) / 8) * 8;
    for (let off = 0; off < o.payload.length; off += room) {
      const piece = o.payload.subarray(off, Math.min(off + room, o.payload.length));
      const more = off + room < o.payload.length;
      const frag: Ipv6Extension = {
        type: IPV6_FRAGMENT,
        nextHeader: o.protocol,
        fragmentOffset: off / 8,
        moreFragments: more,
        identification: id,
      };
      this.transmit(this.build(o, src, [frag], piece), iface, "send", nextHop);
    }
    return "sent";
  }

  sendIcmp(dst: Ipv6Address, msg: Icmpv6Record, opts: Partial<Ipv6SendOptions> = {}): Send6Result {
    const path = opts.iface === undefined ? this.pathTo(dst) : undefined;
    const src = opts.src ?? path?.src ?? (opts.iface ? this.sourceFor(opts.iface, dst) : undefined);
    if (src === undefined && !this.isLocal(dst)) return "no-route";
    const from = src ?? dst;
    const payload = emitIcmpv6(msg, { family: 6, src: from, dst });
    return this.send({ ...opts, src: from, dst, protocol: ICMPV6_PROTOCOL, payload });
  }

  input(packet: Uint8Array, iface: Interface | undefined): void {
    const node = this.node;
    if (packet.length < IPV6_HEADER_LENGTH) return node.drop(packet, "bad-header", iface);
    const plen = getU16(packet, 4);
    if (IPV6_HEADER_LENGTH + plen > packet.length) return node.drop(packet, "bad-header", iface);
    const p =
      IPV6_HEADER_LENGTH + plen < packet.length
        ? packet.subarray(0, IPV6_HEADER_LENGTH + plen)
        : packet;
    const dst = Ipv6Address.fromBytes(p, 24);
    if (this.isLocal(dst, iface)) return this.deliverLocal(p, iface);
    if (node.forwarding && iface !== undefined) return this.forward(p, dst, iface);
    node.drop(p, "not-for-us", iface);
  }

  private deliverLocal(p: Uint8Array, iface: Interface | undefined): void {
    const r = parseIpv6(p);
    if (r instanceof ParseError) return this.node.drop(p, "bad-header", iface);
    const frag = r.extensions.find((e) => e.type === IPV6_FRAGMENT);
    if (frag !== undefined && frag.type === IPV6_FRAGMENT) {
      // Unfragmentable part: the fixed header and the extensions before the fragment header.
      const fragIndex = r.extensions.indexOf(frag);
      const before = r.extensions.slice(0, fragIndex);
      const unfragLen =
        IPV6_HEADER_LENGTH +
        before.reduce((n, e) => n + (e.type === IPV6_FRAGMENT ? 8 : 2 + e.data.length), 0);
      const dataStart = unfragLen + 8;
      const header = p.subarray(0, unfragLen);
      const k = `${key(r.src)}>${key(r.dst)}:${frag.identification}`;
      const ok = this.reassembler.add(
        k,
        header,
        frag.fragmentOffset * 8,
        p.subarray(dataStart),
        frag.moreFragments,
        p,
      );
      if (!ok) this.node.drop(p, "reassembly-limit", iface);
      this.fragNext.set(k, frag.nextHeader);
      return;
    }
    this.dispatch(r.src, r.dst, r.upperProtocol, p[7]!, iface, p, r.payload);
  }

  /** Next header of each datagram in reassembly (the fragment header carries it). */
  private readonly fragNext = new Map<string, number>();

  private reassembled(header: Uint8Array, payload: Uint8Array): void {
    const src = Ipv6Address.fromBytes(header, 8);
    const dst = Ipv6Address.fromBytes(header, 24);
    let proto = 0;
    for (const [k, v] of this.fragNext) {
      if (k.startsWith(`${key(src)}>${key(dst)}:`)) {
        proto = v;
        this.fragNext.delete(k);
        break;
      }
    }
    const p = this.build({ dst, protocol: proto, payload, hopLimit: header[7]! }, src, [], payload);
    this.dispatch(src, dst, proto, header[7]!, undefined, p, p.subarray(IPV6_HEADER_LENGTH));
  }

  private dispatch(
    src: Ipv6Address,
    dst: Ipv6Address,
    protocol: number,
    hopLimit: number,
    iface: Interface | undefined,
    packet: Uint8Array,
    payload: Uint8Array,
  ): void {
    const d: Ipv6Delivery = { family: 6, src, dst, protocol, hopLimit, iface, packet, payload };
    if (protocol === ICMPV6_PROTOCOL) return this.icmpInput(d);
    const h = this.handlers.get(protocol);
    if (h !== undefined) return h(d);
    this.node.drop(packet, "no-listener", iface);
    if (protocol === IP_PROTOCOL_UDP) {
      this.sendError(packet, {
        type: "destination-unreachable",
        code: 4,
        checksum: 0,
        original: packet,
      });
    } else {
      // RFC 8200 §4: unrecognized next header -> parameter problem, code 1, pointing at it.
      this.sendError(packet, {
        type: "parameter-problem",
        code: 1,
        checksum: 0,
        pointer: 6,
        original: packet,
      });
    }
  }

  private icmpInput(d: Ipv6Delivery): void {
    const msg = parseIcmpv6(d.payload, { family: 6, src: d.src, dst: d.dst });
    if (msg instanceof ParseError) return this.node.drop(d.packet, "bad-checksum", d.iface);
    if (msg.type === "echo-request" && this.answerEcho) {
      // RFC 4443 §4.2: reply from the address the request was sent to (unless it was multicast).
      const src = isMulticast6(d.dst) ? undefined : d.dst;
      this.sendIcmp(
        d.src,
        {
          type: "echo-reply",
          checksum: 0,
          identifier: msg.identifier,
          sequence: msg.sequence,
          data: msg.data,
        },
        src ? { src } : {},
      );
    }
    if (msg.type === "packet-too-big" && msg.original.length >= IPV6_HEADER_LENGTH) {
      // RFC 8201 §4: lower the path MTU toward the quoted destination, never below 1280.
      const target = Ipv6Address.fromBytes(msg.original, 24);
      const mtu = Math.max(IPV6_MIN_MTU, msg.mtu);
      const known = this.pmtu.get(key(target));
      if (known === undefined || mtu < known) this.pmtu.set(key(target), mtu);
    }
    // RFC 4861: neighbor discovery belongs to the interface it arrived on.
    if (msg.type === "other" && isNdpType(msg.icmpType)) d.iface?.ndp?.input(msg, d);
    for (const fn of this.icmpListeners) fn(msg, d);
  }

  private forward(p: Uint8Array, dst: Ipv6Address, inIface: Interface): void {
    const node = this.node;
    const src = Ipv6Address.fromBytes(p, 8);
    if (isLinkLocal(src) || isLinkLocal(dst) || isMulticast6(dst)) {
      node.drop(p, "not-for-us", inIface);
      if (!isMulticast6(dst))
        this.sendError(p, { type: "destination-unreachable", code: 2, checksum: 0, original: p });
      return;
    }
    if (p[7]! <= 1) {
      node.drop(p, "ttl-exceeded", inIface);
      return this.sendError(p, { type: "time-exceeded", code: 0, checksum: 0, original: p });
    }
    const r = node.routes.lookup6(dst);
    if (r === undefined) {
      node.drop(p, "no-route", inIface);
      return this.sendError(p, {
        type: "destination-unreachable",
        code: 0,
        checksum: 0,
        original: p,
      });
    }
    if (!r.iface.operational) {
      node.drop(p, "link-down", r.iface);
      return this.sendError(p, {
        type: "destination-unreachable",
        code: 3,
        checksum: 0,
        original: p,
      });
    }
    if (p.length > r.iface.mtu) {
      // RFC 8200 §5: routers do not fragment; RFC 4443 §3.2: say how big a packet can be.
      node.drop(p, "too-big", inIface);
      return this.sendError(p, {
        type: "packet-too-big",
        checksum: 0,
        mtu: r.iface.mtu,
        original: p,
      });
    }
    decrementHopLimit(p, 0);
    this.transmit(p, r.iface, "forward", r.via ?? dst);
  }

  private transmit(
    packet: Uint8Array,
    iface: Interface,
    kind: "send" | "forward",
    nextHop: Ipv6Address,
  ): void {
    this.node.report(kind, packet, iface);
    if (!iface.sendIpv6(packet, nextHop)) this.node.drop(packet, "link-down", iface);
  }

  /**
   * Sends an ICMPv6 error about `orig`, except where RFC 4443 §2.4 (e) forbids: about another
   * error message, or a packet from the unspecified or a multicast source. Quotes as much of
   * the packet as keeps the error within the minimum MTU.
   */
  sendError(orig: Uint8Array, msg: Icmpv6Record): void {
    if (orig.length < IPV6_HEADER_LENGTH) return;
    const src = Ipv6Address.fromBytes(orig, 8);
    const dst = Ipv6Address.fromBytes(orig, 24);
    if (src.equals(Ipv6Address.UNSPECIFIED) || isMulticast6(src)) return;
    if (isMulticast6(dst) && msg.type !== "packet-too-big") return;
    const r = parseIpv6(orig, { allowPartial: true });
    if (!(r instanceof ParseError) && r.upperProtocol === ICMPV6_PROTOCOL && r.payload.length > 0) {
      if (r.payload[0]! < 128) return; // never about an ICMPv6 error
    }
    const original = orig.subarray(0, Math.min(orig.length, IPV6_MIN_MTU - IPV6_HEADER_LENGTH - 8));
    this.sendIcmp(src, { ...msg, original } as Icmpv6Record);
  }

  private build(
    o: Ipv6SendOptions,
    src: Ipv6Address,
    extensions: Ipv6Extension[],
    payload: Uint8Array,
  ): Uint8Array {
    return emitIpv6({
      trafficClass: o.trafficClass ?? 0,
      flowLabel: 0,
      nextHeader: extensions.length > 0 ? extensions[0]!.type : o.protocol,
      hopLimit: o.hopLimit ?? 64,
      src,
      dst: o.dst,
      extensions,
      upperProtocol: o.protocol,
      payload,
    });
  }

  /** RFC 6724, much simplified: link-local for link-local destinations, else a global address. */
  private sourceFor(iface: Interface, dst: Ipv6Address): Ipv6Address {
    if (isLinkLocal(dst) || isMulticast6(dst)) return iface.linkLocal;
    for (const a of iface.v6) if (a.prefix.contains(dst)) return a.address;
    if (iface.v6[0]) return iface.v6[0].address;
    for (const i of this.node.interfaces) if (i.v6[0]) return i.v6[0].address;
    return iface.linkLocal;
  }
}
