/**
 * A tcpdump on every interface at once: keeps a copy of each packet as it leaves an interface and
 * as it reaches one (copied then, since routers rewrite TTL in the same buffer later), and
 * renders one merged pcapng or a classic pcap per interface.
 */
import type { PacketEvent, PacketEventBus } from "../net/packet-events.js";
import type { Nanos } from "../sim/time.js";
import {
  CaptureBuffer,
  LINKTYPE_ETHERNET,
  LINKTYPE_RAW,
  PCAP_DEFAULT_SNAPLEN,
  PcapWriter,
} from "./pcap.js";
import { PcapngWriter } from "./pcapng.js";

/** Options of `NetworkCapture`. */
export interface NetworkCaptureOptions {
  /**
   * Capture on every interface of these nodes. With `interfaces` as well, an interface is
   * captured when either list names it; with neither, every interface is captured.
   */
  nodes?: readonly string[];
  /** Interfaces to capture on: "h1:eth0" for one, or a bare "eth0" for that name on any node. */
  interfaces?: readonly string[];
  /** Bytes kept per packet (default 262144); the original length is still recorded. */
  snaplen?: number;
  /** Keeps only the packets this accepts (a `--trace-filter`, say); default all. */
  accept?: (e: PacketEvent) => boolean;
}

/** One interface a capture has seen traffic on. */
export interface CaptureInterface {
  /** "node:iface", e.g. "r1:eth1"; also the pcapng if_name and the key of `toPcaps()`. */
  readonly name: string;
  readonly node: string;
  readonly iface: string;
  /** What the interface carries, and with it the link type of its captures. */
  readonly framing: "ip" | "ethernet";
  /** LINKTYPE_RAW for bare IP datagrams, LINKTYPE_ETHERNET for frames. */
  readonly linkType: number;
  /** The link it is attached to, when known (written as the pcapng if_description). */
  readonly link: string | undefined;
  /** Packets captured on it so far. */
  packets: number;
}

/** Something with a packet event bus, such as a `Network`. */
export interface PacketEventSource {
  readonly events: PacketEventBus;
}

/**
 * Records what a capture on each (selected) interface of a network would see, from the moment
 * it is constructed until `stop()`. Storage is three parallel arrays (time, interface index,
 * copied bytes) plus original lengths, so a packet costs one copy and no extra object.
 */
export class NetworkCapture {
  readonly snaplen: number;
  private readonly list: CaptureInterface[] = [];
  /** node -> iface -> index into `list`, or -1 when filtered out; one map per framing. */
  private readonly index = {
    ip: new Map<string, Map<string, number>>(),
    ethernet: new Map<string, Map<string, number>>(),
  };
  private readonly times: Nanos[] = [];
  private readonly ifaces: number[] = [];
  private readonly data: Uint8Array[] = [];
  private readonly lengths: number[] = [];
  private readonly nodeFilter: ReadonlySet<string> | undefined;
  private readonly ifaceFilter: ReadonlySet<string> | undefined;
  private readonly accept: ((e: PacketEvent) => boolean) | undefined;
  /** False once a packet arrived with an earlier time than the one before (never in a run). */
  private ordered = true;
  private unsubscribe: (() => void) | undefined;

