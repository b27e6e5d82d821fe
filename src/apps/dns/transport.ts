/**
 * How a DNS client moves one query and its response: the `DnsTransport` interface, its UDP
 * implementation (a fresh socket on a random port per query, RFC 5452 §4-§5), and the TCP side
 * that a truncated answer goes to (RFC 7766 §5): `TcpDnsTransport` (tcp.ts) by default, or
 * `UnavailableTcpTransport` for a client with no TCP. Results always arrive on a later event,
 * never inside `query`, so a caller's state is settled before its callback runs.
 */
import type { Node } from "../../net/node.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import type { Nanos } from "../../sim/time.js";
import { TransportError } from "../../transport/errors.js";
import { type Endpoint, type UdpSocket, udp } from "../../transport/udp.js";
import { formatIpv4, parseIpv4Address, parseIpv6Address } from "../../wire/address.js";
import { ParseError } from "../../wire/parse-error.js";
import { TcpDnsTransport } from "./tcp.js";

/** The outcome of one exchange over a transport. */
export type DnsTransportResult =
  /** A datagram (or TCP message) the `accept` check took as the answer. */
  | { kind: "response"; bytes: Uint8Array; from: Endpoint }
  /** Nothing acceptable arrived in time. */
  | { kind: "timeout" }
  /** The network said no: ICMP unreachable, no route, a closed socket. */
  | { kind: "error"; error: TransportError }
  /** This transport cannot carry queries (TCP, for now). */
  | { kind: "unavailable"; reason: string };

export interface DnsTransportOptions {
  /** How long to wait for an acceptable answer. */
  timeout: Nanos;
  /**
   * Decides whether a message from the server is the answer to this query (id and question,
   * RFC 5452 §9.1). Messages it refuses are counted and ignored, and the wait goes on, so a
   * forged datagram cannot cut the exchange short.
   */
  accept(bytes: Uint8Array): boolean;
}

/** An exchange in progress; `cancel` ends it without a result. */
export interface DnsPending {
  cancel(): void;
}

/** Carries one DNS query to a server and brings back its answer. */
export interface DnsTransport {
  /** "UDP" or "TCP", as dig prints it. */
  readonly protocol: "UDP" | "TCP";
  query(
    server: Endpoint,
    bytes: Uint8Array,
    options: DnsTransportOptions,
    done: (result: DnsTransportResult) => void,
  ): DnsPending;
}

/** Counters of a UDP transport. */
export interface UdpDnsTransportStats {
  /** Queries sent. */
  sent: number;
  /** Datagrams from the server's address and port that `accept` refused (wrong id, question). */
  mismatched: number;
  /** Datagrams on a query's socket from anywhere but the server's address and port. */
  strangers: number;
  timeouts: number;
  errors: number;
}

/** Lowest source port drawn: ports below 1024 are privileged (RFC 6056 §2.1). */
const PORT_LOW = 1024;
/** Binding attempts on random ports before falling back to the node's ephemeral range. */
const PORT_TRIES = 16;

/**
 * DNS over UDP from one node. Each query binds its own socket on a port drawn from the node's
 * "dns-ports" stream, so an off-path attacker must guess 16 bits of port on top of 16 of id.
 */
export class UdpDnsTransport implements DnsTransport {
  readonly protocol = "UDP" as const;
  readonly stats: UdpDnsTransportStats = {
    sent: 0,
    mismatched: 0,
    strangers: 0,
    timeouts: 0,
    errors: 0,
  };

  constructor(private readonly node: Node) {}

