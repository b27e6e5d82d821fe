/**
 * Per-connection TCP settings with their defaults, and where each default comes from. Values
 * follow the RFCs where they prescribe one and Linux where they leave a choice, except the
 * minimum RTO, which is the RFC's 1 s (set `minRto: TCP_LINUX_MIN_RTO` for Linux's 200 ms).
 */
import type { Nanos } from "../../sim/time.js";
import { type CongestionFactory, newReno } from "./congestion.js";

/** Linux's minimum RTO (TCP_RTO_MIN). */
export const TCP_LINUX_MIN_RTO: Nanos = 200_000_000;

/** Settings for one connection (connect options, or listen options for accepted ones). */
export interface TcpConfig {
  /** Lower bound on the RTO: RFC 6298 (2.4) says 1 s (default); Linux uses 200 ms. */
  minRto: Nanos;
  /** Upper bound on the RTO: RFC 6298 (2.5) allows any bound >= 60 s (default 60 s). */
  maxRto: Nanos;
  /** RTO before any RTT sample: RFC 6298 (2.1), 1 s. */
  initialRto: Nanos;
  /** Clock granularity G in the RTO formula (default 1 ms). */
  clockGranularity: Nanos;
  /** Initial congestion window in segments: RFC 6928, 10. */
  initialWindow: number;
  /** Congestion control algorithm (default NewReno). */
  congestion: CongestionFactory;
  /** Send buffer size in bytes (default 1 MiB); writes beyond it are refused. */
  sendBufferSize: number;
  /** Receive buffer size in bytes (default 1 MiB): the largest window offered. */
  receiveBufferSize: number;
  /** MSS to announce instead of the one derived from the interface MTU (it is still clamped). */
  mss: number | undefined;
  /**
   * Delayed ACK timeout (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2: below 500 ms; default 40 ms,
   * Linux's minimum); 0 acknowledges every segment at once.
   */
  delayedAck: Nanos;
  /** Disable Nagle's algorithm (RFC 9293 §3.7.4); default false, as everywhere. */
  noDelay: boolean;
  /** Offer window scaling (RFC 7323 §2); default true. */
  windowScaling: boolean;
  /** Offer SACK (RFC 2018); default true. */
  sack: boolean;
  /** Offer timestamps (RFC 7323 §3); default true. */
  timestamps: boolean;
  /**
   * Maximum segment lifetime; TIME-WAIT lasts 2·MSL. RFC 9293 §3.4.2 suggests 2 minutes; the
   * default is 30 s so TIME-WAIT lasts 60 s, as on Linux (TCP_TIMEWAIT_LEN).
   */
  msl: Nanos;
  /**
   * User timeout (RFC 9293 §3.8.4, RFC 5482): data unacknowledged this long (no ACK of new data,
   * no answer to window probes) aborts the connection with ETIMEDOUT. Default 300 s: RFC 1122
   * §4.2.3.5 asks for at least 100 s; Linux's 15 retries come to about 15 minutes.
   */
  userTimeout: Nanos;
  /**
   * How long an unanswered SYN (or SYN,ACK) is retransmitted before ETIMEDOUT: RFC 1122
   * §4.2.3.5 asks for at least 3 minutes (default 180 s; Linux gives up after about 127 s).
   */
  connectTimeout: Nanos;
  /** Send keep-alives when idle (RFC 9293 §3.8.4); default false. */
  keepAlive: boolean;
  /** Idle time before the first keep-alive: RFC 1122 §4.2.3.6, at least 2 h (default). */
  keepAliveIdle: Nanos;
  /** Interval between unanswered keep-alives (default 75 s, as Linux). */
  keepAliveInterval: Nanos;
  /** Unanswered keep-alives before ETIMEDOUT (default 9, as Linux). */
  keepAliveProbes: number;
  /** Duplicate ACKs that trigger fast retransmit: RFC 5681 §3.2, 3. */
  dupThresh: number;
  /** Most out-of-order pieces held for reassembly (default 256). */
  maxOutOfOrder: number;
  /** Minimum spacing of statistics samples (default 1 ms; 0 samples on every event). */
  statsInterval: Nanos;
  /** Most statistics samples kept (default 1,000,000; later samples are not recorded). */
  statsLimit: number;
}

/** The defaults; see each field. */
export const TCP_DEFAULTS: Readonly<TcpConfig> = Object.freeze({
  minRto: 1_000_000_000,
  maxRto: 60_000_000_000,
  initialRto: 1_000_000_000,
  clockGranularity: 1_000_000,
  initialWindow: 10,
  congestion: newReno,
  sendBufferSize: 1 << 20,
  receiveBufferSize: 1 << 20,
  mss: undefined,
  delayedAck: 40_000_000,
  noDelay: false,
  windowScaling: true,
  sack: true,
  timestamps: true,
  msl: 30_000_000_000,
  userTimeout: 300_000_000_000,
  connectTimeout: 180_000_000_000,
  keepAlive: false,
  keepAliveIdle: 7_200_000_000_000,
  keepAliveInterval: 75_000_000_000,
  keepAliveProbes: 9,
  dupThresh: 3,
  maxOutOfOrder: 256,
  statsInterval: 1_000_000,
  statsLimit: 1_000_000,
});

/** Where to connect. */
export interface TcpConnectTarget {
  address: string;
  port: number;
  /** Local port (default: an ephemeral one). */
  localPort?: number;
  /** Local address (default: the one the route to `address` uses). */
  localAddress?: string;
}

/** Connection settings (see TcpConfig for each and its default). */
export type TcpConnectOptions = Partial<TcpConfig>;

/** Listener settings: the backlog, and the settings accepted connections get. */
export interface TcpListenOptions extends Partial<TcpConfig> {
  /** Most half-open connections (default 511). */
  backlog?: number;
}

/** Defaults overridden by `o`, with the numbers checked. */
export function resolveConfig(o: Partial<TcpConfig> | undefined): TcpConfig {
  const c: TcpConfig = { ...TCP_DEFAULTS, ...(o ?? {}) };
  for (const k of ["sendBufferSize", "receiveBufferSize", "initialWindow", "dupThresh"] as const) {
    if (!(Number.isInteger(c[k]) && c[k] >= 1))
      throw new RangeError(`${k} must be a positive integer`);
  }
  if (!(c.minRto > 0 && c.maxRto >= c.minRto)) throw new RangeError("need 0 < minRto <= maxRto");
  if (c.receiveBufferSize > 0x3fffffff) throw new RangeError("receiveBufferSize above 2^30");
  return c;
}
