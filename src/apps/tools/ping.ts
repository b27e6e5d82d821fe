/**
 * ping: ICMP echo requests at an interval and a report shaped like Linux iputils ping, with a
 * line per reply (or per ICMP error), then loss and min/avg/max/mdev round-trip times. It runs
 * inside the simulation: start it, run the simulator, read `output` (or wait for `onDone`).
 */

import type { Ipv4Delivery } from "../../net/ipv4-stack.js";
import type { Node } from "../../net/node.js";
import { type Nanos, NS_PER_MS, NS_PER_S } from "../../sim/time.js";
import { formatIpv4, type Ipv4, parseIpv4Address } from "../../wire/address.js";
import { getU16 } from "../../wire/bytes.js";
import { ICMPV4_ECHO_REQUEST, type Icmpv4Record } from "../../wire/icmpv4.js";
import { IP_PROTOCOL_ICMP } from "../../wire/ipv4.js";
import { ParseError } from "../../wire/parse-error.js";
import { ms3, msSignificant } from "./format.js";

export interface PingOptions {
  /** Echo requests to send (default 4). */
  count?: number;
  /** Time between requests (default 1 s). */
  interval?: Nanos;
  /** Echo data bytes (default 56, so 64-byte ICMP messages). */
  size?: number;
  /** TTL of the requests (default 64). */
  ttl?: number;
  /** How long to wait for the last reply (default 2 s, or twice the largest RTT seen if longer). */
  wait?: Nanos;
  /** Set DF (default false). */
  dontFragment?: boolean;
}

export interface PingStats {
  transmitted: number;
  received: number;
  errors: number;
  /** Round-trip times in ms, in order of arrival. */
  rtts: number[];
  min: number;
  avg: number;
  max: number;
  mdev: number;
}

const UNREACHABLE_TEXT: Record<number, string> = {
  0: "Destination Net Unreachable",
  1: "Destination Host Unreachable",
  2: "Destination Protocol Unreachable",
  3: "Destination Port Unreachable",
  4: "Frag needed and DF set",
  5: "Source Route Failed",
  13: "Packet filtered",
};

/** A ping in progress (or finished). */
export class PingRun {
  readonly output: string[] = [];
  readonly stats: PingStats = {
    transmitted: 0,
    received: 0,
    errors: 0,
    rtts: [],
    min: 0,
    avg: 0,
    max: 0,
    mdev: 0,
  };
  finished = false;
  private readonly sentAt = new Map<number, Nanos>();
  private readonly identifier: number;
  private firstSend = 0;
  private lastSend = 0;
  private readonly unsubscribe: () => void;
  private readonly doneListeners: ((run: PingRun) => void)[] = [];

  constructor(
    private readonly node: Node,
    readonly target: Ipv4,
    private readonly opts: Required<PingOptions>,
  ) {
    this.identifier = node.sim.rng(`node:${node.name}:ping-id`).nextInt(0x10000);
    const payload = 8 + opts.size;
    this.output.push(
      `PING ${formatIpv4(target)} (${formatIpv4(target)}) ${opts.size}(${payload + 20}) bytes of data.`,
    );
    this.unsubscribe = node.ipv4.onIcmp((msg, d) => this.onIcmp(msg, d));
    this.sendNext(1);
  }

  /** Calls `fn` once the run has finished. */
  onDone(fn: (run: PingRun) => void): void {
    if (this.finished) fn(this);
    else this.doneListeners.push(fn);
  }

  /** The whole report as text. */
  get text(): string {
    return `${this.output.join("\n")}\n`;
  }

  private sendNext(seq: number): void {
    const sim = this.node.sim;
    if (seq === 1) this.firstSend = sim.now;
    this.lastSend = sim.now;
    const data = new Uint8Array(this.opts.size);
    for (let i = 0; i < data.length; i++) data[i] = (i + 0x10) & 0xff; // iputils' pattern after the timestamp
    this.sentAt.set(seq, sim.now);
    this.stats.transmitted++;
    const r = this.node.ipv4.sendIcmp(
      this.target,
      { type: "echo-request", checksum: 0, identifier: this.identifier, sequence: seq, data },
      { ttl: this.opts.ttl, dontFragment: this.opts.dontFragment },
    );
    if (r === "no-route") this.output.push("ping: connect: Network is unreachable");
    else if (r === "too-big")
      this.output.push(`ping: local error: message too long, mtu=${this.mtu()}`);
    if (r === "no-route") return this.finish();
    if (seq < this.opts.count) sim.after(this.opts.interval, () => this.sendNext(seq + 1));
    else {
      const maxRtt = this.stats.rtts.length ? Math.max(...this.stats.rtts) : 0;
      sim.after(Math.max(this.opts.wait, Math.round(2 * maxRtt * NS_PER_MS)), () => this.finish());
    }
  }

