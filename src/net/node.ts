/**
 * A node: a host or a router. It owns interfaces, a routing table and the IP layer of both
 * families (ipv4-stack.ts, ipv6-stack.ts); upper layers register per-protocol handlers and send
 * through it. A router forwards; a host only delivers to itself (Linux's ip_forward switch).
 * Crash and restart are modelled here: a crashed node neither sends nor receives, and listeners
 * are told so they can drop their state.
 */
import { HostClock } from "../sim/host-clock.js";
import type { Simulator } from "../sim/simulator.js";
import type { Ipv4 } from "../wire/address.js";
import { Interface as Iface, type Interface } from "./interface.js";
import { Ipv4Stack } from "./ipv4-stack.js";
import { Ipv6Stack } from "./ipv6-stack.js";
import type { DropReason, PacketEvent, PacketEventBus, PacketEventKind } from "./packet-events.js";
import { RoutingTable } from "./routing-table.js";

export type NodeKind = "host" | "router";

/** What a node needs from its network; an interface, not the class, to avoid an import cycle. */
export interface NodeContext {
  readonly sim: Simulator;
  readonly events: PacketEventBus;
  /** Told when an address is configured or removed at run time (DHCP), to track owners. */
  addressChanged?(node: Node, address: Ipv4, added: boolean): void;
}

export class Node {
  readonly interfaces: Interface[] = [];
  readonly routes = new RoutingTable();
  readonly ipv4: Ipv4Stack;
  readonly ipv6: Ipv6Stack;
  /**
   * The node's own clock (perfect unless configured: `node.clock.configure({ driftPpm: 50 })`).
   * Applications read local time from it, never from `sim.now`, which no host can see.
   */
  readonly clock: HostClock;
  /** Forward packets not addressed to this node. */
  forwarding: boolean;
  private isUp = true;
  private readonly crashListeners: ((up: boolean) => void)[] = [];
  private readonly linkListeners: ((iface: Interface, up: boolean) => void)[] = [];

  constructor(
    readonly ctx: NodeContext,
    readonly name: string,
    readonly kind: NodeKind,
    /** Position of the node in its network, used to derive unique link-local addresses. */
    readonly number: number,
  ) {
    this.forwarding = kind === "router";
    this.clock = new HostClock(ctx.sim);
    this.ipv4 = new Ipv4Stack(this);
    this.ipv6 = new Ipv6Stack(this);
  }

  get sim(): Simulator {
    return this.ctx.sim;
  }

  /** False while crashed. */
  get up(): boolean {
    return this.isUp;
  }

  /** Creates an interface (eth0, eth1, ... unless named). */
  addInterface(name?: string): Interface {
    const ifname = name ?? `eth${this.interfaces.length}`;
    if (this.interfaces.some((i) => i.name === ifname)) {
      throw new Error(`node ${this.name} already has an interface named ${ifname}`);
    }
    const iface = new Iface(this, ifname, this.interfaces.length + 1, this.number);
    this.interfaces.push(iface);
    return iface;
  }

  /** The interface with this name. */
  iface(name: string): Interface {
    const i = this.interfaces.find((x) => x.name === name);
    if (!i) throw new Error(`node ${this.name} has no interface ${name}`);
    return i;
  }

  /** Entry point for packets from an interface. */
  receive(packet: Uint8Array, iface: Interface): void {
    if (!this.isUp) return this.drop(packet, "node-down", iface);
    const version = packet.length > 0 ? packet[0]! >>> 4 : 0;
    if (version === 4) this.ipv4.input(packet, iface);
    else if (version === 6) this.ipv6.input(packet, iface);
    else this.drop(packet, "bad-header", iface);
  }

  /** Subscribes to carrier changes on this node's interfaces (routing daemons react to them). */
  onLinkState(fn: (iface: Interface, up: boolean) => void): void {
    this.linkListeners.push(fn);
  }

  linkStateChanged(iface: Interface, up: boolean): void {
    for (const fn of this.linkListeners) fn(iface, up);
  }

  /**
   * ARP or NDP gave up on a next hop: the datagrams waiting for it are lost, and each sender is
   * told (host unreachable; for IPv6 address unreachable, RFC 4861 §7.2.2).
   */
  unresolved(iface: Interface, packets: Uint8Array[]): void {
    for (const p of packets) {
      const version = p.length > 0 ? p[0]! >>> 4 : 0;
      this.drop(p, version === 6 ? "ndp-failed" : "arp-failed", iface);
      if (version === 4) this.ipv4.sendError(p, 3, 1);
      else if (version === 6) {
        this.ipv6.sendError(p, {
          type: "destination-unreachable",
          code: 3,
          checksum: 0,
          original: p,
        });
      }
    }
  }

  /** Crashes the node: it stops sending and receiving, and listeners drop their state. */
  crash(): void {
    if (!this.isUp) return;
    this.isUp = false;
    for (const fn of this.crashListeners) fn(false);
  }

  /** Restarts a crashed node with empty protocol state. */
  restart(): void {
    if (this.isUp) return;
    this.isUp = true;
    for (const fn of this.crashListeners) fn(true);
  }

  /** Calls `fn(false)` on crash and `fn(true)` on restart. */
  onUpDown(fn: (up: boolean) => void): void {
    this.crashListeners.push(fn);
  }

  /** Reports a packet event to the network's observers (cheap when nobody listens). */
  report(kind: PacketEventKind, packet: Uint8Array, iface?: Interface, reason?: DropReason): void {
    const bus = this.ctx.events;
    if (!bus.active) return;
    const ev: PacketEvent = {
      time: this.ctx.sim.now,
      kind,
      node: this.name,
      packet,
      framing: "ip",
    };
    if (iface) ev.iface = iface.name;
    if (iface?.link) ev.link = iface.link.name;
    if (reason) ev.reason = reason;
    bus.emit(ev);
  }

  /** Records a drop. */
  drop(packet: Uint8Array, reason: DropReason, iface?: Interface): void {
    this.report("drop", packet, iface, reason);
  }

  toString(): string {
    return `${this.kind} ${this.name}`;
  }
}
