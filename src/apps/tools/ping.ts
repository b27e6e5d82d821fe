/**
 * ping: ICMP echo requests at an interval and a report shaped like Linux iputils ping, with a
 * line per reply (or per ICMP error), then loss and min/avg/max/mdev round-trip times. It runs
 * inside the simulation: start it, run the simulator, read `output` (or wait for `onDone`).
 */

import type { Ipv4Delivery } from "../../net/ipv4-stack.js";
import type { Ipv6Delivery } from "../../net/ipv6-stack.js";
import type { Node } from "../../net/node.js";
import { type Nanos, NS_PER_MS, NS_PER_S } from "../../sim/time.js";
import { formatIpv4, type Ipv4, type Ipv6Address } from "../../wire/address.js";
import { getU16 } from "../../wire/bytes.js";
import { ICMPV4_ECHO_REQUEST, type Icmpv4Record } from "../../wire/icmpv4.js";
import { ICMPV6_ECHO_REQUEST, ICMPV6_PROTOCOL, type Icmpv6Record } from "../../wire/icmpv6.js";
import { IP_PROTOCOL_ICMP } from "../../wire/ipv4.js";
import { ms3, msSignificant } from "./format.js";
import { parseTarget, ToolRun } from "./tool-run.js";

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
  /** Replies to a request already answered (a network that duplicates packets). */
  duplicates: number;
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

/** What ping needs from one IP family: send a request, and hear replies and errors. */
interface EchoFamily {
  /** The header line, as iputils prints it for this family. */
  header(size: number): string;
  target: string;
  /** Sends one request; says why it could not leave the host, if it could not. */
  send(
    id: number,
    seq: number,
    data: Uint8Array,
    opts: Required<PingOptions>,
  ): "no-route" | "too-big" | undefined;
  /** Subscribes to replies (`ttl` set) and errors (`error` set) for identifier `id`. */
  listen(
    id: number,
    fn: (e: { seq: number; from: string; bytes: number; ttl?: number; error?: string }) => void,
  ): () => void;
  mtu(): number;
}

