/**
 * A learning Ethernet switch (IEEE 802.1D transparent bridging without spanning tree): it learns
 * which port each source MAC address lives behind, forwards frames for known unicast addresses
 * out of that port only, and floods broadcast, multicast and unknown unicast frames to every
 * other port. Entries age out (300 s by default, the 802.1D default) so moved hosts are found.
 */
import type { Simulator } from "../sim/simulator.js";
import type { Nanos } from "../sim/time.js";
import { NS_PER_S } from "../sim/time.js";
import { isUnicastMac, type Mac, readMac } from "../wire/mac.js";
import type { LinkEndpoint, PointToPointLink } from "./link.js";

/** One switch port: an endpoint of a cable. */
export class SwitchPort implements LinkEndpoint {
  link: PointToPointLink | undefined;
  readonly framing = "ethernet" as const;
  constructor(
    readonly owner: Switch,
    readonly index: number,
  ) {}
  get nodeName(): string {
    return this.owner.name;
  }
  get ifaceName(): string {
    return `port${this.index}`;
  }
  receiveFromLink(frame: Uint8Array): void {
    this.owner.receive(frame, this);
  }
  send(frame: Uint8Array): void {
    if (this.link?.up) this.link.channelFrom(this).send(frame);
  }
}

export class Switch {
  readonly ports: SwitchPort[] = [];
  private readonly table = new Map<Mac, { port: SwitchPort; seen: Nanos }>();
  readonly agingTime: Nanos;
  private isUp = true;
  /** Counters for tests: frames forwarded to one port, flooded, and filtered. */
  readonly stats = { forwarded: 0, flooded: 0, filtered: 0 };

  constructor(
    readonly name: string,
    private readonly sim: Simulator,
    agingTime: Nanos = 300 * NS_PER_S,
  ) {
    this.agingTime = agingTime;
  }

  get up(): boolean {
    return this.isUp;
  }

  addPort(): SwitchPort {
    const p = new SwitchPort(this, this.ports.length + 1);
    this.ports.push(p);
    return p;
  }

  /** The learnt MAC table as [mac, port name] pairs. */
  macTable(): [Mac, string][] {
    const now = this.sim.now;
    return [...this.table]
      .filter(([, e]) => now - e.seen < this.agingTime)
      .map(([m, e]) => [m, e.port.ifaceName]);
  }

  crash(): void {
    this.isUp = false;
    this.table.clear();
  }

  restart(): void {
    this.isUp = true;
  }

  receive(frame: Uint8Array, from: SwitchPort): void {
    if (!this.isUp || frame.length < 14) return;
    const dst = readMac(frame, 0);
    const src = readMac(frame, 6);
    const now = this.sim.now;
    if (isUnicastMac(src)) this.table.set(src, { port: from, seen: now });
    const e = isUnicastMac(dst) ? this.table.get(dst) : undefined;
    if (e !== undefined && now - e.seen < this.agingTime) {
      if (e.port === from) {
        this.stats.filtered++; // destination is on the segment it came from
        return;
      }
      this.stats.forwarded++;
      e.port.send(frame);
      return;
    }
    this.stats.flooded++;
    // Each copy goes its own way (a receiver may rewrite it in place).
    for (const p of this.ports) if (p !== from) p.send(frame.slice());
  }
}
