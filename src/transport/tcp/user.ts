/**
 * Calls into the machine from outside the segment path: the user commands of RFC 9293 §3.10
 * (OPEN, SEND, CLOSE, ABORT, plus reading and half-close), and ICMP errors about our segments
 * (RFC 5927 validation, RFC 1122 §4.2.3.9 hard and soft errors, PMTUD per RFC 1191 / RFC 8201).
 * Each call leaves segments in the outbox for the owner, like `segmentArrives`.
 */
import type { Nanos } from "../../sim/time.js";
import { type SeqNumber, seqAdd, seqGe, seqGt, seqLt } from "../../wire/seq.js";
import { TCP_FLAG_ACK, TCP_FLAG_RST, TCP_FLAG_SYN, type TcpRecord } from "../../wire/tcp.js";
import type { TransportErrorCode } from "../errors.js";
import { acceptSyn } from "./input.js";
import { afterRead, output, sendRst, sendSyn } from "./output.js";
import { Tcb } from "./tcb.js";
import { armKeepAlive, closeNow } from "./timers.js";

/** Sets the send sequence variables from the ISS (RFC 9293 §3.4.1). */
function initSend(tcb: Tcb, iss: SeqNumber): void {
  tcb.iss = iss;
  tcb.sndUna = iss;
  tcb.sndNxt = iss;
  tcb.sndMax = iss;
  tcb.sndBufSeq = seqAdd(iss, 1);
  tcb.sndWl2 = iss;
  tcb.recover = iss; // RFC 6582 §3.2: recover starts at the ISS
  tcb.lossRecover = iss;
  tcb.highRxt = iss;
}

/** OPEN, active (RFC 9293 §3.10.1): send SYN, enter SYN-SENT. */
export function openActive(tcb: Tcb, iss: SeqNumber, tsOffset: number, now: Nanos): void {
  initSend(tcb, iss);
  tcb.tsOffset = tsOffset;
  tcb.rcvWscale = tcb.cfg.windowScaling ? Tcb.scaleFor(tcb.rcv.capacity) : 0;
  tcb.setState("SYN-SENT", now, "user connect");
  tcb.timing = true;
  tcb.rttSeq = iss;
  tcb.rttStart = now;
  sendSyn(tcb, now);
}

/** A listener's SYN creates this connection in SYN-RECEIVED (RFC 9293 §3.10.7.2). */
export function openPassive(
  tcb: Tcb,
  syn: TcpRecord,
  iss: SeqNumber,
  tsOffset: number,
  now: Nanos,
): void {
  initSend(tcb, iss);
  tcb.tsOffset = tsOffset;
  tcb.timing = true;
  tcb.rttSeq = iss;
  tcb.rttStart = now;
  acceptSyn(tcb, syn, now);
}

/** SEND (RFC 9293 §3.10.2): queues what fits in the send buffer; returns the count taken. */
export function userSend(tcb: Tcb, data: Uint8Array, now: Nanos): number {
  const st = tcb.state;
  const open =
    st === "ESTABLISHED" || st === "CLOSE-WAIT" || st === "SYN-SENT" || st === "SYN-RECEIVED";
  if (!open || tcb.finQueued) return 0;
  const n = tcb.snd.append(data);
  if (n < data.length) tcb.wantDrain = true;
  if (n > 0) output(tcb, now);
  return n;
}

/**
 * CLOSE in RFC 9293 §3.10.4's sense, i.e. half-close: a FIN follows the queued data.
 * ESTABLISHED goes to FIN-WAIT-1, CLOSE-WAIT to LAST-ACK; before the handshake completes the
 * FIN waits for it (SYN-RECEIVED) or the connection is simply deleted (SYN-SENT).
 */
export function userEnd(tcb: Tcb, now: Nanos): void {
  if (tcb.finQueued) return;
  switch (tcb.state) {
    case "SYN-SENT":
      closeNow(tcb, now, "user close");
      return;
    case "SYN-RECEIVED":
      tcb.finQueued = true;
      return;
    case "ESTABLISHED":
      tcb.finQueued = true;
      tcb.setState("FIN-WAIT-1", now, "user close");
      break;
    case "CLOSE-WAIT":
      tcb.finQueued = true;
      tcb.setState("LAST-ACK", now, "user close");
      break;
    default:
      return;
  }
  output(tcb, now);
}

/**
 * Full close: no more reading either. Unread data means the application lost bytes, so the
 * connection is reset (RFC 2525 §2.17, as Linux does); otherwise it ends normally and any data
 * that still arrives is answered with RST.
 */