/** A ping in progress (or finished). */
export class PingRun extends ToolRun {
  readonly stats: PingStats = {
    transmitted: 0,
    received: 0,
    errors: 0,
    duplicates: 0,
    rtts: [],
    min: 0,
    avg: 0,
    max: 0,
    mdev: 0,
  };
  private readonly sentAt = new Map<number, Nanos>();
  private readonly answered = new Set<number>();
  private readonly identifier: number;
  /** True when there was no route to the target at the start, so nothing was sent. */
  unreachable = false;
  private firstSend = 0;
  private lastSend = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly node: Node,
    private readonly family: EchoFamily,
    private readonly opts: Required<PingOptions>,
  ) {
    super();
    this.identifier = node.sim.rng(`node:${node.name}:ping-id`).nextInt(0x10000);
    this.output.push(family.header(opts.size));
    this.unsubscribe = family.listen(this.identifier, (e) => this.onAnswer(e));
    this.sendNext(1);
  }

  /** The destination, as given. */
  get target(): string {
    return this.family.target;
  }

  private sendNext(seq: number): void {
    // As the real ping, times and intervals are on the host's clock (monotonic, so a step does
    // not turn into a negative RTT): a drifting host reports RTTs scaled by its rate.
    const clock = this.node.clock;
    const now = clock.monotonic();
    if (seq === 1) this.firstSend = now;
    this.lastSend = now;
    const data = new Uint8Array(this.opts.size);
    for (let i = 0; i < data.length; i++) data[i] = (i + 0x10) & 0xff; // iputils' pattern after the timestamp
    this.sentAt.set(seq, now);
    this.stats.transmitted++;
    const problem = this.family.send(this.identifier, seq, data, this.opts);
    if (problem === "no-route" && seq === 1) {
      // iputils finds no route before it starts (its connect() probe picks the source
      // address): it says so, prints neither header nor statistics, and exits with 2.
      this.unreachable = true;
      this.stats.transmitted = 0;
      this.output.length = 0;
      this.output.push("ping: connect: Network is unreachable");
      this.unsubscribe();
      return this.complete();
    }
    if (problem === "no-route") {
      // The route went away during the run: this request fails, the next ones are tried.
      this.stats.errors++;
      this.output.push("ping: sendmsg: Network is unreachable");
    } else if (problem === "too-big") {
      this.output.push(`ping: local error: message too long, mtu=${this.family.mtu()}`);
    }
    if (seq < this.opts.count) clock.after(this.opts.interval, () => this.sendNext(seq + 1));
    else {
      const maxRtt = this.stats.rtts.length ? Math.max(...this.stats.rtts) : 0;
      clock.after(Math.max(this.opts.wait, Math.round(2 * maxRtt * NS_PER_MS)), () =>
        this.finish(),
      );
    }
  }

  private onAnswer(e: {
    seq: number;
    from: string;
    bytes: number;
    ttl?: number;
    error?: string;
  }): void {
    if (this.finished) return;
    const sent = this.sentAt.get(e.seq);
    if (sent === undefined) return;
    if (e.error !== undefined) {
      this.stats.errors++;
      this.output.push(`From ${e.from} icmp_seq=${e.seq} ${e.error}`);
      return;
    }
    const rtt = (this.node.clock.monotonic() - sent) / NS_PER_MS;
    // iputils marks a second reply to the same request "(DUP!)" and does not count it as received.
    const dup = this.answered.has(e.seq);
    if (dup) this.stats.duplicates++;
    else {
      this.answered.add(e.seq);
      this.stats.received++;
      this.stats.rtts.push(rtt);
    }
    this.output.push(
      `${e.bytes} bytes from ${e.from}: icmp_seq=${e.seq} ttl=${e.ttl} time=${msSignificant(rtt)} ms${dup ? " (DUP!)" : ""}`,
    );
  }

  private finish(): void {
    if (this.finished) return;
    this.unsubscribe();
    const s = this.stats;
    // iputils prints the loss with C's %g: six significant digits, no trailing zeros (66.6667).
    const loss =
      s.transmitted === 0
        ? 0
        : Number(((100 * (s.transmitted - s.received)) / s.transmitted).toPrecision(6));
    const time = Math.round((this.lastSend - this.firstSend) / NS_PER_MS);
    this.output.push("", `--- ${this.family.target} ping statistics ---`);
    const dups = s.duplicates > 0 ? `, +${s.duplicates} duplicates` : "";
    const errors = s.errors > 0 ? `, +${s.errors} errors` : "";
    this.output.push(
      `${s.transmitted} packets transmitted, ${s.received} received${dups}${errors}, ${loss}% packet loss, time ${time}ms`,
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
    this.complete();
  }
}

/** ICMPv4 echo (RFC 792). */
function echoV4(node: Node, target: Ipv4): EchoFamily {
  const text = formatIpv4(target);
  return {
    target: text,
    header: (size) => `PING ${text} (${text}) ${size}(${size + 28}) bytes of data.`,
    mtu: () => node.ipv4.pathTo(target)?.iface.mtu ?? 0,
    send(identifier, sequence, data, o) {
      const r = node.ipv4.sendIcmp(
        target,
        { type: "echo-request", checksum: 0, identifier, sequence, data },
        { ttl: o.ttl, dontFragment: o.dontFragment },
      );
      return r === "no-route" || r === "too-big" ? r : undefined;
    },
    listen(id, fn) {
      return node.ipv4.onIcmp((msg: Icmpv4Record, d: Ipv4Delivery) => {
        if (msg.type === "echo-reply") {
          if (msg.identifier === id && d.src === target) {
            fn({
              seq: msg.sequence,
              from: formatIpv4(d.src),
              bytes: 8 + msg.data.length,
              ttl: d.ttl,
            });
          }
          return;
        }
        if (msg.type !== "destination-unreachable" && msg.type !== "time-exceeded") return;
        // The error quotes our request: check it is ours and find its sequence number.
        const q = msg.original;
        if (q.length < 28 || q[9] !== IP_PROTOCOL_ICMP) return;
        const hl = (q[0]! & 0x0f) * 4;
        if (q.length < hl + 8 || q[hl] !== ICMPV4_ECHO_REQUEST || getU16(q, hl + 4) !== id) return;
        const error =
          msg.type === "time-exceeded"
            ? "Time to live exceeded"
            : msg.code === 4
              ? `Frag needed and DF set (mtu = ${msg.nextHopMtu})`
              : (UNREACHABLE_TEXT[msg.code] ?? `Dest Unreachable, Bad Code: ${msg.code}`);
        fn({ seq: getU16(q, hl + 6), from: formatIpv4(d.src), bytes: 0, error });
      });
    },
  };
}

