/**
 * A peer that reaches other peers through NATs: it learns its reflexive address from the
 * rendezvous server with a STUN Binding request (RFC 8489 §7.2), registers there, and when asked
 * to connect gets the other peer's reflexive and local endpoints. Both peers then send STUN
 * Binding requests to each other's candidates every `punchInterval` (as ICE's connectivity
 * checks do, RFC 8445 §7.2, USERNAME "them:me"); each answers every request it receives and adds
 * the request's source as a candidate (a peer-reflexive candidate and triggered check, RFC 8445
 * §7.3.1.3-4). The first success response picks the direct path. If none comes within
 * `punchTimeout`, messages go through the server instead. `link(peer).path` says which.
 */

import type { Node } from "../../net/node.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import type { RandomStream } from "../../sim/random.js";
import { ms, type Nanos, sec } from "../../sim/time.js";
import { type DatagramSocket, sockets } from "../../socket/index.js";
import { TransportError } from "../../transport/errors.js";
import type { Endpoint, UdpMessage } from "../../transport/udp.js";
import { formatIpv4 } from "../../wire/address.js";
import { toHex } from "../../wire/bytes.js";
import { ParseError } from "../../wire/parse-error.js";
import { parseEndpoint } from "./rendezvous-server.js";
import {
  emitStun,
  looksLikeStun,
  parseStun,
  readText,
  readXorMappedAddress,
  STUN_ATTR_USERNAME,
  STUN_BINDING,
  type StunMessage,
  textAttribute,
  xorMappedAddress,
} from "./stun.js";
import { decodeSignal, encodeSignal, type SignalMessage } from "./traversal-messages.js";

/** How two peers talk: straight through the NATs' holes, or through the server. */
export type TraversalPath = "direct" | "relay";

/** This peer's view of its connection to another. */
export interface TraversalLink {
  peer: string;
  state: "punching" | TraversalPath;
  /** Endpoints punched toward: the peer's reflexive and local ones, then peer-reflexive ones. */
  candidates: string[];
  /** The endpoint that answered, on a direct path. */
  endpoint: string | undefined;
  /** Binding requests sent. */
  checks: number;
  /** When punching started, on the host's monotonic clock. */
  started: Nanos;
  /** When the path was decided (-1 while punching). */
  decided: Nanos;
}

export interface TraversalPeerOptions {
  /** The peer's name in the registry. */
  id: string;
  /** The rendezvous server, "a.b.c.d:port". */
  server: string;
  /** Local UDP port (default 5000). */
  port?: number;
  /** Between rounds of connectivity checks (default 50 ms, ICE's Ta is 50 ms). */
  punchInterval?: Nanos;
  /** Give up punching and relay after this long (default 3 s). */
  punchTimeout?: Nanos;
  /** Re-registration period, which keeps the NAT mapping to the server open (default 20 s). */
  keepalive?: Nanos;
}

/** A received message. */
export interface TraversalMessage {
  from: string;
  data: string;
  path: TraversalPath;
  /** On the host's monotonic clock (simulation time when the clock is perfect). */
  time: Nanos;
}

interface PendingCheck {
  peer: string;
  candidate: string;
}

export class TraversalPeer {
  readonly id: string;
  /** This peer's endpoint as the server sees it, once known. */
  reflexive: string | undefined;
  registered = false;
  readonly local: string;
  readonly links = new Map<string, TraversalLink>();
  readonly received: TraversalMessage[] = [];
  /** Errors the server reported. */
  readonly errors: string[] = [];
  /** Datagrams that were neither STUN nor signalling. */
  ignored = 0;
  private readonly server: Endpoint;
  private readonly socket: DatagramSocket;
  private readonly rng: RandomStream;
  private readonly pending = new Map<string, PendingCheck>();
  private readonly queued = new Map<string, string[]>();
  private readonly wanted: string[] = [];
  private readonly punchTimers = new Map<string, LocalTimer>();
  private readonly bindingTimer: LocalTimer;
  private bindingTid = "";
  private readonly pathListeners: ((peer: string, path: TraversalPath) => void)[] = [];
  private readonly messageListeners: ((m: TraversalMessage) => void)[] = [];
  private readonly punchInterval: Nanos;
  private readonly punchTimeout: Nanos;
  private readonly keepalive: Nanos;

