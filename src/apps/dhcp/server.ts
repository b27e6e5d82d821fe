/**
 * A DHCP server (RFC 2131 §4.3) on one LAN interface, like a home router's or a provider's:
 * leases addresses from a pool in the interface's subnet with a lease time, T1 and T2, and hands
 * out the subnet mask, router and DNS servers. It offers, acknowledges and refuses (NAK),
 * honours DECLINE and RELEASE, frees addresses when leases expire, and makes no offer from an
 * exhausted pool. Malformed messages are ignored, counted, logged and traced as drops; nothing a
 * client sends can stop it serving. Every decision is an event in `log`.
 */
import type { Interface } from "../../net/interface.js";
import type { Node } from "../../net/node.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import { type Nanos, NS_PER_S } from "../../sim/time.js";
import { TransportError } from "../../transport/errors.js";
import { type UdpMessage, type UdpSocket, udp } from "../../transport/udp.js";
import { formatIpv4, type Ipv4, parseIpv4Address } from "../../wire/address.js";
import { toHex } from "../../wire/bytes.js";
import {
  BOOTP_REPLY,
  BOOTP_REQUEST,
  DHCP_CLIENT_PORT,
  DHCP_FLAG_BROADCAST,
  DHCP_MESSAGE,
  DHCP_SERVER_PORT,
  type DhcpMessage,
  dhcpMessageName,
  emitDhcp,
  emptyDhcpMessage,
  parseDhcp,
} from "../../wire/dhcp.js";
import { formatMac } from "../../wire/mac.js";
import { ParseError } from "../../wire/parse-error.js";
import type { Ipv4Prefix } from "../../wire/prefix.js";
import { DhcpLeasePool, type DhcpPoolLease } from "./lease-pool.js";

export interface DhcpServerOptions {
  /** The LAN interface to serve (it must have an IPv4 address). */
  iface: string;
  /** First and last address of the pool, inside the interface's subnet. */
  range: [string, string];
  /** DhcpPoolLease time (default 1 h); whole seconds on the wire. */
  leaseTime?: Nanos;
  /** T1, when clients start renewing (default 0.5 of the lease, RFC 2131 §4.4.5). */
  renewalTime?: Nanos;
  /** T2, when clients start rebinding (default 0.875 of the lease). */
  rebindingTime?: Nanos;
  /** Default gateway to hand out (option 3); none when absent. */
  router?: string;
  /** DNS servers to hand out (option 6). */
  dnsServers?: string[];
  /** How long an offered address stays reserved for the client (default 60 s). */
  offerTime?: Nanos;
  /** How long a declined address is kept out of the pool (default: one lease time). */
  declineTime?: Nanos;
}

export type DhcpServerEventKind =
  /** A message arrived (detail: its type). */
  | "receive"
  | "offer"
  | "ack"
  | "nak"
  /** The pool had no address for a DISCOVER: no offer was made. */
  | "no-offer"
  | "decline"
  | "release"
  /** A lease (or an unanswered offer, or a decline hold) ran out and its address is free. */
  | "expire"
  /** A message that could not be parsed: dropped. */
  | "malformed"
  /** A well-formed message the server does not answer (see detail). */
  | "ignored";

export interface DhcpServerEvent {
  /** The server's monotonic clock reading (simulation time when its clock is perfect). */
  time: Nanos;
  kind: DhcpServerEventKind;
  /** The client's hardware address (or its key when there is none). */
  client?: string;
  address?: string;
  detail: string;
}

/** Counters for tests and reports. */
export interface DhcpServerStats {
  received: number;
  malformed: number;
  ignored: number;
  offers: number;
  acks: number;
  naks: number;
  noOffer: number;
  declines: number;
  releases: number;
  expired: number;
}

const SECOND = NS_PER_S;

export class DhcpServer {
  readonly iface: Interface;
  readonly pool: DhcpLeasePool;
  readonly subnet: Ipv4Prefix;
  /** The server identifier (option 54): its address on the LAN. */
  readonly serverId: Ipv4;
  readonly leaseTime: Nanos;
  readonly renewalTime: Nanos;
  readonly rebindingTime: Nanos;
  readonly offerTime: Nanos;
  readonly declineTime: Nanos;
  readonly router: Ipv4 | undefined;
  readonly dnsServers: Ipv4[];
  readonly log: DhcpServerEvent[] = [];
  readonly stats: DhcpServerStats = {
    received: 0,
    malformed: 0,
    ignored: 0,
    offers: 0,
    acks: 0,
    naks: 0,
    noOffer: 0,
    declines: 0,
    releases: 0,
    expired: 0,
  };
  private socket: UdpSocket | undefined;
  private readonly listeners: ((e: DhcpServerEvent) => void)[] = [];
  private readonly timers = new Map<Ipv4, LocalTimer>();
  private wanted = false;

