/**
 * A DHCP client (RFC 2131 §4.4) for one interface, with the RFC's states: INIT -> SELECTING ->
 * REQUESTING -> BOUND -> RENEWING (unicast to the server at T1) -> REBINDING (broadcast at T2) ->
 * back to INIT when the lease expires; INIT-REBOOT -> REBOOTING for a host that remembers an
 * address. It speaks from 0.0.0.0:68 to 255.255.255.255:67 with the broadcast flag until it has
 * an address, retransmits with randomized exponential backoff from a seeded stream (§4.1), and
 * configures the interface, default route and DNS servers from the lease (lease-config.ts).
 * Every state change and lease event is in `log`. It takes the first offer, or collects offers
 * for a while and picks one. Before using an acknowledged address it ARP-probes it (CHECKING,
 * §4.4.1 and RFC 5227); if another host has it, it sends DECLINE, waits and starts again from
 * INIT; otherwise it configures the address and announces it with gratuitous ARP.
 */
import type { Interface } from "../../net/interface.js";
import type { Node } from "../../net/node.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import type { RandomStream } from "../../sim/random.js";
import { type Nanos, NS_PER_S } from "../../sim/time.js";
import { TransportError } from "../../transport/errors.js";
import { type UdpMessage, type UdpSocket, udp } from "../../transport/udp.js";
import { formatIpv4, type Ipv4, parseIpv4Address } from "../../wire/address.js";
import type { ArpRecord } from "../../wire/arp.js";
import { bytesEqual } from "../../wire/bytes.js";
import {
  BOOTP_REPLY,
  BOOTP_REQUEST,
  chaddrFromMac,
  DHCP_CLIENT_PORT,
  DHCP_FLAG_BROADCAST,
  DHCP_MESSAGE,
  DHCP_OPTION,
  DHCP_SERVER_PORT,
  type DhcpMessage,
  dhcpMessageName,
  emitDhcp,
  emptyDhcpMessage,
  parseDhcp,
} from "../../wire/dhcp.js";
import { formatMac } from "../../wire/mac.js";
import { ParseError } from "../../wire/parse-error.js";
import {
  ACD_MAX_CONFLICTS,
  ACD_RATE_LIMIT_INTERVAL,
  AddressCheck,
  type AddressCheckTimings,
  RFC5227_TIMINGS,
} from "./address-check.js";
import type {
  DhcpClientEvent,
  DhcpClientEventKind,
  DhcpClientOptions,
  DhcpClientState,
  DhcpClientStats,
  DhcpLease,
} from "./client-types.js";
import {
  type AppliedDhcpLease,
  applyDhcpLease,
  netmaskLength,
  removeDhcpLease,
} from "./lease-config.js";
import { armAt, formatSeconds, halfOf, leaseTimes, sameConfig } from "./lease-times.js";

const SECOND = NS_PER_S;
/** RFC 2131 §4.1: the first retransmission after 4 s, doubling to at most 64 s, each +-1 s. */
const FIRST_WAIT = 4 * SECOND;
const MAX_WAIT = 64 * SECOND;
const PARAMETERS = [
  DHCP_OPTION.SUBNET_MASK,
  DHCP_OPTION.ROUTER,
  DHCP_OPTION.DNS_SERVERS,
  DHCP_OPTION.LEASE_TIME,
  DHCP_OPTION.RENEWAL_TIME,
  DHCP_OPTION.REBINDING_TIME,
];

