/**
 * A supernode of a Skype-like overlay: peers log in and out through it and keep alive with
 * periodic keepalives (a fixed-timeout failure detector drops silent ones); the supernodes
 * replicate the directory (peer -> address, supernode) among themselves, ping each other and
 * forget the peers of a supernode they find dead; relayed messages pass through on their way.
 */

import {
  type DetectorFactory,
  type FailureDetector,
  FixedTimeoutDetector,
} from "../heartbeat/detector.js";
import type { JsonValue } from "../rpc/framing.js";
import { closest, idOf } from "./ids.js";
import { PeerRpc } from "./peer-rpc.js";
import type { OverlayMessage, OverlayTransport } from "./transport.js";

/** One directory row. */
export interface DirectoryEntry {
  name: string;
  id: number;
  address: string;
  /** Address of the supernode the peer is logged in to. */
  supernode: string;
  /** False for a peer others cannot reach directly (behind a NAT): relay through its supernode. */
  direct: boolean;
}

/** Options of a supernode. */
export interface SupernodeOptions {
  /** Addresses of the other supernodes. */
  others: readonly string[];
  /** Detector for each logged-in peer (default: dead after 3 s without a keepalive). */
  detector?: DetectorFactory;
  /** How often silent peers are swept and other supernodes pinged (default 1 s). */
  sweepInterval?: number;
  /** Neighbours handed to a peer at login (default 3). */
  neighbours?: number;
}

/** Encodes rows as [name, address, supernode, direct] arrays. */
export const encodeEntries = (es: readonly DirectoryEntry[]): JsonValue =>
  es.map((e) => [e.name, e.address, e.supernode, e.direct]);

/** Decodes rows encoded by encodeEntries, skipping malformed ones. */
export function decodeEntries(v: JsonValue | undefined): DirectoryEntry[] {
  if (!Array.isArray(v)) return [];
  const out: DirectoryEntry[] = [];
  for (const x of v) {
    if (!Array.isArray(x)) continue;
    const [name, address, supernode, direct] = x;
    if (typeof name === "string" && typeof address === "string" && typeof supernode === "string") {
      out.push({ name, id: idOf(name), address, supernode, direct: direct !== false });
    }
  }
  return out;
}

/** A directory event, for logs and tests. */
export interface SupernodeEvent {
  /** On the host's monotonic clock (simulation time when the clock is perfect). */
  time: number;
  kind: "login" | "logout" | "expired" | "learned" | "forgot" | "supernode-dead";
  peer: string;
}

/** One supernode. */
export class Supernode {
  readonly rpc: PeerRpc;
  /** The replicated directory, by peer name (insertion ordered). */
  readonly directory = new Map<string, DirectoryEntry>();
  /** What happened, in order. */
  readonly events: SupernodeEvent[] = [];
  private readonly detectors = new Map<string, FailureDetector>();
  private readonly deadSupernodes = new Set<string>();
  private readonly detector: DetectorFactory;
  private readonly neighbours: number;
  private running = true;
  /** Bumped on restart, so a sweep loop from before a crash does not run twice. */
  private generation = 0;

  constructor(
    readonly transport: OverlayTransport,
    private readonly options: SupernodeOptions,
  ) {
    this.rpc = new PeerRpc(transport);
    this.detector =
      options.detector ?? (() => new FixedTimeoutDetector({ timeout: 3_000_000_000 }));
    this.neighbours = options.neighbours ?? 3;
    transport.onUpDown((up) => {
      this.running = up;
      if (!up) {
        this.directory.clear();
        this.detectors.clear();
      } else this.sweep(++this.generation);
    });
    this.serve();
    this.sweep(this.generation);
  }

  get address(): string {
    return this.transport.address;
  }

  /** Peers logged in here, in login order. */
  localPeers(): DirectoryEntry[] {
    return [...this.directory.values()].filter((e) => e.supernode === this.address);
  }

  private log(kind: SupernodeEvent["kind"], peer: string): void {
    this.events.push({ time: this.transport.clock.monotonic(), kind, peer });
  }

  /** Tells the other supernodes (retried requests, so a lost datagram is not a lost row). */
  private broadcast(message: OverlayMessage): void {
    for (const o of this.options.others) {
      if (!this.deadSupernodes.has(o)) this.rpc.request(o, message, () => {});
    }
  }