  constructor(source: PacketEventSource, options: NetworkCaptureOptions = {}) {
    const snaplen = options.snaplen ?? PCAP_DEFAULT_SNAPLEN;
    if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > 0x7fffffff) {
      throw new RangeError(`snaplen ${snaplen} is not in 1..2^31-1`);
    }
    this.snaplen = snaplen;
    this.accept = options.accept;
    if (options.nodes !== undefined || options.interfaces !== undefined) {
      this.nodeFilter = new Set(options.nodes ?? []);
      this.ifaceFilter = new Set(options.interfaces ?? []);
    }
    this.unsubscribe = source.events.subscribe((e) => this.observe(e));
  }

  /** Packets captured (a packet crossing a link counts twice: sent, and received). */
  get count(): number {
    return this.times.length;
  }

  /** Interfaces with at least one captured packet, in order of their first packet. */
  get interfaces(): readonly CaptureInterface[] {
    return this.list;
  }

  /** True until `stop()`. */
  get capturing(): boolean {
    return this.unsubscribe !== undefined;
  }

  /** Stops listening; what was captured stays available. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private observe(e: PacketEvent): void {
    if (e.kind !== "transmit" && e.kind !== "deliver") return;
    if (e.iface === undefined) return;
    if (this.accept !== undefined && !this.accept(e)) return;
    const i = this.interfaceIndex(e.node, e.iface, e.framing, e.link);
    if (i < 0) return;
    const n = this.times.length;
    if (n > 0 && e.time < this.times[n - 1]!) this.ordered = false;
    const p = e.packet;
    this.times.push(e.time);
    this.ifaces.push(i);
    this.data.push(p.slice(0, Math.min(p.length, this.snaplen)));
    this.lengths.push(p.length);
    this.list[i]!.packets++;
  }

  /** The index of an interface, registering it on first sight; -1 when filtered out. */
  private interfaceIndex(
    node: string,
    iface: string,
    framing: "ip" | "ethernet",
    link: string | undefined,
  ): number {
    const byNode = this.index[framing];
    let byIface = byNode.get(node);
    if (byIface === undefined) {
      byIface = new Map();
      byNode.set(node, byIface);
    }
    const known = byIface.get(iface);
    if (known !== undefined) return known;
    const name = `${node}:${iface}`;
    let i = -1;
    if (this.selected(node, iface, name)) {
      i = this.list.length;
      const linkType = framing === "ethernet" ? LINKTYPE_ETHERNET : LINKTYPE_RAW;
      this.list.push({ name, node, iface, framing, linkType, link, packets: 0 });
    }
    byIface.set(iface, i);
    return i;
  }

  private selected(node: string, iface: string, name: string): boolean {
    if (this.nodeFilter === undefined || this.ifaceFilter === undefined) return true;
    return this.nodeFilter.has(node) || this.ifaceFilter.has(name) || this.ifaceFilter.has(iface);
  }

  /** Packet positions in time order (stable: equal times keep the order they happened in). */
  private order(): number[] {
    const idx = Array.from(this.times, (_, k) => k);
    if (!this.ordered) idx.sort((a, b) => this.times[a]! - this.times[b]! || a - b);
    return idx;
  }

  /**
   * The whole capture as one pcapng file: an Interface Description Block per interface (named
   * "node:iface", nanosecond timestamps) and the packets of all of them in time order.
   */
  toPcapng(): Uint8Array {
    const buf = new CaptureBuffer();
    const w = new PcapngWriter(buf.sink);
    for (const c of this.list) {
      w.addInterface({
        name: c.name,
        linkType: c.linkType,
        snaplen: this.snaplen,
        ...(c.link !== undefined ? { description: `link ${c.link}` } : {}),
      });
    }
    for (const k of this.order()) {
      w.write(this.ifaces[k]!, this.times[k]!, this.data[k]!, { originalLength: this.lengths[k]! });
    }
    return buf.toBytes();
  }

  /**
   * One classic pcap file per interface, keyed by "node:iface" in order of first packet. (If an
   * interface ever carried both framings, the second gets the key "node:iface/ethernet".)
   */
  toPcaps(): Map<string, Uint8Array> {
    const buffers = this.list.map(() => new CaptureBuffer());
    const writers = this.list.map(
      (c, i) => new PcapWriter(buffers[i]!.sink, { linkType: c.linkType, snaplen: this.snaplen }),
    );
    for (const k of this.order()) {
      writers[this.ifaces[k]!]!.write(this.times[k]!, this.data[k]!, this.lengths[k]!);
    }
    const out = new Map<string, Uint8Array>();
    this.list.forEach((c, i) => {
      const key = out.has(c.name) ? `${c.name}/${c.framing}` : c.name;
      out.set(key, buffers[i]!.toBytes());
    });
    return out;
  }
}
