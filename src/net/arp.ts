/**
 * ARP for one Ethernet interface (RFC 826, with the timeouts of RFC 1122 §2.3.2.1): a cache of
 * IPv4-to-MAC bindings that expire, a short queue of packets waiting for a resolution, requests
 * retried once a second up to three times, and the merge rule of RFC 826 (refresh a known
 * sender's binding from any ARP packet; add it when the request is for us). For address conflict
 * detection (RFC 5227) it also sends probes and announcements and tells watchers about every ARP
 * packet that names a given address.
 */
import type { Simulator, Timer } from "../sim/simulator.js";
import type { Nanos } from "../sim/time.js";
import { NS_PER_S } from "../sim/time.js";
import type { Ipv4 } from "../wire/address.js";
import { ARP_REPLY, ARP_REQUEST, type ArpRecord } from "../wire/arp.js";
import type { Mac } from "../wire/mac.js";

export interface ArpOptions {
  /** How long a binding stays valid (default 60 s). */
  lifetime?: Nanos;
  /** Requests sent before giving up (default 3, one per second). */
  retries?: number;
  /** Packets queued per unresolved address (default 3; later ones replace the oldest). */
  queue?: number;
}

/** What the resolver needs from its interface. */
export interface ArpHost {
  readonly sim: Simulator;
  readonly mac: Mac;
  /** The interface's address on the subnet of `target`, if any. */
  sourceFor(target: Ipv4): Ipv4 | undefined;
  isOwnAddress(a: Ipv4): boolean;
  /** Sends an ARP packet to `dst` (broadcast for requests). */
  sendArp(arp: ArpRecord, dst: Mac): void;
  /** Sends a queued IPv4 datagram now that its next hop's MAC is known. */
  deliverResolved(packet: Uint8Array, dst: Mac): void;
  /** Resolution failed: the queued datagrams are undeliverable. */
  unresolved(packets: Uint8Array[], target: Ipv4): void;
}

/** Called with an ARP packet received that names a watched address (see `watch`). */
export type ArpWatcher = (arp: ArpRecord) => void;

interface Pending {
  packets: Uint8Array[];
  tries: number;
  timer: Timer;
}

export class ArpResolver {
  private readonly cache = new Map<Ipv4, { mac: Mac; expires: Nanos }>();
  private readonly pending = new Map<Ipv4, Pending>();
  private readonly watchers = new Map<Ipv4, ArpWatcher[]>();
  readonly lifetime: Nanos;
  readonly retries: number;
  readonly queueLimit: number;
  /** Counters for tests and reports. */
  readonly stats = { requestsSent: 0, repliesSent: 0, resolved: 0, failed: 0 };
  /** Probes and announcements sent (RFC 5227), counted apart from resolution requests. */
  readonly detectionStats = { probesSent: 0, announcementsSent: 0 };

  constructor(
    private readonly host: ArpHost,
    options: ArpOptions = {},
  ) {
    this.lifetime = options.lifetime ?? 60 * NS_PER_S;
    this.retries = options.retries ?? 3;
    this.queueLimit = options.queue ?? 3;
  }

  /** The cached MAC for `ip`, if still valid. */
  lookup(ip: Ipv4): Mac | undefined {
    const e = this.cache.get(ip);
    if (e === undefined) return undefined;
    if (e.expires <= this.host.sim.now) {
      this.cache.delete(ip);
      return undefined;
    }
    return e.mac;
  }

  /** Cache entries as [ip, mac] pairs, for `arp -n`-style listings. */
  entries(): [Ipv4, Mac][] {
    const now = this.host.sim.now;
    return [...this.cache].filter(([, e]) => e.expires > now).map(([ip, e]) => [ip, e.mac]);
  }

  /** Sends `packet` to `nextHop`, resolving its MAC first when needed. */
  send(packet: Uint8Array, nextHop: Ipv4): void {
    const mac = this.lookup(nextHop);
    if (mac !== undefined) return this.host.deliverResolved(packet, mac);
    let p = this.pending.get(nextHop);
    if (p === undefined) {
      const entry: Pending = {
        packets: [],
        tries: 0,
        timer: this.host.sim.timer(() => this.retry(nextHop)),
      };
      this.pending.set(nextHop, entry);
      p = entry;
      this.request(nextHop, p);
    }
    p.packets.push(packet);
    if (p.packets.length > this.queueLimit) p.packets.shift();
  }

