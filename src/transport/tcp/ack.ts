/**
 * The ACK field of an arriving segment (RFC 9293 §3.10.7.4, fifth step): acceptance (RFC 5961
 * §5.2), freeing acknowledged data, RTT samples (RFC 6298, Karn), the window update rule, and
 * loss detection and recovery: duplicate ACKs (RFC 5681 §3.2), NewReno partial ACKs (RFC 6582)
 * and the SACK scoreboard (RFC 6675). Congestion window arithmetic is delegated to `tcb.cc`.
 */
import type { Nanos } from "../../sim/time.js";
import { type SeqNumber, seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from "../../wire/seq.js";
import { TCP_FLAG_FIN, TCP_FLAG_SYN, type TcpRecord } from "../../wire/tcp.js";
import type { SackBlock } from "../../wire/tcp-options.js";
import { maxPayload, retransmit } from "./output.js";
import { EV_DRAIN, type Tcb } from "./tcb.js";

/**
 * Processes SEG.ACK and SEG.WND. Returns false when the segment must be dropped (an ACK of
 * data never sent, or too old to be plausible); an ACK is then owed.
 */
export function processAck(
  tcb: Tcb,
  seg: TcpRecord,
  segSeq: SeqNumber,
  sack: readonly SackBlock[] | undefined,
  tsecr: number,
  now: Nanos,
): boolean {
  const ack = seg.ack;
  // RFC 9293 §3.10.7.4 / RFC 5961 §5.2: the ACK must lie in [SND.UNA - MAX.SND.WND, SND.NXT].
  if (seqGt(ack, tcb.sndMax)) {
    tcb.ackNow = true;
    return false;
  }
  if (seqLt(ack, seqAdd(tcb.sndUna, -Math.max(tcb.maxSndWnd, 1)))) {
    tcb.ackNow = true;
    return false;
  }
  const wnd = seg.window * 2 ** tcb.sndWscale;
  let newlySacked = 0;
  if (sack !== undefined && tcb.sackOk) {
    newlySacked = tcb.scoreboard.update(
      sack,
      seqGt(ack, tcb.sndUna) ? ack : tcb.sndUna,
      tcb.sndMax,
    );
  }
  if (seqGt(ack, tcb.sndUna)) {
    newAck(tcb, ack, tsecr, now);
  } else if (
    ack === tcb.sndUna &&
    seg.payload.length === 0 &&
    (seg.flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) === 0 &&
    wnd === tcb.sndWnd &&
    seqGt(tcb.sndMax, tcb.sndUna) &&
    (!tcb.sackOk || sack === undefined || newlySacked > 0)
  ) {
    dupAck(tcb, now); // RFC 5681 §2 "duplicate acknowledgment"; RFC 6675 §2 with SACK
  }
  if (tcb.sackOk && !tcb.inRecovery && !tcb.scoreboard.empty) {
    // RFC 6675 §5 (4): IsLost(HighACK + 1) also starts recovery.
    const lost = tcb.scoreboard.lostBoundary(tcb.sndUna, tcb.mss, tcb.cfg.dupThresh);
    if (seqGt(lost, tcb.sndUna) && seqGt(tcb.sndUna, tcb.recover)) enterRecovery(tcb, now);
  }
  // RFC 9293 §3.10.7.4: update the send window from the newest segment only.
  if (seqLt(tcb.sndWl1, segSeq) || (tcb.sndWl1 === segSeq && seqLe(tcb.sndWl2, ack))) {
    setSendWindow(tcb, wnd, segSeq, ack);
  }
  return true;
}

/** Records the peer's window and the segment that carried it. */
export function setSendWindow(tcb: Tcb, wnd: number, wl1: SeqNumber, wl2: SeqNumber): void {
  if (tcb.probeOut && wnd > 0 && tcb.sndNxt !== tcb.sndUna) {
    // The window opened while a zero-window probe byte is unacknowledged: send it again
    // in line rather than wait for a timer.
    tcb.sndNxt = tcb.sndUna;
    tcb.probeOut = false;
  }
  tcb.sndWnd = wnd;
  tcb.sndWl1 = wl1;
  tcb.sndWl2 = wl2;
  if (wnd > tcb.maxSndWnd) tcb.maxSndWnd = wnd;
}

/**
 * SND.UNA < SEG.ACK <= SND.MAX: data (or our SYN or FIN) was acknowledged. `tsecr` is the
 * segment's timestamp echo, or -1 without timestamps.
 */
function newAck(tcb: Tcb, ack: SeqNumber, tsecr: number, now: Nanos): void {
  const acked = seqDiff(ack, tcb.sndUna);
  const dataAcked = Math.min(Math.max(0, seqDiff(ack, tcb.sndBufSeq)), tcb.snd.length);
  tcb.snd.consume(dataAcked);
  tcb.sndBufSeq = seqAdd(tcb.sndBufSeq, dataAcked);
  tcb.sndUna = ack;
  if (seqLt(tcb.sndNxt, ack)) tcb.sndNxt = ack;
  tcb.probeOut = false;
  tcb.stats.bytesAcked += dataAcked;
  if (tcb.wantDrain && (tcb.snd.length === 0 || tcb.snd.free >= tcb.snd.limit / 2)) {
    tcb.wantDrain = false;
    tcb.events |= EV_DRAIN;
  }
  let rtt = -1;
  if (tcb.timing && seqGt(ack, tcb.rttSeq)) {
    rtt = now - tcb.rttStart;
    tcb.timing = false;
  } else if (
    tcb.tsOk &&
    tsecr > 0 &&
    (tcb.rtt.backoffs > 0 || tcb.rtt.samples === 0) &&
    ((tsecr - tcb.rtoTsval) | 0) >= 0
  ) {
    // RFC 7323 §4: the echo dates the segment that advanced RCV.NXT, retransmitted or not, so
    // it measures where Karn's rule forbids the timer; used when the timer has nothing, it
    // ends a backoff that would otherwise outlive the retransmissions. An echo older than the
    // last timeout would count the timeout itself (its ACK was lost), so it is not used.
    const sent = ((tsecr - tcb.tsOffset) >>> 0) * 1_000_000;
    if (sent <= now && now - sent < 60_000_000_000) rtt = now - sent;
  }
  if (rtt >= 0) tcb.rtt.sample(rtt);
  tcb.unackedSince = now;
  tcb.scoreboard.advance(ack);
  if (tcb.inLoss && seqGe(ack, tcb.lossRecover)) tcb.inLoss = false;
  const flight = tcb.flightSize;
  if (tcb.inRecovery) {
    if (seqGe(ack, tcb.recover)) {
      // RFC 6582 §3.2 step 3 / RFC 6675 §5: the recovery point is acknowledged.
      tcb.inRecovery = false;
      tcb.sackRecovery = false;
      tcb.dupAcks = 0;
      tcb.cc.onRecoveryExit(flight, now);
      tcb.sample(now, true);
    } else if (!tcb.sackRecovery) {
      // RFC 6582 §3.2 step 5: partial ACK, resend the next hole and deflate.
      retransmit(tcb, tcb.sndUna, maxPayload(tcb), now);
      tcb.cc.onPartialAck(dataAcked, flight);
    }
  } else {
    tcb.dupAcks = 0;
    if (dataAcked > 0) tcb.cc.onAck(dataAcked, rtt, flight, now);
  }
  // RFC 6298 (5.2)-(5.3): stop the timer when all is acknowledged, else restart it (on
  // partial ACKs too: RFC 6582's "Slow-but-Steady" variant).
  if (seqGe(tcb.sndUna, tcb.sndMax)) {
    tcb.rtoAt = -1;
    tcb.unackedSince = -1;
  } else {
    tcb.rtoAt = now + tcb.rtt.rto;
  }
  if (acked > 0) tcb.sample(now, false);
}

/** A duplicate ACK: count it, fast retransmit at DupThresh, inflate during NewReno recovery. */
function dupAck(tcb: Tcb, now: Nanos): void {
  tcb.stats.dupAcksReceived++;
  tcb.dupAcks++;
  if (tcb.inRecovery) {
    if (!tcb.sackRecovery) tcb.cc.onDupAck(tcb.flightSize);
    return;
  }
  // RFC 6582 §3.2 step 2: only when the cumulative ACK has passed "recover".
  if (tcb.dupAcks >= tcb.cfg.dupThresh && seqGt(tcb.sndUna, tcb.recover)) {
    enterRecovery(tcb, now);
  }
}

/** Fast retransmit and enter fast recovery (RFC 5681 §3.2, RFC 6582 §3.2, RFC 6675 §5). */
export function enterRecovery(tcb: Tcb, now: Nanos): void {
  tcb.inRecovery = true;
  tcb.sackRecovery = tcb.sackOk && !tcb.scoreboard.empty;
  tcb.recover = tcb.sndMax;
  tcb.stats.fastRetransmits++;
  if (tcb.sackRecovery) tcb.stats.sackRecoveries++;
  tcb.cc.onFastRetransmit(tcb.flightSize, now);
  // RFC 6675 §5 (4.3) / RFC 5681 §3.2 step 3: resend the first unacknowledged segment.
  const n = retransmit(tcb, tcb.sndUna, maxPayload(tcb), now);
  tcb.highRxt = seqAdd(tcb.sndUna, n);
  tcb.sample(now, true);
}