  private serve(): void {
    const rpc = this.rpc;
    rpc.handle("login", (from, m, reply) => {
      if (typeof m.peer !== "string") return;
      const e: DirectoryEntry = {
        name: m.peer,
        id: idOf(m.peer),
        address: from,
        supernode: this.address,
        direct: m.direct !== false,
      };
      this.directory.delete(e.name); // re-insert at the end: login order
      this.directory.set(e.name, e);
      const d = this.detector(e.name);
      d.heartbeat(this.transport.clock.monotonic());
      this.detectors.set(e.name, d);
      this.log("login", e.name);
      this.broadcast({ t: "dir-add", entries: encodeEntries([e]) });
      const candidates = [...this.directory.values()].filter((x) => x.name !== e.name && x.direct);
      reply({ ok: true, neighbours: encodeEntries(closest(candidates, e.id, this.neighbours)) });
    });
    rpc.handle("keepalive", (_from, m, reply) => {
      const d = typeof m.peer === "string" ? this.detectors.get(m.peer) : undefined;
      d?.heartbeat(this.transport.clock.monotonic());
      reply({ ok: d !== undefined });
    });
    rpc.handle("logout", (_from, m, reply) => {
      if (typeof m.peer === "string" && this.detectors.has(m.peer)) this.drop(m.peer, "logout");
      reply({ ok: true });
    });
    rpc.handle("lookup", (_from, m, reply) => {
      const e = typeof m.peer === "string" ? this.directory.get(m.peer) : undefined;
      reply(e === undefined ? { found: false } : { found: true, entry: encodeEntries([e]) });
    });
    rpc.handle("closest", (_from, m, reply) => {
      const exclude = new Set(Array.isArray(m.exclude) ? m.exclude : []);
      const rows = [...this.directory.values()].filter((e) => !exclude.has(e.name));
      const k = typeof m.k === "number" ? m.k : 3;
      const key = typeof m.key === "number" ? m.key : 0;
      reply({ entries: encodeEntries(closest(rows, key, k)) });
    });
    rpc.handle("dir-add", (_from, m, reply) => {
      for (const e of decodeEntries(m.entries)) {
        // A peer that moved to another supernode is no longer ours.
        if (this.detectors.has(e.name) && e.supernode !== this.address) {
          this.detectors.delete(e.name);
        }
        this.deadSupernodes.delete(e.supernode);
        this.directory.set(e.name, e);
        this.log("learned", e.name);
      }
      reply({ ok: true });
    });
    rpc.handle("dir-remove", (from, m, reply) => {
      const name = m.peer;
      const e = typeof name === "string" ? this.directory.get(name) : undefined;
      if (e !== undefined && e.supernode === from) {
        this.directory.delete(e.name);
        this.log("forgot", e.name);
      }
      reply({ ok: true });
    });
    rpc.handle("sn-ping", (from, _m, reply) => {
      this.deadSupernodes.delete(from);
      reply({ ok: true });
    });
    rpc.handle("relay", (from, m) => this.relay(from, m));
  }

  private drop(name: string, kind: "logout" | "expired"): void {
    this.detectors.delete(name);
    this.directory.delete(name);
    this.log(kind, name);
    this.broadcast({ t: "dir-remove", peer: name });
  }

  /** Forwards a relayed message one hop: to the peer if it is ours, else to its supernode. */
  private relay(_from: string, m: OverlayMessage): void {
    const path = Array.isArray(m.path) ? m.path : [];
    if (typeof m.to !== "string" || path.length >= 8) return;
    const e = this.directory.get(m.to);
    if (e === undefined) return;
    const next = e.supernode === this.address ? e.address : e.supernode;
    this.transport.send(next, { ...m, path: [...path, this.address] });
  }

  /** Periodic work: expire silent peers, ping the other supernodes. */
  private sweep(generation: number): void {
    if (!this.running || generation !== this.generation) return;
    // Silences are measured on the supernode's own clock, as a real one would.
    const now = this.transport.clock.monotonic();
    const expired: string[] = [];
    for (const [name, d] of this.detectors) if (d.health(now) === "dead") expired.push(name);
    for (const name of expired) this.drop(name, "expired");
    for (const o of this.options.others) {
      if (this.deadSupernodes.has(o)) continue;
      this.rpc.request(o, { t: "sn-ping" }, (reply) => {
        if (reply !== undefined || !this.running || this.deadSupernodes.has(o)) return;
        this.deadSupernodes.add(o);
        this.log("supernode-dead", o);
        for (const e of [...this.directory.values()]) {
          if (e.supernode === o) {
            this.directory.delete(e.name);
            this.log("forgot", e.name);
          }
        }
      });
    }
    const interval = this.options.sweepInterval ?? 1_000_000_000;
    this.transport.clock.after(interval, () => this.sweep(generation));
  }
}

/**
 * Picks supernodes as Skype did, among peers with the most capacity (bandwidth, uptime, a
 * public address): the `count` highest scores, ties broken by name, so the choice is repeatable.
 */
export function electSupernodes(
  candidates: readonly { name: string; capacity: number; direct?: boolean }[],
  count: number,
): string[] {
  return candidates
    .filter((c) => c.direct !== false)
    .sort((a, b) => b.capacity - a.capacity || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, count)
    .map((c) => c.name);
}
