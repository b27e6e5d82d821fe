/**
 * The client half of one on-wire exchange, shared by the NTP client and Cristian's algorithm:
 * build a client-mode request stamped with T1, and check a reply against it: a server-mode
 * packet whose origin timestamp is exactly our T1 (RFC 5905 §8: anything else is bogus, a
 * duplicate or an off-path forgery) from a synchronized server.
 */

import { type Nanos, NS_PER_S } from "../../sim/time.js";
import {
  emitNtp,
  NTP_LEAP_UNSYNCHRONIZED,
  NTP_MODE_CLIENT,
  NTP_MODE_SERVER,
  NTP_VERSION,
  NTP_ZERO_TIMESTAMP,
  type NtpPacket,
  type NtpTimestamp,
  ntpTimestampEquals,
  ntpTimestampIsZero,
  ntpTimestampToNanos,
  parseNtp,
} from "../../wire/ntp.js";
import { ParseError } from "../../wire/parse-error.js";

/**
 * The poll field for a poll interval (RFC 5905 §7.3: the interval in log2 seconds, a signed
 * 8-bit integer): the nearest power of two, e.g. 4 for 16 s.
 */
export function ntpPollExponent(interval: Nanos): number {
  const exponent = Math.round(Math.log2(interval / NS_PER_S));
  return Math.max(-128, Math.min(127, exponent));
}

/** A client-mode request whose transmit timestamp is `t1`; `poll` as ntpPollExponent says. */
export function ntpRequest(t1: NtpTimestamp, poll = 4): Uint8Array {
  return emitNtp({
    leap: NTP_LEAP_UNSYNCHRONIZED,
    version: NTP_VERSION,
    mode: NTP_MODE_CLIENT,
    stratum: 0,
    poll,
    precision: -20,
    rootDelay: 0,
    rootDispersion: 0,
    referenceId: 0,
    referenceTimestamp: NTP_ZERO_TIMESTAMP,
    originTimestamp: NTP_ZERO_TIMESTAMP,
    receiveTimestamp: NTP_ZERO_TIMESTAMP,
    transmitTimestamp: t1,
  });
}

/** Why a reply was not used. */
export type NtpReplyProblem = "malformed" | "not-server" | "unsolicited" | "unsynchronized";

/** A reply's server timestamps in local ns, or why it is unusable. */
export type NtpReplyCheck =
  | { ok: true; packet: NtpPacket; t2: number; t3: number }
  | { ok: false; problem: NtpReplyProblem; detail: string };

/** Checks a reply against the request we have outstanding (`expected`: its T1 on the wire). */
export function checkNtpReply(data: Uint8Array, expected: NtpTimestamp | undefined): NtpReplyCheck {
  const p = parseNtp(data);
  if (p instanceof ParseError) return { ok: false, problem: "malformed", detail: p.message };
  if (p.mode !== NTP_MODE_SERVER) {
    return { ok: false, problem: "not-server", detail: `mode ${p.mode}` };
  }
  // RFC 5905 §8: the origin timestamp must match the transmit timestamp of our last request.
  if (expected === undefined || !ntpTimestampEquals(p.originTimestamp, expected)) {
    return { ok: false, problem: "unsolicited", detail: "origin timestamp matches no request" };
  }
  // RFC 5905 §7.4 and §9.2: stratum 0 is a kiss-o'-death, leap 3 an unsynchronized server.
  if (p.stratum === 0 || p.stratum >= 16 || p.leap === NTP_LEAP_UNSYNCHRONIZED) {
    return { ok: false, problem: "unsynchronized", detail: `stratum ${p.stratum}, leap ${p.leap}` };
  }
  if (ntpTimestampIsZero(p.receiveTimestamp) || ntpTimestampIsZero(p.transmitTimestamp)) {
    return { ok: false, problem: "unsynchronized", detail: "zero server timestamp" };
  }
  return {
    ok: true,
    packet: p,
    t2: ntpTimestampToNanos(p.receiveTimestamp),
    t3: ntpTimestampToNanos(p.transmitTimestamp),
  };
}
