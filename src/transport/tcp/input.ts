/**
 * SEGMENT ARRIVES (RFC 9293 §3.10.7) for a connection past LISTEN: SYN-SENT's handshake, then
 * for every other state the eight steps in order: sequence acceptability with PAWS (RFC 7323
 * §5.3) and trimming to the window, RST (RFC 5961 §3), SYN (RFC 5961 §4 challenge ACK), ACK
 * (ack.ts), text, FIN. The listener's half (a SYN creating SYN-RECEIVED) is `acceptSyn`.
 */
import type { Nanos } from "../../sim/time.js";
import { type SeqNumber, seqAdd, seqDiff, seqGt, seqLe, seqLt } from "../../wire/seq.js";
import {
  TCP_FLAG_ACK,
  TCP_FLAG_FIN,
  TCP_FLAG_RST,
  TCP_FLAG_SYN,
  type TcpRecord,
} from "../../wire/tcp.js";
import { TCP_MAX_WINDOW_SCALE, type TcpOption } from "../../wire/tcp-options.js";
import { processAck, setSendWindow } from "./ack.js";
import { sendRst, sendSyn } from "./output.js";
import { acceptsData } from "./state.js";
import { EMPTY, EV_DATA, EV_PEER_FIN, Tcb } from "./tcb.js";
import { closeNow, connectionEstablished, enterTimeWait } from "./timers.js";

/** The options of one arriving segment, scanned without allocating. */
class SegOptions {
  mss = -1;
  ws = -1;
  sackPermitted = false;
  hasTs = false;
  tsval = 0;
  tsecr = 0;
  sack: Extract<TcpOption, { kind: "sack" }>["blocks"] | undefined;

  scan(options: readonly TcpOption[]): this {
    this.mss = -1;
    this.ws = -1;
    this.sackPermitted = false;
    this.hasTs = false;
    this.sack = undefined;
    for (let i = 0; i < options.length; i++) {
      const o = options[i]!;
      if (o.kind === "timestamps") {
        this.hasTs = true;
        this.tsval = o.tsval;
        this.tsecr = o.tsecr;
      } else if (o.kind === "sack") this.sack = o.blocks;
      else if (o.kind === "mss") this.mss = o.value;
      else if (o.kind === "window-scale") this.ws = o.shift;
      else if (o.kind === "sack-permitted") this.sackPermitted = true;
    }
    return this;
  }
}

const opts = new SegOptions();

/** a < b for 32-bit timestamps (RFC 7323 §5.2 modular comparison). */
function tsLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** Records the peer's SYN and its options (RFC 9293 §3.10.7.2-3, RFC 7323, RFC 2018). */
function takeSyn(tcb: Tcb, seg: TcpRecord, o: SegOptions, active: boolean): void {
  const cfg = tcb.cfg;
  tcb.irs = seg.seq;
  tcb.rcvNxt = seqAdd(seg.seq, 1);
  tcb.rcvAdv = tcb.rcvNxt;
  if (o.mss > 0) tcb.peerMss = o.mss;
  tcb.wsAgreed = cfg.windowScaling && o.ws >= 0;
  if (tcb.wsAgreed) {
    tcb.sndWscale = Math.min(o.ws, TCP_MAX_WINDOW_SCALE); // RFC 7323 §2.3: use 14 for more
    if (!active) tcb.rcvWscale = Tcb.scaleFor(tcb.rcv.capacity);
  } else {
    tcb.sndWscale = 0;
    tcb.rcvWscale = 0;
  }
  tcb.sackOk = cfg.sack && o.sackPermitted;
  tcb.tsOk = cfg.timestamps && o.hasTs;
  if (tcb.tsOk) tcb.tsRecent = o.tsval;
}

/**
 * LISTEN state, a SYN arrived (RFC 9293 §3.10.7.2): the new connection moves to SYN-RECEIVED
 * and answers SYN,ACK. The caller has checked RST, ACK and the backlog.
 */
