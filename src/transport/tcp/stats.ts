/**
 * Per-connection statistics: running counters, and a time series of the sender's state (cwnd,
 * ssthresh, peer window, SRTT, RTO, bytes in flight, retransmissions) sampled on ACKs and loss
 * events into one growing Float64Array, eight numbers per row, ready for plots. Sampling is
 * rate-limited by `statsInterval` except at loss events, which are always recorded.
 */
import type { Nanos } from "../../sim/time.js";
import type { TcpState } from "./state.js";

/** The columns of a series row, in order. */
export const TCP_SERIES_COLUMNS = [
  "time",
  "cwnd",
  "ssthresh",
  "rwnd",
  "srtt",
  "rto",
  "inFlight",
  "retransmits",
] as const;

export type TcpSeriesColumn = (typeof TCP_SERIES_COLUMNS)[number];

const WIDTH = TCP_SERIES_COLUMNS.length;

/** A compact time series: rows of `TCP_SERIES_COLUMNS` in one Float64Array. */
export class TcpSeries {
  private data = new Float64Array(WIDTH * 16);
  /** Rows recorded. */
  length = 0;
  private lastTime = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly interval: Nanos,
    private readonly limit: number,
  ) {}

  /**
   * Appends a row unless one was taken less than `interval` ago (`force` overrides) or the
   * limit is reached. Times are ns; srtt -1 means "no sample yet".
   */
  sample(
    time: Nanos,
    cwnd: number,
    ssthresh: number,
    rwnd: number,
    srtt: number,
    rto: number,
    inFlight: number,
    retransmits: number,
    force: boolean,
  ): void {
    if (this.length >= this.limit) return;
    if (!force && time - this.lastTime < this.interval) return;
    this.lastTime = time;
    let o = this.length * WIDTH;
    if (o + WIDTH > this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    const d = this.data;
    d[o++] = time;
    d[o++] = cwnd;
    d[o++] = ssthresh;
    d[o++] = rwnd;
    d[o++] = srtt;
    d[o++] = rto;
    d[o++] = inFlight;
    d[o] = retransmits;
    this.length++;
  }

  /** One column as a new array (e.g. `column("cwnd")` for a plot). */
  column(name: TcpSeriesColumn): Float64Array {
    const c = TCP_SERIES_COLUMNS.indexOf(name);
    const out = new Float64Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.data[i * WIDTH + c]!;
    return out;
  }

  /** Row `i` as an object (for tests and reports). */
  row(i: number): Record<TcpSeriesColumn, number> {
    const o = i * WIDTH;
    const r = {} as Record<TcpSeriesColumn, number>;
    TCP_SERIES_COLUMNS.forEach((name, c) => {
      r[name] = this.data[o + c]!;
    });
    return r;
  }

  /** The raw rows (a view: `length * 8` numbers). */
  raw(): Float64Array {
    return this.data.subarray(0, this.length * WIDTH);
  }
}

/** Counters of one connection. Bytes count payload only. */
export class TcpCounters {
  segmentsSent = 0;
  segmentsReceived = 0;
  bytesSent = 0;
  /** Payload bytes sent again (any cause). */
  bytesRetransmitted = 0;
  /** Segments sent again (any cause). */
  retransmits = 0;
  /** Retransmissions by the RTO timer. */
  timeouts = 0;
  /** Fast retransmits (entries into fast recovery). */
  fastRetransmits = 0;
  /** Of those, recoveries driven by SACK (RFC 6675). */
  sackRecoveries = 0;
  dupAcksReceived = 0;
  bytesAcked = 0;
  bytesReceived = 0;
  /** Segments that carried only data we already had. */
  duplicateSegments = 0;
  /** Segments that arrived beyond RCV.NXT and were held for reassembly. */
  outOfOrderSegments = 0;
  zeroWindowProbes = 0;
  keepAlivesSent = 0;
  challengeAcks = 0;
  /** Segments refused by the acceptability test or PAWS. */
  unacceptableSegments = 0;
}

/** A snapshot of the sender and receiver state, in the spirit of Linux's TCP_INFO. */
export interface TcpInfo {
  state: TcpState;
  mss: number;
  cwnd: number;
  ssthresh: number;
  /** Peer's advertised window (bytes). */
  sndWnd: number;
  /** Window we advertise (bytes). */
  rcvWnd: number;
  /** Smoothed RTT and variation in ns (-1 before the first sample). */
  srtt: number;
  rttvar: number;
  rto: number;
  bytesInFlight: number;
  /** Bytes written and not yet acknowledged. */
  sendQueue: number;
  /** Bytes received and not yet read. */
  recvQueue: number;
  congestion: string;
}