export class DhcpClient {
  readonly iface: Interface;
  readonly log: DhcpClientEvent[] = [];
  readonly stats: DhcpClientStats = {
    discovers: 0,
    requests: 0,
    offers: 0,
    acks: 0,
    naks: 0,
    retransmissions: 0,
    malformed: 0,
    conflicts: 0,
    declines: 0,
  };
  private current: DhcpClientState = "STOPPED";
  private socket: UdpSocket | undefined;
  private readonly rng: RandomStream;
  private readonly listeners: ((e: DhcpClientEvent) => void)[] = [];
  private readonly chaddr: Uint8Array;
  private readonly clientId: Uint8Array;
  private xid = 0;
  /** When the current exchange began, for the secs field. */
  private began = 0;
  private tries = 0;
  /** The offer being requested in REQUESTING. */
  private offer: DhcpMessage | undefined;
  private held: DhcpLease | undefined;
  private applied: AppliedDhcpLease | undefined;
  private remembered: Ipv4 | undefined;
  /** Running when the node crashed, so a restart starts again. */
  private wasRunning = false;
  private readonly retransmit: LocalTimer;
  private readonly t1: LocalTimer;
  private readonly t2: LocalTimer;
  private readonly expiry: LocalTimer;
  private readonly startDelay: Nanos;
  private readonly requestRetries: number;
  private readonly minRenewWait: Nanos;
  private readonly hostName: string | undefined;
  /** RFC 5227 timings, or undefined when the client does not probe. */
  readonly checkTimings: AddressCheckTimings | undefined;
  private readonly declineWait: Nanos;
  private readonly offerWindow: Nanos;
  private readonly offerChoice: "first" | "previous";
  /** Offers collected in SELECTING, one per server, in arrival order. */
  private offers: DhcpMessage[] = [];
  private readonly offerTimer: LocalTimer;
  /** The probe of an acknowledged address, then its announcements. */
  private check: AddressCheck | undefined;
  private readonly checkRng: RandomStream;
  /** The address last bound (or given as previousAddress), for offerChoice "previous". */
  private lastBound: Ipv4 | undefined;

  constructor(
    readonly node: Node,
    options: DhcpClientOptions = {},
  ) {
    const iface = options.iface === undefined ? node.interfaces[0] : node.iface(options.iface);
    if (iface === undefined) throw new Error(`dhcp client on ${node.name}: no interface`);
    this.iface = iface;
    this.rng = node.sim.rng(`node:${node.name}:dhcp:${iface.name}`);
    this.chaddr = chaddrFromMac(iface.mac);
    this.clientId = options.clientId ?? Uint8Array.of(1, ...this.chaddr);
    this.startDelay = options.startDelay ?? 10 * SECOND;
    this.requestRetries = options.requestRetries ?? 4;
    this.minRenewWait = options.minRenewWait ?? 60 * SECOND;
    this.hostName = options.hostName;
    this.checkTimings =
      options.addressCheck === false ? undefined : { ...RFC5227_TIMINGS, ...options.addressCheck };
    this.declineWait = options.declineWait ?? 10 * SECOND;
    this.offerWindow = options.offerWindow ?? 0;
    this.offerChoice = options.offerChoice ?? "first";
    // A stream of its own, so probing leaves the DHCP exchange's random draws as they were.
    this.checkRng = node.sim.rng(`node:${node.name}:acd:${iface.name}`);
    if (options.previousAddress !== undefined) {
      const a = parseIpv4Address(options.previousAddress);
      if (a instanceof ParseError) throw new Error(`dhcp: bad address ${options.previousAddress}`);
      this.remembered = a;
      this.lastBound = a;
    }
    // RFC 2131 §4.4.5: the client's timers run on its own clock.
    const clock = node.clock;
    this.retransmit = clock.timer(() => this.retransmitNow());
    this.t1 = clock.timer(() => this.renew());
    this.t2 = clock.timer(() => this.rebind());
    this.expiry = clock.timer(() => this.expire());
    this.offerTimer = clock.timer(() => this.choose());
    node.onUpDown((up) => this.upDown(up));
  }

  /** The RFC state the client is in. */
  get state(): DhcpClientState {
    return this.current;
  }

  /** The lease held, if any. */
  get lease(): DhcpLease | undefined {
    return this.held;
  }

  /** The configured address as text, if any. */
  get address(): string | undefined {
    return this.held === undefined ? undefined : formatIpv4(this.held.address);
  }

  /** Calls `fn` with every event from now on. */
  onEvent(fn: (e: DhcpClientEvent) => void): void {
    this.listeners.push(fn);
  }

