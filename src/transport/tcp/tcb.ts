/**
 * The transmission control block (RFC 9293 §3.3.1): every variable of one connection, the single
 * `setState` that records trace events, and the helpers that build outgoing segments. The
 * protocol logic lives beside it by concern (input.ts, ack.ts, output.ts, timers.ts) as functions
 * over a Tcb; none of them sends anything: segments go to `outbox` and the owner dispatches them
 * (smoltcp's "process returns what to emit"). Events for the user are flags the owner reads.
 */
import type { Nanos } from "../../sim/time.js";
import { type SeqNumber, seq, seqAdd, seqDiff, seqMax } from "../../wire/seq.js";
import { TCP_FLAG_ACK, type TcpRecord } from "../../wire/tcp.js";
import {
  NOP_OPTION,
  type SackBlock,
  TCP_MAX_WINDOW_SCALE,
  type TcpOption,
} from "../../wire/tcp-options.js";
import type { TransportErrorCode } from "../errors.js";
import type { TcpConfig } from "./config.js";
import type { CongestionControl } from "./congestion.js";
import { RecvBuffer } from "./recv-buffer.js";
import { RttEstimator } from "./rtt.js";
import { SackScoreboard } from "./sack.js";
import { SendBuffer } from "./send-buffer.js";
import type { TcpState, TcpStateChange } from "./state.js";
import { TcpCounters, TcpSeries } from "./stats.js";

/** Event flags the machine raises for its owner. */
export const EV_CONNECTED = 1;
/** In-order data is waiting in the receive buffer. */
export const EV_DATA = 2;
/** Send buffer space freed after a refused write. */
export const EV_DRAIN = 4;
/** The peer's FIN arrived (end of the incoming stream). */
export const EV_PEER_FIN = 8;
/** The connection is finished for the user (TIME-WAIT or CLOSED). */
export const EV_CLOSED = 16;
/** `error` holds why the connection failed. */
export const EV_ERROR = 32;

/** Largest unscaled window field. */
const MAX_WINDOW_FIELD = 0xffff;

export class Tcb {
  state: TcpState = "CLOSED";
  /** Opened by a listener (SYN-RECEIVED returns to LISTEN on RST, RFC 9293 §3.10.7.4). */
  passive = false;

  // Send sequence space (RFC 9293 §3.3.1).
  iss: SeqNumber = seq(0);
  sndUna: SeqNumber = seq(0);
  sndNxt: SeqNumber = seq(0);
  /** Highest sequence number sent plus one (HighData + 1 of RFC 6675). */
  sndMax: SeqNumber = seq(0);
  /** Peer's window in bytes, scaled. */
  sndWnd = 0;
  sndWl1: SeqNumber = seq(0);
  sndWl2: SeqNumber = seq(0);
  /** Largest window the peer ever offered (sender SWS avoidance, RFC 5961 ACK check). */
  maxSndWnd = 0;
  /** Sequence number of the first byte in the send buffer. */
  sndBufSeq: SeqNumber = seq(0);

  // Receive sequence space.
  irs: SeqNumber = seq(0);
  rcvNxt: SeqNumber = seq(0);
  /** Right edge of the window we advertised (RCV.NXT + RCV.WND); never moves left. */
  rcvAdv: SeqNumber = seq(0);
  /** Sequence number of a FIN that arrived out of order, or -1. */
  rcvFinSeq = -1;

  // Options.
  /** Shift applied to the peer's window field (RFC 7323 §2.3). */
  sndWscale = 0;
  /** Shift we apply to our window field. */
  rcvWscale = 0;
  /** Both SYNs carried the window scale option (RFC 7323 §2.2). */
  wsAgreed = false;
  sackOk = false;
  tsOk = false;
  /** TS.Recent (RFC 7323 §4.3). */
  tsRecent = 0;
  /** Random offset of our timestamp clock (RFC 7323 §5.4). */
  tsOffset = 0;
  /** Our timestamp clock at the last retransmission timeout (older echoes are not sampled). */
  rtoTsval = 0;
  /** RCV.NXT in the last segment we sent (Last.ACK.sent of RFC 7323 §4.3). */
  lastAckSent: SeqNumber = seq(0);

  // Segment sizes.
  /** MSS we announce (interface MTU minus headers). */
  ourMss: number;
  /** MSS the peer announced (RFC 9293 §3.7.1 default 536, or 1220 over IPv6). */
  peerMss: number;
  /** Largest TCP payload the path carries (path MTU minus IP and TCP headers). */
  pathMss: number;
  /** Largest segment received so far (the peer's effective MSS, for the delayed-ACK rule). */
  rcvMss = 0;

  readonly snd: SendBuffer;
  readonly rcv: RecvBuffer;
  /** The user called end(): a FIN follows the queued data. */
  finQueued = false;
  /** Our FIN has been sent at least once. */
  finSent = false;
  /** The user closed the receive side: further data is answered with RST. */
  rcvShutdown = false;
  /** A write was (partly) refused; raise EV_DRAIN when space frees. */
  wantDrain = false;
  noDelay: boolean;

