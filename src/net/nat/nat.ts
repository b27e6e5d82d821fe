/**
 * A NAPT (RFC 3022 §2.2) on a router between one inside and one outside interface: outbound
 * TCP, UDP and ICMP echo get the outside interface's address and a mapped port (or echo
 * identifier), inbound packets to that address are filtered and translated back, ICMP errors
 * are translated with the datagram they quote (RFC 5508 §4.2), and inside hosts may reach each
 * other through the public address (hairpinning, RFC 4787 §6). It plugs into the IPv4 layer's
 * prerouting and postrouting hooks and rewrites packets in place with incremental checksums.
 *
 * Fragments are reassembled before translation, as Linux does before connection tracking, since
 * only the first carries the ports; the whole datagram is fragmented again on the way out.
 * Protocols other than TCP, UDP and ICMP are not translated (dropped outbound).
 */
import type { Nanos } from "../../sim/time.js";
import { formatIpv4, type Ipv4 } from "../../wire/address.js";
import { getU16, getU32, setU16 } from "../../wire/bytes.js";
import { internetChecksum } from "../../wire/checksum.js";
import { IPV4_FLAG_MF, IPV4_FRAGMENT_OFFSET_MASK } from "../../wire/ipv4.js";
import { TCP_FLAG_FIN, TCP_FLAG_RST, TCP_FLAG_SYN } from "../../wire/tcp.js";
import type { Interface } from "../interface.js";
import { joinIpv4Fragments } from "../ipv4-fragment.js";
import type { Node } from "../node.js";
import type { DropReason } from "../packet-events.js";
import { Reassembler } from "../reassembly.js";
import { type NatBehaviourOptions, type NatBehaviourSettings, natSettings } from "./nat-config.js";
import { NO_SUM, rewrite16, rewriteAddress, rewriteEndpoint, sumsFor } from "./nat-rewrite.js";
import {
  type NatFlow,
  type NatMapping,
  type NatMappingInfo,
  NatTable,
  protocolName,
} from "./nat-table.js";

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ECHO_REQUEST = 8;
const ECHO_REPLY = 0;
/** ICMP error types whose quoted datagram the NAT translates (RFC 5508 §4.2). */
const isIcmpError = (t: number) => t === 3 || t === 11 || t === 12;
const LOG_LIMIT = 10_000;

/** Where the NAT sits: interface names on the router, plus its behaviour. */
export interface NatOptions extends NatBehaviourOptions {
  /** The interface toward the private network. */
  inside: string;
  /** The interface toward the Internet; its first IPv4 address is the public address. */
  outside: string;
}

/** Something the NAT did, for tests and reports. */
export interface NatLogEntry {
  time: Nanos;
  event: "map" | "expire" | "filtered" | "table-full" | "hairpin" | "icmp-error";
  protocol: "tcp" | "udp" | "icmp";
  /** e.g. "192.168.1.2:5000 -> 203.0.113.2:5000 for 198.51.100.7:53". */
  detail: string;
}

/** Running totals. */
export interface NatCounters {
  outbound: number;
  inbound: number;
  hairpinned: number;
  icmpErrors: number;
  created: number;
  expired: number;
  filtered: number;
  tableFull: number;
}

const endpoint = (a: Ipv4, p: number) => `${formatIpv4(a)}:${p}`;

export class Nat {
  readonly settings: NatBehaviourSettings;
  readonly inside: Interface;
  readonly outside: Interface;
  readonly publicAddress: Ipv4;
  readonly table: NatTable;
  readonly log: NatLogEntry[] = [];
  /** Fragments waiting to be whole before translation, and the interface each came in on. */
  private readonly defrag: Reassembler;
  private readonly fragmentIfaces = new Map<string, Interface>();
  readonly counters: NatCounters = {
    outbound: 0,
    inbound: 0,
    hairpinned: 0,
    icmpErrors: 0,
    created: 0,
    expired: 0,
    filtered: 0,
    tableFull: 0,
  };

