/**
 * TCP for a node: `tcp(node)` gives the per-node layer, as `udp(node)` does. It demultiplexes
 * arriving segments by 4-tuple (a numeric hash with chained buckets), hands SYNs to listeners,
 * answers segments for no connection with RST (RFC 9293 §3.10.7.1), verifies checksums, picks
 * ephemeral ports and RFC 6528 ISNs, routes ICMP errors to the connection they quote, and
 * serializes what connections emit, over IPv4 (DF set, for PMTUD) and IPv6 alike.
 */
import type { Interface } from "../../net/interface.js";
import type { Ipv4Delivery } from "../../net/ipv4-stack.js";
import type { Ipv6Delivery } from "../../net/ipv6-stack.js";
import type { Node } from "../../net/node.js";
import type { HostClock } from "../../sim/host-clock.js";
import type { Simulator } from "../../sim/simulator.js";
import type { Nanos } from "../../sim/time.js";
import { formatIpv4, type IpAddress, type Ipv6Address, parseIp } from "../../wire/address.js";
import { IP_PROTOCOL_TCP } from "../../wire/ipv4.js";
import { ParseError } from "../../wire/parse-error.js";
import { type SeqNumber, seq, seqAdd } from "../../wire/seq.js";
import {
  emitTcp,
  parseTcp,
  TCP_FLAG_ACK,
  TCP_FLAG_FIN,
  TCP_FLAG_RST,
  TCP_FLAG_SYN,
  type TcpRecord,
} from "../../wire/tcp.js";
import { NO_TCP_OPTIONS } from "../../wire/tcp-options.js";
import { TransportError } from "../errors.js";
import { PortTable } from "../ports.js";
import {
  resolveConfig,
  type TcpConfig,
  type TcpConnectOptions,
  type TcpConnectTarget,
  type TcpListenOptions,
} from "./config.js";
import { TcpConnection, type TcpHost } from "./connection.js";
import { ConnectionTable, localKey, pseudoOf, type TcpTuple, tupleOf } from "./demux.js";
import { type IcmpReport, icmpv4Report, icmpv6Report } from "./icmp.js";
import { halfSipHash, IsnGenerator } from "./isn.js";
import { TCP_DEFAULT_BACKLOG, TcpListener, type TcpListenerHost } from "./listener.js";
import type { TcpStateChange } from "./state.js";
import { Tcb } from "./tcb.js";

/** Counters of the layer. */
export interface TcpLayerStats {
  segmentsReceived: number;
  /** Segments dropped for a bad checksum. */
  badChecksum: number;
  /** Segments dropped as malformed. */
  badHeader: number;
  /** RSTs sent for segments that matched no connection or listener. */
  resetsSent: number;
}

export type { TcpConnectOptions, TcpConnectTarget, TcpListenOptions };

const layers = new WeakMap<Node, TcpLayer>();

/** The TCP layer of a node, created on first use. */
export function tcp(node: Node): TcpLayer {
  let l = layers.get(node);
  if (l === undefined) {
    l = new TcpLayer(node);
    layers.set(node, l);
  }
  return l;
}

/** The TCP layer of a node if something already created it (observers must not create one). */
export function existingTcp(node: Node): TcpLayer | undefined {
  return layers.get(node);
}

/** IPv4 payload limit on loopback (no MTU): 65,535 less the IP and TCP headers. */
const LOOPBACK_MSS_V4 = 65_495;
const LOOPBACK_MSS_V6 = 65_475;

export class TcpLayer implements TcpHost, TcpListenerHost {
  private readonly table = new ConnectionTable();
  private readonly ports: PortTable<TcpListener | TcpConnection>;
  private readonly isnGen: IsnGenerator;
  private readonly traceFns: ((conn: TcpConnection, change: TcpStateChange) => void)[] = [];
  readonly stats: TcpLayerStats = {
    segmentsReceived: 0,
    badChecksum: 0,
    badHeader: 0,
    resetsSent: 0,
  };

  constructor(private readonly node: Node) {
    this.ports = new PortTable(node.sim.rng(`node:${node.name}:tcp-ports`));
    this.isnGen = new IsnGenerator(node.sim.rng(`node:${node.name}:tcp-isn`));
    node.ipv4.register(IP_PROTOCOL_TCP, (d) => this.input4(d));
    node.ipv6.register(IP_PROTOCOL_TCP, (d) => this.input6(d));
    node.ipv4.onIcmp((msg) => this.icmp(icmpv4Report(msg)));
    node.ipv6.onIcmp((msg) => this.icmp(icmpv6Report(msg)));
    node.onUpDown((up) => {
      if (!up) this.crash();
    });
  }

