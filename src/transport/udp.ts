/**
 * UDP (RFC 768) for a node: sockets bound to (address, port), demultiplexing of arriving
 * datagrams (exact address first, then the wildcard), checksums on send and on receipt, ICMP port
 * unreachable for datagrams nobody listens for (RFC 1122 §4.1.3.1), and ICMP errors about our own
 * datagrams handed back to the socket that sent them. Datagrams up to 65,507 bytes go out over
 * IPv4, fragmented by the IP layer below when they exceed the MTU.
 */
import type { Interface } from "../net/interface.js";
import type { Ipv4Delivery } from "../net/ipv4-stack.js";
import type { Node } from "../net/node.js";
import { formatIpv4, type Ipv4, parseIpv4Address } from "../wire/address.js";
import { getU16, getU32 } from "../wire/bytes.js";
import type { Icmpv4Record } from "../wire/icmpv4.js";
import { IP_PROTOCOL_UDP } from "../wire/ipv4.js";
import { ParseError } from "../wire/parse-error.js";
import { emitUdp, parseUdp } from "../wire/udp.js";
import { TransportError, type TransportErrorCode } from "./errors.js";
import { PortTable } from "./ports.js";

/** Largest UDP payload over IPv4: 65,535 - 20 (IP header) - 8 (UDP header). */
export const UDP_MAX_PAYLOAD_V4 = 65_507;

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
    /** Bound address ("" for any) and port. */
    readonly local: Endpoint,
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
    const a = parseIpv4Address(address);
    if (a instanceof ParseError) return new TransportError("EINVAL", `bad address "${address}"`);
    this.remote = { address: formatIpv4(a), port };
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

const UNREACHABLE_ERRORS: Record<number, TransportErrorCode> = {
  0: "ENETUNREACH",
  1: "EHOSTUNREACH",
  3: "ECONNREFUSED",
  4: "EMSGSIZE",
};

export class UdpLayer {
  private readonly ports: PortTable<UdpSocket>;

  constructor(private readonly node: Node) {
    this.ports = new PortTable(node.sim.rng(`node:${node.name}:udp-ports`));
    node.ipv4.register(IP_PROTOCOL_UDP, (d) => this.input(d));
    node.ipv4.onIcmp((msg, d) => this.icmpError(msg, d));
    node.onUpDown((up) => {
      // A crash kills every process, and with them their sockets.
      if (!up) this.ports.clear();
    });
  }

  /** Binds a socket; port 0 picks an ephemeral port, address "" means any local address. */
  bind(port = 0, address = ""): UdpSocket | TransportError {
    let addrKey = "";
    if (address !== "" && address !== "0.0.0.0") {
      const a = parseIpv4Address(address);
      if (a instanceof ParseError) return new TransportError("EINVAL", `bad address "${address}"`);
      if (!this.node.ipv4.isLocal(a)) {
        return new TransportError(
          "EADDRNOTAVAIL",
          `${address} is not an address of ${this.node.name}`,
        );
      }
      addrKey = formatIpv4(a);
    }
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
      return new TransportError("EINVAL", `bad port ${port}`);
    }
    const p = port === 0 ? this.ports.ephemeral(addrKey) : port;
    if (p === undefined) return new TransportError("EAGAIN", "no ephemeral port is free");
    const socket = new UdpSocket(this, { address: addrKey === "" ? "0.0.0.0" : addrKey, port: p });
    if (!this.ports.bind(addrKey, p, socket)) {
      return new TransportError(
        "EADDRINUSE",
        `${addrKey || "0.0.0.0"}:${p} is already in use on ${this.node.name}`,
      );
    }
    return socket;
  }

  /** Called by a socket when it closes. */
  release(socket: UdpSocket): void {
    const a = socket.local.address === "0.0.0.0" ? "" : socket.local.address;
    if (this.ports.lookup(a, socket.local.port) === socket) this.ports.unbind(a, socket.local.port);
  }

  send(
    socket: UdpSocket,
    data: Uint8Array,
    port: number,
    address: string,
    o: UdpSendOptions,
  ): TransportError | undefined {
    const dst = parseIpv4Address(address);
    if (dst instanceof ParseError) return new TransportError("EINVAL", `bad address "${address}"`);
    if (data.length > UDP_MAX_PAYLOAD_V4) {
      return new TransportError(
        "EMSGSIZE",
        `${data.length} bytes exceed the UDP maximum of 65,507`,
      );
    }
    if (!Number.isInteger(port) || port < 1 || port > 0xffff) {
      return new TransportError("EINVAL", `bad destination port ${port}`);
    }
    const ipv4 = this.node.ipv4;
    let src: Ipv4 | undefined =
      socket.local.address === "0.0.0.0"
        ? undefined
        : (parseIpv4Address(socket.local.address) as number);
    if (src === undefined) {
      if (o.iface !== undefined) src = o.iface.ipv4;
      else if (ipv4.isLocal(dst)) src = dst;
      else src = ipv4.pathTo(dst)?.src;
    }
    if (src === undefined) return new TransportError("ENETUNREACH", `no route to ${address}`);
    const payload = emitUdp(
      { srcPort: socket.local.port, dstPort: port, checksum: 0, payload: data },
      { family: 4, src, dst },
    );
    const r = ipv4.send({
      dst,
      src,
      protocol: IP_PROTOCOL_UDP,
      payload,
      ...(o.ttl !== undefined ? { ttl: o.ttl } : {}),
      ...(o.iface !== undefined ? { iface: o.iface } : {}),
      ...(o.dontFragment !== undefined ? { dontFragment: o.dontFragment } : {}),
    });
    if (r === "no-route") return new TransportError("ENETUNREACH", `no route to ${address}`);
    if (r === "down") return new TransportError("ENETDOWN", `${this.node.name} cannot send`);
    if (r === "too-big")
      return new TransportError("EMSGSIZE", "datagram exceeds the MTU and DF is set");
    socket.stats.sent++;
    return undefined;
  }

  private input(d: Ipv4Delivery): void {
    const u = parseUdp(d.payload, { family: 4, src: d.src, dst: d.dst });
    if (u instanceof ParseError) {
      return this.node.drop(
        d.packet,
        u.reason === "checksum" ? "bad-checksum" : "bad-header",
        d.iface,
      );
    }
    const socket = this.ports.lookup(formatIpv4(d.dst), u.dstPort);
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
    });
  }

  private icmpError(msg: Icmpv4Record, d: Ipv4Delivery): void {
    if (msg.type !== "destination-unreachable" && msg.type !== "time-exceeded") return;
    const q = msg.original;
    if (q.length < 28 || q[9] !== IP_PROTOCOL_UDP) return;
    const hl = (q[0]! & 0x0f) * 4;
    if (q.length < hl + 4) return;
    const src = getU32(q, 12);
    const sport = getU16(q, hl);
    const socket = this.ports.lookup(formatIpv4(src), sport);
    if (socket === undefined) return;
    const code: TransportErrorCode =
      msg.type === "time-exceeded"
        ? "EHOSTUNREACH"
        : (UNREACHABLE_ERRORS[msg.code] ?? "EHOSTUNREACH");
    const peer = { address: formatIpv4(getU32(q, 16)), port: getU16(q, hl + 2) };
    socket.fail({
      error: new TransportError(
        code,
        `${msg.type} (code ${msg.code}) from ${formatIpv4(d.src)} for ${peer.address}:${peer.port}`,
      ),
      peer,
      reporter: formatIpv4(d.src),
    });
  }
}
