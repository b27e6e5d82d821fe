/**
 * `tcp-bulk`: one TCP connection from a sender to a receiver, for the transport lessons. The
 * sender writes a known byte pattern (so the receiver checks the transfer byte-exact) either as
 * fast as TCP takes it (bulk: N bytes, or for a duration) or in small messages at a fixed
 * interval (a voice-like stream over TCP, whose per-message delay shows head-of-line blocking).
 * The receiver reads at once, or slowly (a chunk every interval) to show flow control. Metrics
 * come from the sender's and the receiver's TCP counters.
 */
import { z } from "zod";
import { type Nanos, NS_PER_S } from "../../sim/time.js";
import { TransportError } from "../../transport/errors.js";
import {
  type CongestionFactory,
  cubicFactory,
  newReno,
  type TcpConnection,
  type TcpListener,
  tcp,
} from "../../transport/tcp/index.js";
import { type AppContext, type AppInstance, defineApp, type MetricValue } from "../registry.js";
import { formatDuration, units } from "../units.js";
import { ownerOf, percentile } from "./app-helpers.js";

/** The byte at stream offset `i`: a pattern that moves, so misplaced data is noticed. */
function patternByte(i: number): number {
  return (i * 31 + (i >>> 11)) & 0xff;
}

const CONGESTION: Record<string, CongestionFactory> = { newreno: newReno, cubic: cubicFactory };

interface BulkSpec {
  from: string;
  to: string;
  family?: 4 | 6 | undefined;
  port?: number | undefined;
  bytes?: number | undefined;
  duration?: Nanos | undefined;
  interval?: Nanos | undefined;
  size?: number | undefined;
  congestion?: "newreno" | "cubic" | undefined;
  noDelay?: boolean | undefined;
  delayedAck?: Nanos | undefined;
  minRto?: Nanos | undefined;
  sendBuffer?: number | undefined;
  receiveBuffer?: number | undefined;
  readChunk?: number | undefined;
  readInterval?: Nanos | undefined;
  timeout?: Nanos | undefined;
}

/** A started transfer: both ends and what they counted. */
class TcpBulk implements AppInstance {
  finished = false;
  private readonly lines: string[] = [];
  private readonly done: (() => void)[] = [];
  private client: TcpConnection | undefined;
  private server: TcpConnection | undefined;
  private listener: TcpListener | undefined;
  private sent = 0;
  private received = 0;
  private intact = true;
  private ended = false;
  /** The sender's side reached TIME-WAIT or CLOSED: both FINs were sent and acknowledged. */
  private senderClosed = false;
  /** The receiver has read everything up to the FIN. */
  private drained = false;
  private readonly errors: string[] = [];
  private readonly startedAt: Nanos;
  private firstByteAt: Nanos | undefined;
  private lastByteAt: Nanos | undefined;
  /** Message mode: when each message was written, and each one's delay once it arrived. */
  private readonly writtenAt: Nanos[] = [];
  private readonly delays: number[] = [];
  private readonly size: number;
  private readonly messages: boolean;
  /** Bytes to send; Infinity while a duration-limited sender is still going. */
  private target: number;

