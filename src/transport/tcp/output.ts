/**
 * What a connection sends and when: data within min(cwnd, rwnd) (RFC 5681 §3.1), held back by
 * Nagle (RFC 9293 §3.7.4) and sender-side silly window avoidance (RFC 9293 §3.8.6.2.1), limited
 * transmit (RFC 3042), SACK-paced recovery (RFC 6675 §5 NextSeg), FIN after the data, and ACKs.
 * Retransmissions are sent out of line (SND.NXT untouched) except after an RTO, where SND.NXT is
 * pulled back to SND.UNA and the data goes again in slow start (go-back-N).
 */
import type { Nanos } from "../../sim/time.js";
import { type SeqNumber, seqAdd, seqDiff, seqGe, seqGt, seqLt, seqMax } from "../../wire/seq.js";
import {
  TCP_FLAG_ACK,
  TCP_FLAG_FIN,
  TCP_FLAG_PSH,
  TCP_FLAG_RST,
  TCP_FLAG_SYN,
} from "../../wire/tcp.js";
import { buildTcpOptions } from "../../wire/tcp-options.js";
import { EMPTY, NO_OPTIONS, type Tcb } from "./tcb.js";

/** States in which our side transmits data or a FIN. */
function sending(tcb: Tcb): boolean {
  const s = tcb.state;
  return (
    s === "ESTABLISHED" ||
    s === "CLOSE-WAIT" ||
    s === "FIN-WAIT-1" ||
    s === "CLOSING" ||
    s === "LAST-ACK"
  );
}

/** Largest payload of a data segment now (MSS less the options it will carry). */
export function maxPayload(tcb: Tcb): number {
  return Math.max(1, tcb.mss - tcb.optionBytes(tcb.sackToSend()));
}

/**
 * Arms the retransmission timer if data is in flight and it is not running (RFC 6298 5.1).
 * After an RTO pulled SND.NXT back with nothing resent (zero window), the persist timer runs
 * instead.
 */
export function armRto(tcb: Tcb, now: Nanos): void {
  if (tcb.rtoAt < 0 && !tcb.probeOut && seqGt(tcb.sndNxt, tcb.sndUna)) {
    tcb.rtoAt = now + tcb.rtt.rto;
  }
}

/**
 * Sends the segment holding [s, s + len) of data, with FIN when it ends at the FIN and the user
 * has ended the stream. Counts retransmissions and starts RTT timing on new data (Karn).
 * Returns the sequence space used (data plus FIN).
 */
export function sendRange(tcb: Tcb, s: SeqNumber, len: number, now: Nanos): number {
  const end = seqAdd(s, len);
  const fin = tcb.finQueued && end === tcb.finSeq;
  let flags = TCP_FLAG_ACK;
  if (fin) flags |= TCP_FLAG_FIN;
  if (len > 0 && end === tcb.finSeq) flags |= TCP_FLAG_PSH; // the last byte written so far
  const used = len + (fin ? 1 : 0);
  if (used === 0) return 0;
  const payload = len > 0 ? tcb.snd.view(seqDiff(s, tcb.sndBufSeq), len) : EMPTY;
  if (seqLt(s, tcb.sndMax)) {
    tcb.stats.retransmits++;
    tcb.stats.bytesRetransmitted += len;
    // Karn: a retransmitted segment gives no RTT sample.
    if (tcb.timing && seqGe(tcb.rttSeq, s) && seqLt(tcb.rttSeq, seqAdd(s, used))) {
      tcb.timing = false;
    }
  } else if (!tcb.timing && len > 0) {
    tcb.timing = true;
    tcb.rttSeq = s;
    tcb.rttStart = now;
  }
  tcb.emit(now, s, flags, payload);
  if (fin) tcb.finSent = true;
  const stop = seqAdd(s, used);
  if (seqGt(stop, tcb.sndMax)) {
    if (tcb.sndMax === tcb.sndUna) tcb.unackedSince = now;
    tcb.sndMax = stop;
  }
  // RFC 6298 (5.1): start the timer when data goes out and it is not running.
  if (tcb.rtoAt < 0 && !tcb.probeOut) tcb.rtoAt = now + tcb.rtt.rto;
  return used;
}

/**
 * Retransmits up to `maxLen` bytes of already-sent data from `s` (and the FIN if the range
 * reaches it). Returns the sequence space resent.
 */