const UNREACHABLE6_TEXT: Record<number, string> = {
  0: "Destination unreachable: No route",
  1: "Destination unreachable: Administratively prohibited",
  2: "Destination unreachable: Beyond scope of source address",
  3: "Destination unreachable: Address unreachable",
  4: "Destination unreachable: Port unreachable",
};

/** ICMPv6 echo (RFC 4443 §4). */
function echoV6(node: Node, target: Ipv6Address): EchoFamily {
  const text = target.toString();
  return {
    target: text,
    header: (size) => `PING ${text}(${text}) ${size} data bytes`,
    mtu: () => node.ipv6.pathTo(target)?.iface.mtu ?? 0,
    send(identifier, sequence, data, o) {
      const r = node.ipv6.sendIcmp(
        target,
        { type: "echo-request", checksum: 0, identifier, sequence, data },
        { hopLimit: o.ttl, dontFragment: o.dontFragment },
      );
      return r === "no-route" || r === "too-big" ? r : undefined;
    },
    listen(id, fn) {
      return node.ipv6.onIcmp((msg: Icmpv6Record, d: Ipv6Delivery) => {
        if (msg.type === "echo-reply") {
          if (msg.identifier === id && d.src.equals(target)) {
            fn({
              seq: msg.sequence,
              from: d.src.toString(),
              bytes: 8 + msg.data.length,
              ttl: d.hopLimit,
            });
          }
          return;
        }
        if (msg.type === "other" || !("original" in msg)) return;
        const q = msg.original;
        // Quoted packet: 40-byte header, then (without extensions) our echo request.
        if (q.length < 48 || q[6] !== ICMPV6_PROTOCOL || q[40] !== ICMPV6_ECHO_REQUEST) return;
        if (getU16(q, 44) !== id) return;
        const error =
          msg.type === "time-exceeded"
            ? "Time exceeded: Hop limit"
            : msg.type === "packet-too-big"
              ? `Packet too big: mtu=${msg.mtu}`
              : msg.type === "parameter-problem"
                ? `Parameter problem: code ${msg.code}`
                : (UNREACHABLE6_TEXT[msg.code] ?? `Destination unreachable: code ${msg.code}`);
        fn({ seq: getU16(q, 46), from: d.src.toString(), bytes: 0, error });
      });
    },
  };
}

/** Starts pinging `target` (IPv4 or IPv6 text) from `node`. Throws on a malformed address. */
export function ping(node: Node, target: string, options: PingOptions = {}): PingRun {
  const t = parseTarget("ping", target);
  const family: EchoFamily = t.family === 6 ? echoV6(node, t.address) : echoV4(node, t.address);
  return new PingRun(node, family, {
    count: options.count ?? 4,
    interval: options.interval ?? NS_PER_S,
    size: options.size ?? 56,
    ttl: options.ttl ?? 64,
    wait: options.wait ?? 2 * NS_PER_S,
    dontFragment: options.dontFragment ?? false,
  });
}
