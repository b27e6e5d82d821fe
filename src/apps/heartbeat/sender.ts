/**
 * The sending half of heartbeating: a process on a node that sends a small JSON datagram to a
 * monitor every interval (optionally jittered from a seeded stream, so many senders do not beat
 * in lockstep). It dies with its node: a crash stops it, and a restart does not revive it.
 */
import type { Node } from "../../net/node.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import { type Nanos, NS_PER_S } from "../../sim/time.js";
import { isTransportError, type TransportError } from "../../transport/errors.js";
import { type Endpoint, type UdpSocket, udp } from "../../transport/udp.js";
import { EncodeError, type JsonValue } from "../rpc/framing.js";
import { encodeHeartbeat } from "./message.js";

export interface HeartbeatSenderOptions {
  /** The monitor's address and UDP port. */
  to: Endpoint;
  /** Name in the heartbeats (default: the node's name). */
  name?: string;
  /** Time between heartbeats (default 1 s). */
  interval?: Nanos;
  /** Each gap is interval + uniform(-jitter, +jitter) (default 0; at most the interval). */
  jitter?: Nanos;
  /** Put the sender's clock in each heartbeat (default true). */
  includeTime?: boolean;
  /** Called before each heartbeat for its `data` member (a chunk list, a load figure). */
  data?: () => JsonValue | undefined;
  /** Local UDP port (default: an ephemeral one). */
  localPort?: number;
}

/** Counters for tests and reports. */
export interface HeartbeatSenderStats {
  sent: number;
  /** Heartbeats the local stack refused (no route, node down, too large). */
  errors: number;
}

/** A running heartbeat process. */
export class HeartbeatSender {
  readonly name: string;
  readonly stats: HeartbeatSenderStats = { sent: 0, errors: 0 };
  /** The last send error, as a value. */
  lastError: TransportError | EncodeError | undefined;
  private seq = 0;
  private running = true;
  private readonly timer: LocalTimer;
  private readonly interval: Nanos;
  private readonly jitter: Nanos;

  private constructor(
    private readonly node: Node,
    private readonly socket: UdpSocket,
    private readonly options: HeartbeatSenderOptions,
  ) {
    this.name = options.name ?? node.name;
    this.interval = options.interval ?? NS_PER_S;
    this.jitter = options.jitter ?? 0;
    if (!Number.isInteger(this.interval) || this.interval < 1) {
      throw new RangeError(`interval must be a positive integer number of ns`);
    }
    if (!Number.isInteger(this.jitter) || this.jitter < 0 || this.jitter > this.interval) {
      throw new RangeError(`jitter must be an integer in [0, interval]`);
    }
    // The interval is counted on the host's own clock, as a real sender's sleep is.
    this.timer = node.clock.timer(() => this.beat());
    // A crash kills the process (and the kernel has already dropped its socket).
    node.onUpDown((up) => {
      if (!up) this.stop();
    });
  }

  /**
   * Starts heartbeating from `node`: the first heartbeat goes out now. Returns an error value
   * when the local port cannot be bound.
   */
  static start(node: Node, options: HeartbeatSenderOptions): HeartbeatSender | TransportError {
    const socket = udp(node).bind(options.localPort ?? 0);
    if (isTransportError(socket)) return socket;
    const s = new HeartbeatSender(node, socket, options);
    s.beat();
    return s;
  }

  /** True until stopped or crashed. */
  get active(): boolean {
    return this.running;
  }

  /** Heartbeats sent so far by this process (the last sequence number). */
  get sequence(): number {
    return this.seq;
  }

  /** Stops heartbeating and closes the socket. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.timer.cancel();
    this.socket.close();
  }

  /**
   * The sender's monotonic clock in whole ns (the wire wants a non-negative integer). Monotonic,
   * not wall time: the monitor orders heartbeats by it, and a step must not make them look stale.
   */
  private stamp(): number {
    return Math.floor(this.node.clock.monotonic());
  }

  private beat(): void {
    if (!this.running) return;
    const sim = this.node.sim;
    this.seq++;
    const data = this.options.data?.();
    const bytes = encodeHeartbeat({
      type: "heartbeat",
      from: this.name,
      seq: this.seq,
      ...(this.options.includeTime === false ? {} : { time: this.stamp() }),
      ...(data === undefined ? {} : { data }),
    });
    const err =
      bytes instanceof EncodeError
        ? bytes
        : this.socket.send(bytes, this.options.to.port, this.options.to.address);
    if (err === undefined) this.stats.sent++;
    else {
      this.stats.errors++;
      this.lastError = err;
    }
    let gap = this.interval;
    if (this.jitter > 0) {
      const r = sim.rng(`node:${this.node.name}:heartbeat:${this.name}`);
      gap += r.nextRange(-this.jitter, this.jitter);
    }
    this.timer.set(Math.max(1, gap));
  }
}
