/**
 * UDP apps for scenarios: `udp-stream`, a constant-rate sender (a voice or video stream) with a
 * receiver that counts what arrives and measures one-way delay, loss, reordering and RFC 3550
 * interarrival jitter; and `udp-echo`, a server that sends every datagram back. Each datagram
 * carries its sequence number and send time, which the receiver reads from the same clock.
 */
import { z } from "zod";
import { formatTime, type Nanos, NS_PER_S } from "../../sim/time.js";
import { TransportError } from "../../transport/errors.js";
import { udp } from "../../transport/udp.js";
import { getU32, setU32 } from "../../wire/bytes.js";
import { type AppContext, type AppInstance, defineApp, type MetricValue } from "../registry.js";
import { formatDuration, formatRatio, units } from "../units.js";
import { ownerOf, percentile, serving } from "./app-helpers.js";

/** Bytes of the stream header: sequence number, then the send time as two 32-bit words. */
const HEADER = 12;

/** A started stream: the sender's schedule and the receiver's counters. */
class UdpStream implements AppInstance {
  finished = false;
  private readonly lines: string[] = [];
  private readonly done: (() => void)[] = [];
  private sent = 0;
  private sendErrors = 0;
  private received = 0;
  private duplicates = 0;
  private reordered = 0;
  private highest = -1;
  private readonly seen = new Set<number>();
  private readonly delays: number[] = [];
  private jitter = 0;
  private lastTransit: number | undefined;

  constructor(
    ctx: AppContext,
    spec: {
      from: string;
      to: string;
      family?: 4 | 6 | undefined;
      port?: number | undefined;
      size?: number | undefined;
      interval?: Nanos | undefined;
      rate?: number | undefined;
      count?: number | undefined;
      duration?: Nanos | undefined;
      wait?: Nanos | undefined;
    },
  ) {
    const sim = ctx.net.sim;
    const dst = ctx.address(spec.to, spec.family);
    const port = spec.port ?? 5004;
    const size = Math.max(HEADER, spec.size ?? 160);
    const interval =
      spec.interval ?? (spec.rate !== undefined ? Math.round(NS_PER_S / spec.rate) : 20e6);
    const count =
      spec.count ?? Math.max(1, Math.floor((spec.duration ?? 10 * NS_PER_S) / interval));
    this.lines.push(
      `udp-stream ${spec.from} -> ${dst} port ${port}: ${count} datagrams of ${size} bytes every ${formatDuration(interval)}`,
    );
    const rx = udp(ownerOf(ctx, dst)).bind(port, dst.includes(":") ? "::" : "");
    const tx = udp(ctx.node(spec.from)).bind(0, dst.includes(":") ? "::" : "");
    if (rx instanceof TransportError || tx instanceof TransportError) {
      const e = rx instanceof TransportError ? rx : (tx as TransportError);
      this.lines.push(`udp-stream: ${e.code}: ${e.message}`);
      this.finish();
      return;
    }
    rx.onMessage((m) => {
      if (m.data.length < HEADER) return;
      const seq = getU32(m.data, 0);
      const sentAt = getU32(m.data, 4) * 2 ** 32 + getU32(m.data, 8);
      if (this.seen.has(seq)) {
        this.duplicates++;
        return;
      }
      this.seen.add(seq);
      this.received++;
      if (seq < this.highest) this.reordered++;
      else this.highest = seq;
      const transit = sim.now - sentAt;
      this.delays.push(transit);
      // RFC 3550 §6.4.1: J += (|D| - J) / 16, D the change in transit time between arrivals.
      if (this.lastTransit !== undefined) {
        this.jitter += (Math.abs(transit - this.lastTransit) - this.jitter) / 16;
      }
      this.lastTransit = transit;
    });
    const payload = new Uint8Array(size);
    const tick = () => {
      if (this.finished) return;
      setU32(payload, 0, this.sent);
      setU32(payload, 4, Math.floor(sim.now / 2 ** 32));
      setU32(payload, 8, sim.now % 2 ** 32);
      this.sent++;
      if (tx.send(payload.slice(), port, dst) !== undefined) this.sendErrors++;
      if (this.sent < count) sim.after(interval, tick);
      else
        sim.after(spec.wait ?? 2 * NS_PER_S, () => {
          rx.close();
          tx.close();
          this.report();
          this.finish();
        });
    };
    tick();
  }