export function userClose(tcb: Tcb, now: Nanos): void {
  if (tcb.rcv.readyBytes > 0) {
    userAbort(tcb, now);
    return;
  }
  tcb.rcvShutdown = true;
  userEnd(tcb, now);
}

/** ABORT (RFC 9293 §3.10.5): RST in synchronized states and SYN-RECEIVED, then CLOSED. */
export function userAbort(tcb: Tcb, now: Nanos): void {
  const st = tcb.state;
  if (
    st === "SYN-RECEIVED" ||
    st === "ESTABLISHED" ||
    st === "FIN-WAIT-1" ||
    st === "FIN-WAIT-2" ||
    st === "CLOSE-WAIT"
  ) {
    sendRst(tcb, tcb.sndNxt, false, now);
  }
  if (st !== "CLOSED") closeNow(tcb, now, "user abort");
  tcb.rcv.clear();
}

/** The user consumed buffered data: maybe announce the larger window. */
export function userRead(tcb: Tcb, now: Nanos): void {
  afterRead(tcb, now);
}

/** Turns Nagle off (true) or on, and sends what it was holding back. */
export function setNoDelay(tcb: Tcb, on: boolean, now: Nanos): void {
  tcb.noDelay = on;
  if (on) output(tcb, now);
}

/** Turns keep-alives on or off (RFC 9293 §3.8.4), optionally with a new idle time. */
export function setKeepAlive(tcb: Tcb, on: boolean, idle: Nanos | undefined): void {
  tcb.cfg.keepAlive = on;
  if (idle !== undefined) tcb.cfg.keepAliveIdle = idle;
  if (tcb.state === "ESTABLISHED" || tcb.state === "CLOSE-WAIT") armKeepAlive(tcb);
}

/** What an ICMP error says, reduced to what TCP acts on. */
export type IcmpKind = "port-unreachable" | "unreachable" | "too-big" | "soft";

/**
 * An ICMP error quoting one of our segments with sequence number `quoted`. It is believed only
 * if `quoted` lies in [SND.UNA, SND.MAX) (RFC 5927 §4.1). In SYN-SENT an unreachable is fatal
 * (ECONNREFUSED for a port, else `code`); later it is soft, remembered for reports. "too-big"
 * lowers the path MSS to `pathMss` and resends in the new size (RFC 1191 §6.4).
 */
export function icmpError(
  tcb: Tcb,
  kind: IcmpKind,
  code: TransportErrorCode,
  quoted: SeqNumber,
  pathMss: number,
  now: Nanos,
): void {
  if (seqLt(quoted, tcb.sndUna) || seqGe(quoted, tcb.sndMax)) return;
  if (kind === "too-big") {
    const mss = Math.max(pathMss, 28);
    if (mss >= tcb.pathMss) return;
    tcb.pathMss = mss;
    tcb.cc.setMss(tcb.mss);
    if (tcb.state === "SYN-SENT" || tcb.state === "SYN-RECEIVED") return;
    // Resend everything outstanding in segments that fit, without a congestion response.
    tcb.timing = false;
    tcb.sndNxt = tcb.sndUna;
    tcb.inRecovery = false;
    tcb.sackRecovery = false;
    tcb.dupAcks = 0;
    output(tcb, now);
    return;
  }
  if (kind === "soft") {
    tcb.softError = code;
    return;
  }
  if (tcb.state === "SYN-SENT" || (tcb.state === "SYN-RECEIVED" && !tcb.passive)) {
    tcb.fail(kind === "port-unreachable" ? "ECONNREFUSED" : code, `ICMP ${code} during connect`);
    closeNow(tcb, now, "ICMP error");
    return;
  }
  tcb.softError = code; // RFC 1122 §4.2.3.9: soft in synchronized states
}

/**
 * RFC 9293 §3.6.1 (RFC 1122 §4.2.2.13, RFC 6191): a new SYN may reopen a connection in
 * TIME-WAIT when its sequence number is beyond RCV.NXT, or its timestamp is newer than
 * TS.Recent. Then the TIME-WAIT connection closes at once and true is returned.
 */
export function timeWaitYields(tcb: Tcb, seg: TcpRecord, now: Nanos): boolean {
  if (tcb.state !== "TIME-WAIT") return false;
  if ((seg.flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) !== TCP_FLAG_SYN) return false;
  let newer = seqGt(seg.seq, tcb.rcvNxt);
  if (tcb.tsOk) {
    for (const o of seg.options) {
      if (o.kind === "timestamps") newer = ((o.tsval - tcb.tsRecent) | 0) > 0;
    }
  }
  if (!newer) return false;
  closeNow(tcb, now, "new SYN in TIME-WAIT");
  return true;
}
