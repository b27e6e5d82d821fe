/**
 * A RIP version 2 router daemon (RFC 2453), run by routers over UDP port 520 like ripd: periodic
 * updates every 30 s (offset randomly to avoid synchronisation), triggered updates rate-limited
 * to one per 1-5 s, split horizon with poisoned reverse, a 180 s timeout and 120 s garbage
 * collection, a whole-table request at start-up, and immediate invalidation of routes through an
 * interface whose link loses carrier. Routes it learns are installed in the node's routing table
 * with origin "rip", so connected and static routes keep precedence.
 */
import type { Interface } from "../../net/interface.js";
import type { Node } from "../../net/node.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import type { RandomStream } from "../../sim/random.js";
import type { Nanos } from "../../sim/time.js";
import { NS_PER_S } from "../../sim/time.js";
import { TransportError } from "../../transport/errors.js";
import { type UdpMessage, type UdpSocket, udp } from "../../transport/udp.js";
import { formatIpv4, type Ipv4, parseIpv4Address } from "../../wire/address.js";
import { ParseError } from "../../wire/parse-error.js";
import { Ipv4Prefix } from "../../wire/prefix.js";
import {
  emitRip,
  parseRip,
  RIP_AF_INET,
  RIP_COMMAND_REQUEST,
  RIP_COMMAND_RESPONSE,
  RIP_GROUP,
  RIP_INFINITY,
  RIP_MAX_ENTRIES,
  RIP_PORT,
  type RipEntry,
  ripWholeTableRequest,
} from "../../wire/rip.js";

export interface RipOptions {
  /** Periodic update interval (default 30 s). */
  updateInterval?: Nanos;
  /** A route not refreshed for this long becomes unreachable (default 180 s). */
  timeout?: Nanos;
  /** An unreachable route is forgotten after this long (default 120 s). */
  garbageCollection?: Nanos;
  /** Interfaces to run on (default: every interface with an IPv4 address). */
  interfaces?: string[];
}

/** One route in the RIP table. */
export interface RipRoute {
  prefix: Ipv4Prefix;
  metric: number;
  /** Next-hop router; 0 for a directly connected network. */
  nextHop: Ipv4;
  iface: Interface;
  connected: boolean;
  /** Changed since the last triggered update. */
  changed: boolean;
  timeout: LocalTimer | undefined;
  gc: LocalTimer | undefined;
}

function maskLength(mask: number): number | undefined {
  const inv = ~mask >>> 0;
  if ((inv & (inv + 1)) !== 0) return undefined; // not contiguous
  return 32 - Math.log2(inv + 1);
}

export class RipDaemon {
  readonly routes = new Map<string, RipRoute>();
  private socket: UdpSocket | undefined;
  private readonly ifaces: Interface[];
  private readonly rng: RandomStream;
  private periodic: LocalTimer | undefined;
  private triggerHold: LocalTimer | undefined;
  private triggerPending = false;
  private running = false;
  readonly updateInterval: Nanos;
  readonly timeout: Nanos;
  readonly garbageCollection: Nanos;
  /** Counters: messages sent and received, triggered updates, route changes. */
  readonly stats = { sent: 0, received: 0, triggered: 0, changes: 0, lastChange: 0 };

  constructor(
    readonly node: Node,
    options: RipOptions = {},
  ) {
    this.updateInterval = options.updateInterval ?? 30 * NS_PER_S;
    this.timeout = options.timeout ?? 180 * NS_PER_S;
    this.garbageCollection = options.garbageCollection ?? 120 * NS_PER_S;
    this.ifaces = node.interfaces.filter(
      (i) =>
        i.v4.length > 0 &&
        (options.interfaces === undefined || options.interfaces.includes(i.name)),
    );
    this.rng = node.sim.rng(`node:${node.name}:rip`);
    node.onLinkState((iface, up) => this.linkState(iface, up));
    node.onUpDown((up) => (up ? this.start() : this.stopAll()));
  }

  /** Starts the daemon: binds port 520, announces connected networks and asks neighbours. */
  start(): void {
    if (this.running || !this.node.up) return;
    const s = udp(this.node).bind(RIP_PORT);
    if (s instanceof TransportError) throw new Error(`rip on ${this.node.name}: ${s.message}`);
    this.running = true;
    this.socket = s;
    s.onMessage((m) => this.receive(m));
    this.node.ipv4.joinGroup(RIP_GROUP);
    for (const i of this.ifaces) {
      for (const a of i.v4) this.setConnected(a.prefix, i, i.operational);
    }
    // RFC 2453 §3.8 timers run on the router's own clock, as a real routing daemon's do.
    this.periodic = this.node.clock.timer(() => this.periodicUpdate());
    this.periodic.set(this.jitteredInterval());
    this.triggerHold = this.node.clock.timer(() => this.triggerHoldExpired());
    for (const i of this.ifaces) if (i.operational) this.send(i, emitRip(ripWholeTableRequest()));
  }