  constructor(
    readonly node: Node,
    options: DhcpServerOptions,
  ) {
    this.iface = node.iface(options.iface);
    const own = this.iface.v4[0];
    if (own === undefined) throw new Error(`dhcp on ${node.name}: ${options.iface} has no address`);
    this.serverId = own.address;
    this.subnet = own.prefix;
    const [first, last] = options.range.map((t) => this.address(t, "range"));
    for (const a of [first!, last!]) {
      if (!this.subnet.contains(a)) {
        throw new Error(`dhcp on ${node.name}: ${formatIpv4(a)} is outside ${this.subnet}`);
      }
    }
    this.pool = new DhcpLeasePool(first!, last!, new Set(this.iface.v4.map((a) => a.address)));
    this.leaseTime = options.leaseTime ?? 3600 * SECOND;
    if (this.leaseTime < SECOND) throw new Error("dhcp lease time must be at least 1 s");
    // RFC 2131 §4.4.5: T1 defaults to 0.5 and T2 to 0.875 of the lease.
    this.renewalTime = options.renewalTime ?? Math.round(this.leaseTime * 0.5);
    this.rebindingTime = options.rebindingTime ?? Math.round(this.leaseTime * 0.875);
    this.offerTime = options.offerTime ?? 60 * SECOND;
    this.declineTime = options.declineTime ?? this.leaseTime;
    this.router = options.router === undefined ? undefined : this.address(options.router, "router");
    this.dnsServers = (options.dnsServers ?? []).map((t) => this.address(t, "dnsServers"));
    node.onUpDown((up) => {
      // A crash closed the socket; the lease database survives it, as a lease file does.
      this.socket = undefined;
      if (up && this.wanted) this.start();
    });
  }

  private address(text: string, what: string): Ipv4 {
    const a = parseIpv4Address(text);
    if (a instanceof ParseError) throw new Error(`dhcp ${what}: bad address "${text}"`);
    return a;
  }

  /** Binds UDP port 67 and starts serving. */
  start(): this {
    this.wanted = true;
    if (this.socket !== undefined || !this.node.up) return this;
    const s = udp(this.node).bind(DHCP_SERVER_PORT);
    if (s instanceof TransportError) throw new Error(`dhcp on ${this.node.name}: ${s.message}`);
    s.onMessage((m) => this.receive(m));
    this.socket = s;
    return this;
  }

  /** Stops serving (leases are kept). */
  stop(): void {
    this.wanted = false;
    this.socket?.close();
    this.socket = undefined;
  }

  /** Calls `fn` with every event from now on. */
  onEvent(fn: (e: DhcpServerEvent) => void): void {
    this.listeners.push(fn);
  }

  /** Current leases as lines: address, state, client, time left. */
  describe(): string[] {
    const now = this.node.clock.monotonic();
    return this.pool
      .leases()
      .map(
        (l) =>
          `${formatIpv4(l.address)} ${l.state} ${l.client} ${Math.max(0, Math.round((l.expires - now) / SECOND))}s`,
      );
  }

  private emit(kind: DhcpServerEventKind, detail: string, client?: string, address?: Ipv4): void {
    const e: DhcpServerEvent = { time: this.node.clock.monotonic(), kind, detail };
    if (client !== undefined) e.client = client;
    if (address !== undefined) e.address = formatIpv4(address);
    this.log.push(e);
    for (const fn of this.listeners) fn(e);
  }

  private receive(m: UdpMessage): void {
    if (m.iface !== this.iface) return; // another interface's broadcast: not our LAN
    this.stats.received++;
    const msg = parseDhcp(m.data);
    if (msg instanceof ParseError) {
      this.stats.malformed++;
      this.emit("malformed", `from ${m.from.address}:${m.from.port}: ${msg.message}`);
      if (m.datagram !== undefined) this.node.drop(m.datagram, "bad-message", this.iface);
      return;
    }
    const client = dhcpClientKey(msg);
    const who = clientName(msg);
    const type = msg.options.messageType;
    if (msg.op !== BOOTP_REQUEST || type === undefined) {
      return this.ignore(who, `${dhcpMessageName(type)} with op ${msg.op} is not a DHCP request`);
    }
    this.emit("receive", dhcpMessageName(type), who);
    switch (type) {
      case DHCP_MESSAGE.DISCOVER:
        return this.discover(msg, client, who);
      case DHCP_MESSAGE.REQUEST:
        return this.request(msg, client, who);
      case DHCP_MESSAGE.DECLINE:
        return this.decline(msg, client, who);
      case DHCP_MESSAGE.RELEASE:
        return this.release(msg, client, who);
      case DHCP_MESSAGE.INFORM:
        return this.inform(msg, who);
      default:
        return this.ignore(who, `${dhcpMessageName(type)} is not a client message`);
    }
  }

