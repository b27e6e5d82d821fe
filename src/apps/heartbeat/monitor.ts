/**
 * The receiving half: a UDP port where heartbeats arrive, one failure detector per sender, and
 * events when a sender joins, becomes suspect, is declared dead or comes back. Each sender has
 * one timer armed at the instant its detector's verdict would change: no polling, and the event
 * times are exact. Malformed datagrams are counted and dropped.
 */
import type { Node } from "../../net/node.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import type { Nanos } from "../../sim/time.js";
import { isTransportError, type TransportError } from "../../transport/errors.js";
import { type UdpMessage, type UdpSocket, udp } from "../../transport/udp.js";
import { ParseError } from "../../wire/parse-error.js";
import type { JsonValue } from "../rpc/framing.js";
import type { DetectorFactory, FailureDetector, Health } from "./detector.js";
import { type HeartbeatMessage, parseHeartbeat } from "./message.js";

/** What happened to a peer. "alive-again" follows "suspect" or "dead". */
export type MonitorEventKind = "joined" | "suspect" | "alive-again" | "dead";

export interface MonitorEvent {
  /** The monitor host's monotonic clock reading (simulation time when its clock is perfect). */
  time: Nanos;
  peer: string;
  kind: MonitorEventKind;
  /** The detector's suspicion at that instant (phi, or elapsed/timeout). */
  suspicion: number;
  /** Time since the peer's last fresh heartbeat (0 for joined and alive-again). */
  silence: Nanos;
}

/** Running statistics of inter-arrival times (Welford's method), in ns. */
export interface InterArrival {
  count: number;
  mean: number;
  stdDev: number;
  min: number;
  max: number;
}

/** What the monitor knows about one sender. */
export interface PeerStatus {
  readonly name: string;
  /** Source of the last fresh heartbeat. */
  readonly address: string;
  readonly port: number;
  readonly health: Health;
  readonly firstSeen: Nanos;
  readonly lastArrival: Nanos;
  readonly lastSeq: number;
  /** Fresh heartbeats received. */
  readonly received: number;
  /** Duplicated or overtaken heartbeats, ignored. */
  readonly stale: number;
  /** Heartbeats never seen, from gaps in the sequence numbers. */
  readonly missed: number;
  /** Times the sequence started again (a new process), recognized by its clock. */
  readonly restarts: number;
  readonly interArrival: InterArrival;
  /** The `data` of the last fresh heartbeat. */
  readonly data: JsonValue | undefined;
  /** The peer's detector (a new one each time it comes back from the dead). */
  readonly detector: FailureDetector;
}

export interface HeartbeatMonitorOptions {
  /** UDP port to listen on. */
  port: number;
  /** Local address (default: any IPv4 address). */
  address?: string;
  /** Makes the detector for each new sender. */
  detector: DetectorFactory;
}

class Peer implements PeerStatus {
  address = "";
  port = 0;
  health: Health = "alive";
  lastArrival: Nanos;
  lastSeq = 0;
  lastTime: number | undefined;
  received = 0;
  stale = 0;
  missed = 0;
  restarts = 0;
  readonly interArrival: InterArrival = { count: 0, mean: 0, stdDev: 0, min: 0, max: 0 };
  private m2 = 0;
  data: JsonValue | undefined;
  timer: LocalTimer | undefined;

  constructor(
    readonly name: string,
    readonly firstSeen: Nanos,
    public detector: FailureDetector,
  ) {
    this.lastArrival = firstSeen;
  }

  /** True if the heartbeat is newer than the last one taken: by clock when both carry one. */
  isFresh(m: HeartbeatMessage): boolean {
    if (this.received === 0) return true;
    if (m.time !== undefined && this.lastTime !== undefined) return m.time > this.lastTime;
    return m.seq > this.lastSeq;
  }

  take(m: HeartbeatMessage, from: UdpMessage["from"], now: Nanos): void {
    if (this.received > 0) {
      if (m.seq <= this.lastSeq) {
        this.restarts++;
        this.missed += m.seq - 1;
      } else this.missed += m.seq - this.lastSeq - 1;
      this.addInterval(now - this.lastArrival);
    } else this.missed += m.seq - 1;
    this.received++;
    this.lastArrival = now;
    this.lastSeq = m.seq;
    this.lastTime = m.time;
    this.address = from.address;
    this.port = from.port;
    this.data = m.data;
  }

  private addInterval(x: number): void {
    const s = this.interArrival;
    s.count++;
    const d = x - s.mean;
    s.mean += d / s.count;
    this.m2 += d * (x - s.mean);
    s.stdDev = Math.sqrt(this.m2 / s.count);
    s.min = s.count === 1 ? x : Math.min(s.min, x);
    s.max = Math.max(s.max, x);
  }
}

