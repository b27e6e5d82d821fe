/**
 * Goodput per TCP connection and direction, from packet events: the payload bytes that reach
 * the destination host for the first time (sequence space beyond the highest seen so far), so
 * retransmissions and duplicates do not count. Binned into a rate series for plots.
 */
import type { Network } from "../net/network.js";
import type { Nanos } from "../sim/time.js";
import { type SeqNumber, seqDiff, seqGt } from "../wire/seq.js";
import { packetFields } from "./packet-fields.js";
import { hostAddresses } from "./packet-trace.js";

/** The key of one direction: "10.0.0.1:40000 > 10.0.1.1:80". */
export const flowKey = (src: string, sport: number, dst: string, dport: number) =>
  `${src}:${sport} > ${dst}:${dport}`;

interface Flow {
  high: SeqNumber;
  times: Nanos[];
  bytes: number[];
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
      const end = ((f.tcpSeq + f.tcpLength) >>> 0) as SeqNumber;
      let flow = this.flows.get(key);
      let fresh: number;
      if (flow === undefined) {
        flow = { high: end, times: [], bytes: [] };
        this.flows.set(key, flow);
        fresh = f.tcpLength;
      } else if (seqGt(end, flow.high)) {
        fresh = Math.min(f.tcpLength, seqDiff(end, flow.high));
        flow.high = end;
      } else return;
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