  private ignore(who: string, detail: string, address?: Ipv4): void {
    this.stats.ignored++;
    this.emit("ignored", detail, who, address);
  }

  /** RFC 2131 §4.3.1: current binding, then previous address, then the requested one, then any. */
  private discover(msg: DhcpMessage, client: string, who: string): void {
    const now = this.node.clock.monotonic();
    const current = this.pool.leaseOf(client);
    const wanted = msg.options.requestedAddress;
    let address = current?.address ?? this.pool.previousFree(client);
    if (address === undefined && wanted !== undefined && this.pool.leasable(wanted)) {
      if (this.pool.holder(wanted) === undefined) address = wanted;
    }
    address ??= this.pool.firstFree();
    if (address === undefined) {
      this.stats.noOffer++;
      this.emit("no-offer", `pool of ${this.pool.size} exhausted: no offer`, who);
      return;
    }
    const bound = current?.state === "bound" && current.address === address;
    const lease = bound ? current : this.pool.set(address, client, "offered", now + this.offerTime);
    this.arm(lease);
    this.stats.offers++;
    this.emit("offer", bound ? "its current lease" : "reserved", who, address);
    this.send(this.reply(msg, DHCP_MESSAGE.OFFER, address, true));
  }

  /** RFC 2131 §4.3.2: a REQUEST in SELECTING, INIT-REBOOT, RENEWING or REBINDING. */
  private request(msg: DhcpMessage, client: string, who: string): void {
    const o = msg.options;
    const mine = this.pool.leaseOf(client);
    if (o.serverId !== undefined) {
      // SELECTING: the client names the server it chose.
      if (o.serverId !== this.serverId) {
        if (mine?.state === "offered") this.freeLease(mine);
        return this.ignore(who, `chose server ${formatIpv4(o.serverId)}`);
      }
      const want = o.requestedAddress;
      if (want === undefined || msg.ciaddr !== 0) {
        return this.nak(msg, who, "SELECTING needs a requested address and no ciaddr", want);
      }
      if (mine === undefined || mine.address !== want) {
        return this.nak(msg, who, "address was not offered to this client", want);
      }
      return this.ack(msg, client, who, want);
    }
    const want = o.requestedAddress ?? msg.ciaddr;
    const state = o.requestedAddress !== undefined ? "INIT-REBOOT" : "RENEWING/REBINDING";
    if (want === 0) return this.ignore(who, "REQUEST with neither requested address nor ciaddr");
    if (!this.subnet.contains(want)) {
      return this.nak(msg, who, `${state}: not on subnet ${this.subnet}`, want);
    }
    const holder = this.pool.holder(want);
    if (holder !== undefined && holder.client !== client) {
      return this.nak(msg, who, `${state}: leased to another client`, want);
    }
    if (mine !== undefined && mine.address === want) return this.ack(msg, client, who, want);
    // RFC 2131 §4.3.2: with no record of the client, the server must remain silent.
    this.ignore(who, `${state}: no record of this client`, want);
  }

  private ack(msg: DhcpMessage, client: string, who: string, address: Ipv4): void {
    const renew = msg.ciaddr !== 0;
    const lease = this.pool.set(
      address,
      client,
      "bound",
      this.node.clock.monotonic() + this.leaseTime,
    );
    this.arm(lease);
    this.stats.acks++;
    this.emit("ack", renew ? "lease renewed" : "lease granted", who, address);
    this.send(this.reply(msg, DHCP_MESSAGE.ACK, address, true));
  }

  private nak(msg: DhcpMessage, who: string, why: string, address?: Ipv4): void {
    this.stats.naks++;
    this.emit("nak", why, who, address);
    this.send(this.reply(msg, DHCP_MESSAGE.NAK, 0, false));
  }

  /** RFC 2131 §4.3.3: the client found the address in use; keep it out of the pool for a while. */
  private decline(msg: DhcpMessage, client: string, who: string): void {
    const a = msg.options.requestedAddress;
    const l = a === undefined ? undefined : this.pool.holder(a);
    if (a === undefined || l === undefined || l.client !== client) {
      return this.ignore(who, "DECLINE of an address this client does not hold", a);
    }
    this.stats.declines++;
    const held = this.pool.set(
      a,
      client,
      "declined",
      this.node.clock.monotonic() + this.declineTime,
    );
    this.arm(held);
    this.emit("decline", "address in use: withheld from the pool", who, a);
  }