  /** Starts acquiring a lease (INIT, or INIT-REBOOT with a remembered address). */
  start(): this {
    if (this.current !== "STOPPED") return this;
    if (this.socket === undefined) {
      const s = udp(this.node).bind(DHCP_CLIENT_PORT);
      if (s instanceof TransportError) throw new Error(`dhcp on ${this.node.name}: ${s.message}`);
      s.onMessage((m) => this.receive(m));
      this.socket = s;
    }
    if (this.remembered !== undefined) this.initReboot(this.remembered);
    else this.init(true);
    return this;
  }

  /** RFC 2131 §4.4.6: gives the address back to the server and stops. */
  release(): void {
    const lease = this.held;
    if (lease !== undefined && this.applied !== undefined) {
      const m = this.message(DHCP_MESSAGE.RELEASE, false);
      m.ciaddr = lease.address;
      m.options.serverId = lease.server;
      this.xid = this.rng.nextU32();
      m.xid = this.xid;
      this.transmit(m, formatIpv4(lease.server));
      this.unconfigure();
      // A released address is not asked back by INIT-REBOOT; the server may still offer it.
      this.remembered = undefined;
      this.emit("released", `gave back ${formatIpv4(lease.address)}`);
    }
    this.stopTimers();
    this.setState("STOPPED");
  }

  // ---- states ----

  /** INIT; the first time after a random wait, after a DECLINE after `after`. */
  private init(first = false, after = 0): void {
    this.stopTimers();
    this.setState("INIT");
    // RFC 2131 §4.4.1: wait a random time (1-10 s) before the first DISCOVER.
    const lo = Math.min(SECOND, this.startDelay);
    const wait = first ? lo + Math.floor(this.rng.nextFloat() * (this.startDelay - lo)) : after;
    this.retransmit.set(wait);
  }

  private initReboot(address: Ipv4): void {
    this.setState("INIT-REBOOT");
    this.newExchange();
    this.sendRequest({ requested: address });
    this.setState("REBOOTING");
    this.armRetransmit();
  }

  private discover(): void {
    this.newExchange();
    this.sendDiscover();
    this.setState("SELECTING");
    this.armRetransmit();
  }

  private retransmitNow(): void {
    switch (this.current) {
      case "INIT":
        return this.discover();
      case "SELECTING":
        this.stats.retransmissions++;
        this.sendDiscover();
        return this.armRetransmit();
      case "REQUESTING":
      case "REBOOTING":
        // §3.1 step 3: no answer after the retransmissions: back to INIT.
        if (this.tries > this.requestRetries) return this.init();
        this.stats.retransmissions++;
        if (this.current === "REQUESTING" && this.offer !== undefined) {
          this.sendRequest({ requested: this.offer.yiaddr, server: this.offer.options.serverId });
        } else if (this.remembered !== undefined) {
          this.sendRequest({ requested: this.remembered });
        }
        return this.armRetransmit();
      case "RENEWING":
        this.stats.retransmissions++;
        return this.renewOnce();
      case "REBINDING":
        this.stats.retransmissions++;
        return this.rebindOnce();
      default:
    }
  }

  /** T1: ask the leasing server, by unicast, to extend the lease (§4.4.5). */
  private renew(): void {
    if (this.held === undefined) return;
    this.newExchange();
    this.setState("RENEWING");
    this.renewOnce();
  }

  private renewOnce(): void {
    const lease = this.held!;
    this.sendRequest({ ciaddr: lease.address, to: formatIpv4(lease.server) });
    // §4.4.5: retransmit after half the time left until T2, but not sooner than a minimum.
    const wait = Math.max(this.minRenewWait, halfOf(lease.t2 - this.node.clock.monotonic()));
    if (this.node.clock.monotonic() + wait < lease.t2) this.retransmit.set(wait);
  }

  /** T2: ask any server, by broadcast, to extend the lease (§4.4.5). */
  private rebind(): void {
    if (this.held === undefined) return;
    if (this.current !== "RENEWING") this.newExchange();
    this.setState("REBINDING");
    this.rebindOnce();
  }