  private report(): void {
    const m = this.metrics();
    const d = (k: string) => formatDuration(Number(m[k] ?? 0));
    this.lines.push(
      `sent ${this.sent}, received ${this.received} (${formatRatio(Number(m.delivered ?? 0))} delivered), ${this.duplicates} duplicates, ${this.reordered} reordered${this.sendErrors ? `, ${this.sendErrors} send errors` : ""}`,
    );
    if (this.delays.length > 0) {
      this.lines.push(
        `one-way delay min/avg/max ${d("delay.min")}/${d("delay.avg")}/${d("delay.max")}, p95 ${d("delay.p95")}, p99 ${d("delay.p99")}, jitter ${d("jitter")}`,
      );
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
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
    const sorted = [...this.delays].sort((a, b) => a - b);
    const any = sorted.length > 0;
    return {
      sent: this.sent,
      received: this.received,
      delivered: this.sent === 0 ? undefined : this.received / this.sent,
      loss: this.sent === 0 ? undefined : 1 - this.received / this.sent,
      duplicates: this.duplicates,
      reordered: this.reordered,
      "delay.min": sorted[0],
      "delay.avg": any ? Math.round(sorted.reduce((a, b) => a + b, 0) / sorted.length) : undefined,
      "delay.max": sorted[sorted.length - 1],
      "delay.p50": percentile(sorted, 50),
      "delay.p95": percentile(sorted, 95),
      "delay.p99": percentile(sorted, 99),
      jitter: any ? Math.round(this.jitter) : undefined,
      finished: this.finished,
    };
  }
}

const delay = (what: string) => ({
  kind: "duration" as const,
  description: `One-way delay: ${what}.`,
});

/** `udp-stream`: constant-rate datagrams from one node to another, measured at the receiver. */
export const udpStreamApp = defineApp({
  kind: "udp-stream",
  description:
    "Datagrams at a constant rate (a voice stream); the receiver measures delay and loss.",
  fields: {
    from: z.string().meta({ description: "The sending node." }),
    to: z.string().meta({ description: "The receiving node, or one of its addresses." }),
    family: z.union([z.literal(4), z.literal(6)]).optional(),
    port: z.number().int().min(1).max(65_535).optional().meta({ description: "Default 5004." }),
    size: units.bytes("Payload bytes, at least 12 (default 160).").optional(),
    interval: units.duration("Between datagrams (default 20ms).").optional(),
    rate: z
      .number()
      .positive()
      .optional()
      .meta({ description: "Datagrams per second (instead of interval)." }),
    count: z.number().int().min(1).optional().meta({ description: "Datagrams to send." }),
    duration: units.duration("Send for this long (default 10s).").optional(),
    wait: units.duration("Wait for stragglers at the end (default 2s).").optional(),
  },
  refs: { from: "node", to: "target" },
  finite: true,
  metrics: {
    sent: { kind: "count", description: "Datagrams sent." },
    received: { kind: "count", description: "Distinct datagrams received." },
    delivered: { kind: "ratio", description: "Received / sent." },
    loss: { kind: "ratio", description: "1 - delivered." },
    duplicates: { kind: "count", description: "Extra copies received." },
    reordered: { kind: "count", description: "Datagrams that arrived after a later one." },
    "delay.min": delay("smallest"),
    "delay.avg": delay("mean"),
    "delay.max": delay("largest"),
    "delay.p50": delay("median"),
    "delay.p95": delay("95th percentile"),
    "delay.p99": delay("99th percentile"),
    jitter: { kind: "duration", description: "RFC 3550 interarrival jitter at the end." },
    finished: { kind: "boolean", description: "The stream completed." },
  },
  describe: (s) => `${s.from} -> ${s.to}`,
  start: (ctx, s) => new UdpStream(ctx, s),
});

/** `udp-echo`: a server sending every datagram back to where it came from. */
export const udpEchoApp = defineApp({
  kind: "udp-echo",
  description: "A UDP echo server (RFC 862) on a node.",
  fields: {
    on: z.string().meta({ description: "The node running the server." }),
    port: z.number().int().min(1).max(65_535).optional().meta({ description: "Default 7." }),
  },
  refs: { on: "node" },
  finite: false,
  metrics: { echoed: { kind: "count", description: "Datagrams echoed." } },
  describe: (s) => `on ${s.on} port ${s.port ?? 7}`,
  start(ctx, s) {
    const port = s.port ?? 7;
    const lines = [`udp-echo listening on ${s.on} port ${port}`];
    let echoed = 0;
    const socket = udp(ctx.node(s.on)).bind(port);
    if (socket instanceof TransportError) lines.push(`udp-echo: ${socket.code}: ${socket.message}`);
    else
      socket.onMessage((m) => {
        echoed++;
        socket.send(m.data, m.from.port, m.from.address);
      });
    return serving({
      output: () => [...lines, `echoed ${echoed} datagrams (at ${formatTime(ctx.net.sim.now)} s)`],
      metrics: () => ({ echoed }),
    });
  },
});