  constructor(
    private readonly ctx: AppContext,
    spec: BulkSpec,
  ) {
    const sim = ctx.net.sim;
    this.startedAt = sim.now;
    const dst = ctx.address(spec.to, spec.family);
    this.messages = spec.interval !== undefined;
    this.size = spec.size ?? 160;
    const interval = spec.interval ?? 0;
    const count = this.messages
      ? Math.max(1, Math.floor((spec.duration ?? 10 * NS_PER_S) / interval))
      : 0;
    this.target = this.messages
      ? count * this.size
      : spec.duration !== undefined && spec.bytes === undefined
        ? Number.POSITIVE_INFINITY
        : (spec.bytes ?? 1 << 20);
    const config = {
      congestion: CONGESTION[spec.congestion ?? "newreno"] ?? newReno,
      ...(spec.noDelay !== undefined && { noDelay: spec.noDelay }),
      ...(spec.delayedAck !== undefined && { delayedAck: spec.delayedAck }),
      ...(spec.minRto !== undefined && { minRto: spec.minRto }),
    };
    const what = this.messages
      ? `${count} messages of ${this.size} bytes every ${formatDuration(interval)}`
      : Number.isFinite(this.target)
        ? `${this.target} bytes`
        : `for ${formatDuration(spec.duration ?? 0)}`;
    const listener = tcp(ownerOf(ctx, dst)).listen(
      spec.port ?? 0,
      undefined,
      {
        ...config,
        ...(spec.receiveBuffer !== undefined && { receiveBufferSize: spec.receiveBuffer }),
      },
      (c) => this.accept(c, spec),
    );
    if (listener instanceof TransportError) {
      this.fail(`listen: ${listener.code}: ${listener.message}`);
      return;
    }
    this.listener = listener;
    const port = listener.local.port;
    this.lines.push(
      `tcp-bulk ${spec.from} -> ${dst} port ${port}: ${what} (${spec.congestion ?? "newreno"})`,
    );
    const c = tcp(ctx.node(spec.from)).connect(
      { address: dst, port },
      {
        ...config,
        ...(spec.sendBuffer !== undefined && { sendBufferSize: spec.sendBuffer }),
      },
    );
    if (c instanceof TransportError) {
      this.fail(`connect: ${c.code}: ${c.message}`);
      return;
    }
    this.client = c;
    c.onError((e) => this.fail(`sender: ${e.code}: ${e.message}`));
    // Waiting for the sender's close as well puts the whole teardown (both FINs and their
    // ACKs) on the wire before a run that stops when its apps are done ends.
    c.onClose(() => {
      this.senderClosed = true;
      this.settled();
    });
    const chunk = new Uint8Array(65_536);
    let closing = false;
    // Bulk: keep the send buffer full; `onDrain` calls back when it has room again.
    const pump = () => {
      while (this.sent < this.target) {
        const n = Math.min(chunk.length, this.target - this.sent);
        for (let i = 0; i < n; i++) chunk[i] = patternByte(this.sent + i);
        const k = c.write(chunk.subarray(0, n));
        this.sent += k;
        if (k < n) return;
      }
      if (!closing) c.end();
      closing = true;
    };
    // Messages: one small write per interval, whatever TCP does with it.
    let written = 0;
    const tick = () => {
      if (this.finished) return;
      const msg = new Uint8Array(this.size);
      for (let i = 0; i < msg.length; i++) msg[i] = patternByte(this.sent + i);
      this.writtenAt.push(sim.now);
      this.sent += c.write(msg);
      if (++written < count) sim.after(interval, tick);
      else c.end();
    };
    c.onConnect(() => {
      if (this.messages) tick();
      else {
        if (!Number.isFinite(this.target)) {
          // A duration-limited sender stops taking new data at the deadline, then closes.
          sim.after(spec.duration ?? 0, () => {
            this.target = this.sent;
            pump();
          });
        }
        pump();
      }
    });
    c.onDrain(() => {
      if (!this.messages) pump();
    });
    sim.after(spec.timeout ?? 600 * NS_PER_S, () => {
      if (!this.finished) this.fail(`timed out after ${formatDuration(sim.now - this.startedAt)}`);
    });
  }

