/**
 * The small message interface every overlay protocol here is written against (send a JSON
 * object to an address, receive them), and its lightweight implementation: an in-simulator
 * message bus with per-pair latency from seeded peer coordinates, for 10,000-peer measurements.
 */
import { HostClock } from "../../sim/host-clock.js";
import type { Simulator } from "../../sim/simulator.js";
import type { Nanos } from "../../sim/time.js";
import type { JsonValue } from "../rpc/framing.js";

/** One overlay message: a JSON object whose `t` member names its kind. */
export type OverlayMessage = { [key: string]: JsonValue };

/** Where overlay messages go and come from; both implementations share the protocol code. */
export interface OverlayTransport {
  /** The simulator (for random streams; protocols read time and set timers on `clock`). */
  readonly sim: Simulator;
  /** The host's own clock: protocols measure time and run their timers on it. */
  readonly clock: HostClock;
  /** This endpoint's address: "10.0.0.3:4000" over UDP, a name on the bus. */
  readonly address: string;
  /** False once the host crashed (or the bus failed it): nothing is sent or received. */
  readonly up: boolean;
  /** Sends a message; undeliverable messages vanish silently, as UDP datagrams do. */
  send(to: string, message: OverlayMessage): void;
  /** Registers the receiver of every arriving message. */
  onMessage(fn: (from: string, message: OverlayMessage) => void): void;
  /** Called with false when the host crashes (protocol state is lost) and true on restart. */
  onUpDown(fn: (up: boolean) => void): void;
}

/** Options of a message bus. */
export interface MessageBusOptions {
  /** Smallest one-way latency (default 5 ms). */
  minLatency?: Nanos;
  /** Added latency per unit of distance between the peers' random points in a unit square
   * (default 100 ms, so one-way latencies run 5..~146 ms). */
  latencyPerUnit?: Nanos;
  /** Probability each message is lost (default 0). */
  loss?: number;
  /** Name of the seeded stream for coordinates and loss (default "p2p:bus"). */
  stream?: string;
}

interface BusPeer {
  readonly endpoint: BusEndpoint;
  readonly x: number;
  readonly y: number;
}

interface InFlight {
  bus: MessageBus;
  from: string;
  to: string;
  message: OverlayMessage;
}

function deliver(f: InFlight): void {
  f.bus.arrive(f.from, f.to, f.message);
}

/**
 * An in-simulator message bus: each endpoint gets a random point in a unit square (from a seeded
 * stream, in attach order), and a message takes minLatency + distance x latencyPerUnit. Messages
 * are passed as objects, not bytes: senders must not mutate a message after sending it.
 */
export class MessageBus {
  private readonly peers = new Map<string, BusPeer>();
  private readonly minLatency: Nanos;
  private readonly perUnit: Nanos;
  private readonly loss: number;
  private readonly rng;
  /** Counters for reports. */
  readonly stats = { sent: 0, delivered: 0, dropped: 0 };

  constructor(
    readonly sim: Simulator,
    options: MessageBusOptions = {},
  ) {
    this.minLatency = options.minLatency ?? 5_000_000;
    this.perUnit = options.latencyPerUnit ?? 100_000_000;
    this.loss = options.loss ?? 0;
    this.rng = sim.rng(options.stream ?? "p2p:bus");
  }

  /** Creates the endpoint named `address` (unique). */
  attach(address: string): BusEndpoint {
    if (this.peers.has(address)) throw new Error(`bus address "${address}" is taken`);
    const endpoint = new BusEndpoint(this, address);
    this.peers.set(address, { endpoint, x: this.rng.nextFloat(), y: this.rng.nextFloat() });
    return endpoint;
  }

  /** The endpoint at `address`, if attached. */
  endpoint(address: string): BusEndpoint | undefined {
    return this.peers.get(address)?.endpoint;
  }

  /** One-way latency between two attached endpoints. */
  latency(a: string, b: string): Nanos {
    const pa = this.peers.get(a);
    const pb = this.peers.get(b);
    if (pa === undefined || pb === undefined) return this.minLatency;
    const d = Math.hypot(pa.x - pb.x, pa.y - pb.y);
    return this.minLatency + Math.round(d * this.perUnit);
  }

  /** Fails an endpoint as a crash does: it stops sending and receiving and loses its state. */
  fail(address: string): void {
    this.peers.get(address)?.endpoint.setUp(false);
  }

  /** Brings a failed endpoint back (with empty protocol state). */
  recover(address: string): void {
    this.peers.get(address)?.endpoint.setUp(true);
  }

  /** Called by endpoints. */
  send(from: string, to: string, message: OverlayMessage): void {
    this.stats.sent++;
    if (!this.peers.has(to) || (this.loss > 0 && this.rng.chance(this.loss))) {
      this.stats.dropped++;
      return;
    }
    this.sim.after(this.latency(from, to), deliver, { bus: this, from, to, message });
  }

  /** Called when a message's latency has passed. */
  arrive(from: string, to: string, message: OverlayMessage): void {
    const e = this.peers.get(to)?.endpoint;
    if (e === undefined || !e.up) {
      this.stats.dropped++;
      return;
    }
    this.stats.delivered++;
    e.receive(from, message);
  }
}

/** One endpoint on a message bus. */
export class BusEndpoint implements OverlayTransport {
  private readonly receivers: ((from: string, m: OverlayMessage) => void)[] = [];
  private readonly upDown: ((up: boolean) => void)[] = [];
  private isUp = true;
  private ownClock: HostClock | undefined;

  constructor(
    private readonly bus: MessageBus,
    readonly address: string,
  ) {}

  get sim(): Simulator {
    return this.bus.sim;
  }

  /** The endpoint's own clock: perfect unless configured (made on first use: buses are big). */
  get clock(): HostClock {
    this.ownClock ??= new HostClock(this.bus.sim);
    return this.ownClock;
  }

  get up(): boolean {
    return this.isUp;
  }

  send(to: string, message: OverlayMessage): void {
    if (this.isUp) this.bus.send(this.address, to, message);
  }

  onMessage(fn: (from: string, message: OverlayMessage) => void): void {
    this.receivers.push(fn);
  }

  onUpDown(fn: (up: boolean) => void): void {
    this.upDown.push(fn);
  }

  /** Called by the bus. */
  receive(from: string, message: OverlayMessage): void {
    for (const fn of this.receivers) fn(from, message);
  }

  /** Called by the bus. */
  setUp(up: boolean): void {
    if (up === this.isUp) return;
    this.isUp = up;
    for (const fn of this.upDown) fn(up);
  }
}