  constructor(
    readonly node: Node,
    options: NatOptions,
  ) {
    this.settings = natSettings(options);
    this.inside = node.iface(options.inside);
    this.outside = node.iface(options.outside);
    const pub = this.outside.ipv4;
    if (pub === undefined)
      throw new Error(`${node.name}: NAT outside ${options.outside} has no IPv4 address`);
    if (node.ipv4.prerouting !== undefined || node.ipv4.postrouting !== undefined) {
      throw new Error(`${node.name} already has IPv4 hooks (one NAT per router)`);
    }
    this.publicAddress = pub;
    this.table = new NatTable(this.settings, pub, node.sim.rng(`nat:${node.name}:ports`), (m) => {
      this.counters.expired++;
      this.note("expire", m.protocol, describe(m));
    });
    this.defrag = new Reassembler(node.sim, {
      complete: (header, payload, key) => this.reassembled(header, payload, key),
      timedOut: (first, key) => {
        this.fragmentIfaces.delete(key);
        if (first !== undefined) node.drop(first, "reassembly-timeout");
      },
    });
    node.ipv4.prerouting = (p, iface) =>
      iface === this.outside ? this.inbound(p) : iface === this.inside ? this.fromInside(p) : true;
    node.ipv4.postrouting = (p, out, inIface) =>
      out !== this.outside
        ? true
        : inIface === this.inside
          ? this.outbound(p)
          : inIface === undefined
            ? this.ownError(p)
            : true;
    node.onUpDown(() => {
      this.table.clear();
      this.defrag.clear();
      this.fragmentIfaces.clear();
    });
  }

  /** The live mappings, oldest first. */
  mappings(): NatMappingInfo[] {
    return this.table.list(this.node.sim.now).map((m) => m.snapshot());
  }

  /** Removes the NAT from its router. */
  detach(): void {
    this.node.ipv4.prerouting = undefined;
    this.node.ipv4.postrouting = undefined;
    this.table.clear();
  }

  // ---- inside -> outside ----

  private outbound(p: Uint8Array): boolean {
    const hl = (p[0]! & 0x0f) * 4;
    const protocol = p[9]!;
    if (isFragment(p)) return this.refuse(p, this.outside, protocol, "fragment");
    const src = getU32(p, 12);
    const dst = getU32(p, 16);
    const now = this.node.sim.now;
    if (protocol === TCP || protocol === UDP) {
      const ends = ports(p, hl, protocol);
      if (ends === undefined) return this.reject(p, this.outside, "bad-header");
      const { sport, dport } = ends;
      const m = this.mapOutbound(
        p,
        {
          protocol,
          internalAddress: src,
          internalPort: sport,
          remoteAddress: dst,
          remotePort: dport,
        },
        now,
      );
      if (m === undefined) return false;
      m.permit(dst, dport);
      m.packetsOut++;
      if (protocol === TCP) tcpFlags(m, p[hl + 13]!, true);
      this.refresh(m, now);
      const sums = sumsFor(protocol, 10, hl, p.length);
      rewriteEndpoint(p, 12, this.publicAddress, hl, m.externalPort, sums);
      this.counters.outbound++;
      return true;
    }
    if (protocol === ICMP && hl + 8 <= p.length) {
      const type = p[hl]!;
      if (type === ECHO_REQUEST) {
        const m = this.mapOutbound(
          p,
          {
            protocol: ICMP,
            internalAddress: src,
            internalPort: getU16(p, hl + 4), // the echo identifier
            remoteAddress: dst,
            remotePort: 0,
          },
          now,
        );
        if (m === undefined) return false;
        m.permit(dst, 0);
        m.packetsOut++;
        this.refresh(m, now);
        rewriteAddress(p, 12, this.publicAddress, { ip: 10, l4: NO_SUM, udp: false });
        rewrite16(p, hl + 4, m.externalPort, { ip: NO_SUM, l4: hl + 2, udp: false });
        this.counters.outbound++;
        return true;
      }
      if (isIcmpError(type)) return this.errorOutbound(p, hl, now);
    }
    return this.refuse(p, this.outside, protocol, `protocol ${protocol} from ${formatIpv4(src)}`);
  }

