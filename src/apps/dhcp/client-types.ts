/**
 * The DHCP client's public shapes: its states (RFC 2131 §4.4 figure 5), the events it logs, its
 * options, the lease it holds and its counters.
 */
import type { Nanos } from "../../sim/time.js";
import type { Ipv4 } from "../../wire/address.js";
import type { AddressCheckTimings } from "./address-check.js";

/**
 * RFC 2131 §4.4 figure 5, plus STOPPED before start() and after release(), and CHECKING between
 * the ACK and BOUND while ARP probes check that nobody uses the address (§4.4.1, RFC 5227).
 */
export type DhcpClientState =
  | "STOPPED"
  | "INIT"
  | "SELECTING"
  | "REQUESTING"
  | "CHECKING"
  | "BOUND"
  | "RENEWING"
  | "REBINDING"
  | "INIT-REBOOT"
  | "REBOOTING";

export type DhcpClientEventKind =
  /** The state changed (detail: "FROM -> TO"). */
  | "state"
  | "send"
  | "receive"
  /** An offer was chosen among those collected (detail: which, and how many there were). */
  | "selected"
  /** ARP probing of an acknowledged address began. */
  | "probing"
  /** Another host answered or probed for the address: it will be declined. */
  | "conflict"
  /** An address was configured from an ACK. */
  | "bound"
  /** The lease was extended. */
  | "renewed"
  | "nak"
  /** The lease ran out: address and routes removed. */
  | "expired"
  | "released"
  /** A reply that could not be parsed: dropped. */
  | "malformed";

export interface DhcpClientEvent {
  /** The host's monotonic clock reading (simulation time when its clock is perfect). */
  time: Nanos;
  kind: DhcpClientEventKind;
  /** State after the event. */
  state: DhcpClientState;
  detail: string;
}

export interface DhcpClientOptions {
  /** Interface to configure (default the node's first). */
  iface?: string;
  /** Host name to send (option 12). */
  hostName?: string;
  /** Client identifier (option 61); default type 1 and the interface's MAC (RFC 2132 §9.14). */
  clientId?: Uint8Array;
  /** An address from an earlier lease: start in INIT-REBOOT asking for it (RFC 2131 §3.2). */
  previousAddress?: string;
  /** Upper bound of the random wait before the first DISCOVER (default 10 s; RFC 2131 §4.4.1). */
  startDelay?: Nanos;
  /** Retransmissions of a REQUEST before going back to INIT (default 4). */
  requestRetries?: number;
  /** Shortest wait between retransmissions while RENEWING or REBINDING (default 60 s, §4.4.5). */
  minRenewWait?: Nanos;
  /**
   * ARP-probe an acknowledged address before using it (RFC 2131 §4.4.1, RFC 5227): the timings
   * to use (missing ones are the RFC's), or false not to probe. Default: the RFC's timings.
   */
  addressCheck?: Partial<AddressCheckTimings> | false;
  /** Wait after a DECLINE before starting again (default 10 s, RFC 2131 §3.1 step 5). */
  declineWait?: Nanos;
  /** How long to collect offers after the first one (default 0: take the first at once). */
  offerWindow?: Nanos;
  /**
   * Which collected offer to take: "first" (default), or "previous": the one offering the address
   * the client had last (or `previousAddress`), else the first.
   */
  offerChoice?: "first" | "previous";
}

/** The lease a client holds. */
export interface DhcpLease {
  address: Ipv4;
  prefixLength: number;
  server: Ipv4;
  router: Ipv4 | undefined;
  dnsServers: Ipv4[];
  /** When the lease was granted or last extended, on the host's monotonic clock. */
  start: Nanos;
  /**
   * T1, T2 and expiry on the host's monotonic clock; Infinity for an infinite lease (RFC 2132
   * §9.2).
   */
  t1: Nanos;
  t2: Nanos;
  expires: Nanos;
}

/** Counters for tests and reports. */
export interface DhcpClientStats {
  discovers: number;
  requests: number;
  offers: number;
  acks: number;
  naks: number;
  retransmissions: number;
  malformed: number;
  /** Acknowledged addresses found in use by ARP probing. */
  conflicts: number;
  declines: number;
}
