/**
 * traceroute: UDP probes with increasing TTL to high ports (33434 upward, as Linux traceroute
 * does), three per hop, and a report shaped like `traceroute -n`: one line per hop with the
 * address that answered and each probe's round-trip time, `*` for a probe with no answer. Time
 * exceeded means "an intermediate hop"; port unreachable means the destination was reached.
 */

import type { Ipv4Delivery } from "../../net/ipv4-stack.js";
import type { Ipv6Delivery } from "../../net/ipv6-stack.js";
import type { Node } from "../../net/node.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import { type Nanos, NS_PER_MS, NS_PER_S } from "../../sim/time.js";
import { formatIpv4, type Ipv4, type Ipv6Address } from "../../wire/address.js";
import { getU16 } from "../../wire/bytes.js";
import type { Icmpv4Record } from "../../wire/icmpv4.js";
import type { Icmpv6Record } from "../../wire/icmpv6.js";
import { IP_PROTOCOL_UDP } from "../../wire/ipv4.js";
import { emitUdp } from "../../wire/udp.js";
import { ms3 } from "./format.js";
import { parseTarget, ToolRun } from "./tool-run.js";

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
  probes: ({ from: string; rtt: number; reached: boolean; note: string } | undefined)[];
}

/** An answer to a probe: who sent it, whether it came from the destination, traceroute's note. */
interface ProbeAnswer {
  from: string;
  reached: boolean;
  note: string;
}

/** What traceroute needs from one IP family. */
interface ProbeFamily {
  target: string;
  /** Sends one UDP probe; false when there is no route. */
  send(srcPort: number, dstPort: number, ttl: number, payload: Uint8Array): boolean;
  /** Subscribes to ICMP errors about probes from `srcPort`, with the probe's destination port. */
  listen(srcPort: number, fn: (dstPort: number, answer: ProbeAnswer) => void): () => void;
  /** Bytes of IP and UDP headers (28 for IPv4, 48 for IPv6). */
  headerBytes: number;
}

export class TracerouteRun extends ToolRun {
  readonly hops: TracerouteHop[] = [];
  reached = false;
  private ttl = 1;
  private probe = 0;
  private port: number;
  private sentAt = 0;
  private readonly srcPort: number;
  private readonly unsubscribe: () => void;
  private readonly timer: LocalTimer;

  constructor(
    private readonly node: Node,
    private readonly family: ProbeFamily,
    private readonly opts: Required<TracerouteOptions>,
  ) {
    super();
    this.port = opts.port;
    this.srcPort = 32768 + node.sim.rng(`node:${node.name}:traceroute`).nextInt(28232);
    // Probe waits and RTTs are on the host's (monotonic) clock, as the real tool measures them.
    this.timer = node.clock.timer(() => this.record(undefined));
    const t = family.target;
    this.output.push(
      `traceroute to ${t} (${t}), ${opts.maxHops} hops max, ${opts.size} byte packets`,
    );
    this.unsubscribe = family.listen(this.srcPort, (port, answer) => {
      // Only the answer to the probe in flight counts; late answers are ignored, as Linux does.
      if (!this.finished && port === this.port) {
        this.record({ ...answer, rtt: (this.node.clock.monotonic() - this.sentAt) / NS_PER_MS });
      }
    });
    this.sendProbe();
  }

  /** The destination, as given. */
  get target(): string {
    return this.family.target;
  }

  private sendProbe(): void {
    if (this.probe === 0) this.hops.push({ ttl: this.ttl, probes: [] });
    const payload = new Uint8Array(Math.max(0, this.opts.size - this.family.headerBytes));
    for (let i = 0; i < payload.length; i++) payload[i] = 0x40 + (i & 0x1f);
    this.sentAt = this.node.clock.monotonic();
    if (!this.family.send(this.srcPort, this.port, this.ttl, payload)) {
      this.output.push("connect: Network is unreachable");
      return this.finish();
    }
    this.timer.set(this.opts.wait);
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
    let last: string | undefined;
    for (const p of hop.probes) {
      if (p === undefined) {
        line += " *";
        continue;
      }
      if (p.from !== last) line += ` ${p.from}`;
      last = p.from;
      line += `  ${ms3(p.rtt)} ms${p.note}`;
    }
    return line;
  }