  /** The mapping for an outbound flow, made if needed; undefined (and dropped) when full. */
  private mapOutbound(p: Uint8Array, f: NatFlow, now: Nanos): NatMapping | undefined {
    const key = this.table.keyOf(f);
    const found = this.table.findOutbound(key, now);
    if (found !== undefined) return found;
    const m = this.table.create(key, f, now);
    if (m === undefined) {
      this.counters.tableFull++;
      const from = endpoint(f.internalAddress, f.internalPort);
      this.note(
        "table-full",
        f.protocol,
        `${from} to ${endpoint(f.remoteAddress, f.remotePort)}: no mapping`,
      );
      this.node.drop(p, "nat-table-full", this.outside);
      return undefined;
    }
    this.counters.created++;
    this.note("map", f.protocol, describe(m));
    return m;
  }

  /**
   * RFC 5508 §4.2: an inside host's ICMP error about a datagram that came in through a mapping
   * leaves with the public address, outside and in the quoted datagram.
   */
  private errorOutbound(p: Uint8Array, hl: number, now: Nanos): boolean {
    if (this.translateErrorOut(p, hl, now)) return true;
    return this.refuse(p, this.outside, ICMP, "unmatched ICMP error");
  }

  /**
   * The router's own ICMP errors about a translated inbound datagram (its TTL ran out here)
   * quote the internal endpoint; put the public one back before they leave.
   */
  private ownError(p: Uint8Array): boolean {
    const hl = (p[0]! & 0x0f) * 4;
    if (p[9] !== ICMP || hl + 8 > p.length || !isIcmpError(p[hl]!)) return true;
    this.translateErrorOut(p, hl, this.node.sim.now);
    return true;
  }

  /** Translates an outgoing ICMP error's quote back to the public side; false if unmatched. */
  private translateErrorOut(p: Uint8Array, hl: number, now: Nanos): boolean {
    const q = quoted(p, hl);
    if (q === undefined || (q.protocol !== TCP && q.protocol !== UDP)) return false;
    const e = hl + 8;
    // The quoted datagram came in through the mapping: its destination is the internal endpoint.
    const key = this.table.keyOf({
      protocol: q.protocol,
      internalAddress: getU32(p, e + 16),
      internalPort: getU16(p, q.l4 + 2),
      remoteAddress: getU32(p, e + 12),
      remotePort: getU16(p, q.l4),
    });
    const m = this.table.findOutbound(key, now);
    if (m === undefined) return false;
    const sums = sumsFor(q.protocol, e + 10, q.l4, p.length);
    rewriteEndpoint(p, e + 16, this.publicAddress, q.l4 + 2, m.externalPort, sums);
    return this.quoteTranslated(
      p,
      hl,
      12,
      this.publicAddress,
      q.protocol,
      `out, quoting ${describe(m)}`,
    );
  }

  // ---- outside -> inside ----