export function retransmit(tcb: Tcb, s: SeqNumber, maxLen: number, now: Nanos): number {
  const dataEnd = seqAdd(tcb.sndBufSeq, tcb.snd.length);
  const avail = Math.max(0, seqDiff(dataEnd, s));
  const len = Math.min(maxLen, avail, Math.max(0, seqDiff(tcb.sndMax, s)));
  if (len === 0 && !(tcb.finSent && s === tcb.finSeq)) return 0;
  return sendRange(tcb, s, len, now);
}

/** Sends a bare ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (RFC 9293 §3.10.7.4). */
export function sendAck(tcb: Tcb, now: Nanos): void {
  tcb.emit(now, tcb.sndNxt, TCP_FLAG_ACK, EMPTY);
}

/** Sends <SEQ=s><CTL=RST> (with ACK when `ack`), window 0, no options. */
export function sendRst(tcb: Tcb, s: SeqNumber, ack: boolean, now: Nanos): void {
  tcb.emit(now, s, ack ? TCP_FLAG_RST | TCP_FLAG_ACK : TCP_FLAG_RST, EMPTY, NO_OPTIONS, 0);
}

/**
 * Sends our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) with the options of RFC 9293 §3.7.1,
 * RFC 7323 and RFC 2018; the window of a SYN is never scaled (RFC 7323 §2.2).
 */
export function sendSyn(tcb: Tcb, now: Nanos): void {
  const active = tcb.state === "SYN-SENT";
  const cfg = tcb.cfg;
  const ts = active ? cfg.timestamps : tcb.tsOk;
  const options = buildTcpOptions({
    mss: tcb.ourMss,
    sackPermitted: active ? cfg.sack : tcb.sackOk,
    ...(ts ? { timestamps: { tsval: tcb.tsNow(now), tsecr: active ? 0 : tcb.tsRecent } } : {}),
    ...((active ? cfg.windowScaling : tcb.wsAgreed) ? { windowScale: tcb.rcvWscale } : {}),
  });
  const window = Math.min(0xffff, tcb.rcv.capacity);
  const flags = active ? TCP_FLAG_SYN : TCP_FLAG_SYN | TCP_FLAG_ACK;
  tcb.emit(now, tcb.iss, flags, EMPTY, options, window);
  if (!active) tcb.rcvAdv = seqMax(tcb.rcvAdv, seqAdd(tcb.rcvNxt, window));
  tcb.sndNxt = seqAdd(tcb.iss, 1);
  tcb.sndMax = seqMax(tcb.sndMax, tcb.sndNxt);
  if (tcb.unackedSince < 0) tcb.unackedSince = now;
  if (tcb.rtoAt < 0) tcb.rtoAt = now + tcb.rtt.rto;
}

/**
 * Sends whatever the windows, Nagle and the state allow, then an ACK if one is owed, and arms
 * the retransmission or persist timer as needed.
 */
export function output(tcb: Tcb, now: Nanos): void {
  let sent = false;
  if (sending(tcb)) {
    sent = tcb.inRecovery && tcb.sackRecovery ? sackSend(tcb, now) : windowSend(tcb, now);
    armRto(tcb, now);
    armPersist(tcb, now, sent);
  }
  if (tcb.ackNow && tcb.state !== "SYN-SENT" && tcb.state !== "CLOSED") sendAck(tcb, now);
}

/** Sends in-line from SND.NXT within min(cwnd, rwnd); true when anything went out. */
function windowSend(tcb: Tcb, now: Nanos): boolean {
  let sent = false;
  const mss = tcb.mss;
  for (;;) {
    // RFC 3042 limited transmit: one extra segment per duplicate ACK, for the first two.
    const extra = !tcb.inRecovery && tcb.dupAcks > 0 ? Math.min(tcb.dupAcks, 2) * mss : 0;
    const win = Math.min(tcb.cc.cwnd + extra, tcb.sndWnd);
    const usable = win - seqDiff(tcb.sndNxt, tcb.sndUna);
    const unsent = tcb.unsent;
    const finDue = tcb.finQueued && unsent === 0 && tcb.sndNxt === tcb.finSeq;
    if (unsent === 0 && !finDue) break;
    if (unsent === 0) {
      // FIN alone: sent regardless of the window (it takes no buffer space).
      sendRange(tcb, tcb.sndNxt, 0, now);
      tcb.sndNxt = seqAdd(tcb.sndNxt, 1);
      sent = true;
      break;
    }
    if (usable <= 0) break;
    const max = maxPayload(tcb);
    const len = Math.min(unsent, usable, max);
    if (len < max && !sendPartial(tcb, len, unsent, usable)) break;
    const used = sendRange(tcb, tcb.sndNxt, len, now);
    tcb.sndNxt = seqAdd(tcb.sndNxt, used);
    tcb.persistAt = -1;
    tcb.persistBackoff = 0;
    sent = true;
  }
  return sent;
}