  /**
   * Calls `fn` with every ARP packet received whose sender or target address is `address`, before
   * the resolver handles it, until the returned function is called. It works on an interface
   * with no address, which is what address conflict detection (RFC 5227 §2.1.1) needs.
   */
  watch(address: Ipv4, fn: ArpWatcher): () => void {
    const a = address >>> 0;
    const list = this.watchers.get(a) ?? [];
    list.push(fn);
    this.watchers.set(a, list);
    return () => {
      const now = this.watchers.get(a);
      if (now === undefined) return;
      const rest = now.filter((f) => f !== fn);
      if (rest.length === 0) this.watchers.delete(a);
      else this.watchers.set(a, rest);
    };
  }

  /**
   * Broadcasts an ARP probe for `target`: a request with sender IP 0.0.0.0 and target MAC zero
   * (RFC 5227 §2.1.1), so that asking does not pollute other hosts' caches. Needs no address.
   */
  probe(target: Ipv4): void {
    this.detectionStats.probesSent++;
    this.host.sendArp(
      { op: ARP_REQUEST, senderMac: this.host.mac, senderIp: 0, targetMac: 0, targetIp: target },
      0xffff_ffff_ffff,
    );
  }

  /**
   * Broadcasts an ARP announcement of `address`: a request with sender and target IP both the
   * address and target MAC zero (RFC 5227 §2.3), so that other hosts update their caches.
   */
  announce(address: Ipv4): void {
    this.detectionStats.announcementsSent++;
    this.host.sendArp(
      {
        op: ARP_REQUEST,
        senderMac: this.host.mac,
        senderIp: address,
        targetMac: 0,
        targetIp: address,
      },
      0xffff_ffff_ffff,
    );
  }

  /** Handles an ARP packet received on the interface. */
  input(arp: ArpRecord): void {
    this.notify(arp.senderIp, arp);
    if (arp.targetIp !== arp.senderIp) this.notify(arp.targetIp, arp);
    // RFC 826 "Packet reception": merge the sender into the cache if known, or if we are the target.
    const known = this.cache.has(arp.senderIp) || this.pending.has(arp.senderIp);
    const forUs = this.host.isOwnAddress(arp.targetIp);
    if ((known || forUs) && arp.senderIp !== 0) this.learn(arp.senderIp, arp.senderMac);
    if (forUs && arp.op === ARP_REQUEST) {
      this.stats.repliesSent++;
      this.host.sendArp(
        {
          op: ARP_REPLY,
          senderMac: this.host.mac,
          senderIp: arp.targetIp,
          targetMac: arp.senderMac,
          targetIp: arp.senderIp,
        },
        arp.senderMac,
      );
    }
  }

  /** Forgets every binding and pending resolution (link down, crash). */
  clear(): void {
    for (const p of this.pending.values()) p.timer.cancel();
    this.pending.clear();
    this.cache.clear();
  }

  private notify(address: Ipv4, arp: ArpRecord): void {
    if (address === 0) return;
    const list = this.watchers.get(address);
    if (list !== undefined) for (const fn of [...list]) fn(arp);
  }

  private learn(ip: Ipv4, mac: Mac): void {
    this.cache.set(ip, { mac, expires: this.host.sim.now + this.lifetime });
    const p = this.pending.get(ip);
    if (p !== undefined) {
      p.timer.cancel();
      this.pending.delete(ip);
      this.stats.resolved++;
      for (const packet of p.packets) this.host.deliverResolved(packet, mac);
    }
  }

  private request(target: Ipv4, p: Pending): void {
    const src = this.host.sourceFor(target) ?? 0;
    p.tries++;
    this.stats.requestsSent++;
    this.host.sendArp(
      { op: ARP_REQUEST, senderMac: this.host.mac, senderIp: src, targetMac: 0, targetIp: target },
      0xffff_ffff_ffff,
    );
    p.timer.set(NS_PER_S);
  }

  private retry(target: Ipv4): void {
    const p = this.pending.get(target);
    if (p === undefined) return;
    if (p.tries < this.retries) return this.request(target, p);
    this.pending.delete(target);
    this.stats.failed++;
    this.host.unresolved(p.packets, target);
  }
}
