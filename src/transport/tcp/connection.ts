/**
 * TcpConnection: the handle an application holds, and the owner of one protocol machine. It
 * feeds the machine segments, timer expiries and user calls, then dispatches what comes back:
 * segments to the layer, one timer re-armed at the machine's earliest deadline, and events to
 * callbacks, after the segments, so callbacks can call back in without re-entering the machine
 * mid-step. Callbacks, not promises: the socket layer builds streams on top.
 *
 * The machine keeps time by the host's monotonic clock, as a kernel's TCP does: every `now` it
 * sees is `clock.monotonic()` (floored to whole ns) and the timer is a LocalTimer, so RTO,
 * delayed ACK, persist, keep-alive and TIME-WAIT run at the host oscillator's pace and ignore
 * steps. A perfect clock reads simulation time exactly and schedules the same events.
 */
import type { HostClock } from "../../sim/host-clock.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import type { Simulator } from "../../sim/simulator.js";
import type { Nanos } from "../../sim/time.js";
import type { PseudoHeader } from "../../wire/checksum.js";
import type { SeqNumber } from "../../wire/seq.js";
import type { TcpRecord } from "../../wire/tcp.js";
import { TransportError, type TransportErrorCode } from "../errors.js";
import type { Endpoint } from "../udp.js";
import type { TcpTuple } from "./demux.js";
import { segmentArrives } from "./input.js";
import type { TcpListener } from "./listener.js";
import { output } from "./output.js";
import type { TcpState, TcpStateChange } from "./state.js";
import type { TcpCounters, TcpInfo, TcpSeries } from "./stats.js";
import { EV_CLOSED, EV_CONNECTED, EV_DRAIN, EV_ERROR, EV_PEER_FIN, type Tcb } from "./tcb.js";
import { nextDeadline, onTimers } from "./timers.js";
import {
  type IcmpKind,
  icmpError,
  openActive,
  openPassive,
  setKeepAlive,
  setNoDelay,
  timeWaitYields,
  userAbort,
  userClose,
  userEnd,
  userRead,
  userSend,
} from "./user.js";

/** What a connection needs from the layer that owns it. */
export interface TcpHost {
  readonly sim: Simulator;
  /** The host's own clock: TCP's timers and timestamps run on its monotonic reading. */
  readonly clock: HostClock;
  /** Serializes and sends one segment of `conn`. */
  transmit(conn: TcpConnection, seg: TcpRecord): void;
  /** `conn` reached CLOSED: forget it. */
  release(conn: TcpConnection): void;
  /** A state change, for the layer's trace listeners. */
  traceState(conn: TcpConnection, change: TcpStateChange): void;
}

export class TcpConnection {
  /** State changes so far, in order. */
  readonly history: TcpStateChange[] = [];
  /** Next connection in the same demultiplexing bucket (the layer's chain). */
  nextInBucket: TcpConnection | undefined;
  /** Demultiplexing hash of the 4-tuple. */
  hash = 0;
  /** The listener that created this connection, until it is established. */
  listener: TcpListener | undefined;
  /** The local port is bound in the layer's port table (active opens). */
  boundPort = false;
  private readonly timer: LocalTimer;
  private readonly clock: HostClock;
  private readonly dataFns: ((data: Uint8Array) => void)[] = [];
  private readonly connectFns: (() => void)[] = [];
  private readonly endFns: (() => void)[] = [];
  private readonly drainFns: (() => void)[] = [];
  private readonly closeFns: ((hadError: boolean) => void)[] = [];
  private readonly errorFns: ((e: TransportError) => void)[] = [];
  private paused = false;
  private dispatching = false;
  private peerFin = false;
  private endDelivered = false;
  private closeDelivered = false;
  private released = false;
  private readonly dispatchBound: () => void;

  constructor(
    private readonly host: TcpHost,
    /** The protocol machine (exposed for tests and tools; not for applications). */
    readonly tcb: Tcb,
    readonly tuple: TcpTuple,
    /** Local and remote endpoints as text. */
    readonly local: Endpoint,
    readonly remote: Endpoint,
    /** The checksum pseudo-header for our segments. */
    readonly pseudo: PseudoHeader,
  ) {
    this.clock = host.clock;
    this.timer = host.clock.timer(() => this.timerFired());
    this.dispatchBound = () => this.after();
    tcb.onStateChange = (c) => {
      this.history.push(c);
      host.traceState(this, c);
    };
  }