  private rebindOnce(): void {
    const lease = this.held!;
    this.sendRequest({ ciaddr: lease.address });
    const wait = Math.max(this.minRenewWait, halfOf(lease.expires - this.node.clock.monotonic()));
    if (this.node.clock.monotonic() + wait < lease.expires) this.retransmit.set(wait);
    else this.retransmit.cancel();
  }

  private expire(): void {
    const lease = this.held;
    this.unconfigure();
    this.emit("expired", lease ? `lost ${formatIpv4(lease.address)}` : "lease ended");
    this.init();
  }

  // ---- receiving ----

  private receive(m: UdpMessage): void {
    if (m.iface !== this.iface) return;
    const msg = parseDhcp(m.data);
    if (msg instanceof ParseError) {
      this.stats.malformed++;
      this.emit("malformed", msg.message);
      if (m.datagram !== undefined) this.node.drop(m.datagram, "bad-message", this.iface);
      return;
    }
    // Not ours: another client's reply, or an old exchange.
    if (msg.op !== BOOTP_REPLY || msg.xid !== this.xid || !bytesEqual(msg.chaddr, this.chaddr)) {
      return;
    }
    const type = msg.options.messageType;
    const from = msg.options.serverId ?? 0;
    this.emit(
      "receive",
      `${dhcpMessageName(type)} from ${formatIpv4(from)}${msg.yiaddr ? ` for ${formatIpv4(msg.yiaddr)}` : ""}`,
    );
    if (type === DHCP_MESSAGE.OFFER) return this.offered(msg);
    if (type === DHCP_MESSAGE.ACK) return this.acked(msg);
    if (type === DHCP_MESSAGE.NAK) return this.naked(msg);
  }

  private offered(msg: DhcpMessage): void {
    if (this.current !== "SELECTING") return;
    if (msg.yiaddr === 0 || msg.options.serverId === undefined) return;
    this.stats.offers++;
    // §4.4.1 lets the client collect offers and choose; a server's newer offer replaces its older.
    this.offers = this.offers.filter((o) => o.options.serverId !== msg.options.serverId);
    this.offers.push(msg);
    const preferred = this.offerChoice === "previous" && msg.yiaddr === this.lastBound;
    if (this.offerWindow <= 0 || preferred) return this.choose();
    if (!this.offerTimer.armed) this.offerTimer.set(this.offerWindow);
  }

  /** Takes one of the collected offers and asks its server for it (§4.4.1, SELECTING). */
  private choose(): void {
    this.offerTimer.cancel();
    if (this.current !== "SELECTING" || this.offers.length === 0) return;
    const offers = this.offers;
    this.offers = [];
    const previous =
      this.offerChoice === "previous" ? offers.find((o) => o.yiaddr === this.lastBound) : undefined;
    const msg = previous ?? offers[0]!;
    if (offers.length > 1 || previous !== undefined) {
      const why = previous !== undefined ? "its previous address" : "the first";
      this.emit(
        "selected",
        `${formatIpv4(msg.yiaddr)} from ${formatIpv4(msg.options.serverId!)}: ${why} of ${offers.length} offer${offers.length === 1 ? "" : "s"}`,
      );
    }
    this.offer = msg;
    this.tries = 0;
    this.sendRequest({ requested: msg.yiaddr, server: msg.options.serverId });
    this.setState("REQUESTING");
    this.armRetransmit();
  }

