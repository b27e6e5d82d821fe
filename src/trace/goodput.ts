/**
 * Goodput per TCP connection and direction, from packet events: the payload bytes that reach
 * the destination host for the first time (sequence ranges not received before, kept as merged
 * intervals), so retransmissions of delivered data and duplicates do not count, while the
 * retransmission that fills a hole does. Binned into a rate series for plots.
 */
import type { Network } from "../net/network.js";
import type { Nanos } from "../sim/time.js";
import { type SeqNumber, seqDiff } from "../wire/seq.js";
import { packetFields } from "./packet-fields.js";
import { hostAddresses } from "./packet-trace.js";

/** The key of one direction: "10.0.0.1:40000 > 10.0.1.1:80". */
export const flowKey = (src: string, sport: number, dst: string, dport: number) =>
  `${src}:${sport} > ${dst}:${dport}`;

interface Flow {
  /** Sequence number that offsets count from (the first segment's). */
  base: SeqNumber;
  /** Received ranges [start, end) as offsets from base, sorted and merged. */
  ranges: [number, number][];
  times: Nanos[];
  bytes: number[];
}

/** Adds [a, b) to sorted, merged `ranges`; returns how many of its bytes were not in them. */
export function addRange(ranges: [number, number][], a: number, b: number): number {
  let fresh = b - a;
  let lo = a;
  let hi = b;
  const keep: [number, number][] = [];
  for (const r of ranges) {
    if (r[1] < lo || r[0] > hi) {
      keep.push(r);
      continue;
    }
    fresh -= Math.max(0, Math.min(r[1], b) - Math.max(r[0], a));
    lo = Math.min(lo, r[0]);
    hi = Math.max(hi, r[1]);
  }
  keep.push([lo, hi]);
  keep.sort((x, y) => x[0] - y[0]);
  ranges.splice(0, ranges.length, ...keep);
  return fresh;
}

export class GoodputMeter {
  private readonly flows = new Map<string, Flow>();
  private readonly unsubscribe: () => void;

  constructor(net: Network) {
    const own = new Map(Object.entries(hostAddresses(net)).map(([n, a]) => [n, new Set(a)]));
    this.unsubscribe = net.events.subscribe((e) => {
      if (e.kind !== "deliver") return;
      const f = packetFields(e);
      if (f.tcpLength === 0 || !own.get(e.node)?.has(f.dst)) return;
      const key = flowKey(f.src, f.sport, f.dst, f.dport);
      const seq = f.tcpSeq as SeqNumber;
      let flow = this.flows.get(key);
      if (flow === undefined) {
        flow = { base: seq, ranges: [], times: [], bytes: [] };
        this.flows.set(key, flow);
      }
      const start = seqDiff(seq, flow.base);
      const fresh = addRange(flow.ranges, start, start + f.tcpLength);
      if (fresh === 0) return;
      flow.times.push(e.time);
      flow.bytes.push(fresh);
    });
  }

  stop(): void {
    this.unsubscribe();
  }

  /** Directions that carried data, by key. */
  get keys(): string[] {
    return [...this.flows.keys()];
  }

  /** Total new bytes delivered in direction `key`. */
  total(key: string): number {
    return (this.flows.get(key)?.bytes ?? []).reduce((a, b) => a + b, 0);
  }

  /**
   * Goodput of `key` in Mbit/s over bins of `bin` ns from `start` to `end`: [bin centre in
   * ms, Mbit/s] points, empty bins included as zero.
   */
  series(key: string, start: Nanos, end: Nanos, bin: Nanos): [number, number][] {
    const flow = this.flows.get(key);
    if (flow === undefined || !(bin > 0) || end <= start) return [];
    const n = Math.ceil((end - start) / bin);
    const sums = new Array<number>(n).fill(0);
    flow.times.forEach((t, i) => {
      const b = Math.min(n - 1, Math.max(0, Math.floor((t - start) / bin)));
      sums[b]! += flow.bytes[i]!;
    });
    return sums.map((s, b) => [(start + (b + 0.5) * bin) / 1e6, (s * 8) / (bin / 1e9) / 1e6]);
  }

  /** First and last delivery of `key`. */
  span(key: string): [Nanos, Nanos] | undefined {
    const t = this.flows.get(key)?.times;
    return t === undefined || t.length === 0 ? undefined : [t[0]!, t[t.length - 1]!];
  }
}