export function acceptSyn(tcb: Tcb, seg: TcpRecord, now: Nanos): void {
  const o = opts.scan(seg.options);
  tcb.passive = true;
  tcb.state = "LISTEN";
  takeSyn(tcb, seg, o, false);
  // RFC 7323 §2.2: the window of a SYN is never scaled.
  setSendWindow(tcb, seg.window, seg.seq, tcb.iss);
  tcb.setState("SYN-RECEIVED", now, "rcv SYN");
  sendSyn(tcb, now);
}

/** Processes one segment for this connection (RFC 9293 §3.10.7.3-4). */
export function segmentArrives(tcb: Tcb, seg: TcpRecord, now: Nanos): void {
  const o = opts.scan(seg.options);
  tcb.stats.segmentsReceived++;
  tcb.lastHeard = now;
  tcb.keepAlivesUnanswered = 0;
  if (tcb.state === "SYN-SENT") return synSent(tcb, seg, o, now);
  if (tcb.state === "CLOSED" || tcb.state === "LISTEN") return;
  const flags = seg.flags;
  const rst = (flags & TCP_FLAG_RST) !== 0;
  let s = seg.seq;
  let syn = (flags & TCP_FLAG_SYN) !== 0;
  let fin = (flags & TCP_FLAG_FIN) !== 0;
  let data = seg.payload;
  // A SYN repeated in SYN-RECEIVED (simultaneous open, RFC 9293 §3.5 figure 8) is old: trim it.
  if (syn && tcb.state === "SYN-RECEIVED" && s === tcb.irs) {
    syn = false;
    s = seqAdd(s, 1);
  }
  // RFC 7323 §5.3 PAWS: an older timestamp than TS.Recent means an old duplicate.
  if (tcb.tsOk && o.hasTs && !rst && tsLt(o.tsval, tcb.tsRecent)) {
    tcb.stats.unacceptableSegments++;
    tcb.ackNow = true;
    return;
  }
  // First: is the segment acceptable (RFC 9293 §3.10.7.4 table)?
  const wnd = tcb.rcvWnd;
  const len = data.length + (syn ? 1 : 0) + (fin ? 1 : 0);
  if (!acceptable(tcb, s, len, wnd)) {
    if (wnd === 0 && s === tcb.rcvNxt) {
      // Zero window: still process the ACK and RST fields; the text is dropped (RFC 9293).
      data = EMPTY;
      if (seg.payload.length > 0) fin = false;
    } else {
      tcb.stats.unacceptableSegments++;
      if (data.length > 0 && seqLe(seqAdd(s, len), tcb.rcvNxt)) tcb.stats.duplicateSegments++;
      if (!rst) tcb.ackNow = true;
      if (tcb.state === "TIME-WAIT" && fin) enterTimeWait(tcb, now); // restart 2·MSL
      return;
    }
  }
  // Trim what precedes RCV.NXT and what lies beyond the window.
  if (seqLt(s, tcb.rcvNxt)) {
    let d = seqDiff(tcb.rcvNxt, s);
    if (syn) {
      syn = false;
      d--;
    }
    s = tcb.rcvNxt;
    if (d > 0) {
      tcb.stats.duplicateSegments++;
      data = d >= data.length ? EMPTY : data.subarray(d);
    }
  }
  const room = Math.max(0, seqDiff(seqAdd(tcb.rcvNxt, wnd), s));
  if (data.length > room) {
    data = data.subarray(0, room);
    fin = false;
  }
  // Second: RST. RFC 5961 §3.2: reset only on an exact match, else a challenge ACK.
  if (rst) {
    if (s === tcb.rcvNxt) return reset(tcb, now);
    challengeAck(tcb);
    return;
  }
  // Fourth: a SYN in the window. RFC 5961 §4: challenge ACK, drop.
  if (syn) {
    challengeAck(tcb);
    return;
  }
  // Fifth: the ACK field.
  if ((flags & TCP_FLAG_ACK) === 0) return;
  if (tcb.state === "SYN-RECEIVED") {
    if (!(seqLt(tcb.sndUna, seg.ack) && seqLe(seg.ack, tcb.sndMax))) {
      sendRst(tcb, seg.ack, false, now); // RFC 9293 §3.10.7.4: <SEQ=SEG.ACK><CTL=RST>
      return;
    }
    setSendWindow(tcb, seg.window * 2 ** tcb.sndWscale, s, seg.ack);
    connectionEstablished(tcb, now, "rcv ACK of SYN");
  }
  if (!processAck(tcb, seg, s, o.sack, o.hasTs ? o.tsecr : -1, now)) return;
  switch (tcb.state) {
    case "FIN-WAIT-1":
      if (tcb.finAcked) tcb.setState("FIN-WAIT-2", now, "FIN acked");
      break;
    case "CLOSING":
      if (tcb.finAcked) enterTimeWait(tcb, now);
      return;
    case "LAST-ACK":
      if (tcb.finAcked) closeNow(tcb, now, "FIN acked");
      return;
    default:
      break;
  }
  // RFC 7323 §4.3: remember the timestamp of the segment that RCV.NXT had reached.
  if (tcb.tsOk && o.hasTs && seqLe(s, tcb.lastAckSent) && !tsLt(o.tsval, tcb.tsRecent)) {
    tcb.tsRecent = o.tsval;
  }
  // Seventh: the text.
  if (data.length > 0) {
    if (tcb.rcvShutdown) {
      // RFC 9293 §3.10.4 / RFC 2525 §2.17: data after the user closed: reset.
      sendRst(tcb, tcb.sndNxt, true, now);
      closeNow(tcb, now, "data after close");
      return;
    }
    if (acceptsData(tcb.state)) receiveText(tcb, s, data, now);
  }
  // Eighth: the FIN, once every byte before it has arrived.
  if (fin && acceptsData(tcb.state)) {
    tcb.rcvFinSeq = seqAdd(s, data.length);
    if (tcb.rcvFinSeq !== tcb.rcvNxt) tcb.ackNow = true; // out of order: duplicate ACK now
  } else if (fin && tcb.state === "TIME-WAIT") enterTimeWait(tcb, now);
  if (tcb.rcvFinSeq >= 0 && tcb.rcvNxt === tcb.rcvFinSeq) finArrives(tcb, now);
}

