/**
 * Cristian's algorithm (Cristian 1989): ask a time server for its time S, measure the round
 * trip, and set the clock to S + RTT/2, assuming the reply took half the round trip. Several
 * attempts are made and the one with the shortest round trip is used, because its estimate has
 * the smallest possible error (± RTT/2). The request and reply are NTP packets, so any NtpServer
 * is a Cristian time server; only the server's transmit timestamp is used.
 */
import type { Node } from "../../net/node.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import { type Nanos, NS_PER_S } from "../../sim/time.js";
import { isTransportError, TransportError } from "../../transport/errors.js";
import { type UdpMessage, type UdpSocket, udp } from "../../transport/udp.js";
import { NTP_PORT, type NtpTimestamp, ntpTimestampFromNanos } from "../../wire/ntp.js";
import { checkNtpReply, ntpRequest } from "./ntp-request.js";

export interface CristianOptions {
  /** The time server; port defaults to 123. */
  server: { address: string; port?: number };
  /** Requests to make, one after another (default 4). */
  attempts?: number;
  /** How long to wait for each reply before the next attempt (default 1 s). */
  timeout?: Nanos;
  /** Step the clock at the end (default true); false only estimates. */
  set?: boolean;
}

/** One answered attempt, in local ns. */
export interface CristianSample {
  /** Simulation time of the reply, for plots and tests. */
  simTime: number;
  /** When the request left and the reply came back (local clock). */
  sent: number;
  received: number;
  /** The server's time in its reply. */
  serverTime: number;
  rtt: number;
  /** serverTime + rtt/2 - received: how far the server is ahead of this clock. */
  offset: number;
}

/** The outcome: the sample used and the step applied. */
export interface CristianResult {
  samples: CristianSample[];
  best: CristianSample;
  /** Amount the clock was stepped by (0 when `set` is false). */
  step: number;
}

export class CristianClient {
  readonly samples: CristianSample[] = [];
  /** Replies ignored: malformed, unsolicited (late or forged) or from an unsynchronized server. */
  ignored = 0;
  private outstanding: { wire: NtpTimestamp; local: number } | undefined;
  private attempt = 0;
  private readonly attempts: number;
  private readonly timeout: Nanos;
  private readonly timer: LocalTimer;
  private finished = false;

  private constructor(
    private readonly node: Node,
    private readonly socket: UdpSocket,
    private readonly options: CristianOptions,
    private readonly onDone: (r: CristianResult | TransportError) => void,
  ) {
    this.attempts = options.attempts ?? 4;
    this.timeout = options.timeout ?? NS_PER_S;
    if (!Number.isInteger(this.attempts) || this.attempts < 1) {
      throw new RangeError("attempts must be a positive integer");
    }
    this.timer = node.clock.timer(() => this.next());
    socket.onMessage((m) => this.receive(m));
  }

  /**
   * Runs the algorithm from `node`; `onDone` gets the result, or ETIMEDOUT when no attempt was
   * answered (always on a simulator event).
   */
  static run(
    node: Node,
    options: CristianOptions,
    onDone: (r: CristianResult | TransportError) => void,
  ): CristianClient | TransportError {
    const socket = udp(node).bind(0);
    if (isTransportError(socket)) return socket;
    const c = new CristianClient(node, socket, options, onDone);
    c.next();
    return c;
  }

  private next(): void {
    if (this.finished) return;
    if (this.attempt >= this.attempts) return this.finish();
    this.attempt++;
    const local = this.node.clock.now();
    const wire = ntpTimestampFromNanos(local);
    this.outstanding = { wire, local };
    this.socket.send(
      ntpRequest(wire),
      this.options.server.port ?? NTP_PORT,
      this.options.server.address,
    );
    this.timer.set(this.timeout);
  }

  private receive(m: UdpMessage): void {
    const received = this.node.clock.now();
    const r = checkNtpReply(m.data, this.outstanding?.wire);
    if (!r.ok || this.finished) {
      this.ignored++;
      return;
    }
    const sent = this.outstanding!.local;
    this.outstanding = undefined;
    const rtt = received - sent;
    this.samples.push({
      simTime: this.node.sim.now,
      sent,
      received,
      serverTime: r.t3,
      rtt,
      offset: r.t3 + rtt / 2 - received,
    });
    this.timer.cancel();
    this.node.sim.after(0, () => this.next());
  }

  private finish(): void {
    this.finished = true;
    this.socket.close();
    let best: CristianSample | undefined;
    for (const s of this.samples) if (best === undefined || s.rtt < best.rtt) best = s;
    if (best === undefined) {
      this.onDone(new TransportError("ETIMEDOUT", "no reply from the time server"));
      return;
    }
    // The offset was measured at best.received; stepping by it now carries the estimate
    // "server time + RTT/2" forward by the local time elapsed since.
    const step = this.options.set === false ? 0 : best.offset;
    if (step !== 0) this.node.clock.step(step);
    this.onDone({ samples: this.samples, best, step });
  }
}
