/**
 * What the network reports as packets move: sent by a node, queued, dropped (with why),
 * put on a wire, delivered, forwarded. Observers receive plain event objects; none are built
 * when nobody listens, so an unobserved run pays nothing for tracing.
 */
import type { Nanos } from "../sim/time.js";

/** Why a packet was dropped. */
export type DropReason =
  | "queue-full"
  | "link-down"
  | "loss"
  | "burst-loss"
  | "fault-rule"
  | "node-down"
  | "ttl-exceeded"
  | "no-route"
  | "bad-header"
  | "bad-checksum"
  | "too-big"
  | "reassembly-timeout"
  | "reassembly-limit"
  | "no-listener"
  | "arp-failed"
  | "ndp-failed"
  /** An active queue manager (CoDel) dropped it at the head of the queue. */
  | "aqm"
  /** An application discarded a datagram it could not parse (e.g. a malformed DHCP message). */
  | "bad-message"
  | "not-for-us"
  /** A NAT refused an inbound packet: no mapping, or its filtering behaviour (RFC 4787 §5). */
  | "nat-filtered"
  /** A NAT's mapping table was full, so a new flow got no mapping. */
  | "nat-table-full";

export type PacketEventKind =
  /** A node handed a packet it originated to an interface. */
  | "send"
  /** An interface put a packet in its output queue. */
  | "enqueue"
  /** A packet started serialization onto a wire (the moment a capture on the sender sees it). */
  | "transmit"
  /** A packet reached the far end of a wire (the moment a capture on the receiver sees it). */
  | "deliver"
  /** A router forwarded a packet out of another interface. */
  | "forward"
  /** A link delivered an extra copy of a packet. */
  | "duplicate"
  /** A link flipped a bit in a packet. */
  | "corrupt"
  /** A packet was discarded; see `reason`. */
  | "drop";

export interface PacketEvent {
  time: Nanos;
  kind: PacketEventKind;
  /** Node where it happened. */
  node: string;
  /** Interface name on that node, when one is involved. */
  iface?: string;
  /** Link name, when one is involved. */
  link?: string;
  /** The packet bytes at that moment (an IP datagram, or an Ethernet frame on a LAN). */
  packet: Uint8Array;
  /** Link-layer type of `packet`: "ip" for a bare datagram, "ethernet" for a frame. */
  framing: "ip" | "ethernet";
  reason?: DropReason;
}

export type PacketObserver = (event: PacketEvent) => void;

/** A list of observers with a cheap "anyone listening?" test. */
export class PacketEventBus {
  private readonly observers: PacketObserver[] = [];

  /** True when at least one observer is registered. */
  get active(): boolean {
    return this.observers.length > 0;
  }

  /** Registers an observer; returns a function that removes it. */
  subscribe(fn: PacketObserver): () => void {
    this.observers.push(fn);
    return () => {
      const i = this.observers.indexOf(fn);
      if (i !== -1) this.observers.splice(i, 1);
    };
  }

  emit(event: PacketEvent): void {
    for (const fn of this.observers) fn(event);
  }
}