  private inbound(p: Uint8Array): boolean {
    const dst = getU32(p, 16);
    const protocol = p[9]!;
    if (dst !== this.publicAddress) {
      // Private addresses are not reachable from outside, whatever the routes say.
      const r = this.node.routes.lookup4(dst);
      if (r !== undefined && r.iface === this.inside) {
        return this.refuse(p, this.outside, protocol, `to inside address ${formatIpv4(dst)}`);
      }
      return true;
    }
    if (isFragment(p)) return this.gather(p, this.outside);
    const hl = (p[0]! & 0x0f) * 4;
    const src = getU32(p, 12);
    const now = this.node.sim.now;
    if (protocol === TCP || protocol === UDP) {
      const ends = ports(p, hl, protocol);
      if (ends === undefined) return this.reject(p, this.outside, "bad-header");
      const { sport, dport } = ends;
      const m = this.table.findInbound(protocol, dport, now);
      if (m === undefined) {
        if (this.settings.localPorts.includes(dport)) return true;
        return this.refuse(
          p,
          this.outside,
          protocol,
          `${endpoint(src, sport)} to port ${dport}: no mapping`,
        );
      }
      // RFC 4787 §5 (UDP), RFC 5382 §4.3 (TCP): the filter decides who may use the mapping.
      if (!m.admits(this.settings.filtering, src, sport)) {
        return this.refuse(p, this.outside, protocol, `${endpoint(src, sport)} to ${describe(m)}`);
      }
      m.packetsIn++;
      if (protocol === TCP) {
        tcpFlags(m, p[hl + 13]!, false);
        this.refresh(m, now);
      } else if (this.settings.udpInboundRefresh) this.refresh(m, now);
      const sums = sumsFor(protocol, 10, hl, p.length);
      rewriteEndpoint(p, 16, m.internalAddress, hl + 2, m.internalPort, sums);
      this.counters.inbound++;
      return true;
    }
    if (protocol === ICMP && hl + 8 <= p.length) {
      const type = p[hl]!;
      if (type === ECHO_REPLY) {
        const m = this.table.findInbound(ICMP, getU16(p, hl + 4), now);
        if (m === undefined) return true; // the router's own ping
        if (this.settings.filtering !== "endpoint-independent" && !m.sentToAddresses.has(src)) {
          return this.refuse(p, this.outside, ICMP, `echo reply from ${formatIpv4(src)}`);
        }
        m.packetsIn++;
        rewriteAddress(p, 16, m.internalAddress, { ip: 10, l4: NO_SUM, udp: false });
        rewrite16(p, hl + 4, m.internalPort, { ip: NO_SUM, l4: hl + 2, udp: false });
        this.counters.inbound++;
        return true;
      }
      if (isIcmpError(type)) return this.errorInbound(p, hl, now);
    }
    return true;
  }

  /**
   * RFC 5508 §4.2: an ICMP error about a datagram that left through a mapping goes to the
   * inside host, with the quoted datagram's source turned back into the internal endpoint.
   * Errors quoting the router's own datagrams pass to the router.
   */
  private errorInbound(p: Uint8Array, hl: number, now: Nanos): boolean {
    const q = quoted(p, hl);
    const e = hl + 8;
    if (q === undefined || getU32(p, e + 12) !== this.publicAddress) return true;
    const echo = q.protocol === ICMP;
    if (echo && p[q.l4] !== ECHO_REQUEST) return true;
    const port = getU16(p, echo ? q.l4 + 4 : q.l4);
    const m = this.table.findInbound(q.protocol, port, now);
    if (m === undefined) return true;
    // RFC 5508 REQ-3 spirit: only errors about a destination the mapping really sent to.
    if (!m.sentToAddresses.has(getU32(p, e + 16))) {
      return this.refuse(p, this.outside, ICMP, `ICMP error quoting ${describe(m)}`);
    }
    if (internetChecksum(p, hl, p.length) !== 0)
      return this.reject(p, this.outside, "bad-checksum");
    if (echo) {
      rewriteAddress(p, e + 12, m.internalAddress, { ip: e + 10, l4: NO_SUM, udp: false });
      const sum = q.l4 + 4 <= p.length ? q.l4 + 2 : NO_SUM;
      rewrite16(p, q.l4 + 4, m.internalPort, { ip: NO_SUM, l4: sum, udp: false });
    } else {
      const sums = sumsFor(q.protocol, e + 10, q.l4, p.length);
      rewriteEndpoint(p, e + 12, m.internalAddress, q.l4, m.internalPort, sums);
    }
    return this.quoteTranslated(
      p,
      hl,
      16,
      m.internalAddress,
      q.protocol,
      `in, quoting ${describe(m)}`,
    );
  }

