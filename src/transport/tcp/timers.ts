/**
 * The connection's timers as deadlines on the TCB (retransmission, persist, delayed ACK,
 * keep-alive, TIME-WAIT) with one entry point, `onTimers`, and `nextDeadline` for the owner's
 * single simulator Timer. Also the transitions several modules share: establishing, entering
 * TIME-WAIT, and closing.
 */
import type { Nanos } from "../../sim/time.js";
import { seqAdd, seqDiff, seqGt } from "../../wire/seq.js";
import { TCP_FLAG_ACK } from "../../wire/tcp.js";
import { maxPayload, output, sendRange, sendSyn } from "./output.js";
import { EMPTY, EV_CLOSED, EV_CONNECTED, type Tcb } from "./tcb.js";

/** The earliest armed deadline, or -1. */
export function nextDeadline(tcb: Tcb): Nanos {
  return earliest(
    earliest(earliest(tcb.rtoAt, tcb.persistAt), earliest(tcb.delackAt, tcb.timeWaitAt)),
    tcb.keepAliveAt,
  );
}

function earliest(a: Nanos, b: Nanos): Nanos {
  if (a < 0) return b;
  if (b < 0) return a;
  return a < b ? a : b;
}

/** Runs every timer whose deadline has passed. */
export function onTimers(tcb: Tcb, now: Nanos): void {
  if (tcb.timeWaitAt >= 0 && tcb.timeWaitAt <= now) {
    tcb.timeWaitAt = -1;
    closeNow(tcb, now, "2MSL timeout");
    return;
  }
  if (tcb.rtoAt >= 0 && tcb.rtoAt <= now) rtoExpired(tcb, now);
  if (isClosed(tcb)) return;
  if (tcb.persistAt >= 0 && tcb.persistAt <= now) persistExpired(tcb, now);
  if (isClosed(tcb)) return;
  if (tcb.keepAliveAt >= 0 && tcb.keepAliveAt <= now) keepAliveExpired(tcb, now);
  if (isClosed(tcb)) return;
  if (tcb.delackAt >= 0 && tcb.delackAt <= now) {
    tcb.delackAt = -1;
    tcb.ackNow = true;
  }
  output(tcb, now);
}

function isClosed(tcb: Tcb): boolean {
  return tcb.state === "CLOSED";
}

/** RFC 6298 §5.4-5.7 and RFC 5681 §3.1: retransmit the earliest segment, back off. */
function rtoExpired(tcb: Tcb, now: Nanos): void {
  tcb.rtoAt = -1;
  const st = tcb.state;
  if (st === "SYN-SENT" || st === "SYN-RECEIVED") {
    if (now - tcb.unackedSince >= tcb.cfg.connectTimeout) {
      if (!tcb.passive) tcb.fail("ETIMEDOUT", "connection timed out (no answer to SYN)");
      closeNow(tcb, now, "SYN give-up");
      return;
    }
    tcb.rtt.backoff();
    tcb.synRetransmitted = true;
    tcb.timing = false;
    tcb.stats.timeouts++;
    tcb.stats.retransmits++;
    sendSyn(tcb, now);
    return;
  }
  if (!seqGt(tcb.sndMax, tcb.sndUna) || tcb.probeOut) return;
  if (now - tcb.unackedSince >= tcb.cfg.userTimeout) {
    tcb.fail("ETIMEDOUT", "connection timed out (user timeout)");
    closeNow(tcb, now, "user timeout");
    return;
  }
  tcb.stats.timeouts++;
  tcb.cc.onRto(tcb.flightSize, now, tcb.inLoss);
  if (!tcb.inLoss) {
    tcb.inLoss = true;
    tcb.lossRecover = tcb.sndMax;
  }
  tcb.recover = tcb.sndMax; // RFC 6582 §4: no fast retransmit for data sent before the RTO
  tcb.inRecovery = false;
  tcb.sackRecovery = false;
  tcb.dupAcks = 0;
  tcb.scoreboard.clear(); // RFC 2018 §8: the receiver may have reneged
  tcb.highRxt = tcb.sndUna;
  tcb.timing = false; // Karn
  tcb.rtoTsval = tcb.tsNow(now);
  tcb.rtt.backoff();
  tcb.sndNxt = tcb.sndUna; // go back N: resend from the first unacknowledged byte
  tcb.sample(now, true);
  output(tcb, now);
}

/**
 * RFC 9293 §3.8.6.1 zero-window probe (one byte of new data beyond the window, resent until
 * the window opens) or, with a small nonzero window, the SWS override: send what fits.
 */
