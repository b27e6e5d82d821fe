/**
 * A simulated network: the simulator, the nodes and links, the fault rules and the packet event
 * bus. It builds topologies (`addHost`, `addRouter`, `connect`), assigns addresses and the
 * connected routes that follow from them, and carries out faults (partitions, holds, link
 * failures, crashes), logging each one.
 */
import { type Seed, Simulator } from "../sim/index.js";
import type { Nanos } from "../sim/time.js";
import { formatIpv4, type Ipv4, type Ipv6Address } from "../wire/address.js";
import { getU32 } from "../wire/bytes.js";
import { ParseError } from "../wire/parse-error.js";
import { Ipv4Prefix, Ipv6Prefix, parsePrefix } from "../wire/prefix.js";
import {
  FaultRules,
  holdRule,
  type InstalledRule,
  partitionRule,
  type RulePacket,
} from "./faults.js";
import type { Impairments } from "./impairments.js";
import { Interface as Iface, type Interface } from "./interface.js";
import { type Channel, type ChannelHooks, type LinkOptions, PointToPointLink } from "./link.js";
import { Node, type NodeKind } from "./node.js";
import { type DropReason, PacketEventBus, type PacketEventKind } from "./packet-events.js";
import { Switch, type SwitchPort } from "./switch.js";

export interface NetworkOptions {
  /** Master seed (default 1). */
  seed?: Seed;
  /** Use an existing simulator instead of creating one. */
  sim?: Simulator;
}

/** Options for `connect`: the link's parameters plus addresses and names for both ends. */
export interface ConnectOptions extends LinkOptions {
  /** Link name (default "a-b"). */
  name?: string;
  /**
   * Addresses in CIDR form for the two ends, IPv4 or IPv6, one string or several per end,
   * e.g. ["10.0.0.1/30", "10.0.0.2/30"].
   */
  addresses?: [string | string[], string | string[]];
  /** Interface names at the two ends (default eth0, eth1, ... per node). */
  ifnames?: [string, string];
}

export class Network implements ChannelHooks {
  readonly sim: Simulator;
  readonly events = new PacketEventBus();
  readonly faults: FaultRules;
  private readonly nodeMap = new Map<string, Node>();
  private readonly linkMap = new Map<string, PointToPointLink>();
  private readonly switchMap = new Map<string, Switch>();
  /** Owner of every IPv4 address, for fault rules and tools. */
  private readonly owners4 = new Map<number, Node>();
  private readonly owners6 = new Map<string, Node>();

  constructor(options: NetworkOptions = {}) {
    this.sim = options.sim ?? new Simulator({ seed: options.seed ?? 1 });
    this.faults = new FaultRules(() => this.sim.now);
  }

  get nodes(): Node[] {
    return [...this.nodeMap.values()];
  }

  get links(): PointToPointLink[] {
    return [...this.linkMap.values()];
  }

  addHost(name: string): Node {
    return this.addNode(name, "host");
  }

  addRouter(name: string): Node {
    return this.addNode(name, "router");
  }

  /** Adds a learning Ethernet switch; hosts and routers connected to it speak Ethernet and ARP. */
  addSwitch(name: string): Switch {
    this.checkNewName(name);
    const s = new Switch(name, this.sim);
    this.switchMap.set(name, s);
    return s;
  }

  /** The switch with this name. */
  switch(name: string): Switch {
    const s = this.switchMap.get(name);
    if (!s) throw new Error(`no switch named "${name}"`);
    return s;
  }