  /**
   * Finishes an ICMP error whose quote was translated: its checksum recomputed over the changed
   * quote, then the outer address at `addressAt` rewritten (ICMP has no pseudo-header, so only
   * the IP header checksum covers it); counted and logged.
   */
  private quoteTranslated(
    p: Uint8Array,
    hl: number,
    addressAt: number,
    address: Ipv4,
    quotedProtocol: number,
    detail: string,
  ): true {
    resumIcmp(p, hl);
    rewriteAddress(p, addressAt, address, { ip: 10, l4: NO_SUM, udp: false });
    this.counters.icmpErrors++;
    this.note("icmp-error", quotedProtocol, detail);
    return true;
  }

  // ---- inside -> public address -> inside ----

  /** A datagram from inside, before routing: fragments are gathered, then hairpinning. */
  private fromInside(p: Uint8Array): boolean {
    if (isFragment(p)) {
      const dst = getU32(p, 16);
      const forUs = dst !== this.publicAddress && this.node.ipv4.isLocal(dst, this.inside);
      return forUs ? true : this.gather(p, this.inside);
    }
    return this.hairpin(p);
  }

  /**
   * RFC 4787 §6 REQ-9: a packet from inside to a mapped public endpoint goes to the internal
   * endpoint behind it, with its source translated to the sender's own external endpoint, so
   * both hosts see each other as the outside world does.
   */
  private hairpin(p: Uint8Array): boolean {
    if (!this.settings.hairpinning || getU32(p, 16) !== this.publicAddress) return true;
    const protocol = p[9]!;
    const hl = (p[0]! & 0x0f) * 4;
    if ((protocol !== TCP && protocol !== UDP) || isFragment(p)) return true;
    const ends = ports(p, hl, protocol);
    if (ends === undefined) return true;
    const { sport, dport } = ends;
    const now = this.node.sim.now;
    const target = this.table.findInbound(protocol, dport, now);
    if (target === undefined) return true;
    const src = getU32(p, 12);
    const from = this.mapOutbound(
      p,
      {
        protocol,
        internalAddress: src,
        internalPort: sport,
        remoteAddress: this.publicAddress,
        remotePort: dport,
      },
      now,
    );
    if (from === undefined) return false;
    from.permit(this.publicAddress, dport);
    if (!target.admits(this.settings.filtering, this.publicAddress, from.externalPort)) {
      return this.refuse(
        p,
        this.inside,
        protocol,
        `hairpin ${describe(from)} to ${describe(target)}`,
      );
    }
    from.packetsOut++;
    target.packetsIn++;
    if (protocol === TCP) {
      tcpFlags(from, p[hl + 13]!, true);
      tcpFlags(target, p[hl + 13]!, false);
    }
    this.refresh(from, now);
    this.refresh(target, now);
    const sums = sumsFor(protocol, 10, hl, p.length);
    rewriteEndpoint(p, 12, this.publicAddress, hl, from.externalPort, sums);
    rewriteEndpoint(p, 16, target.internalAddress, hl + 2, target.internalPort, sums);
    this.counters.hairpinned++;
    this.note("hairpin", protocol, `${describe(from)} to ${describe(target)}`);
    return true;
  }

  // ---- fragments ----

  /** Holds a fragment until its datagram is whole; the whole one then goes through the NAT. */
  private gather(p: Uint8Array, iface: Interface): false {
    const hl = (p[0]! & 0x0f) * 4;
    const flags = getU16(p, 6);
    const key = `${iface.name}|${getU32(p, 12)}>${getU32(p, 16)}:${p[9]}:${getU16(p, 4)}`;
    this.fragmentIfaces.set(key, iface);
    const offset = (flags & IPV4_FRAGMENT_OFFSET_MASK) * 8;
    const more = (flags & IPV4_FLAG_MF) !== 0;
    if (!this.defrag.add(key, p.subarray(0, hl), offset, p.subarray(hl), more, p)) {
      this.node.drop(p, "reassembly-limit", iface);
    }
    return false;
  }