  get sim(): Simulator {
    return this.node.sim;
  }

  get clock(): HostClock {
    return this.node.clock;
  }

  /**
   * The host's monotonic reading in whole ns: the clock behind RFC 6528 ISNs and the creation
   * time of TCBs (connections read it themselves for everything else).
   */
  private get now(): Nanos {
    return Math.floor(this.node.clock.monotonic());
  }

  /** Connections in the table (TIME-WAIT included). */
  get connectionCount(): number {
    return this.table.size;
  }

  /** Subscribes to every state change of this node's connections; returns an unsubscribe. */
  onTrace(fn: (conn: TcpConnection, change: TcpStateChange) => void): () => void {
    this.traceFns.push(fn);
    return () => {
      const i = this.traceFns.indexOf(fn);
      if (i !== -1) this.traceFns.splice(i, 1);
    };
  }

  /**
   * Listens on `port` (0 for an ephemeral one) at `address` ("" / "0.0.0.0" / "::" or omitted
   * for every address of both families). `onConnection` gets each connection once ESTABLISHED.
   */
  listen(
    port: number,
    address: string | undefined,
    options: TcpListenOptions | undefined,
    onConnection: (conn: TcpConnection) => void,
  ): TcpListener | TransportError {
    let key = "";
    if (address !== undefined && address !== "" && address !== "0.0.0.0" && address !== "::") {
      const a = parseIp(address);
      if (a instanceof ParseError) return new TransportError("EINVAL", `bad address "${address}"`);
      const local = a.family === 4 ? this.node.ipv4.isLocal(a.v4) : this.node.ipv6.isLocal(a);
      if (!local) {
        return new TransportError(
          "EADDRNOTAVAIL",
          `${address} is not an address of ${this.node.name}`,
        );
      }
      key = a.family === 4 ? formatIpv4(a.v4) : a.toString();
    }
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
      return new TransportError("EINVAL", `bad port ${port}`);
    }
    const p = port === 0 ? this.ports.ephemeral(key) : port;
    if (p === undefined) return new TransportError("EAGAIN", "no ephemeral port is free");
    const { backlog, ...rest } = options ?? {};
    const listener = new TcpListener(
      this,
      { address: key === "" ? "0.0.0.0" : key, port: p },
      backlog ?? TCP_DEFAULT_BACKLOG,
      resolveConfig(rest),
      onConnection,
    );
    if (!this.ports.bind(key, p, listener)) {
      return new TransportError(
        "EADDRINUSE",
        `${key || "0.0.0.0"}:${p} is already in use on ${this.node.name}`,
      );
    }
    return listener;
  }

  /** Called by a listener when it closes. */
  unlisten(listener: TcpListener): void {
    const key = listener.local.address === "0.0.0.0" ? "" : listener.local.address;
    if (this.ports.lookup(key, listener.local.port) === listener) {
      this.ports.unbind(key, listener.local.port);
    }
  }

  /**
   * Opens a connection (SYN-SENT). Errors known at once come back as a TransportError; later
   * ones (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH) through the connection's `onError`.
   */
  connect(target: TcpConnectTarget, options?: TcpConnectOptions): TcpConnection | TransportError {
    const cfg = resolveConfig(options);
    const node = this.node;
    const dst = parseIp(target.address);
    if (dst instanceof ParseError)
      return new TransportError("EINVAL", `bad address "${target.address}"`);
    if (!Number.isInteger(target.port) || target.port < 1 || target.port > 0xffff) {
      return new TransportError("EINVAL", `bad port ${target.port}`);
    }
    if (!node.up) return new TransportError("ENETDOWN", `${node.name} is down`);
    let src: IpAddress | undefined;
    if (target.localAddress !== undefined) {
      const a = parseIp(target.localAddress);
      if (a instanceof ParseError || a.family !== dst.family) {
        return new TransportError("EINVAL", `bad local address "${target.localAddress}"`);
      }
      if (!(a.family === 4 ? node.ipv4.isLocal(a.v4) : node.ipv6.isLocal(a))) {
        return new TransportError("EADDRNOTAVAIL", `${target.localAddress} is not local`);
      }
      src = a;
    }
    let local: number | Ipv6Address;
    let pathMss: number;
    if (dst.family === 4) {
      const path = node.ipv4.isLocal(dst.v4) ? undefined : node.ipv4.pathTo(dst.v4);
      if (path === undefined && !node.ipv4.isLocal(dst.v4)) {
        return new TransportError("ENETUNREACH", `no route to ${target.address}`);
      }
      local = src?.family === 4 ? src.v4 : (path?.src ?? dst.v4);
      pathMss = path === undefined ? LOOPBACK_MSS_V4 : path.iface.mtu - 40;
    } else {
      const path = node.ipv6.isLocal(dst) ? undefined : node.ipv6.pathTo(dst);
      if (path === undefined && !node.ipv6.isLocal(dst)) {
        return new TransportError("ENETUNREACH", `no route to ${target.address}`);
      }
      local = src?.family === 6 ? src : (path?.src ?? dst);
      pathMss = path === undefined ? LOOPBACK_MSS_V6 : node.ipv6.pathMtu(dst, path.iface) - 60;
    }
    const remote = dst.family === 4 ? dst.v4 : dst;
    const key = localKey(tupleOf(local, remote, 0, target.port));
    const lport = target.localPort ?? this.ports.ephemeral(key);
    if (lport === undefined) return new TransportError("EAGAIN", "no ephemeral port is free");
    if (this.ports.conflicts(key, lport)) {
      return new TransportError("EADDRINUSE", `${key}:${lport} is already in use on ${node.name}`);
    }
    const conn = this.create(tupleOf(local, remote, lport, target.port), cfg, pathMss);
    this.ports.bind(key, lport, conn);
    conn.boundPort = true;
    const n = this.table.words(conn.tuple);
    conn.openActive(this.isnGen.isn(this.now, this.table.scratch, n), this.tsOffset(n));
    return conn;
  }

  // ---- TcpHost ----

  transmit(conn: TcpConnection, seg: TcpRecord): void {
    const bytes = emitTcp(seg, conn.pseudo);
    const t = conn.tuple;
    if (t.family === 4) {
      this.node.ipv4.send({
        dst: t.remote4,
        src: t.local4,
        protocol: IP_PROTOCOL_TCP,
        payload: bytes,
        dontFragment: true, // RFC 1191 path MTU discovery
      });
    } else {
      this.node.ipv6.send({
        dst: t.remote6!,
        src: t.local6!,
        protocol: IP_PROTOCOL_TCP,
        payload: bytes,
      });
    }
  }

  release(conn: TcpConnection): void {
    this.table.remove(conn);
    const t = conn.tuple;
    if (conn.boundPort) {
      const key = localKey(t);
      if (this.ports.lookup(key, t.localPort) === conn) this.ports.unbind(key, t.localPort);
    }
    conn.listener?.forget(conn);
    conn.listener = undefined;
  }

  traceState(conn: TcpConnection, change: TcpStateChange): void {
    for (const fn of this.traceFns) fn(conn, change);
  }

  // ---- input ----

  private input4(d: Ipv4Delivery): void {
    this.stats.segmentsReceived++;
    const seg = parseTcp(d.payload, { family: 4, src: d.src, dst: d.dst });
    if (seg instanceof ParseError) return this.bad(seg, d.packet, d.iface);
    const conn = this.table.find4(d.dst, d.src, seg.dstPort, seg.srcPort);
    if (conn !== undefined && !conn.yieldToNewSyn(seg)) return conn.input(seg);
    this.noConnection(tupleOf(d.dst, d.src, seg.dstPort, seg.srcPort), seg, d.packet, d.iface);
  }

  private input6(d: Ipv6Delivery): void {
    this.stats.segmentsReceived++;
    const seg = parseTcp(d.payload, { family: 6, src: d.src, dst: d.dst });
    if (seg instanceof ParseError) return this.bad(seg, d.packet, d.iface);
    const conn = this.table.find6(d.dst, d.src, seg.dstPort, seg.srcPort);
    if (conn !== undefined && !conn.yieldToNewSyn(seg)) return conn.input(seg);
    this.noConnection(tupleOf(d.dst, d.src, seg.dstPort, seg.srcPort), seg, d.packet, d.iface);
  }

  /** A segment that failed its checksum or did not parse: dropped, and reported. */
  private bad(e: ParseError, packet: Uint8Array, iface: Interface | undefined): void {
    if (e.reason === "checksum") this.stats.badChecksum++;
    else this.stats.badHeader++;
    this.node.drop(packet, e.reason === "checksum" ? "bad-checksum" : "bad-header", iface);
  }

  /** LISTEN (RFC 9293 §3.10.7.2) or CLOSED (§3.10.7.1) for a segment with no connection. */
  private noConnection(
    t: TcpTuple,
    seg: TcpRecord,
    packet: Uint8Array,
    iface: Interface | undefined,
  ): void {
    const flags = seg.flags;
    const bound = this.ports.lookup(localKey(t), t.localPort);
    if (bound instanceof TcpListener && !bound.closed) {
      if ((flags & TCP_FLAG_RST) !== 0) return;
      if ((flags & TCP_FLAG_ACK) !== 0) return this.reset(t, seg.ack, 0, TCP_FLAG_RST);
      if ((flags & TCP_FLAG_SYN) === 0) return;
      if (!bound.hasRoom) {
        bound.stats.synsDropped++;
        return this.node.drop(packet, "queue-full", iface);
      }
      const conn = this.create(t, bound.config, this.pathMss(t));
      bound.adopt(conn);
      const n = this.table.words(t);
      conn.openPassive(seg, this.isnGen.isn(this.now, this.table.scratch, n), this.tsOffset(n));
      return;
    }
    this.node.drop(packet, "no-listener", iface);
    if ((flags & TCP_FLAG_RST) !== 0) return;
    if ((flags & TCP_FLAG_ACK) !== 0) return this.reset(t, seg.ack, 0, TCP_FLAG_RST);
    const syn = (flags & TCP_FLAG_SYN) !== 0 ? 1 : 0;
    const fin = (flags & TCP_FLAG_FIN) !== 0 ? 1 : 0;
    this.reset(
      t,
      seq(0),
      seqAdd(seg.seq, seg.payload.length + syn + fin),
      TCP_FLAG_RST | TCP_FLAG_ACK,
    );
  }

  /** Sends a RST from a closed port: <SEQ=s><ACK=a><CTL=flags> (RFC 9293 §3.10.7.1). */
  private reset(t: TcpTuple, s: SeqNumber, a: number, flags: number): void {
    this.stats.resetsSent++;
    const seg: TcpRecord = {
      srcPort: t.localPort,
      dstPort: t.remotePort,
      seq: s,
      ack: seq(a),
      flags,
      window: 0,
      checksum: 0,
      urgentPointer: 0,
      options: NO_TCP_OPTIONS,
      payload: new Uint8Array(0),
    };
    const payload = emitTcp(seg, pseudoOf(t));
    if (t.family === 4) {
      this.node.ipv4.send({ dst: t.remote4, src: t.local4, protocol: IP_PROTOCOL_TCP, payload });
    } else {
      this.node.ipv6.send({ dst: t.remote6!, src: t.local6!, protocol: IP_PROTOCOL_TCP, payload });
    }
  }

  /** Hands an ICMP error to the connection whose segment it quotes. */
  private icmp(r: IcmpReport | undefined): void {
    if (r === undefined) return;
    const conn =
      typeof r.local === "number"
        ? this.table.find4(r.local, r.remote as number, r.localPort, r.remotePort)
        : this.table.find6(r.local, r.remote as Ipv6Address, r.localPort, r.remotePort);
    conn?.icmp(r.kind, r.code, r.quoted, r.pathMss);
  }

  // ---- connections ----

  private create(t: TcpTuple, cfg: TcpConfig, pathMss: number): TcpConnection {
    const v6 = t.family === 6;
    const tcb = new Tcb(cfg, t.localPort, t.remotePort, pathMss, v6 ? 1220 : 536, this.now);
    const local = { address: v6 ? t.local6!.toString() : formatIpv4(t.local4), port: t.localPort };
    const remote = {
      address: v6 ? t.remote6!.toString() : formatIpv4(t.remote4),
      port: t.remotePort,
    };
    const conn = new TcpConnection(this, tcb, t, local, remote, pseudoOf(t));
    this.table.insert(conn);
    return conn;
  }

  /** A per-connection timestamp offset (RFC 7323 §5.4), from the tuple words in scratch. */
  private tsOffset(n: number): number {
    return halfSipHash(0x74737473, n, this.table.scratch, n);
  }

  /** The MSS the path to the peer allows: interface (or path) MTU less the headers. */
  private pathMss(t: TcpTuple): number {
    if (t.family === 4) {
      if (this.node.ipv4.isLocal(t.remote4)) return LOOPBACK_MSS_V4;
      const p = this.node.ipv4.pathTo(t.remote4);
      return (p?.iface.mtu ?? 576) - 40;
    }
    if (this.node.ipv6.isLocal(t.remote6!)) return LOOPBACK_MSS_V6;
    const p = this.node.ipv6.pathTo(t.remote6!);
    return (p === undefined ? 1280 : this.node.ipv6.pathMtu(t.remote6!, p.iface)) - 60;
  }

  /** The node crashed: every connection and listener vanishes without a segment. */
  private crash(): void {
    for (const c of this.table.all()) c.destroy();
    this.table.clear();
    this.ports.clear();
  }
}
