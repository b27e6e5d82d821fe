/**
 * The Berkeley algorithm (Gusella and Zatti, 1989): no clock is trusted as the reference. A
 * master polls the members' clocks, estimates each one's offset from its own, correcting for
 * half the round trip as Cristian does, averages the offsets of the clocks that agree (a clock
 * further than a threshold from the median is taken as faulty and left out of the average),
 * and sends every member, faulty ones included, the adjustment that brings it to that average.
 * The master adjusts itself too. Members run BerkeleyMember; messages are berkeley-message.ts.
 */
import type { Node } from "../../net/node.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import { type Nanos, NS_PER_MS, NS_PER_S } from "../../sim/time.js";
import { isTransportError, type TransportError } from "../../transport/errors.js";
import { type UdpMessage, type UdpSocket, udp } from "../../transport/udp.js";
import { ParseError } from "../../wire/parse-error.js";
import { BERKELEY_PORT, emitBerkeleyMessage, parseBerkeleyMessage } from "./berkeley-message.js";

/** How an adjustment is applied: at once, or gradually (timed used adjtime, a slew). */
export type AdjustMode = "step" | "slew";

function apply(node: Node, mode: AdjustMode, by: number): void {
  if (mode === "step") node.clock.step(by);
  else node.clock.slew(by);
}

export interface BerkeleyMemberOptions {
  /** UDP port (default 525, timed's). */
  port?: number;
  /** How adjustments are applied (default "step"). */
  adjust?: AdjustMode;
}

/** A member: answers time requests with its clock and applies the adjustments it is sent. */
export class BerkeleyMember {
  /** Adjustments received, for tests and reports. */
  readonly adjustments: { simTime: number; round: number; by: number }[] = [];
  /** Malformed or unexpected messages ignored. */
  ignored = 0;

  private constructor(
    private readonly node: Node,
    private readonly socket: UdpSocket,
    private readonly mode: AdjustMode,
  ) {
    socket.onMessage((m) => this.receive(m));
    node.onUpDown((up) => {
      if (!up) socket.close();
    });
  }

  static start(node: Node, options: BerkeleyMemberOptions = {}): BerkeleyMember | TransportError {
    const socket = udp(node).bind(options.port ?? BERKELEY_PORT);
    if (isTransportError(socket)) return socket;
    return new BerkeleyMember(node, socket, options.adjust ?? "step");
  }

  stop(): void {
    this.socket.close();
  }

  private receive(m: UdpMessage): void {
    const msg = parseBerkeleyMessage(m.data);
    if (msg instanceof ParseError || msg.type === "time-reply") {
      this.ignored++;
      return;
    }
    if (msg.type === "time-request") {
      const reply = emitBerkeleyMessage({
        type: "time-reply",
        round: msg.round,
        time: this.node.clock.now(),
      });
      this.socket.send(reply, m.from.port, m.from.address);
      return;
    }
    this.adjustments.push({ simTime: this.node.sim.now, round: msg.round, by: msg.by });
    apply(this.node, this.mode, msg.by);
  }
}

export interface BerkeleyMasterOptions {
  /** The members' addresses (port defaults to 525). */
  members: { address: string; port?: number }[];
  /** Time between rounds (default 60 s). */
  interval?: Nanos;
  /** How long a round waits for replies (default 500 ms). */
  timeout?: Nanos;
  /** Offsets further than this from the median are left out of the average (default 20 ms). */
  threshold?: number;
  /** How adjustments are applied, on the master and by convention on members (default "step"). */
  adjust?: AdjustMode;
}

/** One clock's part in a round (offsets relative to the master's clock, ns). */
export interface BerkeleyEstimate {
  /** "master", or the member's address. */
  clock: string;
  /** Estimated member clock minus master clock (0 for the master). */
  offset: number;
  rtt: number;
  /** Left out of the average as faulty. */
  excluded: boolean;
  /** What the clock was told to add. */
  adjustment: number;
}

/** A completed round. */
export interface BerkeleyRound {
  round: number;
  simTime: number;
  estimates: BerkeleyEstimate[];
  /** The fault-tolerant average offset, relative to the master's clock. */
  average: number;
  /** Members that did not answer in time (they get no adjustment). */
  missing: string[];
}

