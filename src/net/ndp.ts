/**
 * Neighbor Discovery (RFC 4861) for one Ethernet interface: the neighbor cache and address
 * resolution ARP provides for IPv4, and answers to solicitations for our addresses. States
 * (§7.3.2): INCOMPLETE while multicast solicitations go out (3, a RetransTimer apart, then ICMPv6
 * address unreachable per queued packet); REACHABLE for ReachableTime after a solicited
 * advertisement; then STALE; DELAY for 5 s once a STALE entry is used; then PROBE (3 unicast
 * solicitations, then the entry goes). Unused STALE entries are collected after `staleLifetime`
 * (Linux's gc_stale_time). Not modelled: DAD, redirects, a randomized ReachableTime, upper-layer
 * reachability hints (so a used STALE entry is always probed), sending RAs, and SLAAC.
 */
import type { Simulator, Timer } from "../sim/simulator.js";
import { type Nanos, NS_PER_MS, NS_PER_S } from "../sim/time.js";
import { Ipv6Address } from "../wire/address.js";
import { ETHERTYPE_IPV6 } from "../wire/ethernet.js";
import { ICMPV6_PROTOCOL, type Icmpv6Other } from "../wire/icmpv6.js";
import { emitIpv6 } from "../wire/ipv6.js";
import type { Mac } from "../wire/mac.js";
import {
  emitNdp,
  ipv6MulticastMac,
  isSolicitedNodeAddress,
  NDP_HOP_LIMIT,
  type NdpMessage,
  ndpFromIcmpv6,
  ndpLinkLayer,
  solicitedNodeAddress,
} from "../wire/ndp.js";
import { ParseError } from "../wire/parse-error.js";
import type { Interface } from "./interface.js";
import type { Ipv6Delivery } from "./ipv6-stack.js";

/** Neighbor cache entry states (RFC 4861 §7.3.2). */
export type NeighborState = "INCOMPLETE" | "REACHABLE" | "STALE" | "DELAY" | "PROBE";

/** Protocol constants (RFC 4861 §10), each overridable. */
export interface NdpOptions {
  /** REACHABLE_TIME (default 30 s; not randomized). */
  reachableTime?: Nanos;
  /** RETRANS_TIMER between solicitations (default 1 s). */
  retransTimer?: Nanos;
  /** MAX_MULTICAST_SOLICIT (default 3). */
  multicastSolicit?: number;
  /** MAX_UNICAST_SOLICIT (default 3). */
  unicastSolicit?: number;
  /** DELAY_FIRST_PROBE_TIME (default 5 s). */
  delayFirstProbe?: Nanos;
  /** How long an unused STALE entry is kept (default 60 s). */
  staleLifetime?: Nanos;
  /** Packets queued per unresolved address (default 3; later ones replace the oldest). */
  queue?: number;
}

/** What the resolver needs from its interface. */
export interface NdpHost {
  readonly sim: Simulator;
  readonly mac: Mac;
  readonly linkLocal: Ipv6Address;
  /** True when the node forwards (the R flag of our advertisements). */
  isRouter(): boolean;
  /** True for an address assigned to this interface, link-local included. */
  isOwnAddress(a: Ipv6Address): boolean;
  /** Sends an NDP packet this resolver built (hop limit 255) to `dst`. */
  sendNdp(packet: Uint8Array, dst: Mac): void;
  /** Sends a queued IPv6 packet now that its next hop's MAC is known. */
  deliverResolved(packet: Uint8Array, dst: Mac): void;
  /** Resolution failed: the queued packets are undeliverable. */
  unresolved(packets: Uint8Array[], target: Ipv6Address): void;
  /** An NDP message failed validation and is silently discarded (RFC 4861 §7.1). */
  discard(packet: Uint8Array): void;
}

/** One row of `NdpResolver.entries()`. */
export interface NeighborEntry {
  address: Ipv6Address;
  /** Undefined while INCOMPLETE. */
  mac: Mac | undefined;
  state: NeighborState;
  /** The IsRouter flag, from advertisements. */
  router: boolean;
}

/** One neighbor. `until` is when REACHABLE ends, or when a STALE entry is collected. */
class Neighbor {
  state: NeighborState = "INCOMPLETE";
  mac: Mac = 0;
  isRouter = false;
  until: Nanos = 0;
  /** Solicitations sent in INCOMPLETE or PROBE. */
  probes = 0;
  readonly queue: Uint8Array[] = [];
  readonly timer: Timer;