/** The acceptability test of RFC 9293 §3.10.7.4. */
function acceptable(tcb: Tcb, s: SeqNumber, len: number, wnd: number): boolean {
  const nxt = tcb.rcvNxt;
  if (len === 0) return wnd === 0 ? s === nxt : inWindow(s, nxt, wnd);
  if (wnd === 0) return false;
  return inWindow(s, nxt, wnd) || inWindow(seqAdd(s, len - 1), nxt, wnd);
}

/** RCV.NXT <= x < RCV.NXT + RCV.WND. */
function inWindow(x: SeqNumber, nxt: SeqNumber, wnd: number): boolean {
  return seqLe(nxt, x) && seqLt(x, seqAdd(nxt, wnd));
}

/** SYN-SENT (RFC 9293 §3.10.7.3). */
function synSent(tcb: Tcb, seg: TcpRecord, o: SegOptions, now: Nanos): void {
  const flags = seg.flags;
  const hasAck = (flags & TCP_FLAG_ACK) !== 0;
  if (hasAck && (seqLe(seg.ack, tcb.iss) || seqGt(seg.ack, tcb.sndMax))) {
    if ((flags & TCP_FLAG_RST) === 0) sendRst(tcb, seg.ack, false, now);
    return;
  }
  if ((flags & TCP_FLAG_RST) !== 0) {
    // RFC 5961 §3.2: in SYN-SENT a RST is valid when it acknowledges our SYN.
    if (hasAck) {
      tcb.fail("ECONNREFUSED", "connection refused (RST)");
      closeNow(tcb, now, "rcv RST");
    }
    return;
  }
  if ((flags & TCP_FLAG_SYN) === 0) return;
  takeSyn(tcb, seg, o, true);
  if (hasAck) {
    // RFC 7323 §2.2: the SYN,ACK's window is not scaled.
    setSendWindow(tcb, seg.window, seg.seq, seg.ack);
    tcb.sndUna = seg.ack;
    if (tcb.timing) {
      tcb.rtt.sample(now - tcb.rttStart);
      tcb.timing = false;
    }
    tcb.rtoAt = -1;
    tcb.unackedSince = -1;
    connectionEstablished(tcb, now, "rcv SYN,ACK");
    tcb.ackNow = true;
    return;
  }
  // Simultaneous open: SYN-RECEIVED, and SYN,ACK with our ISS again.
  setSendWindow(tcb, seg.window, seg.seq, tcb.iss);
  tcb.setState("SYN-RECEIVED", now, "rcv SYN (simultaneous open)");
  sendSyn(tcb, now);
}