/**
 * Whether a segment shorter than the maximum may go now: RFC 9293 §3.8.6.2.1 (sender SWS) with
 * Nagle (RFC 9293 §3.7.4): all remaining data when nothing is unacknowledged, Nagle is off or the
 * stream is ending; or at least half the largest window the peer ever offered.
 */
function sendPartial(tcb: Tcb, len: number, unsent: number, usable: number): boolean {
  if (len === unsent) {
    if (tcb.noDelay || tcb.finQueued || tcb.sndNxt === tcb.sndUna) return true;
  }
  return len === usable && len >= tcb.maxSndWnd / 2;
}

/**
 * RFC 6675 §5 (C): while cwnd - pipe >= 1 SMSS, send NextSeg: a lost hole above HighRxt
 * (rule 1), else new data (rule 2), else any hole below the highest SACK (rule 3). During SACK
 * recovery the window is ssthresh (RFC 6675 §5 step 4.2).
 */
function sackSend(tcb: Tcb, now: Nanos): boolean {
  const sb = tcb.scoreboard;
  const mss = tcb.mss;
  const max = maxPayload(tcb);
  const cwnd = tcb.cc.ssthresh;
  const lost = sb.lostBoundary(tcb.sndUna, mss, tcb.cfg.dupThresh);
  let pipe = sb.pipe(tcb.sndUna, tcb.sndMax, tcb.highRxt, lost);
  let sent = false;
  const hole = HOLE;
  while (cwnd - pipe >= mss) {
    const from = seqMax(tcb.highRxt, tcb.sndUna);
    let n = 0;
    if (seqLt(from, lost) && sb.nextHole(from, lost, max, hole)) {
      n = retransmit(tcb, hole.seq, hole.len, now); // rule 1
      if (n > 0) tcb.highRxt = seqAdd(hole.seq, n);
    }
    if (n === 0) {
      const unsent = tcb.unsent;
      const room = tcb.sndWnd - seqDiff(tcb.sndNxt, tcb.sndUna);
      const finDue = tcb.finQueued && unsent === 0 && tcb.sndNxt === tcb.finSeq;
      if ((unsent > 0 && room > 0) || finDue) {
        n = sendRange(tcb, tcb.sndNxt, Math.min(unsent, room, max), now); // rule 2
        tcb.sndNxt = seqAdd(tcb.sndNxt, n);
      }
    }
    if (n === 0) {
      const high = sb.highestSacked;
      if (high !== undefined && seqLt(from, high) && sb.nextHole(from, high, max, hole)) {
        n = retransmit(tcb, hole.seq, hole.len, now); // rule 3
        if (n > 0) tcb.highRxt = seqAdd(hole.seq, n);
      }
    }
    if (n === 0) break;
    pipe += n;
    sent = true;
  }
  return sent;
}

const HOLE = { seq: 0 as SeqNumber, len: 0 };

/**
 * RFC 9293 §3.8.6.1 / RFC 1122 §4.2.2.17: with data waiting, nothing in flight and a window too
 * small to use, start the persist timer (it also serves as the SWS override timer).
 */
function armPersist(tcb: Tcb, now: Nanos, sent: boolean): void {
  if (sent || tcb.persistAt >= 0 || tcb.rtoAt >= 0) return;
  if (tcb.unsent === 0 || tcb.sndNxt !== tcb.sndUna) return;
  tcb.persistAt = now + Math.min(tcb.rtt.rto * 2 ** tcb.persistBackoff, tcb.cfg.maxRto);
}

/**
 * After the user read data: RFC 9293 §3.8.6.2.2 / RFC 1122 §4.2.3.3, announce the opened window
 * when the right edge can move by min(buffer/2, MSS) and the offered window is at most half the
 * buffer and would at least double (so a reader that keeps up does not cause extra ACKs).
 */
export function afterRead(tcb: Tcb, now: Nanos): void {
  const s = tcb.state;
  if (s !== "ESTABLISHED" && s !== "FIN-WAIT-1" && s !== "FIN-WAIT-2") return;
  const cap = tcb.rcv.capacity;
  const largest = Math.min(cap, 0xffff * 2 ** tcb.rcvWscale); // what the field can say
  const next = Math.min(cap - tcb.rcv.readyBytes, largest);
  const cur = tcb.rcvWnd;
  if (next - cur >= Math.min(cap >>> 1, tcb.ourMss) && 2 * cur <= largest && next >= 2 * cur) {
    tcb.ackNow = true;
    output(tcb, now);
  }
}