/** A heartbeat monitor bound to a UDP port on a node. */
export class HeartbeatMonitor {
  /** Every event, in order. */
  readonly events: MonitorEvent[] = [];
  readonly stats = { datagrams: 0, heartbeats: 0, malformed: 0, stale: 0 };
  /** The last malformed datagram's error, as a value. */
  lastError: ParseError | undefined;
  private readonly peerMap = new Map<string, Peer>();
  private readonly eventListeners: ((e: MonitorEvent) => void)[] = [];
  private readonly heartbeatListeners: ((m: HeartbeatMessage, p: PeerStatus) => void)[] = [];
  private open = true;

  private constructor(
    private readonly node: Node,
    private readonly socket: UdpSocket,
    private readonly factory: DetectorFactory,
  ) {
    socket.onMessage((m) => this.receive(m));
    // A crash kills the monitoring process with its timers; a restart does not revive it.
    node.onUpDown((up) => {
      if (!up) this.close();
    });
  }

  /** Listens for heartbeats; returns an error value when the port cannot be bound. */
  static listen(node: Node, options: HeartbeatMonitorOptions): HeartbeatMonitor | TransportError {
    const socket = udp(node).bind(options.port, options.address ?? "");
    if (isTransportError(socket)) return socket;
    return new HeartbeatMonitor(node, socket, options.detector);
  }

  /** False once closed (or crashed). */
  get listening(): boolean {
    return this.open;
  }

  /** Calls `fn` for every event as it happens. */
  onEvent(fn: (e: MonitorEvent) => void): void {
    this.eventListeners.push(fn);
  }

  /** Calls `fn` for every fresh heartbeat, after the peer's status is updated. */
  onHeartbeat(fn: (m: HeartbeatMessage, peer: PeerStatus) => void): void {
    this.heartbeatListeners.push(fn);
  }

  /** Every sender ever heard, in the order first heard. */
  peers(): readonly PeerStatus[] {
    return [...this.peerMap.values()];
  }

  peer(name: string): PeerStatus | undefined {
    return this.peerMap.get(name);
  }

  /** Stops listening and cancels every timer. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.socket.close();
    for (const p of this.peerMap.values()) p.timer?.cancel();
  }

  private receive(msg: UdpMessage): void {
    if (!this.open) return;
    this.stats.datagrams++;
    const m = parseHeartbeat(msg.data);
    if (m instanceof ParseError) {
      this.stats.malformed++;
      this.lastError = m;
      return;
    }
    // Arrival times and silences are measured on this host's monotonic clock, as a real
    // monitor would: a drifting clock scales every interval the detector sees.
    const now = this.node.clock.monotonic();
    let peer = this.peerMap.get(m.from);
    const joined = peer === undefined;
    if (peer === undefined) {
      peer = new Peer(m.from, now, this.factory(m.from));
      this.peerMap.set(m.from, peer);
    }
    if (!peer.isFresh(m)) {
      peer.stale++;
      this.stats.stale++;
      return;
    }
    this.stats.heartbeats++;
    peer.take(m, msg.from, now);
    const before = peer.health;
    // Back from the dead: a fresh detector, as the old history describes a process that died.
    if (before === "dead") peer.detector = this.factory(m.from);
    peer.detector.heartbeat(now);
    peer.health = peer.detector.health(now);
    if (joined) this.emit(peer, "joined", now);
    else if (before !== "alive" && peer.health === "alive") this.emit(peer, "alive-again", now);
    this.arm(peer);
    for (const fn of this.heartbeatListeners) fn(m, peer);
  }

  private arm(peer: Peer): void {
    const next = peer.detector.nextChange(this.node.clock.monotonic());
    if (next === undefined) {
      peer.timer?.cancel();
      return;
    }
    if (peer.timer === undefined) {
      const p = peer;
      peer.timer = this.node.clock.timer(() => this.evaluate(p));
    }
    peer.timer.setAt(next);
  }

  /** The peer's timer fired: its verdict may have moved on. */
  private evaluate(peer: Peer): void {
    if (!this.open) return;
    const now = this.node.clock.monotonic();
    const h = peer.detector.health(now);
    if (h !== peer.health) {
      peer.health = h;
      this.emit(peer, h === "dead" ? "dead" : h === "suspect" ? "suspect" : "alive-again", now);
    }
    this.arm(peer);
  }

  private emit(peer: Peer, kind: MonitorEventKind, now: Nanos): void {
    const e: MonitorEvent = {
      time: now,
      peer: peer.name,
      kind,
      suspicion: peer.detector.suspicion(now),
      silence: now - peer.lastArrival,
    };
    this.events.push(e);
    for (const fn of this.eventListeners) fn(e);
  }
}