  private acked(msg: DhcpMessage): void {
    const s = this.current;
    if (s !== "REQUESTING" && s !== "REBOOTING" && s !== "RENEWING" && s !== "REBINDING") return;
    if (msg.yiaddr === 0) return;
    if (s === "REQUESTING" && msg.options.serverId !== this.offer?.options.serverId) return;
    this.stats.acks++;
    const o = msg.options;
    const now = this.node.clock.monotonic();
    const times = leaseTimes(o, now);
    const lease: DhcpLease = {
      address: msg.yiaddr,
      prefixLength: (o.subnetMask === undefined ? undefined : netmaskLength(o.subnetMask)) ?? 24,
      server: o.serverId ?? this.held?.server ?? 0,
      router: o.routers?.[0],
      dnsServers: o.dnsServers ?? [],
      start: now,
      ...times,
    };
    this.offer = undefined;
    this.retransmit.cancel();
    const arp = this.iface.arp;
    // RFC 2131 §4.4.1 (and §3.2 step 4 for INIT-REBOOT): check a new address before using it.
    if ((s === "REQUESTING" || s === "REBOOTING") && this.checkTimings && arp !== undefined) {
      this.unconfigure();
      this.setState("CHECKING");
      this.check?.cancel();
      this.check = new AddressCheck(
        this.node.clock,
        arp,
        this.iface.mac,
        lease.address,
        this.checkRng,
        this.checkTimings,
        { free: () => this.bind(lease), conflict: (a) => this.conflict(lease, a) },
      ).start();
      this.emit("probing", `ARP probes for ${formatIpv4(lease.address)}`);
      return;
    }
    this.bind(lease);
  }

  /** Configures the leased address (or keeps it, on a renewal) and arms T1, T2 and expiry. */
  private bind(lease: DhcpLease): void {
    const renewed = this.held !== undefined && sameConfig(this.held, lease);
    if (!renewed) {
      this.unconfigure();
      this.applied = applyDhcpLease(this.iface, lease);
    }
    this.held = lease;
    this.remembered = lease.address;
    this.lastBound = lease.address;
    armAt(this.t1, lease.t1);
    armAt(this.t2, lease.t2);
    armAt(this.expiry, lease.expires);
    this.setState("BOUND");
    const now = this.node.clock.monotonic();
    const detail = `${formatIpv4(lease.address)}/${lease.prefixLength} from ${formatIpv4(lease.server)} for ${formatSeconds(lease.expires - now)}`;
    this.emit(renewed ? "renewed" : "bound", detail);
  }

  /**
   * RFC 2131 §3.1 step 5: the address is in use: DECLINE it, forget it, and start again from
   * INIT after at least ten seconds (RFC 5227 §2.1.1: one try a minute after MAX_CONFLICTS).
   */
  private conflict(lease: DhcpLease, arp: ArpRecord): void {
    this.stats.conflicts++;
    const by = arp.senderIp === 0 ? "probed for" : "in use";
    this.emit("conflict", `${formatIpv4(lease.address)} ${by} by ${formatMac(arp.senderMac)}`);
    const m = this.message(DHCP_MESSAGE.DECLINE, false);
    // RFC 2131 §4.4.1 table 5: requested address and server identifier, secs and ciaddr zero.
    m.secs = 0;
    m.options.requestedAddress = lease.address;
    m.options.serverId = lease.server;
    this.stats.declines++;
    this.transmit(m);
    this.remembered = undefined;
    if (this.lastBound === lease.address) this.lastBound = undefined;
    const wait =
      this.stats.conflicts >= ACD_MAX_CONFLICTS ? ACD_RATE_LIMIT_INTERVAL : this.declineWait;
    this.init(false, Math.max(wait, this.declineWait));
  }

  private naked(msg: DhcpMessage): void {
    const s = this.current;
    if (s !== "REQUESTING" && s !== "REBOOTING" && s !== "RENEWING" && s !== "REBINDING") return;
    if (s === "REQUESTING" && msg.options.serverId !== this.offer?.options.serverId) return;
    this.stats.naks++;
    // RFC 2131 §3.1 step 5 and §4.4.4: a NAK means start again from INIT, without the address.
    this.unconfigure();
    this.remembered = undefined;
    this.emit("nak", `NAK from ${formatIpv4(msg.options.serverId ?? 0)} in ${s}`);
    this.init();
  }

  // ---- sending ----

  private newExchange(): void {
    this.xid = this.rng.nextU32();
    this.began = this.node.clock.monotonic();
    this.tries = 0;
  }

  /** A request message; `withHostName` false for DECLINE and RELEASE (§4.4.1 table 5). */
  private message(type: number, withHostName = true): DhcpMessage {
    const m = emptyDhcpMessage(BOOTP_REQUEST);
    m.chaddr = this.chaddr;
    m.xid = this.xid;
    m.secs = Math.min(0xffff, Math.floor((this.node.clock.monotonic() - this.began) / SECOND));
    m.options.messageType = type;
    m.options.clientId = this.clientId;
    if (withHostName && this.hostName !== undefined) m.options.hostName = this.hostName;
    return m;
  }