  constructor(
    readonly address: Ipv6Address,
    /** Source address for our solicitations (§7.2.2: the prompting packet's, when ours). */
    readonly from: Ipv6Address,
    timer: (n: Neighbor) => Timer,
  ) {
    this.timer = timer(this);
  }
}

function key(a: Ipv6Address): string {
  return `${a.w0}:${a.w1}:${a.w2}:${a.w3}`;
}

const ALL_NODES = Ipv6Address.of("ff02::1");

export class NdpResolver {
  private readonly cache = new Map<string, Neighbor>();
  reachableTime: Nanos;
  retransTimer: Nanos;
  readonly multicastSolicit: number;
  readonly unicastSolicit: number;
  readonly delayFirstProbe: Nanos;
  readonly staleLifetime: Nanos;
  readonly queueLimit: number;
  /** Counters for tests and reports. */
  readonly stats = {
    solicitationsSent: 0,
    advertisementsSent: 0,
    resolved: 0,
    failed: 0,
    invalid: 0,
  };
  private readonly makeTimer: (n: Neighbor) => Timer;

  constructor(
    private readonly host: NdpHost,
    options: NdpOptions = {},
  ) {
    this.reachableTime = options.reachableTime ?? 30 * NS_PER_S;
    this.retransTimer = options.retransTimer ?? NS_PER_S;
    this.multicastSolicit = options.multicastSolicit ?? 3;
    this.unicastSolicit = options.unicastSolicit ?? 3;
    this.delayFirstProbe = options.delayFirstProbe ?? 5 * NS_PER_S;
    this.staleLifetime = options.staleLifetime ?? 60 * NS_PER_S;
    this.queueLimit = options.queue ?? 3;
    this.makeTimer = (n) => host.sim.timer(() => this.timeout(n));
  }

  /** The entry for `a` after its time-driven transitions, or undefined when there is none. */
  private get(a: Ipv6Address): Neighbor | undefined {
    const n = this.cache.get(key(a));
    if (n === undefined) return undefined;
    const now = this.host.sim.now;
    if (n.state === "REACHABLE" && n.until <= now) {
      n.state = "STALE"; // §7.3.3: ReachableTime passed without confirmation
      n.until += this.staleLifetime;
    }
    if (n.state === "STALE" && n.until <= now) {
      this.cache.delete(key(a));
      return undefined;
    }
    return n;
  }

  /** The state of the entry for `a`, if any. */
  state(a: Ipv6Address): NeighborState | undefined {
    return this.get(a)?.state;
  }

  /** The MAC known for `a` (in any state but INCOMPLETE). */
  lookup(a: Ipv6Address): Mac | undefined {
    const n = this.get(a);
    return n === undefined || n.state === "INCOMPLETE" ? undefined : n.mac;
  }

  /** The cache as `ip -6 neigh` lists it, in insertion order. */
  entries(): NeighborEntry[] {
    const out: NeighborEntry[] = [];
    for (const n of [...this.cache.values()]) {
      if (this.get(n.address) === undefined) continue;
      const mac = n.state === "INCOMPLETE" ? undefined : n.mac;
      out.push({ address: n.address, mac, state: n.state, router: n.isRouter });
    }
    return out;
  }

  /** Forgets every entry (link down). */
  clear(): void {
    for (const n of this.cache.values()) n.timer.cancel();
    this.cache.clear();
  }

  /** Sends `packet` to the neighbor `nextHop`, resolving its MAC first when needed (§7.2.2). */
  send(packet: Uint8Array, nextHop: Ipv6Address): void {
    let n = this.get(nextHop);
    if (n === undefined) {
      const src = packet.length >= 40 ? Ipv6Address.fromBytes(packet, 8) : this.host.linkLocal;
      const from = this.host.isOwnAddress(src) ? src : this.host.linkLocal;
      n = new Neighbor(nextHop, from, this.makeTimer);
      this.cache.set(key(nextHop), n);
      n.queue.push(packet);
      return this.solicit(n);
    }
    if (n.state === "INCOMPLETE") {
      n.queue.push(packet);
      if (n.queue.length > this.queueLimit) n.queue.shift();
      return;
    }
    if (n.state === "STALE") {
      // §7.3.3: the first packet sent to a STALE neighbor starts the DELAY timer.
      n.state = "DELAY";
      n.timer.set(this.delayFirstProbe);
    }
    this.host.deliverResolved(packet, n.mac);
  }