  /** The table as lines: prefix, metric, next hop, interface. */
  describe(): string[] {
    return [...this.routes.values()].map(
      (r) =>
        `${r.prefix} metric ${r.metric} ${r.connected ? "connected" : `via ${formatIpv4(r.nextHop)}`} dev ${r.iface.name}`,
    );
  }

  private stopAll(): void {
    this.running = false;
    this.periodic?.cancel();
    this.triggerHold?.cancel();
    for (const r of this.routes.values()) {
      r.timeout?.cancel();
      r.gc?.cancel();
      if (!r.connected) this.node.routes.remove4(r.prefix, "rip");
    }
    this.routes.clear();
    this.socket = undefined; // the crash closed every socket
  }

  private jitteredInterval(): Nanos {
    // RFC 2453 §3.8: offset the 30 s timer by up to +-5 s (scaled for other intervals).
    const spread = Math.floor(this.updateInterval / 6);
    return this.updateInterval - spread + Math.floor(this.rng.nextFloat() * 2 * spread);
  }

  private setConnected(prefix: Ipv4Prefix, iface: Interface, up: boolean): void {
    const key = prefix.toString();
    const metric = up ? 1 : RIP_INFINITY;
    const old = this.routes.get(key);
    if (old?.connected && old.metric === metric) return;
    if (old && !old.connected) {
      old.timeout?.cancel();
      old.gc?.cancel();
      this.node.routes.remove4(old.prefix, "rip");
    }
    this.routes.set(key, {
      prefix,
      metric,
      nextHop: 0,
      iface,
      connected: true,
      changed: true,
      timeout: undefined,
      gc: undefined,
    });
    this.noteChange();
  }

  private periodicUpdate(): void {
    for (const i of this.ifaces) if (i.operational) this.sendTable(i, false);
    for (const r of this.routes.values()) r.changed = false;
    this.periodic?.set(this.jitteredInterval());
  }

  /** Sends the table (or only changed routes) on `iface`, with poisoned reverse. */
  private sendTable(
    iface: Interface,
    onlyChanged: boolean,
    to?: { address: string; port: number },
  ): void {
    const entries: RipEntry[] = [];
    for (const r of this.routes.values()) {
      if (onlyChanged && !r.changed) continue;
      // RFC 2453 §3.4.3: advertise routes learned through this interface as unreachable.
      const poisoned = !r.connected && r.iface === iface;
      entries.push({
        family: RIP_AF_INET,
        routeTag: 0,
        address: r.prefix.address,
        mask: r.prefix.mask,
        nextHop: 0,
        metric: poisoned ? RIP_INFINITY : r.metric,
      });
    }
    for (let i = 0; i < entries.length; i += RIP_MAX_ENTRIES) {
      const msg = emitRip({
        command: RIP_COMMAND_RESPONSE,
        version: 2,
        entries: entries.slice(i, i + RIP_MAX_ENTRIES),
      });
      this.send(iface, msg, to);
    }
  }

  private send(iface: Interface, data: Uint8Array, to?: { address: string; port: number }): void {
    if (!this.socket) return;
    this.stats.sent++;
    if (to) this.socket.send(data, to.port, to.address);
    else this.socket.send(data, RIP_PORT, formatIpv4(RIP_GROUP), { iface, ttl: 1 });
  }

  private receive(m: UdpMessage): void {
    const iface = m.iface;
    if (!this.running || iface === undefined || !this.ifaces.includes(iface)) return;
    const msg = parseRip(m.data);
    if (msg instanceof ParseError) return;
    const src = parseIpv4Address(m.from.address) as number;
    if (iface.v4.some((a) => a.address === src)) return; // our own message
    this.stats.received++;
    if (msg.command === RIP_COMMAND_REQUEST) {
      const e = msg.entries;
      if (e.length === 1 && e[0]!.family === 0 && e[0]!.metric === RIP_INFINITY) {
        // Whole-table request (RFC 2453 §3.9.1): answer with the table, split horizon applied.
        this.sendTable(iface, false, m.from);
      }
      return;
    }
    // RFC 2453 §3.9.2: responses must come from port 520 and from a neighbour on this subnet.
    if (m.from.port !== RIP_PORT || !iface.v4.some((a) => a.prefix.contains(src))) return;
    let changed = false;
    for (const e of msg.entries) {
      if (e.family !== RIP_AF_INET) continue;
      const len = maskLength(e.mask);
      if (len === undefined) continue;
      const prefix = new Ipv4Prefix(e.address, len);
      const metric = Math.min(e.metric + 1, RIP_INFINITY);
      const nextHop =
        e.nextHop !== 0 && iface.v4.some((a) => a.prefix.contains(e.nextHop)) ? e.nextHop : src;
      if (this.update(prefix, metric, nextHop, iface)) changed = true;
    }
    if (changed) this.trigger();
  }

