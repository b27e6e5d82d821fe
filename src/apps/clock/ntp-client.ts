/**
 * An NTP-like client (RFC 5905): every poll interval it sends a client-mode request stamped
 * with T1, takes T4 when the matching reply arrives, computes offset and delay from T1..T4
 * (§8), passes the sample through the minimum-delay clock filter (§10) and lets a simple
 * discipline step or slew the node's clock (§11.3, simplified in discipline.ts). Replies that
 * are malformed, unsolicited or from an unsynchronized server are counted and ignored.
 *
 * The poll timer runs on simulation time; a real host's timer runs on its own clock, but at a
 * few hundred ppm the difference is microseconds per poll and changes nothing here.
 */
import type { Node } from "../../net/node.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import { type Nanos, NS_PER_S } from "../../sim/time.js";
import { isTransportError, type TransportError } from "../../transport/errors.js";
import { type Endpoint, type UdpMessage, type UdpSocket, udp } from "../../transport/udp.js";
import { NTP_PORT, type NtpTimestamp, ntpTimestampFromNanos } from "../../wire/ntp.js";
import { ClockFilter, type NtpSample, onWireOffsetDelay } from "./clock-filter.js";
import { ClockDiscipline, type DisciplineAction, type DisciplineOptions } from "./discipline.js";
import { checkNtpReply, ntpPollExponent, ntpRequest } from "./ntp-request.js";

export interface NtpClientOptions extends DisciplineOptions {
  /** The server's address; port defaults to 123. */
  server: { address: string; port?: number };
  /** Time between requests (default 16 s, NTP's minimum poll of 2^4 s). */
  pollInterval?: Nanos;
  /** Adjust the clock (default true); false only measures. */
  discipline?: boolean;
  /** Local UDP port (default ephemeral). */
  localPort?: number;
}

/** One clock update: the sample the filter chose and what the discipline did with it. */
export interface NtpUpdate {
  /** Simulation time of the update (for plots and tests). */
  simTime: number;
  sample: NtpSample;
  action: DisciplineAction;
  /** Frequency correction after the update, ppm. */
  frequencyPpm: number;
}

/** Counters for tests and reports. */
export interface NtpClientStats {
  sent: number;
  /** Replies that produced a sample. */
  accepted: number;
  malformed: number;
  /** Not server mode, or an origin timestamp matching no outstanding request. */
  bogus: number;
  unsynchronized: number;
}

export class NtpClient {
  readonly stats: NtpClientStats = {
    sent: 0,
    accepted: 0,
    malformed: 0,
    bogus: 0,
    unsynchronized: 0,
  };
  /** Every sample, oldest first: the client's view of its offset over time. */
  readonly samples: NtpSample[] = [];
  /** Every update of the clock, oldest first. */
  readonly updates: NtpUpdate[] = [];
  readonly filter = new ClockFilter();
  private readonly discipline: ClockDiscipline | undefined;
  private readonly timer: LocalTimer;
  private readonly server: Endpoint;
  private readonly interval: Nanos;
  /** T1 of the outstanding request as sent on the wire, and as read from the clock. */
  private outstanding: { wire: NtpTimestamp; local: number } | undefined;
  private running = true;

  private constructor(
    private readonly node: Node,
    private readonly socket: UdpSocket,
    options: NtpClientOptions,
  ) {
    this.server = { address: options.server.address, port: options.server.port ?? NTP_PORT };
    this.interval = options.pollInterval ?? 16 * NS_PER_S;
    if (!Number.isInteger(this.interval) || this.interval < 1) {
      throw new RangeError("pollInterval must be a positive integer number of ns");
    }
    this.discipline =
      options.discipline === false ? undefined : new ClockDiscipline(node.clock, options);
    this.timer = node.clock.timer(() => this.poll());
    socket.onMessage((m) => this.receive(m));
    node.onUpDown((up) => {
      if (!up) this.stop();
    });
  }

  /** Starts polling from `node`: the first request goes out now. */
  static start(node: Node, options: NtpClientOptions): NtpClient | TransportError {
    const socket = udp(node).bind(options.localPort ?? 0);
    if (isTransportError(socket)) return socket;
    const c = new NtpClient(node, socket, options);
    c.poll();
    return c;
  }

  /** The latest estimate of the server's offset from this clock (the filter's choice), ns. */
  get offset(): number | undefined {
    return this.filter.best()?.offset;
  }

  /** The local UDP port requests go out from (and replies must come to). */
  get localPort(): number {
    return this.socket.local.port;
  }

  /** Stops polling and closes the socket. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.timer.cancel();
    this.socket.close();
  }

  private poll(): void {
    if (!this.running) return;
    const local = this.node.clock.now();
    const wire = ntpTimestampFromNanos(local);
    // A new request supersedes the old one: a late reply to it is now unsolicited.
    this.outstanding = { wire, local };
    const request = ntpRequest(wire, ntpPollExponent(this.interval));
    if (this.socket.send(request, this.server.port, this.server.address) === undefined) {
      this.stats.sent++;
    }
    this.timer.set(this.interval);
  }

  private receive(m: UdpMessage): void {
    const t4 = this.node.clock.now();
    const pendingSlew = this.node.clock.pendingSlew;
    const r = checkNtpReply(m.data, this.outstanding?.wire);
    if (!r.ok) {
      if (r.problem === "malformed") this.stats.malformed++;
      else if (r.problem === "unsynchronized") this.stats.unsynchronized++;
      else this.stats.bogus++;
      return;
    }
    // One reply per request: a duplicate of this one is unsolicited from now on.
    const t1 = this.outstanding!.local;
    this.outstanding = undefined;
    this.stats.accepted++;
    const { offset, delay } = onWireOffsetDelay(t1, r.t2, r.t3, t4);
    const sample: NtpSample = {
      seq: this.samples.length + 1,
      simTime: this.node.sim.now,
      t1,
      t2: r.t2,
      t3: r.t3,
      t4,
      offset,
      delay,
      pendingSlew,
    };
    this.samples.push(sample);
    this.filter.add(sample);
    this.update(sample.seq);
  }

  private update(newest: number): void {
    const d = this.discipline;
    const best = this.filter.best();
    // RFC 5905 §10: a sample older than the last one used is not used again.
    if (d === undefined || best === undefined || !d.fresh(best)) return;
    const action = d.update(best, newest);
    // After a step the samples held describe the old clock (RFC 5905 §10 clears them too).
    if (action === "step") this.filter.clear();
    this.updates.push({
      simTime: this.node.sim.now,
      sample: best,
      action,
      frequencyPpm: this.node.clock.frequencyPpm,
    });
  }
}