  private accept(c: TcpConnection, spec: BulkSpec): void {
    if (this.server !== undefined) return;
    this.server = c;
    const sim = this.ctx.net.sim;
    const take = (d: Uint8Array) => {
      for (let i = 0; i < d.length; i++) {
        if (d[i] !== patternByte(this.received + i)) this.intact = false;
      }
      this.firstByteAt ??= sim.now;
      this.received += d.length;
      this.lastByteAt = sim.now;
      if (this.messages) {
        // Message k is there once its last byte is: its delay is that moment minus its write.
        while (
          this.delays.length < this.writtenAt.length &&
          (this.delays.length + 1) * this.size <= this.received
        ) {
          this.delays.push(sim.now - this.writtenAt[this.delays.length]!);
        }
      }
    };
    c.onError((e) => this.fail(`receiver: ${e.code}: ${e.message}`));
    // The FIN can be seen while a slow reader still has bytes buffered: the transfer is
    // complete only once those are read too, so completion waits for an empty buffer.
    const settle = () => {
      if (this.ended && c.readableLength === 0 && !this.drained) {
        this.drained = true;
        sim.after(0, () => this.settled());
      }
    };
    c.onEnd(() => {
      this.ended = true;
      c.end();
      settle();
    });
    if (spec.readInterval !== undefined) {
      // A slow reader: the receive buffer fills, the window closes, the sender must wait.
      c.pause();
      const every = spec.readInterval;
      const read = () => {
        const d = c.read(spec.readChunk ?? 16_384);
        if (d !== undefined) take(d);
        settle();
        if (!this.finished && c.readableLength + (this.ended ? 0 : 1) > 0) sim.after(every, read);
      };
      sim.after(every, read);
    } else c.onData(take);
  }

  private settled(): void {
    if (this.drained && this.senderClosed) this.complete();
  }

  private complete(): void {
    if (this.finished) return;
    this.report();
    this.finish();
  }

  private fail(message: string): void {
    this.errors.push(message);
    this.lines.push(`tcp-bulk: ${message}`);
    this.complete();
  }