  private checkNewName(name: string): void {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`bad node name "${name}"`);
    if (this.nodeMap.has(name) || this.switchMap.has(name)) {
      throw new Error(`a node named "${name}" already exists`);
    }
  }

  addNode(name: string, kind: NodeKind): Node {
    this.checkNewName(name);
    const node = new Node(this, name, kind, this.nodeMap.size + 1);
    this.nodeMap.set(name, node);
    return node;
  }

  /** The node with this name; throws an error naming it when there is none. */
  node(name: string): Node {
    const n = this.nodeMap.get(name);
    if (!n) throw new Error(`no node named "${name}"`);
    return n;
  }

  /** The link with this name. */
  link(name: string): PointToPointLink {
    const l = this.linkMap.get(name);
    if (!l) throw new Error(`no link named "${name}"`);
    return l;
  }

  /** The node that owns an IPv4 address. */
  ownerOf4(a: Ipv4): Node | undefined {
    return this.owners4.get(a >>> 0);
  }

  ownerOf6(a: Ipv6Address): Node | undefined {
    return this.owners6.get(v6Key(a));
  }

  /**
   * Joins two nodes with a point-to-point link, creating an interface on each. When one end is
   * a switch, the link is an Ethernet cable to a new switch port and the node's interface speaks
   * Ethernet with ARP.
   */
  connect(
    a: Node | Switch | string,
    b: Node | Switch | string,
    options: ConnectOptions = {},
  ): PointToPointLink {
    const na = this.resolve(a);
    const nb = this.resolve(b);
    if (na === nb) throw new Error(`cannot connect "${na.name}" to itself`);
    if (na instanceof Switch && nb instanceof Switch) {
      throw new Error(
        `cannot connect switch "${na.name}" to switch "${nb.name}" (no spanning tree)`,
      );
    }
    const name = options.name ?? `${na.name}-${nb.name}`;
    if (this.linkMap.has(name)) throw new Error(`a link named "${name}" already exists`);
    const ethernet = na instanceof Switch || nb instanceof Switch;
    const ea: Interface | SwitchPort =
      na instanceof Switch ? na.addPort() : na.addInterface(options.ifnames?.[0]);
    const eb: Interface | SwitchPort =
      nb instanceof Switch ? nb.addPort() : nb.addInterface(options.ifnames?.[1]);
    const link = new PointToPointLink(name, ea, eb, this.sim, this, options);
    for (const e of [ea, eb]) {
      if (e instanceof Iface) e.attach(link, ethernet ? "ethernet" : "ip");
      else e.link = link;
    }
    this.linkMap.set(name, link);
    const [aa, ab] = options.addresses ?? [[], []];
    if (ea instanceof Iface) for (const text of [aa].flat()) this.assign(ea, text);
    if (eb instanceof Iface) for (const text of [ab].flat()) this.assign(eb, text);
    return link;
  }

  private resolve(x: Node | Switch | string): Node | Switch {
    if (typeof x !== "string") return x;
    const s = this.switchMap.get(x);
    return s ?? this.node(x);
  }

  /** Assigns an address in CIDR form ("10.0.0.1/24", "2001:db8::1/64") and its connected route. */
  assign(iface: Interface, cidr: string): void {
    const p = parsePrefix(cidr, { strict: false });
    if (p instanceof ParseError) throw new Error(`bad address "${cidr}": ${p.message}`);
    const node = iface.owner;
    const slash = cidr.indexOf("/");
    if (p instanceof Ipv4Prefix) {
      const addrText = slash === -1 ? cidr : cidr.slice(0, slash);
      const addr = parsePrefix(addrText) as Ipv4Prefix;
      if (this.owners4.has(addr.address)) throw new Error(`address ${addrText} is already in use`);
      iface.addIpv4(addr.address, p.length);
      this.owners4.set(addr.address, node);
      node.routes.add4({ prefix: p, iface, metric: 0, origin: "connected" });
      node.ipv4.refreshAddresses();
    } else {
      const addrText = slash === -1 ? cidr : cidr.slice(0, slash);
      const addr = (parsePrefix(addrText) as Ipv6Prefix).address;
      if (this.owners6.has(v6Key(addr))) throw new Error(`address ${addrText} is already in use`);
      iface.addIpv6(addr, p.length);
      this.owners6.set(v6Key(addr), node);
      node.routes.add6({ prefix: p as Ipv6Prefix, iface, metric: 0, origin: "connected" });
    }
  }

  /** Adds a static route on `node`: `dest` in CIDR ("0.0.0.0/0" for default) via a gateway. */
  route(node: Node | string, dest: string, via: string, ifname?: string): void {
    const n = typeof node === "string" ? this.node(node) : node;
    const p = parsePrefix(dest);
    if (p instanceof ParseError) throw new Error(`bad destination "${dest}": ${p.message}`);
    const gw = parsePrefix(via);
    if (gw instanceof ParseError) throw new Error(`bad gateway "${via}": ${gw.message}`);
    if (p instanceof Ipv4Prefix && gw instanceof Ipv4Prefix) {
      const iface = ifname !== undefined ? n.iface(ifname) : n.routes.lookup4(gw.address)?.iface;
      if (!iface) throw new Error(`${n.name}: gateway ${via} is not on a connected subnet`);
      n.routes.add4({ prefix: p, iface, via: gw.address, metric: 1, origin: "static" });
    } else if (p instanceof Ipv6Prefix && gw instanceof Ipv6Prefix) {
      const iface = ifname !== undefined ? n.iface(ifname) : n.routes.lookup6(gw.address)?.iface;
      if (!iface) throw new Error(`${n.name}: gateway ${via} is not on a connected subnet`);
      n.routes.add6({ prefix: p, iface, via: gw.address, metric: 1, origin: "static" });
    } else {
      throw new Error(`route ${dest} via ${via}: address families differ`);
    }
  }

  /** NodeContext: an address configured or removed at run time (by DHCP) changes owner. */
  addressChanged(node: Node, address: Ipv4, added: boolean): void {
    if (added) this.owners4.set(address >>> 0, node);
    else if (this.owners4.get(address >>> 0) === node) this.owners4.delete(address >>> 0);
  }

  // ---- faults ----

  /** Drops all traffic between two groups of nodes until repaired. */
  partition(a: readonly string[], b: readonly string[]): InstalledRule {
    for (const n of [...a, ...b]) this.node(n);
    return this.faults.add(
      partitionRule(a, b, false),
      "partition",
      `${a.join(",")} | ${b.join(",")}`,
    );
  }

  /** Drops traffic from group `a` to group `b` only. */
  partitionOneWay(a: readonly string[], b: readonly string[]): InstalledRule {
    for (const n of [...a, ...b]) this.node(n);
    return this.faults.add(
      partitionRule(a, b, true),
      "partition-one-way",
      `${a.join(",")} -> ${b.join(",")}`,
    );
  }

  /** Removes one partition or hold rule, or every rule when none is given. */
  repair(rule?: InstalledRule): void {
    const rules = rule === undefined ? [...this.faults.active] : [rule];
    for (const r of rules) this.faults.remove(r, "repair");
  }

  /** Holds every packet from or to the given nodes until `release`. */
  hold(nodes: readonly string[]): InstalledRule {
    for (const n of nodes) this.node(n);
    return this.faults.add(holdRule(nodes), "hold", nodes.join(","));
  }

  /** Removes a hold rule and lets its packets go on, in order. */
  release(rule: InstalledRule): number {
    this.faults.remove(rule, "release");
    return this.faults.release(rule);
  }

  crash(node: string): void {
    this.node(node).crash();
    this.faults.record("crash", node);
  }

  restart(node: string): void {
    this.node(node).restart();
    this.faults.record("restart", node);
  }

  /** Takes a link down or up. */
  setLinkUp(name: string, up: boolean): void {
    this.link(name).setUp(up);
    this.faults.record(up ? "link-up" : "link-down", name);
  }

  /** Changes a link's impairments at run time. */
  setImpairments(name: string, i: Impairments): void {
    this.link(name).setImpairments(i);
    this.faults.record("impairments", `${name} ${JSON.stringify(i)}`);
  }

  /** Changes a link's propagation delay at run time. */
  setDelay(name: string, delay: Nanos): void {
    this.link(name).delay = delay;
    this.faults.record("delay", `${name} ${delay} ns`);
  }

  // ---- ChannelHooks ----

  judge(ch: Channel, packet: Uint8Array, resume: () => void): "drop" | "held" | Nanos | undefined {
    if (this.faults.empty) return undefined;
    const p: RulePacket = {
      from: ch.from.nodeName,
      to: ch.to.nodeName,
      link: ch.link.name,
      srcNode: this.ownerName(packet, true, ch.from.framing),
      dstNode: this.ownerName(packet, false, ch.from.framing),
      packet,
    };
    return this.faults.judge(p, resume);
  }

  onTransmit(ch: Channel, packet: Uint8Array): void {
    this.linkEvent("transmit", ch, packet, true);
  }

  onDeliver(ch: Channel, packet: Uint8Array): void {
    this.linkEvent("deliver", ch, packet, false);
  }

  onDrop(ch: Channel, packet: Uint8Array, reason: DropReason): void {
    this.linkEvent("drop", ch, packet, true, reason);
  }

  onDuplicate(ch: Channel, packet: Uint8Array): void {
    this.linkEvent("duplicate", ch, packet, false);
  }

  onCorrupt(ch: Channel, packet: Uint8Array): void {
    this.linkEvent("corrupt", ch, packet, true);
  }

  private linkEvent(
    kind: PacketEventKind,
    ch: Channel,
    packet: Uint8Array,
    atSender: boolean,
    reason?: DropReason,
  ): void {
    if (!this.events.active) return;
    const end = atSender ? ch.from : ch.to;
    this.events.emit({
      time: this.sim.now,
      kind,
      node: end.nodeName,
      iface: end.ifaceName,
      link: ch.link.name,
      packet,
      framing: end.framing,
      ...(reason ? { reason } : {}),
    });
  }

  /** The node owning a packet's source or destination address; frames are looked into. */
  private ownerName(
    packet: Uint8Array,
    source: boolean,
    framing: "ip" | "ethernet",
  ): string | undefined {
    let at = 0;
    if (framing === "ethernet") {
      // Untagged Ethernet II carrying IPv4 or IPv6 (ARP and the rest belong to no IP owner).
      const type = packet.length >= 14 ? (packet[12]! << 8) | packet[13]! : 0;
      if (type !== 0x0800 && type !== 0x86dd) return undefined;
      at = 14;
    }
    const n = packet.length - at;
    const version = n > 0 ? packet[at]! >>> 4 : 0;
    if (version === 4 && n >= 20) {
      return this.owners4.get(getU32(packet, at + (source ? 12 : 16)))?.name;
    }
    if (version === 6 && n >= 40 && this.owners6.size > 0) {
      const o = at + (source ? 8 : 24);
      const key = `${getU32(packet, o)}:${getU32(packet, o + 4)}:${getU32(packet, o + 8)}:${getU32(packet, o + 12)}`;
      return this.owners6.get(key)?.name;
    }
    return undefined;
  }

  /** A one-line summary per node: interfaces and addresses. */
  describe(): string[] {
    return this.nodes.map(
      (n) =>
        `${n.kind} ${n.name}: ${n.interfaces
          .map((i) => `${i.name}=${i.v4.map((a) => formatIpv4(a.address)).join(",")}`)
          .join(" ")}`,
    );
  }
}

/** Map key for an IPv6 address: its four words. */
function v6Key(a: Ipv6Address): string {
  return `${a.w0}:${a.w1}:${a.w2}:${a.w3}`;
}