/** The master: runs a round every interval, the first one now. */
export class BerkeleyMaster {
  readonly rounds: BerkeleyRound[] = [];
  /** Malformed, late or unexpected messages ignored. */
  ignored = 0;
  private readonly members: { address: string; port: number }[];
  private readonly interval: Nanos;
  private readonly timeout: Nanos;
  private readonly threshold: number;
  private readonly mode: AdjustMode;
  private readonly roundTimer: LocalTimer;
  private readonly collectTimer: LocalTimer;
  private round = 0;
  /** Request send times (local) and replies of the round in progress, by member index. */
  private sentAt: number[] = [];
  private replies: ({ offset: number; rtt: number } | undefined)[] = [];
  private running = true;

  private constructor(
    private readonly node: Node,
    private readonly socket: UdpSocket,
    options: BerkeleyMasterOptions,
  ) {
    this.members = options.members.map((m) => ({
      address: m.address,
      port: m.port ?? BERKELEY_PORT,
    }));
    this.interval = options.interval ?? 60 * NS_PER_S;
    this.timeout = options.timeout ?? 500 * NS_PER_MS;
    this.threshold = options.threshold ?? 20 * NS_PER_MS;
    this.mode = options.adjust ?? "step";
    if (!(this.timeout > 0 && this.timeout < this.interval)) {
      throw new RangeError("timeout must be positive and shorter than the interval");
    }
    this.roundTimer = node.clock.timer(() => this.startRound());
    this.collectTimer = node.clock.timer(() => this.finishRound());
    socket.onMessage((m) => this.receive(m));
    node.onUpDown((up) => {
      if (!up) this.stop();
    });
  }

  static start(node: Node, options: BerkeleyMasterOptions): BerkeleyMaster | TransportError {
    const socket = udp(node).bind(0);
    if (isTransportError(socket)) return socket;
    const m = new BerkeleyMaster(node, socket, options);
    m.startRound();
    return m;
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.roundTimer.cancel();
    this.collectTimer.cancel();
    this.socket.close();
  }

  private startRound(): void {
    if (!this.running) return;
    this.round++;
    this.sentAt = [];
    this.replies = this.members.map(() => undefined);
    const request = emitBerkeleyMessage({ type: "time-request", round: this.round });
    for (const m of this.members) {
      this.sentAt.push(this.node.clock.now());
      this.socket.send(request, m.port, m.address);
    }
    this.collectTimer.set(this.timeout);
    this.roundTimer.set(this.interval);
  }

  private receive(m: UdpMessage): void {
    const received = this.node.clock.now();
    const msg = parseBerkeleyMessage(m.data);
    const i = this.members.findIndex((x) => x.address === m.from.address && x.port === m.from.port);
    if (
      msg instanceof ParseError ||
      msg.type !== "time-reply" ||
      msg.round !== this.round ||
      i === -1 ||
      this.replies[i] !== undefined ||
      !this.collectTimer.armed
    ) {
      this.ignored++;
      return;
    }
    const rtt = received - this.sentAt[i]!;
    // Cristian's estimate: the member's reading is rtt/2 old when it arrives.
    this.replies[i] = { offset: msg.time + rtt / 2 - received, rtt };
  }

  private finishRound(): void {
    const estimates: BerkeleyEstimate[] = [
      { clock: "master", offset: 0, rtt: 0, excluded: false, adjustment: 0 },
    ];
    const missing: string[] = [];
    this.members.forEach((m, i) => {
      const r = this.replies[i];
      if (r === undefined) missing.push(m.address);
      else estimates.push({ clock: m.address, ...r, excluded: false, adjustment: 0 });
    });
    const average = faultTolerantAverage(estimates, this.threshold);
    for (const e of estimates) e.adjustment = average - e.offset;
    this.rounds.push({
      round: this.round,
      simTime: this.node.sim.now,
      estimates,
      average,
      missing,
    });
    for (const e of estimates) {
      if (e.clock === "master") continue;
      const m = this.members.find((x) => x.address === e.clock)!;
      const msg = emitBerkeleyMessage({ type: "adjust", round: this.round, by: e.adjustment });
      this.socket.send(msg, m.port, m.address);
    }
    if (average !== 0) apply(this.node, this.mode, average);
  }
}

/**
 * Marks as excluded every estimate further than `threshold` from the median offset and
 * returns the mean offset of the rest (all of them, if none is within the threshold).
 */
export function faultTolerantAverage(estimates: BerkeleyEstimate[], threshold: number): number {
  const sorted = estimates.map((e) => e.offset).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  for (const e of estimates) e.excluded = Math.abs(e.offset - median) > threshold;
  let kept = estimates.filter((e) => !e.excluded);
  if (kept.length === 0) {
    for (const e of estimates) e.excluded = false;
    kept = estimates;
  }
  return kept.reduce((a, e) => a + e.offset, 0) / kept.length;
}