  /** Current state (RFC 9293 names). */
  get state(): TcpState {
    return this.tcb.state;
  }

  /** Running counters. */
  get stats(): TcpCounters {
    return this.tcb.stats;
  }

  /** Sampled time series of cwnd, ssthresh, rwnd, srtt, rto, in-flight, retransmissions. */
  get series(): TcpSeries {
    return this.tcb.series;
  }

  /** A snapshot of the connection's variables. */
  get info(): TcpInfo {
    const t = this.tcb;
    return {
      state: t.state,
      mss: t.mss,
      cwnd: t.cc.cwnd,
      ssthresh: t.cc.ssthresh,
      sndWnd: t.sndWnd,
      rcvWnd: t.rcvWnd,
      srtt: t.rtt.srtt,
      rttvar: t.rtt.rttvar,
      rto: t.rtt.rto,
      bytesInFlight: t.flightSize,
      sendQueue: t.snd.length,
      recvQueue: t.rcv.readyBytes,
      congestion: t.cc.name,
    };
  }

  /** Bytes written and not yet acknowledged. */
  get bufferedAmount(): number {
    return this.tcb.snd.length;
  }

  /** Room left in the send buffer. */
  get writableLength(): number {
    return this.tcb.snd.free;
  }

  /** Bytes received and not yet delivered. */
  get readableLength(): number {
    return this.tcb.rcv.readyBytes;
  }

  /**
   * Queues bytes to send; returns how many were taken. Bytes beyond the send buffer are refused
   * (backpressure) and a 'drain' callback fires once room frees up. After `end()`, or once the
   * connection is closed, nothing is taken (0).
   */
  write(data: Uint8Array): number {
    const n = userSend(this.tcb, data, this.now);
    this.after();
    return n;
  }

  /** Half-close: a FIN follows the queued data; reading continues until the peer's FIN. */
  end(): void {
    userEnd(this.tcb, this.now);
    this.after();
  }

  /** Full close: end, and stop reading (unread data or later data resets the connection). */
  close(): void {
    userClose(this.tcb, this.now);
    this.after();
  }

  /** Resets the connection (RST) and discards both buffers. */
  abort(): void {
    userAbort(this.tcb, this.now);
    this.after();
  }

  /** Stops delivering data; the receive buffer fills and the window closes. */
  pause(): void {
    this.paused = true;
  }

  /** Resumes delivery of buffered and new data. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.host.sim.after(0, this.dispatchBound);
  }

  /** Pull-style read of up to `max` buffered bytes (useful while paused). */
  read(max?: number): Uint8Array | undefined {
    const d = this.tcb.rcv.read(max);
    if (d !== undefined) {
      userRead(this.tcb, this.now);
      this.after();
    }
    return d;
  }

  /** Disables (true, the default argument) or re-enables Nagle's algorithm. */
  setNoDelay(noDelay = true): void {
    setNoDelay(this.tcb, noDelay, this.now);
    this.after();
  }

  /** Enables keep-alives, optionally with the idle time before the first probe. */
  setKeepAlive(enable: boolean, idle?: Nanos): void {
    setKeepAlive(this.tcb, enable, idle);
    this.after();
  }

  /** Called once the handshake completes (active opens). */
  onConnect(fn: () => void): void {
    this.connectFns.push(fn);
  }

  /** Called with each chunk of in-order data. */
  onData(fn: (data: Uint8Array) => void): void {
    this.dataFns.push(fn);
    if (this.tcb.rcv.readyBytes > 0) this.host.sim.after(0, this.dispatchBound);
  }

  /** Called when the peer's FIN arrives, after all data before it was delivered. */
  onEnd(fn: () => void): void {
    this.endFns.push(fn);
  }

  /** Called after `write` refused bytes, once half the send buffer is free again (or all). */
  onDrain(fn: () => void): void {
    this.drainFns.push(fn);
  }

  /** Called once when the connection is over for the application (TIME-WAIT or CLOSED). */
  onClose(fn: (hadError: boolean) => void): void {
    this.closeFns.push(fn);
  }

  /** Called with ECONNREFUSED, ECONNRESET, ETIMEDOUT, EHOSTUNREACH, ... */
  onError(fn: (e: TransportError) => void): void {
    this.errorFns.push(fn);
  }

  /** Starts an active open: SYN-SENT (RFC 9293 §3.10.1). */
  openActive(iss: SeqNumber, tsOffset: number): void {
    openActive(this.tcb, iss, tsOffset, this.now);
    this.after();
  }

