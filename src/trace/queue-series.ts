/**
 * Output queue length per interface over time, sampled when a packet starts onto the wire
 * (what is still waiting behind it) and when one is dropped for a full queue. Sampling on
 * events that happen anyway keeps the observer from adding events to the run.
 */
import type { Channel } from "../net/link.js";
import type { Network } from "../net/network.js";
import type { Nanos } from "../sim/time.js";

/** One interface's samples: time (ns) and packets queued. */
export interface QueueTrace {
  /** "r1:eth2" */
  name: string;
  link: string;
  times: Nanos[];
  lengths: number[];
  max: number;
}

export class QueueSampler {
  private readonly traces = new Map<string, QueueTrace>();
  private readonly unsubscribe: () => void;

  constructor(net: Network) {
    const channels = new Map<string, Channel>();
    for (const l of net.links) {
      for (const ch of [l.ab, l.ba]) channels.set(`${ch.from.nodeName}:${ch.from.ifaceName}`, ch);
    }
    this.unsubscribe = net.events.subscribe((e) => {
      if (e.kind !== "transmit" && !(e.kind === "drop" && e.reason === "queue-full")) return;
      const name = `${e.node}:${e.iface ?? ""}`;
      const ch = channels.get(name);
      if (ch === undefined) return;
      let t = this.traces.get(name);
      if (t === undefined) {
        t = { name, link: ch.link.name, times: [], lengths: [], max: 0 };
        this.traces.set(name, t);
      }
      const n = ch.queue.length;
      t.times.push(e.time);
      t.lengths.push(n);
      if (n > t.max) t.max = n;
    });
  }

  stop(): void {
    this.unsubscribe();
  }

  /** The interfaces whose queue held at least `min` packets, longest first. */
  busiest(min = 2, count = 4): QueueTrace[] {
    return [...this.traces.values()]
      .filter((t) => t.max >= min)
      .sort((a, b) => b.max - a.max || (a.name < b.name ? -1 : 1))
      .slice(0, count);
  }
}
