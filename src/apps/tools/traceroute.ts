/**
 * traceroute: UDP probes with increasing TTL to high ports (33434 upward, as Linux traceroute
 * does), three per hop, and a report shaped like `traceroute -n`: one line per hop with the
 * address that answered and each probe's round-trip time, `*` for a probe with no answer. Time
 * exceeded means "an intermediate hop"; port unreachable means the destination was reached.
 */

import type { Ipv4Delivery } from "../../net/ipv4-stack.js";
import type { Node } from "../../net/node.js";
import type { Timer } from "../../sim/simulator.js";
import { type Nanos, NS_PER_MS, NS_PER_S } from "../../sim/time.js";
import { formatIpv4, type Ipv4, parseIpv4Address } from "../../wire/address.js";
import { getU16 } from "../../wire/bytes.js";
import type { Icmpv4Record } from "../../wire/icmpv4.js";
import { IP_PROTOCOL_UDP } from "../../wire/ipv4.js";
import { ParseError } from "../../wire/parse-error.js";
import { emitUdp } from "../../wire/udp.js";
import { ms3 } from "./format.js";

export interface TracerouteOptions {
  /** Highest TTL tried (default 30). */
  maxHops?: number;
  /** Probes per hop (default 3). */
  probes?: number;
  /** How long to wait for each probe's answer (default 5 s, as Linux traceroute). */
  wait?: Nanos;
  /** Whole probe size in bytes, IP header included (default 60). */
  size?: number;
  /** First destination port (default 33434). */
  port?: number;
}

export interface TracerouteHop {
  ttl: number;
  /** Per probe: the answering address and RTT in ms, or undefined for a timeout. */
  probes: ({ from: Ipv4; rtt: number; reached: boolean; note: string } | undefined)[];
}

export class TracerouteRun {
  readonly output: string[] = [];
  readonly hops: TracerouteHop[] = [];
  finished = false;
  reached = false;
  private ttl = 1;
  private probe = 0;
  private port: number;
  private sentAt = 0;
  private readonly srcPort: number;
  private readonly unsubscribe: () => void;
  private readonly timer: Timer;
  private readonly doneListeners: ((run: TracerouteRun) => void)[] = [];

  constructor(
    private readonly node: Node,
    readonly target: Ipv4,
    private readonly opts: Required<TracerouteOptions>,
  ) {
    this.port = opts.port;
    this.srcPort = 32768 + node.sim.rng(`node:${node.name}:traceroute`).nextInt(28232);
    this.timer = node.sim.timer(() => this.record(undefined));
    this.output.push(
      `traceroute to ${formatIpv4(target)} (${formatIpv4(target)}), ${opts.maxHops} hops max, ${opts.size} byte packets`,
    );
    this.unsubscribe = node.ipv4.onIcmp((msg, d) => this.onIcmp(msg, d));
    this.sendProbe();
  }

  onDone(fn: (run: TracerouteRun) => void): void {
    if (this.finished) fn(this);
    else this.doneListeners.push(fn);
  }

  get text(): string {
    return `${this.output.join("\n")}\n`;
  }

  private sendProbe(): void {
    if (this.probe === 0) this.hops.push({ ttl: this.ttl, probes: [] });
    const payload = new Uint8Array(Math.max(0, this.opts.size - 28));
    for (let i = 0; i < payload.length; i++) payload[i] = 0x40 + (i & 0x1f);
    const path = this.node.ipv4.pathTo(this.target);
    if (path === undefined) {
      this.output.push("connect: Network is unreachable");
      return this.finish();
    }
    const udp = emitUdp(
      { srcPort: this.srcPort, dstPort: this.port, checksum: 0, payload },
      { family: 4, src: path.src, dst: this.target },
    );
    this.sentAt = this.node.sim.now;
    this.node.ipv4.send({
      dst: this.target,
      protocol: IP_PROTOCOL_UDP,
      payload: udp,
      ttl: this.ttl,
      src: path.src,
    });
    this.timer.set(this.opts.wait);
  }

  private onIcmp(msg: Icmpv4Record, d: Ipv4Delivery): void {
    if (this.finished) return;
    if (msg.type !== "time-exceeded" && msg.type !== "destination-unreachable") return;
    const q = msg.original;
    if (q.length < 28 || q[9] !== IP_PROTOCOL_UDP) return;
    const hl = (q[0]! & 0x0f) * 4;
    if (q.length < hl + 8) return;
    // Only the answer to the probe in flight counts; late answers are ignored, as Linux does.
    if (getU16(q, hl) !== this.srcPort || getU16(q, hl + 2) !== this.port) return;
    const rtt = (this.node.sim.now - this.sentAt) / NS_PER_MS;
    let note = "";
    let reached = false;
    if (msg.type === "destination-unreachable") {
      reached = msg.code === 3 || d.src === this.target;
      // traceroute's annotations for other unreachable codes.
      note =
        { 0: " !N", 1: " !H", 2: " !P", 4: " !F", 13: " !X" }[msg.code as 0] ??
        (msg.code === 3 ? "" : ` !<${msg.code}>`);
    }
    this.record({ from: d.src, rtt, reached, note });
  }

  private record(result: TracerouteHop["probes"][number]): void {
    this.timer.cancel();
    const hop = this.hops[this.hops.length - 1]!;
    hop.probes.push(result);
    this.port++;
    this.probe++;
    if (this.probe < this.opts.probes) return this.sendProbe();
    this.output.push(this.formatHop(hop));
    this.probe = 0;
    const reached = hop.probes.some((p) => p?.reached);
    const stop = hop.probes.some((p) => p !== undefined && p.note !== "");
    if (reached) this.reached = true;
    if (reached || stop || this.ttl >= this.opts.maxHops) return this.finish();
    this.ttl++;
    this.sendProbe();
  }

  /** " 1  10.0.1.2  10.001 ms  10.001 ms  10.001 ms", a new address starting its own group. */
  private formatHop(hop: TracerouteHop): string {
    let line = `${String(hop.ttl).padStart(2)} `;
    let last: Ipv4 | undefined;
    for (const p of hop.probes) {
      if (p === undefined) {
        line += " *";
        continue;
      }
      if (p.from !== last) line += ` ${formatIpv4(p.from)}`;
      last = p.from;
      line += `  ${ms3(p.rtt)} ms${p.note}`;
    }
    return line;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.timer.cancel();
    this.unsubscribe();
    for (const fn of this.doneListeners) fn(this);
  }
}

/** Starts a traceroute from `node` to `target` (dotted quad). Throws on a malformed address. */
export function traceroute(
  node: Node,
  target: string,
  options: TracerouteOptions = {},
): TracerouteRun {
  const dst = parseIpv4Address(target);
  if (dst instanceof ParseError) throw new Error(`traceroute: ${target}: ${dst.detail}`);
  return new TracerouteRun(node, dst, {
    maxHops: options.maxHops ?? 30,
    probes: options.probes ?? 3,
    wait: options.wait ?? 5 * NS_PER_S,
    size: options.size ?? 60,
    port: options.port ?? 33434,
  });
}
