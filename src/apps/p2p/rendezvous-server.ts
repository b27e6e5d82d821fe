/**
 * A rendezvous server on a public host, for peers behind NATs (a Skype-like supernode's NAT
 * role): it answers STUN Binding requests with the reflexive address it sees (RFC 8489 §7.3),
 * keeps a registry of peers (reflexive and local endpoints), introduces two peers to each other
 * so both can punch holes at once, and relays their messages when punching fails (TURN-like,
 * RFC 8656's idea in a simpler format). Malformed datagrams are counted and ignored.
 */
import type { Node } from "../../net/node.js";
import type { Nanos } from "../../sim/time.js";
import { type DatagramSocket, sockets } from "../../socket/index.js";
import { TransportError } from "../../transport/errors.js";
import type { Endpoint, UdpMessage } from "../../transport/udp.js";
import { ParseError } from "../../wire/parse-error.js";
import {
  emitStun,
  looksLikeStun,
  parseStun,
  STUN_ATTR_SOFTWARE,
  STUN_BINDING,
  textAttribute,
  xorMappedAddress,
} from "./stun.js";
import { decodeSignal, encodeSignal, type SignalMessage } from "./traversal-messages.js";

/** The IANA port for STUN (RFC 8489 §18.6). */
export const STUN_PORT = 3478;
export const RENDEZVOUS_SOFTWARE = "wirelab-rendezvous/1.0";

/** A registered peer. */
export interface RendezvousEntry {
  id: string;
  /** Where the server sees the peer ("a.b.c.d:port"): its NAT's mapping. */
  reflexive: string;
  /** The endpoint the peer says it has on its own network. */
  local: string;
  /** Last registration (they double as keepalives). */
  seen: Nanos;
}

export interface RendezvousStats {
  bindings: number;
  registrations: number;
  introductions: number;
  relayed: number;
  /** Datagrams that were neither STUN nor a well-formed signalling message, or not allowed. */
  ignored: number;
}

const text = (e: Endpoint) => `${e.address}:${e.port}`;

export class RendezvousServer {
  readonly peers = new Map<string, RendezvousEntry>();
  readonly stats: RendezvousStats = {
    bindings: 0,
    registrations: 0,
    introductions: 0,
    relayed: 0,
    ignored: 0,
  };
  private readonly socket: DatagramSocket;
  /** Reflexive endpoint -> peer id, to know who sends a relay request. */
  private readonly byEndpoint = new Map<string, string>();

  /** Binds `port` (default 3478) on every address of `node`; throws if it is taken. */
  constructor(
    readonly node: Node,
    readonly port = STUN_PORT,
  ) {
    const s = sockets(node).bind(port);
    if (s instanceof TransportError) throw new Error(`rendezvous server: ${s.message}`);
    this.socket = s;
    s.onMessage((m) => this.receive(m));
  }

  close(): void {
    this.socket.close();
  }

  private receive(m: UdpMessage): void {
    if (looksLikeStun(m.data)) return this.binding(m);
    const msg = decodeSignal(m.data);
    if (msg === undefined) {
      this.stats.ignored++;
      return;
    }
    const from = text(m.from);
    switch (msg.t) {
      case "register":
        return this.register(msg.id, msg.local, m.from);
      case "connect":
        return this.introduce(from, msg.to, m.from);
      case "relay":
        return this.relay(from, msg.to, msg.data);
      default:
        this.stats.ignored++;
    }
  }

  /** RFC 8489 §7.3.1: a Binding success response carries the request's source as seen here. */
  private binding(m: UdpMessage): void {
    const req = parseStun(m.data);
    if (req instanceof ParseError || req.method !== STUN_BINDING || req.class !== "request") {
      this.stats.ignored++;
      return;
    }
    this.stats.bindings++;
    const res = emitStun({
      method: STUN_BINDING,
      class: "success",
      transactionId: req.transactionId,
      attributes: [
        xorMappedAddress(m.from.address, m.from.port),
        textAttribute(STUN_ATTR_SOFTWARE, RENDEZVOUS_SOFTWARE),
      ],
    });
    this.socket.send(res, m.from);
  }

  private register(id: string, local: string, from: Endpoint): void {
    const reflexive = text(from);
    const old = this.peers.get(id);
    if (old !== undefined && old.reflexive !== reflexive) this.byEndpoint.delete(old.reflexive);
    this.peers.set(id, { id, reflexive, local, seen: this.node.clock.monotonic() });
    this.byEndpoint.set(reflexive, id);
    this.stats.registrations++;
    this.send({ t: "registered", reflexive }, from);
  }

  /** Tells each peer the other's endpoints, so both start punching at about the same time. */
  private introduce(from: string, to: string, endpoint: Endpoint): void {
    const me = this.peers.get(this.byEndpoint.get(from) ?? "");
    const other = this.peers.get(to);
    if (me === undefined || other === undefined) {
      this.send(
        { t: "error", reason: me === undefined ? "not registered" : `unknown peer ${to}` },
        endpoint,
      );
      return;
    }
    this.stats.introductions++;
    this.send(
      { t: "peer", id: other.id, reflexive: other.reflexive, local: other.local },
      endpoint,
    );
    const back = parseEndpoint(other.reflexive);
    if (back) this.send({ t: "peer", id: me.id, reflexive: me.reflexive, local: me.local }, back);
  }

  private relay(from: string, to: string, data: string): void {
    const sender = this.byEndpoint.get(from);
    const target = this.peers.get(to);
    const dest = target === undefined ? undefined : parseEndpoint(target.reflexive);
    if (sender === undefined || dest === undefined) {
      this.stats.ignored++;
      return;
    }
    this.stats.relayed++;
    this.send({ t: "relayed", from: sender, data }, dest);
  }

  private send(m: SignalMessage, to: Endpoint): void {
    this.socket.send(encodeSignal(m), to);
  }
}

/** "a.b.c.d:port" -> endpoint. */
export function parseEndpoint(s: string): Endpoint | undefined {
  const i = s.lastIndexOf(":");
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { address: s.slice(0, i), port };
}