  private sendDiscover(): void {
    const m = this.message(DHCP_MESSAGE.DISCOVER);
    m.flags = DHCP_FLAG_BROADCAST;
    m.options.parameterRequestList = PARAMETERS;
    if (this.remembered !== undefined) m.options.requestedAddress = this.remembered;
    this.stats.discovers++;
    this.tries++;
    this.transmit(m);
  }

  /**
   * A REQUEST, shaped by state (RFC 2131 §4.3.2 table 4): SELECTING names the server and the
   * address; INIT-REBOOT only the address; RENEWING and REBINDING put the address in ciaddr.
   */
  private sendRequest(r: { requested?: Ipv4; server?: Ipv4; ciaddr?: Ipv4; to?: string }): void {
    const m = this.message(DHCP_MESSAGE.REQUEST);
    m.options.parameterRequestList = PARAMETERS;
    if (r.requested !== undefined) m.options.requestedAddress = r.requested;
    if (r.server !== undefined) m.options.serverId = r.server;
    if (r.ciaddr !== undefined) m.ciaddr = r.ciaddr;
    else m.flags = DHCP_FLAG_BROADCAST; // no address yet: the reply must be broadcast
    this.stats.requests++;
    this.tries++;
    this.transmit(m, r.to);
  }

  private transmit(m: DhcpMessage, to?: string): void {
    const s = this.socket;
    if (s === undefined) return;
    this.emit("send", `${dhcpMessageName(m.options.messageType)} to ${to ?? "255.255.255.255"}`);
    const bytes = emitDhcp(m);
    if (to === undefined) {
      s.send(bytes, DHCP_SERVER_PORT, "255.255.255.255", { iface: this.iface });
    } else {
      s.send(bytes, DHCP_SERVER_PORT, to);
    }
  }

  /** §4.1: 4 s, 8 s, ... up to 64 s, each randomized by a uniform -1..+1 s. */
  private armRetransmit(): void {
    const base = Math.min(MAX_WAIT, FIRST_WAIT * 2 ** Math.max(0, this.tries - 1));
    const jitter = Math.floor((this.rng.nextFloat() * 2 - 1) * SECOND);
    this.retransmit.set(base + jitter);
  }

  // ---- bookkeeping ----

  private unconfigure(): void {
    if (this.applied !== undefined) removeDhcpLease(this.applied);
    this.applied = undefined;
    this.held = undefined;
    this.t1.cancel();
    this.t2.cancel();
    this.expiry.cancel();
  }

  private stopTimers(): void {
    this.retransmit.cancel();
    this.offerTimer.cancel();
    this.offers = [];
    this.check?.cancel();
    this.check = undefined;
    this.t1.cancel();
    this.t2.cancel();
    this.expiry.cancel();
  }

  /** A crash loses the lease and the configuration; a restart reboots asking for the address. */
  private upDown(up: boolean): void {
    if (!up) {
      if (this.current === "STOPPED") return;
      this.unconfigure();
      this.stopTimers();
      this.socket = undefined;
      this.setState("STOPPED");
      this.wasRunning = true;
      return;
    }
    if (this.wasRunning) {
      this.wasRunning = false;
      this.start();
    }
  }

  private setState(s: DhcpClientState): void {
    if (s === this.current) return;
    const from = this.current;
    this.current = s;
    this.emit("state", `${from} -> ${s}`);
  }

  private emit(kind: DhcpClientEventKind, detail: string): void {
    const e: DhcpClientEvent = {
      time: this.node.clock.monotonic(),
      kind,
      state: this.current,
      detail,
    };
    this.log.push(e);
    for (const fn of this.listeners) fn(e);
  }
}

/** Starts a DHCP client on `node`. */
export function startDhcpClient(node: Node, options?: DhcpClientOptions): DhcpClient {
  return new DhcpClient(node, options).start();
}