  /** Starts a passive open from a listener's SYN: SYN-RECEIVED. */
  openPassive(syn: TcpRecord, iss: SeqNumber, tsOffset: number): void {
    openPassive(this.tcb, syn, iss, tsOffset, this.now);
    this.after();
  }

  /** The layer delivers an arriving segment. */
  input(seg: TcpRecord): void {
    const now = this.now;
    segmentArrives(this.tcb, seg, now);
    output(this.tcb, now);
    this.after();
  }

  /** The layer delivers an ICMP error about one of our segments. */
  icmp(kind: IcmpKind, code: TransportErrorCode, quoted: SeqNumber, pathMss: number): void {
    icmpError(this.tcb, kind, code, quoted, pathMss, this.now);
    this.after();
  }

  /**
   * A SYN for this tuple while in TIME-WAIT: if it may reopen the connection (see
   * `timeWaitYields`) the old one is closed now and true returned; the layer then hands the SYN
   * to the listener.
   */
  yieldToNewSyn(seg: TcpRecord): boolean {
    if (!timeWaitYields(this.tcb, seg, this.now)) return false;
    this.after();
    return true;
  }

  /** Drops the connection without a word (the node crashed). */
  destroy(): void {
    this.timer.cancel();
    this.released = true;
    this.tcb.outbox.length = 0;
  }

  /** The host's monotonic reading in whole ns (exactly simulation time on a perfect clock). */
  private get now(): Nanos {
    return Math.floor(this.clock.monotonic());
  }

  private timerFired(): void {
    onTimers(this.tcb, this.now);
    this.after();
  }

  /** Sends queued segments, dispatches events, re-arms the timer, releases when CLOSED. */
  private after(): void {
    if (this.released) {
      this.tcb.outbox.length = 0;
      return;
    }
    this.flush();
    if (!this.dispatching) this.dispatch();
    const tcb = this.tcb;
    if (tcb.state === "CLOSED") {
      this.timer.cancel();
      if (!this.released) {
        this.released = true;
        this.host.release(this);
      }
      return;
    }
    const deadline = nextDeadline(tcb);
    if (deadline < 0) this.timer.cancel();
    else if (this.timer.deadline !== deadline) this.timer.setAt(Math.max(deadline, this.now));
  }

  private flush(): void {
    const out = this.tcb.outbox;
    for (let i = 0; i < out.length; i++) this.host.transmit(this, out[i]!);
    out.length = 0;
  }

  private get flowing(): boolean {
    return this.dataFns.length > 0 && !this.paused && this.tcb.error === undefined;
  }

  private dispatch(): void {
    this.dispatching = true;
    const tcb = this.tcb;
    try {
      for (let round = 0; round < 64; round++) {
        const ev = tcb.events;
        tcb.events = 0;
        if ((ev & EV_CONNECTED) !== 0) {
          const l = this.listener;
          if (l !== undefined) {
            this.listener = undefined;
            l.established(this);
          } else for (const fn of this.connectFns) fn();
        }
        if (this.flowing && tcb.rcv.readyBytes > 0) this.deliver();
        if ((ev & EV_DRAIN) !== 0) for (const fn of this.drainFns) fn();
        if ((ev & EV_PEER_FIN) !== 0) this.peerFin = true;
        if (
          this.peerFin &&
          !this.endDelivered &&
          tcb.rcv.readyBytes === 0 &&
          tcb.error === undefined
        ) {
          this.endDelivered = true;
          for (const fn of this.endFns) fn();
        }
        if ((ev & EV_ERROR) !== 0) {
          const e = new TransportError(tcb.error ?? "ECONNRESET", tcb.errorMessage);
          for (const fn of this.errorFns) fn(e);
        }
        if ((ev & EV_CLOSED) !== 0 && !this.closeDelivered) {
          this.closeDelivered = true;
          for (const fn of this.closeFns) fn(tcb.error !== undefined);
        }
        this.flush();
        if (tcb.events === 0 && !(this.flowing && tcb.rcv.readyBytes > 0)) break;
      }
    } finally {
      this.dispatching = false;
    }
  }

  private deliver(): void {
    const tcb = this.tcb;
    while (this.flowing && tcb.rcv.readyBytes > 0) {
      const chunk = tcb.rcv.read()!;
      for (const fn of this.dataFns) fn(chunk);
    }
    userRead(tcb, this.now);
    this.flush();
  }
}