  private mtu(): number {
    return this.node.ipv4.pathTo(this.target)?.iface.mtu ?? 0;
  }

  private onIcmp(msg: Icmpv4Record, d: Ipv4Delivery): void {
    if (this.finished) return;
    if (msg.type === "echo-reply") {
      if (msg.identifier !== this.identifier || d.src !== this.target) return;
      const sent = this.sentAt.get(msg.sequence);
      if (sent === undefined) return;
      const rtt = (this.node.sim.now - sent) / NS_PER_MS;
      this.stats.received++;
      this.stats.rtts.push(rtt);
      this.output.push(
        `${8 + msg.data.length} bytes from ${formatIpv4(d.src)}: icmp_seq=${msg.sequence} ttl=${d.ttl} time=${msSignificant(rtt)} ms`,
      );
      return;
    }
    if (msg.type !== "destination-unreachable" && msg.type !== "time-exceeded") return;
    // The error quotes our request: check it is ours and find its sequence number.
    const q = msg.original;
    if (q.length < 28 || q[9] !== IP_PROTOCOL_ICMP) return;
    const hl = (q[0]! & 0x0f) * 4;
    if (q.length < hl + 8 || q[hl] !== ICMPV4_ECHO_REQUEST) return;
    if (getU16(q, hl + 4) !== this.identifier) return;
    const seq = getU16(q, hl + 6);
    this.stats.errors++;
    const text =
      msg.type === "time-exceeded"
        ? "Time to live exceeded"
        : msg.code === 4
          ? `Frag needed and DF set (mtu = ${msg.nextHopMtu})`
          : (UNREACHABLE_TEXT[msg.code] ?? `Dest Unreachable, Bad Code: ${msg.code}`);
    this.output.push(`From ${formatIpv4(d.src)} icmp_seq=${seq} ${text}`);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.unsubscribe();
    const s = this.stats;
    const loss =
      s.transmitted === 0 ? 0 : Math.round((100 * (s.transmitted - s.received)) / s.transmitted);
    const time = Math.round((this.lastSend - this.firstSend) / NS_PER_MS);
    const target = formatIpv4(this.target);
    this.output.push("", `--- ${target} ping statistics ---`);
    const errors = s.errors > 0 ? `, +${s.errors} errors` : "";
    this.output.push(
      `${s.transmitted} packets transmitted, ${s.received} received${errors}, ${loss}% packet loss, time ${time}ms`,
    );
    if (s.rtts.length > 0) {
      s.min = Math.min(...s.rtts);
      s.max = Math.max(...s.rtts);
      s.avg = s.rtts.reduce((a, b) => a + b, 0) / s.rtts.length;
      const meanSq = s.rtts.reduce((a, b) => a + b * b, 0) / s.rtts.length;
      s.mdev = Math.sqrt(Math.max(0, meanSq - s.avg * s.avg));
      this.output.push(
        `rtt min/avg/max/mdev = ${ms3(s.min)}/${ms3(s.avg)}/${ms3(s.max)}/${ms3(s.mdev)} ms`,
      );
    }
    for (const fn of this.doneListeners) fn(this);
  }
}

/** Starts pinging `target` (dotted quad) from `node`. Throws on a malformed address. */
export function ping(node: Node, target: string, options: PingOptions = {}): PingRun {
  const dst = parseIpv4Address(target);
  if (dst instanceof ParseError) throw new Error(`ping: ${target}: ${dst.detail}`);
  return new PingRun(node, dst, {
    count: options.count ?? 4,
    interval: options.interval ?? NS_PER_S,
    size: options.size ?? 56,
    ttl: options.ttl ?? 64,
    wait: options.wait ?? 2 * NS_PER_S,
    dontFragment: options.dontFragment ?? false,
  });
}