/** RST with an exact sequence number (RFC 9293 §3.10.7.4 second step). */
function reset(tcb: Tcb, now: Nanos): void {
  const st = tcb.state;
  if (st === "SYN-RECEIVED") {
    if (!tcb.passive) tcb.fail("ECONNREFUSED", "connection refused (RST)");
  } else if (
    st === "ESTABLISHED" ||
    st === "FIN-WAIT-1" ||
    st === "FIN-WAIT-2" ||
    st === "CLOSE-WAIT"
  ) {
    tcb.fail("ECONNRESET", "connection reset by peer");
  }
  closeNow(tcb, now, "rcv RST");
}

/** RFC 5961 §3.2, §4.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
function challengeAck(tcb: Tcb): void {
  tcb.stats.challengeAcks++;
  tcb.ackNow = true;
}

/** Places data in the receive buffer and schedules the ACK (RFC 9293 §3.10.7.4 seventh step). */
function receiveText(tcb: Tcb, s: SeqNumber, data: Uint8Array, now: Nanos): void {
  const inOrder = s === tcb.rcvNxt;
  if (data.length > tcb.rcvMss) tcb.rcvMss = Math.min(data.length, tcb.ourMss);
  const hadHoles = tcb.rcv.pieces > 0;
  const n = tcb.rcv.insert(s, data, tcb.rcvNxt);
  if (n > 0) {
    tcb.rcvNxt = seqAdd(tcb.rcvNxt, n);
    tcb.stats.bytesReceived += n;
    tcb.events |= EV_DATA;
  }
  if (!inOrder) {
    tcb.stats.outOfOrderSegments++;
    tcb.ackNow = true; // RFC 5681 §4.2: an out-of-order segment is acknowledged at once
    return;
  }
  if (hadHoles) {
    tcb.ackNow = true; // RFC 5681 §4.2: so is one that fills a gap
    return;
  }
  // RFC 9293 §3.8.6.3 / RFC 5681 §4.2: delay, but ACK at least every second full-sized
  // segment ("full-sized" as the peer sends them: options make them shorter than our MSS).
  const delay = tcb.cfg.delayedAck;
  if (delay <= 0 || seqDiff(tcb.rcvNxt, tcb.lastAckSent) >= 2 * tcb.rcvMss) tcb.ackNow = true;
  else if (tcb.delackAt < 0) tcb.delackAt = now + delay;
}

/** The peer's FIN, in order (RFC 9293 §3.10.7.4 eighth step). */
function finArrives(tcb: Tcb, now: Nanos): void {
  tcb.rcvFinSeq = -1;
  tcb.rcvNxt = seqAdd(tcb.rcvNxt, 1);
  tcb.ackNow = true;
  tcb.events |= EV_PEER_FIN;
  switch (tcb.state) {
    case "SYN-RECEIVED":
    case "ESTABLISHED":
      tcb.setState("CLOSE-WAIT", now, "rcv FIN");
      break;
    case "FIN-WAIT-1":
      if (tcb.finAcked) enterTimeWait(tcb, now);
      else tcb.setState("CLOSING", now, "rcv FIN (simultaneous close)");
      break;
    case "FIN-WAIT-2":
      enterTimeWait(tcb, now);
      break;
    default:
      break;
  }
}
