/**
 * Point-to-point links: two interfaces joined by two independent channels, one per direction.
 * A channel models what ns-3's point-to-point device does: an output queue (drop-tail, or CoDel
 * in codel.ts), a transmitter that is busy for the serialization time (bytes x 8 / bandwidth),
 * then propagation delay, plus the impairments of impairments.ts and the network's fault rules.
 * Links go down and up at run time; a down link drops what it is given and what was in flight.
 */
import type { Simulator } from "../sim/simulator.js";
import type { Nanos } from "../sim/time.js";
import { CodelQueue } from "./codel.js";
import { ImpairmentState, type Impairments } from "./impairments.js";
import type { DropReason } from "./packet-events.js";
import { type OutputQueue, PacketQueue, type QueueLimits } from "./packet-queue.js";

export interface LinkOptions {
  /** Bits per second (default 1 Gbit/s). */
  bandwidth?: number;
  /** One-way propagation delay in ns (default 1 ms). */
  delay?: Nanos;
  /** Largest datagram (or frame payload) the link carries, in bytes (default 1500). */
  mtu?: number;
  /** Output queue limits at each end (default 1000 packets), and `aqm: "codel"` for CoDel. */
  queue?: QueueLimits;
  /** Impairments applied in both directions (each direction has its own random streams). */
  impairments?: Impairments;
}

/** The end of a link that an interface transmits into and receives from. */
export interface LinkEndpoint {
  /** Owner's name, for traces ("r1"). */
  readonly nodeName: string;
  /** Interface name, for traces ("eth0"). */
  readonly ifaceName: string;
  /** What the link carries from this end: bare IP datagrams or Ethernet frames. */
  readonly framing: "ip" | "ethernet";
  /** Called when a packet arrives from the wire. */
  receiveFromLink(packet: Uint8Array): void;
  /** Called when the link goes down or comes back up (carrier loss, as a NIC reports it). */
  linkStateChanged?(up: boolean): void;
}

/** Hooks a channel calls so the network can trace and apply fault rules without a cycle. */
export interface ChannelHooks {
  /**
   * Fault rules: undefined to pass, "drop", an extra delay in ns, or "held" when a rule kept the
   * packet and will call `resume` to let it go on.
   */
  judge(
    channel: Channel,
    packet: Uint8Array,
    resume: () => void,
  ): "drop" | "held" | Nanos | undefined;
  onTransmit(channel: Channel, packet: Uint8Array): void;
  onDeliver(channel: Channel, packet: Uint8Array): void;
  onDrop(channel: Channel, packet: Uint8Array, reason: DropReason): void;
  onDuplicate(channel: Channel, packet: Uint8Array): void;
  onCorrupt(channel: Channel, packet: Uint8Array): void;
}

/** One direction of a link. */
export class Channel {
  readonly queue: OutputQueue;
  readonly impairments: ImpairmentState;
  private busy = false;
  private current: Uint8Array | undefined;
  /** Packets currently propagating, so a link that goes down can drop them. */
  private epoch = 0;
  /** Counters for tests and reports. */
  readonly stats = { sent: 0, delivered: 0, dropped: 0, bytesDelivered: 0 };
  private readonly finishBound: () => void;
  private readonly arriveBound: (arrival: Arrival) => void;

  constructor(
    readonly link: PointToPointLink,
    readonly from: LinkEndpoint,
    readonly to: LinkEndpoint,
    private readonly sim: Simulator,
    private readonly hooks: ChannelHooks,
    options: LinkOptions,
  ) {
    this.queue =
      options.queue?.aqm === "codel"
        ? new CodelQueue(
            options.queue,
            () => sim.now,
            (p) => this.drop(p, "aqm"),
          )
        : new PacketQueue(options.queue);
    this.impairments = new ImpairmentState(
      sim,
      `link:${link.name}:${from.nodeName}>${to.nodeName}`,
      options.impairments,
    );
    this.finishBound = () => this.finishTransmit();
    this.arriveBound = (a) => this.arrive(a);
  }

  /** Accepts a packet from the sending interface. The channel owns the buffer from now on. */
  send(packet: Uint8Array): void {
    this.stats.sent++;
    if (!this.link.up) return this.drop(packet, "link-down");
    if (this.busy) {
      if (!this.queue.push(packet)) this.drop(packet, "queue-full");
      return;
    }
    this.startTransmit(packet);
  }

  /** Serialization time of `bytes` at this link's bandwidth, in whole ns (rounded up). */
  serializationTime(bytes: number): Nanos {
    return Math.ceil((bytes * 8 * 1e9) / this.link.bandwidth);
  }