  constructor(
    readonly node: Node,
    options: TraversalPeerOptions,
  ) {
    this.id = options.id;
    const server = parseEndpoint(options.server);
    if (server === undefined) throw new Error(`bad server endpoint "${options.server}"`);
    this.server = server;
    this.punchInterval = options.punchInterval ?? ms(50);
    this.punchTimeout = options.punchTimeout ?? sec(3);
    this.keepalive = options.keepalive ?? sec(20);
    const port = options.port ?? 5000;
    const s = sockets(node).bind(port);
    if (s instanceof TransportError) throw new Error(`traversal peer ${this.id}: ${s.message}`);
    this.socket = s;
    const ip = node.interfaces.find((i) => i.ipv4 !== undefined)?.ipv4 ?? 0;
    this.local = `${formatIpv4(ip)}:${port}`;
    this.rng = node.sim.rng(`p2p:${this.id}:stun`);
    s.onMessage((m) => this.receive(m));
    // Keepalives, punching and every time stamp run on the host's own (monotonic) clock.
    this.bindingTimer = node.clock.timer(() => this.discover());
    this.discover();
  }

  /** Called when the path to a peer is decided. */
  onPath(fn: (peer: string, path: TraversalPath) => void): void {
    this.pathListeners.push(fn);
  }

  /** Called with each message received, direct or relayed. */
  onMessage(fn: (m: TraversalMessage) => void): void {
    this.messageListeners.push(fn);
  }

  /** This peer's link to `peer`, if it asked for or was offered one. */
  link(peer: string): TraversalLink | undefined {
    return this.links.get(peer);
  }

  /** Asks the server to introduce us to `peer` (once registered); punching follows. */
  connect(peer: string): void {
    if (this.registered) this.signal({ t: "connect", to: peer }, this.server);
    else this.wanted.push(peer);
  }

  /** Sends `data` to `peer`: direct, relayed, or queued while the path is being decided. */
  send(peer: string, data: string): void {
    const l = this.links.get(peer);
    if (l === undefined || l.state === "punching") {
      const q = this.queued.get(peer) ?? [];
      q.push(data);
      this.queued.set(peer, q);
      if (l === undefined) this.connect(peer);
      return;
    }
    if (l.state === "direct") {
      this.signal({ t: "data", from: this.id, data }, parseEndpoint(l.endpoint!)!);
    } else {
      this.signal({ t: "relay", to: peer, data }, this.server);
    }
  }

  close(): void {
    this.bindingTimer.cancel();
    for (const t of this.punchTimers.values()) t.cancel();
    this.socket.close();
  }

  // ---- address discovery and registration ----

  /** RFC 8489 §7.2.1: Binding request to the server, retransmitted until answered. */
  private discover(): void {
    const tid = this.transactionId();
    this.bindingTid = toHex(tid);
    this.socket.send(
      emitStun({ method: STUN_BINDING, class: "request", transactionId: tid, attributes: [] }),
      this.server,
    );
    this.bindingTimer.set(this.registered ? this.keepalive : ms(500));
  }

  private register(): void {
    this.signal({ t: "register", id: this.id, local: this.local }, this.server);
  }

  // ---- receiving ----

  private receive(m: UdpMessage): void {
    if (looksLikeStun(m.data)) {
      const msg = parseStun(m.data);
      if (msg instanceof ParseError || msg.method !== STUN_BINDING) {
        this.ignored++;
        return;
      }
      if (msg.class === "request") return this.answerCheck(msg, m.from);
      if (msg.class === "success") return this.success(msg, m.from);
      this.ignored++;
      return;
    }
    const s = decodeSignal(m.data);
    if (s === undefined) {
      this.ignored++;
      return;
    }
    const fromServer = m.from.address === this.server.address && m.from.port === this.server.port;
    if (fromServer) this.fromServer(s);
    else if (s.t === "data") this.deliver(s.from, s.data, "direct");
    else this.ignored++;
  }

  private fromServer(s: SignalMessage): void {
    switch (s.t) {
      case "registered": {
        const first = !this.registered;
        this.registered = true;
        this.reflexive = s.reflexive;
        if (first) for (const p of this.wanted.splice(0)) this.connect(p);
        return;
      }
      case "peer":
        return this.startPunching(s.id, [s.reflexive, s.local]);
      case "relayed":
        return this.deliver(s.from, s.data, "relay");
      case "error":
        this.errors.push(s.reason);
        return;
      default:
        this.ignored++;
    }
  }