  /** Handles an NDP message that arrived on this interface. */
  input(icmp: Icmpv6Other, d: Ipv6Delivery): void {
    const m = ndpFromIcmpv6(icmp);
    // §6.1, §7.1.1: hop limit 255 proves the sender is on-link (no router decremented it).
    if (m instanceof ParseError || d.hopLimit !== NDP_HOP_LIMIT) return this.invalid(d);
    const unspecified = d.src.equals(Ipv6Address.UNSPECIFIED);
    switch (m.type) {
      case "neighbor-solicitation": {
        const slla = ndpLinkLayer(m);
        // §7.1.1: from the unspecified address only to a solicited-node group, without SLLA.
        if (unspecified && (!isSolicitedNodeAddress(d.dst) || slla !== undefined)) {
          return this.invalid(d);
        }
        if (!this.host.isOwnAddress(m.target)) return; // not ours (no proxy NDP)
        if (slla !== undefined && !unspecified) this.learn(d.src, slla, undefined);
        return this.advertise(m.target, unspecified ? undefined : d.src, slla);
      }
      case "neighbor-advertisement":
        // §7.1.2: a multicast advertisement cannot be solicited.
        if (m.solicited && d.dst.w0 >>> 24 === 0xff) return this.invalid(d);
        return this.advertised(m);
      case "router-advertisement": {
        // §6.1.2: routers advertise from their link-local address.
        if (d.src.w0 >>> 22 !== 0x3fa) return this.invalid(d);
        // §6.3.4: adopt the router's timers when given; record its link-layer address.
        if (m.reachableTime !== 0) this.reachableTime = m.reachableTime * NS_PER_MS;
        if (m.retransTimer !== 0) this.retransTimer = m.retransTimer * NS_PER_MS;
        const slla = ndpLinkLayer(m);
        if (slla !== undefined) this.learn(d.src, slla, true);
        return;
      }
      case "router-solicitation": {
        // §6.2.6: hosts ignore solicitations; routers record the sender's link-layer address.
        const slla = ndpLinkLayer(m);
        if (unspecified && slla !== undefined) return this.invalid(d);
        if (this.host.isRouter() && slla !== undefined && !unspecified) {
          this.learn(d.src, slla, undefined);
        }
        return;
      }
    }
  }

  private invalid(d: Ipv6Delivery): void {
    this.stats.invalid++;
    this.host.discard(d.packet);
  }

  /**
   * §7.2.3 (and §6.2.6, §6.3.4): a solicitation or router message carried the sender's
   * link-layer address. A new entry is STALE; a changed address makes it STALE; an INCOMPLETE
   * entry is resolved by it.
   */
  private learn(a: Ipv6Address, mac: Mac, router: boolean | undefined): void {
    let n = this.get(a);
    const waiting = n?.state === "INCOMPLETE";
    if (n === undefined) {
      n = new Neighbor(a, this.host.linkLocal, this.makeTimer);
      this.cache.set(key(a), n);
    } else if (!waiting && n.mac === mac) {
      if (router !== undefined) n.isRouter = router;
      return;
    }
    n.mac = mac;
    this.settle(n, "STALE");
    if (router !== undefined) n.isRouter = router;
    if (waiting) this.flush(n);
  }

  /** §7.2.5: an advertisement updates an entry we hold; it never creates one. */
  private advertised(m: Extract<NdpMessage, { type: "neighbor-advertisement" }>): void {
    if (this.host.isOwnAddress(m.target)) return; // a duplicate address; DAD is not modelled
    const n = this.get(m.target);
    if (n === undefined) return;
    const tlla = ndpLinkLayer(m, "target-link-layer");
    if (n.state === "INCOMPLETE") {
      if (tlla === undefined) return;
      n.mac = tlla;
      n.isRouter = m.router;
      this.settle(n, m.solicited ? "REACHABLE" : "STALE");
      return this.flush(n);
    }
    const changed = tlla !== undefined && tlla !== n.mac;
    if (!m.override && changed) {
      // Keep the cached address; only a REACHABLE entry loses its confidence.
      if (n.state === "REACHABLE") this.settle(n, "STALE");
      return;
    }
    if (changed) n.mac = tlla;
    n.isRouter = m.router;
    if (m.solicited) this.settle(n, "REACHABLE");
    else if (changed) this.settle(n, "STALE");
  }

  /** Enters REACHABLE or STALE with the deadline that goes with it, stopping any timer. */
  private settle(n: Neighbor, state: "REACHABLE" | "STALE"): void {
    n.state = state;
    n.until = this.host.sim.now + (state === "REACHABLE" ? this.reachableTime : this.staleLifetime);
    n.timer.cancel();
  }

