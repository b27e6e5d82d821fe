/**
 * The packet event trace as text, tcpdump-style, one line per event, optionally narrowed by a
 * packet filter (packet-filter.ts): by default the events a wire shows, transmissions and drops
 * with their reason; a filter that names event kinds (`kind deliver`) chooses its own.
 */
import type { Network } from "../net/network.js";
import type { PacketEvent } from "../net/packet-events.js";
import { formatTime } from "../sim/time.js";
import { formatIpv4 } from "../wire/address.js";
import { type PacketFields, packetFields } from "./packet-fields.js";
import type { PacketFilter } from "./packet-filter.js";
import { summarizeFrame, summarizeIp } from "./summary.js";
import "./tcp-summary.js";

/** Node names and their addresses (IPv4 and IPv6, as text), for `host NAME` in filters. */
export function hostAddresses(net: Network): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const n of net.nodes) {
    out[n.name] = n.interfaces.flatMap((i) => [
      ...i.v4.map((a) => formatIpv4(a.address)),
      ...i.v6.map((a) => a.address.toString()),
    ]);
  }
  return out;
}

/** One event as a trace line: time, where, and what ("x DROPPED (reason)" for drops). */
export function traceLine(e: PacketEvent): string {
  const what = e.framing === "ethernet" ? summarizeFrame(e.packet) : summarizeIp(e.packet);
  const where = `${e.node}:${e.iface ?? ""}`.padEnd(10);
  if (e.kind === "transmit") return `${formatTime(e.time)}  ${where} > ${what}`;
  if (e.kind === "drop") return `${formatTime(e.time)}  ${where} x DROPPED (${e.reason}): ${what}`;
  return `${formatTime(e.time)}  ${where} ${e.kind}: ${what}`;
}

/** True for the events a trace shows under `filter` (see the header). */
export function traced(e: PacketEvent, fields: PacketFields, filter?: PacketFilter): boolean {
  if (filter === undefined || !filter.choosesKinds) {
    if (e.kind !== "transmit" && e.kind !== "drop") return false;
  }
  return filter === undefined || filter.matches(fields);
}

/** Collects the trace lines of the events that pass `filter`, from construction to `stop()`. */
export class FilteredTrace {
  readonly lines: string[] = [];
  /** Events seen and events matched. */
  seen = 0;
  private readonly unsubscribe: () => void;

  constructor(
    net: Network,
    readonly filter: PacketFilter,
    /** Lines kept at most (the count goes on). */
    readonly limit = 100_000,
  ) {
    this.unsubscribe = net.events.subscribe((e) => {
      if (!traced(e, packetFields(e), filter)) return;
      this.seen++;
      if (this.lines.length < limit) this.lines.push(traceLine(e));
    });
  }

  stop(): void {
    this.unsubscribe();
  }
}