  // Timers: absolute deadlines in ns, -1 when off.
  rtoAt = -1;
  persistAt = -1;
  delackAt = -1;
  timeWaitAt = -1;
  keepAliveAt = -1;
  persistBackoff = 0;
  keepAlivesUnanswered = 0;
  /** When the oldest unacknowledged data (or SYN) was first sent: the user timeout's origin. */
  unackedSince = -1;
  /** Time the last segment arrived (keep-alive idleness). */
  lastHeard = 0;
  /** Our SYN (or SYN,ACK) had to be retransmitted. */
  synRetransmitted = false;
  /** A zero-window probe byte is outstanding beyond the window. */
  probeOut = false;

  // RTT measurement: one timed segment at a time, never a retransmitted one (Karn).
  readonly rtt: RttEstimator;
  timing = false;
  rttSeq: SeqNumber = seq(0);
  rttStart = 0;

  // Congestion control and loss recovery.
  cc: CongestionControl;
  dupAcks = 0;
  inRecovery = false;
  /** Recovery driven by SACK (RFC 6675) rather than NewReno (RFC 6582). */
  sackRecovery = false;
  /** RFC 6582 "recover" / RFC 6675 RecoveryPoint. */
  recover: SeqNumber = seq(0);
  /** RFC 6675 HighRxt, exclusive: retransmissions in this recovery reached here. */
  highRxt: SeqNumber = seq(0);
  /** After an RTO, until SND.UNA passes `lossRecover` (RFC 5681 §3.1 keep ssthresh). */
  inLoss = false;
  lossRecover: SeqNumber = seq(0);
  readonly scoreboard = new SackScoreboard();

  // ACK scheduling.
  /** Send an ACK at the next output. */
  ackNow = false;
  /** Full-sized segments received since our last ACK (RFC 5681 §4.2: ACK every second). */
  unackedSegments = 0;

  // Owner interface.
  events = 0;
  error: TransportErrorCode | undefined;
  errorMessage = "";
  /** The last soft error (an ICMP unreachable in a synchronized state), for reports. */
  softError: TransportErrorCode | undefined;
  /** Segments to send, in order; the owner drains it after each call. */
  readonly outbox: TcpRecord[] = [];
  readonly stats = new TcpCounters();
  readonly series: TcpSeries;
  /** Called on every state change (tracing). */
  onStateChange: ((change: TcpStateChange) => void) | undefined;

  /** This connection's settings (a private copy: keep-alive and Nagle change per connection). */
  readonly cfg: TcpConfig;

  constructor(
    cfg: TcpConfig,
    readonly localPort: number,
    readonly remotePort: number,
    /** MSS derived from the path MTU (MTU - 40 over IPv4, - 60 over IPv6). */
    pathMss: number,
    /** Peer MSS to assume without the option (536 for IPv4, 1220 for IPv6). */
    defaultPeerMss: number,
    now: Nanos,
  ) {
    this.cfg = { ...cfg };
    this.ourMss = Math.min(pathMss, cfg.mss ?? pathMss);
    this.pathMss = pathMss;
    this.peerMss = defaultPeerMss;
    this.snd = new SendBuffer(cfg.sendBufferSize);
    this.rcv = new RecvBuffer(cfg.receiveBufferSize, cfg.maxOutOfOrder);
    this.rtt = new RttEstimator({
      minRto: cfg.minRto,
      maxRto: cfg.maxRto,
      initialRto: cfg.initialRto,
      granularity: cfg.clockGranularity,
    });
    this.noDelay = cfg.noDelay;
    this.cc = cfg.congestion({ mss: this.mss, initialWindow: cfg.initialWindow, now });
    this.series = new TcpSeries(cfg.statsInterval, cfg.statsLimit);
    this.lastHeard = now;
  }

  /** Effective send MSS: RFC 9293 §3.7.1, before subtracting options. */
  get mss(): number {
    return Math.max(1, Math.min(this.peerMss, this.pathMss));
  }

  /** Bytes sent and not acknowledged (RFC 5681 FlightSize). */
  get flightSize(): number {
    return seqDiff(this.sndMax, this.sndUna);
  }

  /** Sequence number of our FIN once queued (it follows the last byte of data). */
  get finSeq(): SeqNumber {
    return seqAdd(this.sndBufSeq, this.snd.length);
  }

  /** Our FIN is acknowledged. */
  get finAcked(): boolean {
    return this.finSent && seqDiff(this.sndUna, this.finSeq) > 0;
  }

  /** Bytes of data written but never sent. */
  get unsent(): number {
    return Math.max(0, this.snd.length - seqDiff(this.sndNxt, this.sndBufSeq));
  }

