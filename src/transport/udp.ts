/**
 * UDP (RFC 768) for a node: sockets bound to (address, port), demultiplexing of arriving
 * datagrams (exact address first, then the wildcard), checksums on send and on receipt, ICMP port
 * unreachable for datagrams nobody listens for (RFC 1122 §4.1.3.1), and ICMP errors about our own
 * datagrams handed back to the socket that sent them. Datagrams up to 65,507 bytes go out over
 * IPv4 (65,527 over IPv6), fragmented by the IP layer below when they exceed the MTU. The two
 * families have separate port spaces, as Linux with IPV6_V6ONLY set: "::" does not catch IPv4.
 */
import type { Interface } from "../net/interface.js";
import type { Ipv4Delivery } from "../net/ipv4-stack.js";
import type { Ipv6Delivery } from "../net/ipv6-stack.js";
import type { Node } from "../net/node.js";
import {
  formatIpv4,
  type Ipv4,
  Ipv6Address,
  parseIpv4Address,
  parseIpv6Address,
} from "../wire/address.js";
import { getU16, getU32 } from "../wire/bytes.js";
import type { Icmpv4Record } from "../wire/icmpv4.js";
import type { Icmpv6Record } from "../wire/icmpv6.js";
import { IP_PROTOCOL_UDP } from "../wire/ipv4.js";
import { ParseError } from "../wire/parse-error.js";
import { emitUdp, parseUdp } from "../wire/udp.js";
import { TransportError, type TransportErrorCode } from "./errors.js";
import { PortTable } from "./ports.js";

/** Largest UDP payload over IPv4: 65,535 - 20 (IP header) - 8 (UDP header). */
export const UDP_MAX_PAYLOAD_V4 = 65_507;
/** Largest UDP payload over IPv6 without jumbograms: 65,535 - 8 (RFC 8200 payload length). */
export const UDP_MAX_PAYLOAD_V6 = 65_527;

/** An address and port, as text and number. */
export interface Endpoint {
  address: string;
  port: number;
}

/** A received datagram. */
export interface UdpMessage {
  data: Uint8Array;
  from: Endpoint;
  /** The local address it was sent to (a broadcast or group address included). */
  to: Endpoint;
  ttl: number;
  iface: Interface | undefined;
  /** The whole IP datagram that carried it (for traces: an application can report a drop). */
  datagram?: Uint8Array;
}

/** An ICMP error about a datagram this socket sent. */
export interface UdpSocketError {
  error: TransportError;
  /** Where the failed datagram was going. */
  peer: Endpoint;
  /** Who reported it (a router, or the destination). */
  reporter: string;
}

export interface UdpSendOptions {
  ttl?: number;
  /** Send out of this interface (for broadcast and multicast). */
  iface?: Interface;
  dontFragment?: boolean;
}

/** A UDP socket: the engine's native API (the Node dgram facade is built on it). */
export class UdpSocket {
  private readonly messageListeners: ((m: UdpMessage) => void)[] = [];
  private readonly errorListeners: ((e: UdpSocketError) => void)[] = [];
  private open = true;
  /** Default peer set by `connect`. */
  remote: Endpoint | undefined;
  /** Counters for tests and reports. */
  readonly stats = { sent: 0, received: 0, errors: 0 };

  constructor(
    private readonly layer: UdpLayer,
    /** Bound address ("0.0.0.0" or "::" for any) and port. */
    readonly local: Endpoint,
    /** IP family of the socket. */
    readonly family: 4 | 6 = 4,
    /** The bound address, parsed once at bind (undefined when bound to any address). */
    readonly boundAddress: Ipv4 | Ipv6Address | undefined = undefined,
  ) {}

  get closed(): boolean {
    return !this.open;
  }

  onMessage(fn: (m: UdpMessage) => void): void {
    this.messageListeners.push(fn);
  }

  onError(fn: (e: UdpSocketError) => void): void {
    this.errorListeners.push(fn);
  }

  /** Sets the default destination; `send` without an address then goes there. */
  connect(port: number, address: string): TransportError | undefined {
    const a = canonical(address, this.family);
    if (a === undefined)
      return new TransportError("EINVAL", `bad ${familyName(this.family)} address "${address}"`);
    this.remote = { address: a, port };
    return undefined;
  }