  private reassembled(header: Uint8Array, payload: Uint8Array, key: string): void {
    const iface = this.fragmentIfaces.get(key);
    this.fragmentIfaces.delete(key);
    const p = joinIpv4Fragments(header, payload);
    if (iface === undefined || p === undefined) return this.node.drop(header, "bad-header");
    this.node.ipv4.input(p, iface);
  }

  // ---- helpers ----

  private refresh(m: NatMapping, now: Nanos): void {
    const s = this.settings;
    m.lastUsed = now;
    const idle =
      m.protocol === UDP
        ? s.udpTimeout
        : m.protocol === ICMP
          ? s.icmpTimeout
          : m.tcpPhase === "established"
            ? s.tcpEstablishedTimeout
            : s.tcpTransitoryTimeout;
    m.expires = now + idle;
  }

  /** Drops a packet the NAT will not translate, logged as filtered. */
  private refuse(p: Uint8Array, iface: Interface, protocol: number, detail: string): false {
    this.counters.filtered++;
    this.note("filtered", protocol, detail);
    return this.reject(p, iface, "nat-filtered");
  }

  private reject(p: Uint8Array, iface: Interface, reason: DropReason): false {
    this.node.drop(p, reason, iface);
    return false;
  }

  private note(event: NatLogEntry["event"], protocol: number, detail: string): void {
    if (this.log.length >= LOG_LIMIT) return;
    this.log.push({ time: this.node.sim.now, event, protocol: protocolName(protocol), detail });
  }
}

/** "internal -> external" plus the remote endpoint of a dependent mapping. */
function describe(m: NatMapping): string {
  const base = `${endpoint(m.internalAddress, m.internalPort)} -> ${endpoint(m.externalAddress, m.externalPort)}`;
  return m.remoteAddress === undefined
    ? base
    : `${base} for ${endpoint(m.remoteAddress, m.remotePort ?? 0)}`;
}

/**
 * A TCP or UDP header's ports, when the whole fixed header is there (20 bytes for TCP, RFC 9293
 * §3.1; 8 for UDP, RFC 768): the NAT rewrites its checksum, so a shorter one is not translated.
 */
function ports(
  p: Uint8Array,
  hl: number,
  protocol: number,
): { sport: number; dport: number } | undefined {
  if (hl + (protocol === TCP ? 20 : 8) > p.length) return undefined;
  return { sport: getU16(p, hl), dport: getU16(p, hl + 2) };
}

function isFragment(p: Uint8Array): boolean {
  return (getU16(p, 6) & (IPV4_FLAG_MF | IPV4_FRAGMENT_OFFSET_MASK)) !== 0;
}

/** RFC 5382 §5: SYN, FIN and RST seen in each direction decide the TCP idle timeout. */
function tcpFlags(m: NatMapping, flags: number, out: boolean): void {
  if ((flags & TCP_FLAG_RST) !== 0) m.rst = true;
  if ((flags & TCP_FLAG_SYN) !== 0) {
    if (out) m.synOut = true;
    else m.synIn = true;
    m.rst = false; // a new connection on a reused mapping
    m.finOut = false;
    m.finIn = false;
  }
  if ((flags & TCP_FLAG_FIN) !== 0) {
    if (out) m.finOut = true;
    else m.finIn = true;
  }
}

/**
 * The datagram quoted in an ICMP error: its protocol and the offset of its transport header,
 * when the quote holds the header and 8 bytes after it (RFC 792).
 */
function quoted(p: Uint8Array, hl: number): { protocol: number; l4: number } | undefined {
  const e = hl + 8;
  if (e + 20 > p.length || p[e]! >>> 4 !== 4) return undefined;
  const ehl = (p[e]! & 0x0f) * 4;
  if (ehl < 20 || e + ehl + 8 > p.length) return undefined;
  return { protocol: p[e + 9]!, l4: e + ehl };
}

/** Recomputes an ICMP message's checksum after its quote changed in several places. */
function resumIcmp(p: Uint8Array, hl: number): void {
  setU16(p, hl + 2, 0);
  setU16(p, hl + 2, internetChecksum(p, hl, p.length));
}