  /** Sends what waited for resolution; sending to a STALE entry starts its DELAY (§7.3.3). */
  private flush(n: Neighbor): void {
    this.stats.resolved++;
    const packets = n.queue.splice(0);
    if (packets.length > 0 && n.state === "STALE") {
      n.state = "DELAY";
      n.timer.set(this.delayFirstProbe);
    }
    for (const p of packets) this.host.deliverResolved(p, n.mac);
  }

  /** The entry's timer: the next solicitation, DELAY -> PROBE, or giving up. */
  private timeout(n: Neighbor): void {
    if (this.cache.get(key(n.address)) !== n) return;
    if (n.state === "INCOMPLETE") {
      if (n.probes < this.multicastSolicit) return this.solicit(n);
      // §7.2.2: resolution failed; each queued packet gets an address unreachable.
      this.cache.delete(key(n.address));
      this.stats.failed++;
      return this.host.unresolved(n.queue.splice(0), n.address);
    }
    if (n.state === "DELAY") {
      n.state = "PROBE"; // §7.3.3
      n.probes = 0;
      return this.solicit(n);
    }
    if (n.state === "PROBE") {
      if (n.probes < this.unicastSolicit) return this.solicit(n);
      this.cache.delete(key(n.address)); // §7.3.3: unreachable, so the entry goes
    }
  }

  /**
   * Sends a solicitation for `n`: to its solicited-node group while INCOMPLETE (§7.2.2), to its
   * cached address while probing (§7.3.3); both carry our link-layer address.
   */
  private solicit(n: Neighbor): void {
    n.probes++;
    this.stats.solicitationsSent++;
    const probe = n.state === "PROBE";
    const dst = probe ? n.address : solicitedNodeAddress(n.address);
    const slla = { type: "source-link-layer" as const, mac: this.host.mac };
    const m: NdpMessage = { type: "neighbor-solicitation", target: n.address, options: [slla] };
    this.emit(m, n.from, dst, probe ? n.mac : ipv6MulticastMac(dst));
    n.timer.set(this.retransTimer);
  }

  /**
   * §7.2.4: answers a solicitation for our `target`, from it, with our link-layer address, to
   * the solicitor, or to all nodes when it had no address yet (DAD).
   */
  private advertise(target: Ipv6Address, to?: Ipv6Address, toMac?: Mac): void {
    this.stats.advertisementsSent++;
    const m: NdpMessage = {
      type: "neighbor-advertisement",
      router: this.host.isRouter(),
      solicited: to !== undefined,
      override: true,
      target,
      options: [{ type: "target-link-layer", mac: this.host.mac }],
    };
    if (to === undefined) return this.emit(m, target, ALL_NODES, ipv6MulticastMac(ALL_NODES));
    const mac = toMac ?? this.lookup(to);
    if (mac !== undefined) return this.emit(m, target, to, mac);
    this.send(this.build(m, target, to), to); // no link-layer option: resolve the solicitor
  }

  private build(m: NdpMessage, src: Ipv6Address, dst: Ipv6Address): Uint8Array {
    return emitIpv6({
      trafficClass: 0,
      flowLabel: 0,
      nextHeader: ICMPV6_PROTOCOL,
      hopLimit: NDP_HOP_LIMIT,
      src,
      dst,
      extensions: [],
      upperProtocol: ICMPV6_PROTOCOL,
      payload: emitNdp(m, { family: 6, src, dst }),
    });
  }

  private emit(m: NdpMessage, src: Ipv6Address, dst: Ipv6Address, mac: Mac): void {
    this.host.sendNdp(this.build(m, src, dst), mac);
  }
}

/** A resolver wired to an Ethernet interface and its node. */
export function ndpForInterface(iface: Interface, options?: NdpOptions): NdpResolver {
  const node = iface.owner;
  return new NdpResolver(
    {
      sim: node.sim,
      mac: iface.mac,
      linkLocal: iface.linkLocal,
      isRouter: () => node.forwarding,
      isOwnAddress: (a) => iface.linkLocal.equals(a) || iface.v6.some((x) => x.address.equals(a)),
      sendNdp: (packet, dst) => {
        node.report("send", packet, iface);
        iface.sendFrame(dst, ETHERTYPE_IPV6, packet);
      },
      deliverResolved: (packet, dst) => iface.sendFrame(dst, ETHERTYPE_IPV6, packet),
      unresolved: (packets) => node.unresolved(iface, packets),
      discard: (packet) => node.drop(packet, "bad-header", iface),
    },
    options,
  );
}
