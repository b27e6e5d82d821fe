/**
 * An ordinary peer of the supernode overlay: logs in to a supernode (trying the next one when
 * its supernode stops answering), keeps alive, looks peers up through the supernodes, and sends
 * messages hop by hop: straight to a neighbour it knows, otherwise through its own supernode and
 * the destination's. It also locates the k peers closest to a key, for replicated storage.
 */
import type { Nanos } from "../../sim/time.js";
import type { JsonValue } from "../rpc/framing.js";
import { idOf } from "./ids.js";
import { PeerRpc } from "./peer-rpc.js";
import { type DirectoryEntry, decodeEntries } from "./supernode.js";
import type { OverlayMessage, OverlayTransport } from "./transport.js";

/** Options of a peer. */
export interface OverlayPeerOptions {
  /** Supernode addresses, tried in order (starting at `first`) at login and after a failure. */
  supernodes: readonly string[];
  first?: number;
  /** Reachable directly (default true); false models a peer behind a NAT. */
  direct?: boolean;
  /** Keepalive period (default 1 s). */
  keepaliveInterval?: Nanos;
}

/** A message delivered to this peer, with the addresses it passed through. */
export interface Delivery {
  from: string;
  body: JsonValue;
  path: string[];
  /** On the host's monotonic clock (simulation time when the clock is perfect). */
  time: Nanos;
}

/** A peer's state as the supernode sees it. */
export type PeerState = "offline" | "logging-in" | "online";

/** One peer of the overlay. */
export class OverlayPeer {
  readonly id: number;
  readonly rpc: PeerRpc;
  state: PeerState = "offline";
  /** The supernode currently logged in to. */
  supernode: string | undefined;
  /** Neighbours handed out at login. */
  neighbours: DirectoryEntry[] = [];
  /** Messages delivered here, in order. */
  readonly inbox: Delivery[] = [];
  /** Supernode changes, in order: [time on the peer's monotonic clock, supernode address]. */
  readonly logins: [Nanos, string][] = [];
  private next: number;
  private generation = 0;
  private readonly receivers: ((d: Delivery) => void)[] = [];

  constructor(
    readonly transport: OverlayTransport,
    readonly name: string,
    private readonly options: OverlayPeerOptions,
  ) {
    this.id = idOf(name);
    this.next = options.first ?? 0;
    this.rpc = new PeerRpc(transport);
    this.rpc.handle("relay", (_from, m) => this.arrived(m));
    transport.onUpDown((up) => {
      if (up) return;
      this.generation++;
      this.state = "offline";
      this.supernode = undefined;
      this.neighbours = [];
    });
  }

  get address(): string {
    return this.transport.address;
  }

  /** Called for each message delivered here. */
  onDeliver(fn: (d: Delivery) => void): void {
    this.receivers.push(fn);
  }

  /** Logs in to the next supernode that answers; `done` gets success. */
  login(done?: (ok: boolean) => void): void {
    const gen = ++this.generation;
    this.state = "logging-in";
    const tries = this.options.supernodes.length;
    const attempt = (left: number) => {
      if (gen !== this.generation) return;
      if (left === 0) {
        this.state = "offline";
        done?.(false);
        return;
      }
      const sn = this.options.supernodes[this.next % tries]!;
      const msg = { t: "login", peer: this.name, direct: this.options.direct !== false };
      this.rpc.request(sn, msg, (reply) => {
        if (gen !== this.generation) return;
        if (reply?.ok !== true) {
          this.next++;
          attempt(left - 1);
          return;
        }
        this.state = "online";
        this.supernode = sn;
        this.neighbours = decodeEntries(reply.neighbours);
        this.logins.push([this.transport.clock.monotonic(), sn]);
        this.keepalive(gen);
        done?.(true);
      });
    };
    attempt(tries);
  }

  /** Keeps the login alive; on silence from the supernode, logs in to the next one. */
  private keepalive(gen: number): void {
    const interval = this.options.keepaliveInterval ?? 1_000_000_000;
    this.transport.clock.after(interval, () => {
      if (gen !== this.generation || this.supernode === undefined) return;
      this.rpc.request(this.supernode, { t: "keepalive", peer: this.name }, (reply) => {
        if (gen !== this.generation) return;
        if (reply === undefined) this.next++; // supernode gone: move on
        if (reply?.ok === true) this.keepalive(gen);
        else this.login(); // dead supernode, or it forgot us
      });
    });
  }

  /** Logs out; `done` runs when the supernode acknowledged (or did not answer). */
  logout(done?: () => void): void {
    const sn = this.supernode;
    this.generation++;
    this.state = "offline";
    this.supernode = undefined;
    if (sn === undefined) {
      done?.();
      return;
    }
    this.rpc.request(sn, { t: "logout", peer: this.name }, () => done?.());
  }

  /** Looks a peer up in the directory through our supernode. */
  lookup(name: string, done: (entry: DirectoryEntry | undefined) => void): void {
    if (this.supernode === undefined) return done(undefined);
    this.rpc.request(this.supernode, { t: "lookup", peer: name }, (reply) =>
      done(reply?.found === true ? decodeEntries(reply.entry)[0] : undefined),
    );
  }

  /** The `k` peers closest to `key` by id, leaving out `exclude` (names). */
  closest(
    key: number,
    k: number,
    exclude: readonly string[],
    done: (e?: DirectoryEntry[]) => void,
  ): void {
    if (this.supernode === undefined) return done(undefined);
    const msg = { t: "closest", key, k, exclude: [...exclude] };
    this.rpc.request(this.supernode, msg, (reply) =>
      done(reply === undefined ? undefined : decodeEntries(reply.entries)),
    );
  }

  /**
   * Sends `body` to the peer named `to`: directly when it is a neighbour, else through our
   * supernode, which forwards it to the destination's supernode, which hands it over. One
   * datagram per hop, no acknowledgement (a chat message over UDP).
   */
  send(to: string, body: JsonValue): boolean {
    const m: OverlayMessage = { t: "relay", to, from: this.name, body, path: [this.address] };
    const n = this.neighbours.find((e) => e.name === to && e.direct);
    if (n !== undefined) this.transport.send(n.address, m);
    else if (this.supernode !== undefined) this.transport.send(this.supernode, m);
    else return false;
    return true;
  }

  private arrived(m: OverlayMessage): void {
    if (m.to !== this.name || typeof m.from !== "string" || m.body === undefined) return;
    const path = Array.isArray(m.path)
      ? m.path.filter((x): x is string => typeof x === "string")
      : [];
    const d: Delivery = {
      from: m.from,
      body: m.body,
      path: [...path, this.address],
      time: this.transport.clock.monotonic(),
    };
    this.inbox.push(d);
    for (const fn of this.receivers) fn(d);
  }
}