  private success(msg: StunMessage, from: Endpoint): void {
    const tid = toHex(msg.transactionId);
    if (tid === this.bindingTid) {
      // The server's answer: our reflexive address; now register under it.
      const mapped = readXorMappedAddress(msg);
      if (mapped !== undefined) this.reflexive = `${mapped.address}:${mapped.port}`;
      this.bindingTid = "";
      this.bindingTimer.set(this.keepalive);
      this.register();
      return;
    }
    const check = this.pending.get(tid);
    if (check === undefined) return;
    this.pending.delete(tid);
    const l = this.links.get(check.peer);
    if (l === undefined || l.state !== "punching") return;
    // RFC 8445 §7.2.5.3: a check succeeds when its response comes from where it was sent.
    const at = `${from.address}:${from.port}`;
    if (at !== check.candidate) return;
    l.endpoint = at;
    this.decide(l, "direct");
  }

  /** RFC 8445 §7.3: answer every check for us, and check back toward its source. */
  private answerCheck(msg: StunMessage, from: Endpoint): void {
    const user = readText(msg, STUN_ATTR_USERNAME) ?? "";
    const colon = user.indexOf(":");
    if (colon === -1 || user.slice(0, colon) !== this.id) {
      this.ignored++;
      return;
    }
    const peer = user.slice(colon + 1);
    this.socket.send(
      emitStun({
        method: STUN_BINDING,
        class: "success",
        transactionId: msg.transactionId,
        attributes: [
          xorMappedAddress(from.address, from.port),
          textAttribute(STUN_ATTR_USERNAME, user),
        ],
      }),
      from,
    );
    const l = this.links.get(peer);
    const at = `${from.address}:${from.port}`;
    if (l !== undefined && l.state === "punching" && !l.candidates.includes(at)) {
      l.candidates.push(at); // a peer-reflexive candidate
      this.check(l, at);
    }
  }

  private deliver(from: string, data: string, path: TraversalPath): void {
    const m: TraversalMessage = { from, data, path, time: this.node.clock.monotonic() };
    this.received.push(m);
    for (const fn of this.messageListeners) fn(m);
  }

  // ---- punching ----

  private startPunching(peer: string, candidates: string[]): void {
    const old = this.links.get(peer);
    if (old !== undefined) return; // one attempt per peer: punching, or already decided
    const l: TraversalLink = {
      peer,
      state: "punching",
      candidates: [...new Set(candidates)].filter((c) => parseEndpoint(c) !== undefined),
      endpoint: undefined,
      checks: 0,
      started: this.node.clock.monotonic(),
      decided: -1,
    };
    this.links.set(peer, l);
    const deadline = this.node.clock.monotonic() + this.punchTimeout;
    const timer = this.node.clock.timer(() => {
      if (l.state !== "punching") return;
      if (this.node.clock.monotonic() >= deadline) return this.decide(l, "relay");
      for (const c of l.candidates) this.check(l, c);
      timer.set(this.punchInterval);
    });
    this.punchTimers.set(peer, timer);
    timer.set(0);
  }

  private check(l: TraversalLink, candidate: string): void {
    const to = parseEndpoint(candidate);
    if (to === undefined) return;
    const tid = this.transactionId();
    this.pending.set(toHex(tid), { peer: l.peer, candidate });
    l.checks++;
    this.socket.send(
      emitStun({
        method: STUN_BINDING,
        class: "request",
        transactionId: tid,
        attributes: [textAttribute(STUN_ATTR_USERNAME, `${l.peer}:${this.id}`)],
      }),
      to,
    );
  }

  private decide(l: TraversalLink, path: TraversalPath): void {
    l.state = path;
    l.decided = this.node.clock.monotonic();
    this.punchTimers.get(l.peer)?.cancel();
    for (const [tid, c] of [...this.pending]) if (c.peer === l.peer) this.pending.delete(tid);
    for (const fn of this.pathListeners) fn(l.peer, path);
    const q = this.queued.get(l.peer);
    this.queued.delete(l.peer);
    for (const d of q ?? []) this.send(l.peer, d);
  }

  private signal(m: SignalMessage, to: Endpoint): void {
    this.socket.send(encodeSignal(m), to);
  }

  private transactionId(): Uint8Array {
    const t = new Uint8Array(12);
    for (let i = 0; i < 12; i += 4) {
      const v = this.rng.nextU32();
      t[i] = v >>> 24;
      t[i + 1] = (v >>> 16) & 0xff;
      t[i + 2] = (v >>> 8) & 0xff;
      t[i + 3] = v & 0xff;
    }
    return t;
  }
}