  /** Sends a datagram; returns an error value when it cannot be sent. */
  send(
    data: Uint8Array,
    port?: number,
    address?: string,
    options: UdpSendOptions = {},
  ): TransportError | undefined {
    if (!this.open) return new TransportError("EBADF", "socket is closed");
    const dst = address ?? this.remote?.address;
    const dport = port ?? this.remote?.port;
    if (dst === undefined || dport === undefined) {
      return new TransportError("EINVAL", "no destination: give an address or connect() first");
    }
    return this.layer.send(this, data, dport, dst, options);
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.layer.release(this);
  }

  /** Called by the layer. */
  deliver(m: UdpMessage): void {
    this.stats.received++;
    for (const fn of this.messageListeners) fn(m);
  }

  /** Called by the layer. */
  fail(e: UdpSocketError): void {
    this.stats.errors++;
    for (const fn of this.errorListeners) fn(e);
  }
}

const layers = new WeakMap<Node, UdpLayer>();

/** The UDP layer of a node, created on first use. */
export function udp(node: Node): UdpLayer {
  let l = layers.get(node);
  if (l === undefined) {
    l = new UdpLayer(node);
    layers.set(node, l);
  }
  return l;
}

/**
 * RFC 1122 §3.2.1.3 (a): 0.0.0.0 may be a source only while a host learns its address, as a DHCP
 * client broadcasting out of an interface that has none does; any other datagram has no source.
 */
function unconfiguredSource(dst: Ipv4): Ipv4 | undefined {
  return dst === 0xffffffff ? 0 : undefined;
}

function familyName(f: 4 | 6): string {
  return f === 4 ? "IPv4" : "IPv6";
}

/** Canonical text of an address of the given family, or undefined when it is not one. */
function canonical(address: string, family: 4 | 6): string | undefined {
  if (family === 4) {
    const a = parseIpv4Address(address);
    return a instanceof ParseError ? undefined : formatIpv4(a);
  }
  const a = parseIpv6Address(address);
  return a instanceof ParseError ? undefined : a.toString();
}

const UNREACHABLE6_ERRORS: Record<number, TransportErrorCode> = {
  0: "ENETUNREACH",
  3: "EHOSTUNREACH",
  4: "ECONNREFUSED",
};

const UNREACHABLE_ERRORS: Record<number, TransportErrorCode> = {
  0: "ENETUNREACH",
  1: "EHOSTUNREACH",
  3: "ECONNREFUSED",
  4: "EMSGSIZE",
};

export class UdpLayer {
  private readonly ports4: PortTable<UdpSocket>;
  private readonly ports6: PortTable<UdpSocket>;

  constructor(private readonly node: Node) {
    this.ports4 = new PortTable(node.sim.rng(`node:${node.name}:udp-ports`));
    this.ports6 = new PortTable(node.sim.rng(`node:${node.name}:udp6-ports`));
    node.ipv4.register(IP_PROTOCOL_UDP, (d) => this.input4(d));
    node.ipv4.onIcmp((msg, d) => this.icmpError4(msg, d));
    node.ipv6.register(IP_PROTOCOL_UDP, (d) => this.input6(d));
    node.ipv6.onIcmp((msg, d) => this.icmpError6(msg, d));
    node.onUpDown((up) => {
      // A crash kills every process, and with them their sockets.
      if (!up) {
        this.ports4.clear();
        this.ports6.clear();
      }
    });
  }