  private finish(): void {
    if (this.finished) return;
    this.timer.cancel();
    this.unsubscribe();
    this.complete();
  }
}

const NOTES4: Record<number, string> = { 0: " !N", 1: " !H", 2: " !P", 4: " !F", 13: " !X" };
const NOTES6: Record<number, string> = { 0: " !N", 1: " !X", 2: " !S", 3: " !H" };

/** UDP probes over IPv4; answers are ICMP time exceeded and destination unreachable. */
function probesV4(node: Node, target: Ipv4): ProbeFamily {
  return {
    target: formatIpv4(target),
    headerBytes: 28,
    send(srcPort, dstPort, ttl, payload) {
      const path = node.ipv4.pathTo(target);
      if (path === undefined) return false;
      const udp = emitUdp(
        { srcPort, dstPort, checksum: 0, payload },
        { family: 4, src: path.src, dst: target },
      );
      node.ipv4.send({ dst: target, protocol: IP_PROTOCOL_UDP, payload: udp, ttl, src: path.src });
      return true;
    },
    listen(srcPort, fn) {
      return node.ipv4.onIcmp((msg: Icmpv4Record, d: Ipv4Delivery) => {
        if (msg.type !== "time-exceeded" && msg.type !== "destination-unreachable") return;
        const q = msg.original;
        if (q.length < 28 || q[9] !== IP_PROTOCOL_UDP) return;
        const hl = (q[0]! & 0x0f) * 4;
        if (q.length < hl + 8 || getU16(q, hl) !== srcPort) return;
        let note = "";
        let reached = false;
        if (msg.type === "destination-unreachable") {
          reached = msg.code === 3 || d.src === target;
          note = msg.code === 3 ? "" : (NOTES4[msg.code] ?? ` !<${msg.code}>`);
        }
        fn(getU16(q, hl + 2), { from: formatIpv4(d.src), reached, note });
      });
    },
  };
}

/** UDP probes over IPv6 (traceroute6); answers are ICMPv6 errors. */
function probesV6(node: Node, target: Ipv6Address): ProbeFamily {
  return {
    target: target.toString(),
    headerBytes: 48,
    send(srcPort, dstPort, ttl, payload) {
      const path = node.ipv6.pathTo(target);
      if (path === undefined) return false;
      const udp = emitUdp(
        { srcPort, dstPort, checksum: 0, payload },
        { family: 6, src: path.src, dst: target },
      );
      node.ipv6.send({
        dst: target,
        protocol: IP_PROTOCOL_UDP,
        payload: udp,
        hopLimit: ttl,
        src: path.src,
      });
      return true;
    },
    listen(srcPort, fn) {
      return node.ipv6.onIcmp((msg: Icmpv6Record, d: Ipv6Delivery) => {
        if (msg.type !== "time-exceeded" && msg.type !== "destination-unreachable") return;
        const q = msg.original;
        if (q.length < 48 || q[6] !== IP_PROTOCOL_UDP || getU16(q, 40) !== srcPort) return;
        let note = "";
        let reached = false;
        if (msg.type === "destination-unreachable") {
          reached = msg.code === 4 || d.src.equals(target);
          note = msg.code === 4 ? "" : (NOTES6[msg.code] ?? ` !<${msg.code}>`);
        }
        fn(getU16(q, 42), { from: d.src.toString(), reached, note });
      });
    },
  };
}

/** Starts a traceroute from `node` to `target` (IPv4 or IPv6 text). Throws on a malformed address. */
export function traceroute(
  node: Node,
  target: string,
  options: TracerouteOptions = {},
): TracerouteRun {
  const t = parseTarget("traceroute", target);
  const family: ProbeFamily =
    t.family === 6 ? probesV6(node, t.address) : probesV4(node, t.address);
  return new TracerouteRun(node, family, {
    maxHops: options.maxHops ?? 30,
    probes: options.probes ?? 3,
    wait: options.wait ?? 5 * NS_PER_S,
    size: options.size ?? (target.includes(":") ? 80 : 60),
    port: options.port ?? 33434,
  });
}