  /** The one place a state changes; records the change for traces. */
  setState(to: TcpState, now: Nanos, reason: string): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.onStateChange?.({ time: now, from, to, reason });
  }

  /** Records a failure for the owner (the connection is then closed by the caller). */
  fail(code: TransportErrorCode, message: string): void {
    if (this.error !== undefined) return;
    this.error = code;
    this.errorMessage = message;
    this.events |= EV_ERROR;
  }

  /**
   * Our timestamp clock: milliseconds of the host's monotonic clock plus the offset (RFC 7323
   * §5.4), so it ticks with the host oscillator and never jumps when the clock is stepped.
   */
  tsNow(now: Nanos): number {
    return (Math.floor(now / 1_000_000) + this.tsOffset) >>> 0;
  }

  /** Window shift to offer for our buffer (RFC 7323 §2.2): the smallest that fits it. */
  static scaleFor(buffer: number): number {
    let s = 0;
    while (s < TCP_MAX_WINDOW_SCALE && buffer > MAX_WINDOW_FIELD * 2 ** s) s++;
    return s;
  }

  /**
   * The window field for an outgoing segment, with receiver-side silly window avoidance
   * (RFC 9293 §3.8.6.2.2): the right edge moves only by at least min(buffer/2, MSS), and never
   * moves left. Updates RCV.ADV.
   */
  windowField(): number {
    const cap = this.rcv.capacity;
    const free = Math.max(0, cap - this.rcv.readyBytes);
    const cur = Math.max(0, seqDiff(this.rcvAdv, this.rcvNxt));
    let wnd = cur;
    if (free - cur >= Math.min(cap >>> 1, this.ourMss)) wnd = free;
    const shift = this.rcvWscale;
    const unit = 2 ** shift;
    let field = Math.min(MAX_WINDOW_FIELD, Math.floor(wnd / unit));
    if (field * unit < cur) field = Math.min(MAX_WINDOW_FIELD, Math.ceil(cur / unit));
    this.rcvAdv = seqMax(this.rcvAdv, seqAdd(this.rcvNxt, field * unit));
    return field;
  }

  /** The window RCV.WND we have offered (RCV.ADV - RCV.NXT). */
  get rcvWnd(): number {
    return Math.max(0, seqDiff(this.rcvAdv, this.rcvNxt));
  }

  /** Options for a non-SYN segment: timestamps and SACK blocks (RFC 7323 §3.2, RFC 2018 §4). */
  segmentOptions(now: Nanos, sack: readonly SackBlock[] | undefined): readonly TcpOption[] {
    if (!this.tsOk && sack === undefined) return NO_OPTIONS;
    const list: TcpOption[] = [];
    if (this.tsOk) {
      list.push(NOP_OPTION, NOP_OPTION, {
        kind: "timestamps",
        tsval: this.tsNow(now),
        tsecr: this.tsRecent,
      });
    }
    if (sack !== undefined) list.push(NOP_OPTION, NOP_OPTION, { kind: "sack", blocks: sack });
    return list;
  }

  /** SACK blocks to report now, or undefined (RFC 2018 §4: only when out-of-order data is held). */
  sackToSend(): readonly SackBlock[] | undefined {
    if (!this.sackOk || this.rcv.pieces === 0) return undefined;
    const blocks = this.rcv.sackBlocks(this.tsOk ? 3 : 4);
    return blocks.length > 0 ? blocks : undefined;
  }

  /** Bytes options take in a data segment now (to keep the segment within the MSS). */
  optionBytes(sack: readonly SackBlock[] | undefined): number {
    return (this.tsOk ? 12 : 0) + (sack !== undefined ? 4 + 8 * sack.length : 0);
  }

  /**
   * Queues a segment. The ACK field is RCV.NXT when `flags` has ACK; the window (unless
   * overridden, as SYNs and RSTs do) and the options are filled in here, and sending an ACK
   * clears any pending delayed ACK.
   */
  emit(
    now: Nanos,
    seqNo: SeqNumber,
    flags: number,
    payload: Uint8Array,
    options?: readonly TcpOption[],
    windowOverride = -1,
  ): void {
    const withAck = (flags & TCP_FLAG_ACK) !== 0;
    let opts = options;
    if (opts === undefined)
      opts = this.segmentOptions(now, withAck ? this.sackToSend() : undefined);
    const window = windowOverride >= 0 ? windowOverride : this.windowField();
    this.outbox.push({
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq: seqNo,
      ack: withAck ? this.rcvNxt : seq(0),
      flags,
      window,
      checksum: 0,
      urgentPointer: 0,
      options: opts,
      payload,
    });
    this.stats.segmentsSent++;
    this.stats.bytesSent += payload.length;
    if (withAck) {
      this.lastAckSent = this.rcvNxt;
      this.ackNow = false;
      this.unackedSegments = 0;
      this.delackAt = -1;
    }
  }

  /** Records a statistics sample (forced at loss events). */
  sample(now: Nanos, force: boolean): void {
    const inFlight = this.sackRecovery
      ? this.scoreboard.pipe(this.sndUna, this.sndMax, this.highRxt, this.sndUna)
      : this.flightSize;
    this.series.sample(
      now,
      this.cc.cwnd,
      this.cc.ssthresh,
      this.sndWnd,
      this.rtt.srtt,
      this.rtt.rto,
      inFlight,
      this.stats.retransmits,
      force,
    );
  }
}

/** Shared empty option list. */
export const NO_OPTIONS: readonly TcpOption[] = Object.freeze([]);

/** Empty payload shared by control segments. */
export const EMPTY: Uint8Array = new Uint8Array(0);
