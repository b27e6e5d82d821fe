/**
 * TCP connection states with the names RFC 9293 §3.3.2 gives them, and the predicates the
 * machine asks of them. States are strings so traces and test failures read like the RFC; the
 * one place that changes a state (`Tcb.setState`) records a trace event.
 */

/** The eleven states of RFC 9293 §3.3.2. */
export type TcpState =
  | "CLOSED"
  | "LISTEN"
  | "SYN-SENT"
  | "SYN-RECEIVED"
  | "ESTABLISHED"
  | "FIN-WAIT-1"
  | "FIN-WAIT-2"
  | "CLOSE-WAIT"
  | "CLOSING"
  | "LAST-ACK"
  | "TIME-WAIT";

/** True once both sides' SYNs are acknowledged (RFC 9293 §3.10.7.4 "synchronized states"). */
export function isSynchronized(s: TcpState): boolean {
  return s !== "CLOSED" && s !== "LISTEN" && s !== "SYN-SENT" && s !== "SYN-RECEIVED";
}

/** True in the states where our side may still send data (no FIN queued by the user yet). */
export function canSendData(s: TcpState): boolean {
  return s === "ESTABLISHED" || s === "CLOSE-WAIT";
}

/** True in the states where arriving data is accepted (RFC 9293 §3.10.7.4, seventh step). */
export function acceptsData(s: TcpState): boolean {
  return s === "ESTABLISHED" || s === "FIN-WAIT-1" || s === "FIN-WAIT-2";
}

/** True when the peer has sent its FIN (we have processed it). */
export function peerFinished(s: TcpState): boolean {
  return s === "CLOSE-WAIT" || s === "CLOSING" || s === "LAST-ACK" || s === "TIME-WAIT";
}

/** A state change, as recorded in traces. */
export interface TcpStateChange {
  readonly time: number;
  readonly from: TcpState;
  readonly to: TcpState;
  /** Why, in a few words ("rcv SYN,ACK", "user close", "RTO give-up"). */
  readonly reason: string;
}