  /** Applies one advertised route; returns true when the table changed. */
  private update(prefix: Ipv4Prefix, metric: number, nextHop: Ipv4, iface: Interface): boolean {
    const key = prefix.toString();
    const r = this.routes.get(key);
    if (r?.connected) return false;
    if (r === undefined) {
      if (metric >= RIP_INFINITY) return false;
      const route: RipRoute = {
        prefix,
        metric,
        nextHop,
        iface,
        connected: false,
        changed: true,
        timeout: undefined,
        gc: undefined,
      };
      this.routes.set(key, route);
      this.install(route);
      this.refresh(route);
      this.noteChange();
      return true;
    }
    if (r.nextHop === nextHop && r.iface === iface) {
      if (metric < RIP_INFINITY) this.refresh(r);
      if (metric === r.metric) return false;
      r.metric = metric;
      r.changed = true;
      this.noteChange();
      if (metric >= RIP_INFINITY) this.startDeletion(r);
      else {
        r.gc?.cancel();
        this.install(r);
      }
      return true;
    }
    if (metric < r.metric) {
      r.metric = metric;
      r.nextHop = nextHop;
      r.iface = iface;
      r.changed = true;
      r.gc?.cancel();
      this.install(r);
      this.refresh(r);
      this.noteChange();
      return true;
    }
    return false;
  }

  private install(r: RipRoute): void {
    this.node.routes.add4({
      prefix: r.prefix,
      iface: r.iface,
      via: r.nextHop,
      metric: r.metric,
      origin: "rip",
    });
  }

  private refresh(r: RipRoute): void {
    r.timeout ??= this.node.clock.timer(() => this.expire(r));
    r.timeout.set(this.timeout);
  }

  private expire(r: RipRoute): void {
    if (this.routes.get(r.prefix.toString()) !== r || r.metric >= RIP_INFINITY) return;
    r.metric = RIP_INFINITY;
    r.changed = true;
    this.noteChange();
    this.startDeletion(r);
    this.trigger();
  }

  /** RFC 2453 §3.8: mark unreachable, stop using it, forget it after garbage collection. */
  private startDeletion(r: RipRoute): void {
    r.timeout?.cancel();
    this.node.routes.remove4(r.prefix, "rip");
    r.gc ??= this.node.clock.timer(() => {
      if (this.routes.get(r.prefix.toString()) === r && r.metric >= RIP_INFINITY)
        this.routes.delete(r.prefix.toString());
    });
    r.gc.set(this.garbageCollection);
  }

  private linkState(iface: Interface, up: boolean): void {
    if (!this.running || !this.ifaces.includes(iface)) return;
    for (const a of iface.v4) this.setConnected(a.prefix, iface, up);
    if (!up) {
      for (const r of this.routes.values()) {
        if (!r.connected && r.iface === iface && r.metric < RIP_INFINITY) {
          r.metric = RIP_INFINITY;
          r.changed = true;
          this.startDeletion(r);
        }
      }
    } else {
      this.send(iface, emitRip(ripWholeTableRequest()));
    }
    this.trigger();
  }

  private noteChange(): void {
    this.stats.changes++;
    // An observer's figure (tests measure convergence in true time), not the router's view.
    this.stats.lastChange = this.node.sim.now;
  }

  /** RFC 2453 §3.10.1: triggered updates, at most one per random 1-5 s. */
  private trigger(): void {
    if (!this.running) return;
    if (this.triggerHold?.armed) {
      this.triggerPending = true;
      return;
    }
    this.sendTriggered();
  }

  private sendTriggered(): void {
    this.stats.triggered++;
    for (const i of this.ifaces) if (i.operational) this.sendTable(i, true);
    for (const r of this.routes.values()) r.changed = false;
    this.triggerPending = false;
    this.triggerHold?.set(NS_PER_S + Math.floor(this.rng.nextFloat() * 4 * NS_PER_S));
  }

  private triggerHoldExpired(): void {
    if (this.triggerPending) this.sendTriggered();
  }
}

/** Starts RIP on every router of a network (or the named nodes); returns the daemons. */
export function startRip(nodes: Node[], options: RipOptions = {}): RipDaemon[] {
  const daemons = nodes.map((n) => new RipDaemon(n, options));
  for (const d of daemons) d.start();
  return daemons;
}