  /** RFC 2131 §4.3.4: the client gives its address back. */
  private release(msg: DhcpMessage, client: string, who: string): void {
    const l = this.pool.holder(msg.ciaddr);
    if (l === undefined || l.client !== client || l.state !== "bound") {
      return this.ignore(who, "RELEASE of an address this client does not hold", msg.ciaddr);
    }
    this.stats.releases++;
    this.freeLease(l);
    this.emit("release", "address back in the pool", who, msg.ciaddr);
  }

  /** RFC 2131 §4.3.5: configuration without an address, sent to ciaddr. */
  private inform(msg: DhcpMessage, who: string): void {
    if (msg.ciaddr === 0) return this.ignore(who, "INFORM without ciaddr");
    this.stats.acks++;
    this.emit("ack", "configuration only (INFORM)", who, msg.ciaddr);
    this.send(this.reply(msg, DHCP_MESSAGE.ACK, 0, false, true));
  }

  /** Arms the expiry of a lease, offer or decline hold. */
  private arm(lease: DhcpPoolLease): void {
    let t = this.timers.get(lease.address);
    if (t === undefined) {
      const address = lease.address;
      t = this.node.clock.timer(() => this.expire(address));
      this.timers.set(address, t);
    }
    t.setAt(lease.expires);
  }

  private expire(address: Ipv4): void {
    const l = this.pool.holder(address);
    if (l === undefined || l.expires > this.node.clock.monotonic()) return;
    this.pool.free(address);
    this.timers.delete(address);
    this.stats.expired++;
    this.emit("expire", `${l.state} ended`, l.client, address);
  }

  private freeLease(l: DhcpPoolLease): void {
    this.pool.free(l.address);
    this.timers.get(l.address)?.cancel();
    this.timers.delete(l.address);
  }

  /** A reply (RFC 2131 §4.3.1 table 3) to `req`. */
  private reply(
    req: DhcpMessage,
    type: number,
    yiaddr: Ipv4,
    withLease: boolean,
    withConfig = withLease,
  ): DhcpMessage {
    const r = emptyDhcpMessage(BOOTP_REPLY);
    r.htype = req.htype;
    r.chaddr = req.chaddr;
    r.xid = req.xid;
    r.flags = req.flags & DHCP_FLAG_BROADCAST;
    r.giaddr = req.giaddr;
    r.yiaddr = yiaddr;
    // ciaddr is echoed in an ACK to a client that has an address, zero otherwise.
    if (type === DHCP_MESSAGE.ACK) r.ciaddr = req.ciaddr;
    r.options.messageType = type;
    r.options.serverId = this.serverId;
    if (withLease) {
      r.options.leaseTime = Math.floor(this.leaseTime / SECOND);
      r.options.renewalTime = Math.floor(this.renewalTime / SECOND);
      r.options.rebindingTime = Math.floor(this.rebindingTime / SECOND);
    }
    if (withConfig) {
      r.options.subnetMask = this.subnet.mask;
      if (this.router !== undefined) r.options.routers = [this.router];
      if (this.dnsServers.length > 0) r.options.dnsServers = [...this.dnsServers];
    }
    return r;
  }

  /**
   * RFC 2131 §4.1: to the relay (giaddr) on port 67; else to ciaddr when the client has an
   * address (never for a NAK); else broadcast. Without ARP tricks a server cannot unicast to an
   * address the client has not configured yet, so a reply without the broadcast flag is
   * broadcast too, which the RFC allows.
   */
  private send(r: DhcpMessage): void {
    const s = this.socket;
    if (s === undefined) return;
    const bytes = emitDhcp(r);
    if (r.giaddr !== 0) {
      s.send(bytes, DHCP_SERVER_PORT, formatIpv4(r.giaddr));
    } else if (r.ciaddr !== 0 && r.options.messageType !== DHCP_MESSAGE.NAK) {
      s.send(bytes, DHCP_CLIENT_PORT, formatIpv4(r.ciaddr), { iface: this.iface });
    } else {
      s.send(bytes, DHCP_CLIENT_PORT, "255.255.255.255", { iface: this.iface });
    }
  }
}

/** RFC 2131 §4.2: a client is its client identifier, else its hardware type and address. */
export function dhcpClientKey(m: DhcpMessage): string {
  if (m.options.clientId !== undefined) return `id:${toHex(m.options.clientId)}`;
  return `hw:${m.htype}:${toHex(m.chaddr)}`;
}

/** The client's MAC address when it has one, for logs. */
function clientName(m: DhcpMessage): string {
  if (m.htype === 1 && m.chaddr.length === 6) {
    let mac = 0;
    for (const b of m.chaddr) mac = mac * 256 + b;
    return formatMac(mac);
  }
  return dhcpClientKey(m);
}

/** Starts a DHCP server on `node`. */
export function startDhcpServer(node: Node, options: DhcpServerOptions): DhcpServer {
  return new DhcpServer(node, options).start();
}