  /**
   * Binds a socket; port 0 picks an ephemeral port. The address picks the family: "" or
   * "0.0.0.0" for any IPv4 address, "::" for any IPv6 address, or one of the node's addresses.
   */
  bind(port = 0, address = ""): UdpSocket | TransportError {
    const family: 4 | 6 = address.includes(":") ? 6 : 4;
    const any = address === "" || address === "0.0.0.0" || address === "::";
    let addrKey = "";
    let bound: Ipv4 | Ipv6Address | undefined;
    if (!any) {
      const a = canonical(address, family);
      if (a === undefined) return new TransportError("EINVAL", `bad address "${address}"`);
      bound = family === 4 ? (parseIpv4Address(a) as number) : (parseIpv6Address(a) as Ipv6Address);
      const local =
        typeof bound === "number" ? this.node.ipv4.isLocal(bound) : this.node.ipv6.isLocal(bound);
      if (!local) {
        return new TransportError(
          "EADDRNOTAVAIL",
          `${address} is not an address of ${this.node.name}`,
        );
      }
      addrKey = a;
    }
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
      return new TransportError("EINVAL", `bad port ${port}`);
    }
    const ports = family === 4 ? this.ports4 : this.ports6;
    const p = port === 0 ? ports.ephemeral(addrKey) : port;
    if (p === undefined) return new TransportError("EAGAIN", "no ephemeral port is free");
    const anyText = family === 4 ? "0.0.0.0" : "::";
    const socket = new UdpSocket(
      this,
      { address: addrKey === "" ? anyText : addrKey, port: p },
      family,
      bound,
    );
    if (!ports.bind(addrKey, p, socket)) {
      return new TransportError(
        "EADDRINUSE",
        `${addrKey || anyText}:${p} is already in use on ${this.node.name}`,
      );
    }
    return socket;
  }

  /** Called by a socket when it closes. */
  release(socket: UdpSocket): void {
    const ports = socket.family === 4 ? this.ports4 : this.ports6;
    const l = socket.local.address;
    const a = l === "0.0.0.0" || l === "::" ? "" : l;
    if (ports.lookup(a, socket.local.port) === socket) ports.unbind(a, socket.local.port);
  }

  send(
    socket: UdpSocket,
    data: Uint8Array,
    port: number,
    address: string,
    o: UdpSendOptions,
  ): TransportError | undefined {
    if (!Number.isInteger(port) || port < 1 || port > 0xffff) {
      return new TransportError("EINVAL", `bad destination port ${port}`);
    }
    const r = this.transmit(socket, data, port, address, o);
    if (typeof r !== "string") return r;
    if (r === "no-route") return new TransportError("ENETUNREACH", `no route to ${address}`);
    if (r === "down") return new TransportError("ENETDOWN", `${this.node.name} cannot send`);
    if (r === "too-big")
      return new TransportError("EMSGSIZE", "datagram exceeds the MTU and DF is set");
    socket.stats.sent++;
    return undefined;
  }

  /**
   * Builds the datagram with its checksum and hands it to the socket's IP family. The source is
   * the bound address, else the outgoing interface's (forced interface, loopback, or route).
   */
  private transmit(
    socket: UdpSocket,
    data: Uint8Array,
    port: number,
    address: string,
    o: UdpSendOptions,
  ): TransportError | string {
    const v4 = socket.family === 4;
    const dst = v4 ? parseIpv4Address(address) : parseIpv6Address(address);
    if (dst instanceof ParseError) {
      return new TransportError("EINVAL", `bad ${familyName(socket.family)} address "${address}"`);
    }
    const max = v4 ? UDP_MAX_PAYLOAD_V4 : UDP_MAX_PAYLOAD_V6;
    if (data.length > max) {
      return new TransportError(
        "EMSGSIZE",
        `${data.length} bytes exceed the UDP maximum of ${max.toLocaleString("en-US")}`,
      );
    }
    const udp = { srcPort: socket.local.port, dstPort: port, checksum: 0, payload: data };
    const common = {
      protocol: IP_PROTOCOL_UDP,
      ...(o.iface !== undefined ? { iface: o.iface } : {}),
      ...(o.dontFragment !== undefined ? { dontFragment: o.dontFragment } : {}),
    };
    if (typeof dst === "number") {
      const ipv4 = this.node.ipv4;
      const src =
        (socket.boundAddress as Ipv4 | undefined) ??
        (o.iface !== undefined
          ? (o.iface.ipv4 ?? unconfiguredSource(dst))
          : ipv4.isLocal(dst)
            ? dst
            : ipv4.pathTo(dst)?.src);
      if (src === undefined) return "no-route";
      const payload = emitUdp(udp, { family: 4, src, dst });
      return ipv4.send({
        ...common,
        dst,
        src,
        payload,
        ...(o.ttl !== undefined ? { ttl: o.ttl } : {}),
      });
    }
    const ipv6 = this.node.ipv6;
    const src =
      (socket.boundAddress as Ipv6Address | undefined) ??
      (o.iface !== undefined
        ? (o.iface.ipv6 ?? o.iface.linkLocal)
        : ipv6.isLocal(dst)
          ? dst
          : ipv6.pathTo(dst)?.src);
    if (src === undefined) return "no-route";
    const payload = emitUdp(udp, { family: 6, src, dst });
    return ipv6.send({
      ...common,
      dst,
      src,
      payload,
      ...(o.ttl !== undefined ? { hopLimit: o.ttl } : {}),
    });
  }

  private input4(d: Ipv4Delivery): void {
    const u = parseUdp(d.payload, { family: 4, src: d.src, dst: d.dst });
    if (u instanceof ParseError) {
      return this.node.drop(
        d.packet,
        u.reason === "checksum" ? "bad-checksum" : "bad-header",
        d.iface,
      );
    }
    const socket = this.ports4.lookup(formatIpv4(d.dst), u.dstPort);
    if (socket === undefined) {
      this.node.drop(d.packet, "no-listener", d.iface);
      // RFC 1122 §4.1.3.1: port unreachable, except for broadcast and multicast destinations.
      return this.node.ipv4.sendError(d.packet, 3, 3);
    }
    socket.deliver({
      data: u.payload,
      from: { address: formatIpv4(d.src), port: u.srcPort },
      to: { address: formatIpv4(d.dst), port: u.dstPort },
      ttl: d.ttl,
      iface: d.iface,
      datagram: d.packet,
    });
  }

  private input6(d: Ipv6Delivery): void {
    // RFC 8200 §8.1: the checksum is mandatory over IPv6; parseUdp refuses a zero one.
    const u = parseUdp(d.payload, { family: 6, src: d.src, dst: d.dst });
    if (u instanceof ParseError) {
      return this.node.drop(
        d.packet,
        u.reason === "checksum" || u.field === "checksum" ? "bad-checksum" : "bad-header",
        d.iface,
      );
    }
    const dst = d.dst.toString();
    const socket = this.ports6.lookup(dst, u.dstPort);
    if (socket === undefined) {
      this.node.drop(d.packet, "no-listener", d.iface);
      // RFC 4443 §3.1: destination unreachable, code 4 (port unreachable).
      return this.node.ipv6.sendError(d.packet, {
        type: "destination-unreachable",
        code: 4,
        checksum: 0,
        original: d.packet,
      });
    }
    socket.deliver({
      data: u.payload,
      from: { address: d.src.toString(), port: u.srcPort },
      to: { address: dst, port: u.dstPort },
      ttl: d.hopLimit,
      iface: d.iface,
      datagram: d.packet,
    });
  }

  private icmpError4(msg: Icmpv4Record, d: Ipv4Delivery): void {
    if (msg.type !== "destination-unreachable" && msg.type !== "time-exceeded") return;
    const q = msg.original;
    if (q.length < 28 || q[9] !== IP_PROTOCOL_UDP) return;
    const hl = (q[0]! & 0x0f) * 4;
    if (q.length < hl + 4) return;
    const socket = this.ports4.lookup(formatIpv4(getU32(q, 12)), getU16(q, hl));
    if (socket === undefined) return;
    const code: TransportErrorCode =
      msg.type === "time-exceeded"
        ? "EHOSTUNREACH"
        : (UNREACHABLE_ERRORS[msg.code] ?? "EHOSTUNREACH");
    const peer = { address: formatIpv4(getU32(q, 16)), port: getU16(q, hl + 2) };
    this.report(socket, code, `${msg.type} (code ${msg.code})`, formatIpv4(d.src), peer);
  }

  private icmpError6(msg: Icmpv6Record, d: Ipv6Delivery): void {
    if (
      msg.type !== "destination-unreachable" &&
      msg.type !== "time-exceeded" &&
      msg.type !== "packet-too-big"
    )
      return;
    const q = msg.original;
    // The quoted packet: fixed header, then (without extension headers) the UDP header.
    if (q.length < 44 || q[6] !== IP_PROTOCOL_UDP) return;
    const socket = this.ports6.lookup(Ipv6Address.fromBytes(q, 8).toString(), getU16(q, 40));
    if (socket === undefined) return;
    const code: TransportErrorCode =
      msg.type === "packet-too-big"
        ? "EMSGSIZE"
        : msg.type === "time-exceeded"
          ? "EHOSTUNREACH"
          : (UNREACHABLE6_ERRORS[msg.code] ?? "EHOSTUNREACH");
    const peer = { address: Ipv6Address.fromBytes(q, 24).toString(), port: getU16(q, 42) };
    const detail =
      msg.type === "packet-too-big"
        ? `packet-too-big (mtu ${msg.mtu})`
        : `${msg.type} (code ${msg.code})`;
    this.report(socket, code, detail, d.src.toString(), peer);
  }

  private report(
    socket: UdpSocket,
    code: TransportErrorCode,
    what: string,
    reporter: string,
    peer: Endpoint,
  ): void {
    socket.fail({
      error: new TransportError(code, `${what} from ${reporter} for ${peer.address}:${peer.port}`),
      peer,
      reporter,
    });
  }
}