function persistExpired(tcb: Tcb, now: Nanos): void {
  tcb.persistAt = -1;
  const st = tcb.state;
  if (st !== "ESTABLISHED" && st !== "CLOSE-WAIT" && st !== "FIN-WAIT-1" && st !== "LAST-ACK") {
    return;
  }
  if (now - tcb.lastHeard >= tcb.cfg.userTimeout) {
    tcb.fail("ETIMEDOUT", "connection timed out (window probes unanswered)");
    closeNow(tcb, now, "user timeout");
    return;
  }
  if (tcb.probeOut) {
    tcb.stats.zeroWindowProbes++;
    sendRange(tcb, tcb.sndUna, 1, now);
  } else {
    const unsent = tcb.unsent;
    if (unsent === 0) return;
    const usable = tcb.sndWnd - seqDiff(tcb.sndNxt, tcb.sndUna);
    if (usable > 0) {
      const n = sendRange(tcb, tcb.sndNxt, Math.min(unsent, usable, maxPayload(tcb)), now);
      tcb.sndNxt = seqAdd(tcb.sndNxt, n);
      tcb.persistBackoff = 0;
      return;
    }
    tcb.probeOut = true;
    tcb.stats.zeroWindowProbes++;
    tcb.sndNxt = seqAdd(tcb.sndNxt, sendRange(tcb, tcb.sndNxt, 1, now));
  }
  // RFC 1122 §4.2.2.17: back off exponentially between probes.
  tcb.persistBackoff++;
  tcb.persistAt = now + Math.min(tcb.rtt.rto * 2 ** tcb.persistBackoff, tcb.cfg.maxRto);
}

/** RFC 9293 §3.8.4 / RFC 1122 §4.2.3.6: probe an idle connection with <SEQ=SND.NXT-1>. */
function keepAliveExpired(tcb: Tcb, now: Nanos): void {
  tcb.keepAliveAt = -1;
  const cfg = tcb.cfg;
  if (!cfg.keepAlive || (tcb.state !== "ESTABLISHED" && tcb.state !== "CLOSE-WAIT")) return;
  const idleUntil = tcb.lastHeard + cfg.keepAliveIdle;
  if (tcb.keepAlivesUnanswered === 0 && now < idleUntil) {
    tcb.keepAliveAt = idleUntil;
    return;
  }
  if (tcb.keepAlivesUnanswered >= cfg.keepAliveProbes) {
    tcb.fail("ETIMEDOUT", "connection timed out (keep-alives unanswered)");
    closeNow(tcb, now, "keep-alive give-up");
    return;
  }
  if (tcb.sndMax === tcb.sndUna) {
    tcb.stats.keepAlivesSent++;
    tcb.emit(now, seqAdd(tcb.sndNxt, -1), TCP_FLAG_ACK, EMPTY);
  }
  tcb.keepAlivesUnanswered++;
  tcb.keepAliveAt = now + cfg.keepAliveInterval;
}

/** Arms the keep-alive timer from the last time we heard from the peer. */
export function armKeepAlive(tcb: Tcb): void {
  tcb.keepAliveAt = tcb.cfg.keepAlive ? tcb.lastHeard + tcb.cfg.keepAliveIdle : -1;
}

/** SYN-SENT or SYN-RECEIVED reaches ESTABLISHED (or FIN-WAIT-1 if the user already ended). */
export function connectionEstablished(tcb: Tcb, now: Nanos, reason: string): void {
  tcb.setState("ESTABLISHED", now, reason);
  if (tcb.finQueued) tcb.setState("FIN-WAIT-1", now, "user close queued");
  tcb.events |= EV_CONNECTED;
  const cfg = tcb.cfg;
  // RFC 5681 §3.1: after a lost SYN or SYN,ACK the initial window is one segment;
  // RFC 6298 (5.7): and the RTO restarts from 3 s.
  const iw = tcb.synRetransmitted ? 1 : cfg.initialWindow;
  tcb.cc = cfg.congestion({ mss: tcb.mss, initialWindow: iw, now });
  if (tcb.synRetransmitted) tcb.rtt.resetAfterSynTimeout();
  armKeepAlive(tcb);
  tcb.sample(now, true);
}

/** Enters (or restarts) TIME-WAIT: 2·MSL (RFC 9293 §3.10.7.4), other timers off. */
export function enterTimeWait(tcb: Tcb, now: Nanos): void {
  tcb.setState("TIME-WAIT", now, "rcv FIN");
  tcb.timeWaitAt = now + 2 * tcb.cfg.msl;
  tcb.rtoAt = -1;
  tcb.persistAt = -1;
  tcb.keepAliveAt = -1;
  tcb.events |= EV_CLOSED;
}

/** Deletes the TCB (RFC 9293 "enter the CLOSED state"): timers off, data dropped. */
export function closeNow(tcb: Tcb, now: Nanos, reason: string): void {
  tcb.setState("CLOSED", now, reason);
  tcb.rtoAt = -1;
  tcb.persistAt = -1;
  tcb.delackAt = -1;
  tcb.timeWaitAt = -1;
  tcb.keepAliveAt = -1;
  tcb.ackNow = false;
  tcb.snd.clear();
  tcb.events |= EV_CLOSED;
}