  /** Called by the link when it goes down: flush the queue and forget what is in flight. */
  linkDown(): void {
    this.epoch++;
    for (const p of this.queue.flush()) this.drop(p, "link-down");
    if (this.current !== undefined) {
      this.drop(this.current, "link-down");
      this.current = undefined;
    }
  }

  private startTransmit(packet: Uint8Array): void {
    this.busy = true;
    this.current = packet;
    this.hooks.onTransmit(this, packet);
    this.sim.after(this.serializationTime(packet.length), this.finishBound);
  }

  private finishTransmit(): void {
    const packet = this.current;
    this.current = undefined;
    if (packet !== undefined) this.propagate(packet);
    const next = this.queue.shift();
    if (next !== undefined && this.link.up) this.startTransmit(next);
    else this.busy = false;
  }

  private propagate(packet: Uint8Array): void {
    const rule = this.hooks.judge(this, packet, () => this.impairAndSchedule(packet, 0));
    if (rule === "drop") return this.drop(packet, "fault-rule");
    if (rule === "held") return;
    this.impairAndSchedule(packet, rule ?? 0);
  }

  private impairAndSchedule(packet: Uint8Array, extraDelay: Nanos): void {
    let extra = extraDelay;
    let duplicate = false;
    if (!this.impairments.none) {
      const v = this.impairments.decide(packet);
      if (v.lost) return this.drop(packet, "loss");
      if (v.corrupted) this.hooks.onCorrupt(this, packet);
      extra += v.extraDelay;
      duplicate = v.duplicated;
    }
    const at = this.sim.now + this.link.delay + extra;
    this.sim.at(at, this.arriveBound, new Arrival(packet, this.epoch));
    if (duplicate) {
      const copy = packet.slice();
      this.hooks.onDuplicate(this, copy);
      this.sim.at(at, this.arriveBound, new Arrival(copy, this.epoch));
    }
  }

  private arrive(a: Arrival): void {
    if (a.epoch !== this.epoch || !this.link.up) return this.drop(a.packet, "link-down");
    this.stats.delivered++;
    this.stats.bytesDelivered += a.packet.length;
    this.hooks.onDeliver(this, a.packet);
    this.to.receiveFromLink(a.packet);
  }

  private drop(packet: Uint8Array, reason: DropReason): void {
    this.stats.dropped++;
    this.hooks.onDrop(this, packet, reason);
  }
}

/** A packet on the wire, tagged with the link epoch it left in. */
class Arrival {
  constructor(
    readonly packet: Uint8Array,
    readonly epoch: number,
  ) {}
}

/** A full-duplex point-to-point link between two endpoints. */
export class PointToPointLink {
  readonly bandwidth: number;
  /** One-way propagation delay; may be changed at run time (affects packets sent later). */
  delay: Nanos;
  readonly mtu: number;
  /** a -> b */
  readonly ab: Channel;
  /** b -> a */
  readonly ba: Channel;
  private isUp = true;

  constructor(
    readonly name: string,
    readonly a: LinkEndpoint,
    readonly b: LinkEndpoint,
    sim: Simulator,
    hooks: ChannelHooks,
    options: LinkOptions = {},
  ) {
    this.bandwidth = options.bandwidth ?? 1e9;
    this.delay = options.delay ?? 1_000_000;
    this.mtu = options.mtu ?? 1500;
    if (!(this.bandwidth > 0)) throw new RangeError(`link ${name}: bandwidth must be > 0`);
    if (!(Number.isInteger(this.delay) && this.delay >= 0)) {
      throw new RangeError(`link ${name}: delay must be a non-negative integer number of ns`);
    }
    if (!(Number.isInteger(this.mtu) && this.mtu >= 68)) {
      throw new RangeError(`link ${name}: MTU must be an integer >= 68 (RFC 791)`);
    }
    this.ab = new Channel(this, a, b, sim, hooks, options);
    this.ba = new Channel(this, b, a, sim, hooks, options);
  }

  get up(): boolean {
    return this.isUp;
  }

  /** The channel that carries packets sent by `end`. */
  channelFrom(end: LinkEndpoint): Channel {
    return end === this.a ? this.ab : this.ba;
  }

  /** Sets impairments on both directions at run time. */
  setImpairments(i: Impairments): void {
    this.ab.impairments.set(i);
    this.ba.impairments.set(i);
  }

  /** Takes the link down (dropping queued and in-flight packets) or brings it back up. */
  setUp(up: boolean): void {
    if (up === this.isUp) return;
    this.isUp = up;
    if (!up) {
      this.ab.linkDown();
      this.ba.linkDown();
    }
    this.a.linkStateChanged?.(up);
    this.b.linkStateChanged?.(up);
  }
}