  private report(): void {
    const m = this.metrics();
    const s = this.client?.stats;
    this.lines.push(
      `sent ${this.sent} bytes, received ${this.received}${this.intact ? "" : " (corrupted)"} in ${formatDuration(Number(m.duration ?? 0))}, goodput ${Math.round(Number(m.goodput ?? 0) / 1000)} kbit/s`,
    );
    if (s !== undefined) {
      this.lines.push(
        `retransmits ${s.retransmits} (fast ${s.fastRetransmits}, timeouts ${s.timeouts}), zero-window probes ${s.zeroWindowProbes}, max cwnd ${m["cwnd.max"]} bytes`,
      );
    }
    if (this.delays.length > 0) {
      const d = (k: string) => formatDuration(Number(m[k] ?? 0));
      this.lines.push(
        `message delay min/p50/p99/max ${d("delay.min")}/${d("delay.p50")}/${d("delay.p99")}/${d("delay.max")}`,
      );
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.listener?.close();
    for (const fn of this.done) fn();
  }

  onDone(fn: () => void): void {
    if (this.finished) fn();
    else this.done.push(fn);
  }

  output(): string[] {
    return this.lines;
  }

  metrics(): Record<string, MetricValue> {
    const cs = this.client?.stats;
    const ss = this.server?.stats;
    const span =
      this.lastByteAt === undefined ? undefined : Math.max(1, this.lastByteAt - this.startedAt);
    let maxCwnd: number | undefined;
    const series = this.client?.series;
    if (series !== undefined && series.length > 0) {
      maxCwnd = 0;
      for (const v of series.column("cwnd")) maxCwnd = Math.max(maxCwnd, v);
    }
    const sorted = [...this.delays].sort((a, b) => a - b);
    return {
      sent: this.sent,
      received: this.received,
      intact: this.intact,
      completed:
        this.ended && this.errors.length === 0 && this.intact && this.received === this.sent,
      goodput: span === undefined ? undefined : Math.round((this.received * 8 * NS_PER_S) / span),
      duration: span,
      retransmissions: cs?.retransmits,
      fastRetransmits: cs?.fastRetransmits,
      timeouts: cs?.timeouts,
      zeroWindowProbes: cs?.zeroWindowProbes,
      "cwnd.max": maxCwnd,
      outOfOrder: ss?.outOfOrderSegments,
      duplicates: ss?.duplicateSegments,
      messages: this.messages ? this.delays.length : undefined,
      "delay.min": sorted[0],
      "delay.p50": percentile(sorted, 50),
      "delay.p99": percentile(sorted, 99),
      "delay.max": sorted[sorted.length - 1],
      errors: this.errors.length,
      finished: this.finished,
    };
  }
}

const delay = (what: string) => ({
  kind: "duration" as const,
  description: `Message mode: write-to-delivery delay, ${what}.`,
});

/** `tcp-bulk`: a TCP transfer from one node to another, measured at both ends. */
export const tcpBulkApp = defineApp({
  kind: "tcp-bulk",
  description:
    "A TCP transfer (bulk bytes, or paced messages) from a sender to a receiver, checked byte-exact.",
  fields: {
    from: z.string().meta({ description: "The sending node." }),
    to: z.string().meta({ description: "The receiving node, or one of its addresses." }),
    family: z.union([z.literal(4), z.literal(6)]).optional(),
    port: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .optional()
      .meta({ description: "Receiver's port (default an ephemeral one)." }),
    bytes: units.bytes("Bytes to send (default 1MiB unless `duration` is given).").optional(),
    duration: units
      .duration("Send for this long (bulk), or the length of the message stream.")
      .optional(),
    interval: units
      .duration("Message mode: write one `size`-byte message per interval.")
      .optional(),
    size: units.bytes("Message mode: bytes per message (default 160).").optional(),
    congestion: z
      .enum(["newreno", "cubic"])
      .optional()
      .meta({ description: "Congestion control (default newreno)." }),
    noDelay: z.boolean().optional().meta({ description: "Disable Nagle's algorithm." }),
    delayedAck: units.duration("Delayed ACK timeout (default 40ms; 0 disables).").optional(),
    minRto: units.duration("Minimum RTO (default 1s; Linux uses 200ms).").optional(),
    sendBuffer: units.bytes("Sender's buffer (default 1MiB).").optional(),
    receiveBuffer: units.bytes("Receiver's buffer, the largest window (default 1MiB).").optional(),
    readChunk: units.bytes("Slow reader: bytes read each time (default 16KiB).").optional(),
    readInterval: units
      .duration("Slow reader: read `readChunk` bytes this often (default: read at once).")
      .optional(),
    timeout: units.duration("Give up after this long (default 10min).").optional(),
  },
  refs: { from: "node", to: "target" },
  finite: true,
  metrics: {
    sent: { kind: "count", description: "Bytes the sender's TCP accepted." },
    received: { kind: "count", description: "Bytes the receiver read." },
    intact: { kind: "boolean", description: "Every byte read matched what was sent." },
    completed: {
      kind: "boolean",
      description: "The receiver read every byte sent, intact, then the FIN.",
    },
    goodput: {
      kind: "count",
      description: "Bits per second read by the receiver, from the start to the last byte.",
    },
    duration: { kind: "duration", description: "From the start to the last byte read." },
    retransmissions: { kind: "count", description: "Segments the sender sent again." },
    fastRetransmits: { kind: "count", description: "Fast retransmits (entries into recovery)." },
    timeouts: { kind: "count", description: "Retransmission timeouts." },
    zeroWindowProbes: { kind: "count", description: "Window probes the sender sent." },
    "cwnd.max": { kind: "count", description: "Largest congestion window (bytes)." },
    outOfOrder: { kind: "count", description: "Segments the receiver held for reassembly." },
    duplicates: { kind: "count", description: "Segments the receiver already had." },
    messages: { kind: "count", description: "Message mode: messages delivered." },
    "delay.min": delay("smallest"),
    "delay.p50": delay("median"),
    "delay.p99": delay("99th percentile"),
    "delay.max": delay("largest"),
    errors: { kind: "count", description: "Connection errors and timeouts." },
    finished: { kind: "boolean", description: "The transfer ended (completed or failed)." },
  },
  describe: (s) => `${s.from} -> ${s.to}`,
  start: (ctx, s) => new TcpBulk(ctx, s),
});