  query(
    server: Endpoint,
    bytes: Uint8Array,
    options: DnsTransportOptions,
    done: (result: DnsTransportResult) => void,
  ): DnsPending {
    const sim = this.node.sim;
    const family = server.address.includes(":") ? 6 : 4;
    const peer = canonicalAddress(server.address, family);
    let socket: UdpSocket | undefined;
    let timer: LocalTimer | undefined;
    let over = false;
    const finish = (result: DnsTransportResult | null): void => {
      if (over) return;
      over = true;
      timer?.cancel();
      socket?.close();
      if (result !== null) done(result);
    };
    const later = (result: DnsTransportResult): DnsPending => {
      // Errors found before sending are still reported on a later event (see the module note).
      sim.after(0, () => finish(result));
      return { cancel: () => finish(null) };
    };
    if (peer === undefined) {
      return later(error("EINVAL", `bad server address "${server.address}"`));
    }
    const bound = this.bindRandom(family);
    if (bound instanceof TransportError) return later({ kind: "error", error: bound });
    socket = bound;
    socket.onMessage((m) => {
      if (m.from.address !== peer || m.from.port !== server.port) {
        this.stats.strangers++;
        return;
      }
      if (!options.accept(m.data)) {
        this.stats.mismatched++;
        return;
      }
      finish({ kind: "response", bytes: m.data, from: m.from });
    });
    socket.onError((e) => {
      if (e.peer.address !== peer || e.peer.port !== server.port) return;
      this.stats.errors++;
      finish({ kind: "error", error: e.error });
    });
    const sent = socket.send(bytes, server.port, peer);
    if (sent !== undefined) {
      this.stats.errors++;
      return later({ kind: "error", error: sent });
    }
    this.stats.sent++;
    timer = this.node.clock.after(options.timeout, () => {
      this.stats.timeouts++;
      finish({ kind: "timeout" });
    });
    return { cancel: () => finish(null) };
  }

  /** A socket on a random unprivileged port (RFC 5452 §10), or the ephemeral range if crowded. */
  private bindRandom(family: 4 | 6): UdpSocket | TransportError {
    const rng = this.node.sim.rng(`node:${this.node.name}:dns-ports`);
    const any = family === 4 ? "0.0.0.0" : "::";
    const layer = udp(this.node);
    for (let i = 0; i < PORT_TRIES; i++) {
      const s = layer.bind(PORT_LOW + rng.nextInt(0x10000 - PORT_LOW), any);
      if (!(s instanceof TransportError) || s.code !== "EADDRINUSE") return s;
    }
    return layer.bind(0, any);
  }
}

function error(code: "EINVAL", message: string): DnsTransportResult {
  return { kind: "error", error: new TransportError(code, message) };
}

/** The address in the form the UDP layer reports senders, or undefined if malformed. */
function canonicalAddress(address: string, family: 4 | 6): string | undefined {
  if (family === 4) {
    const a = parseIpv4Address(address);
    return a instanceof ParseError ? undefined : formatIpv4(a);
  }
  const a = parseIpv6Address(address);
  return a instanceof ParseError ? undefined : a.toString();
}

/** The reason `UnavailableTcpTransport` gives. */
export const TCP_FALLBACK_UNAVAILABLE = "TCP fallback unavailable";

/**
 * A TCP side that cannot carry queries: every query comes back "unavailable" on the next event.
 * Pass it (resolver, stub and dig options take `transports.tcp`) to model a client without TCP.
 */
export class UnavailableTcpTransport implements DnsTransport {
  readonly protocol = "TCP" as const;
  /** Queries handed to the hook (a test checks that truncation reaches it). */
  calls = 0;

  constructor(private readonly node: Node) {}

  query(
    _server: Endpoint,
    _bytes: Uint8Array,
    _options: DnsTransportOptions,
    done: (result: DnsTransportResult) => void,
  ): DnsPending {
    this.calls++;
    let cancelled = false;
    this.node.sim.after(0, () => {
      if (!cancelled) done({ kind: "unavailable", reason: TCP_FALLBACK_UNAVAILABLE });
    });
    return {
      cancel: () => {
        cancelled = true;
      },
    };
  }
}

/** The UDP and TCP transports a DNS client uses. */
export interface DnsTransports {
  udp: DnsTransport;
  tcp: DnsTransport;
}

/** A node's own transports, typed for their counters. */
export interface NodeDnsTransports extends DnsTransports {
  udp: UdpDnsTransport;
  tcp: TcpDnsTransport;
}

const perNode = new WeakMap<Node, NodeDnsTransports>();

/** The node's shared transports: UDP, and DNS over TCP for truncated answers (created on first use). */
export function dnsTransports(node: Node): NodeDnsTransports {
  let t = perNode.get(node);
  if (t === undefined) {
    t = { udp: new UdpDnsTransport(node), tcp: new TcpDnsTransport(node) };
    perNode.set(node, t);
  }
  return t;
}
