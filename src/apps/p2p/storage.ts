/**
 * Replicated storage over the supernode overlay: each item lives on the k peers whose ids are
 * closest to the key's; holders ping their co-holders, and when one stops answering the first
 * surviving holder (in the item's holder order) asks for the k closest live peers and copies the
 * item to them, restoring k copies. Repairs are logged with their times to measure recovery.
 */
import type { Nanos } from "../../sim/time.js";
import type { JsonValue } from "../rpc/framing.js";
import { idOf } from "./ids.js";
import type { PeerRpc } from "./peer-rpc.js";

/** A peer as storage sees it. */
export interface Holder {
  name: string;
  address: string;
}

/** What storage needs from the overlay: who we are, and the k peers closest to a key. */
export interface StorageHost {
  readonly name: string;
  readonly rpc: PeerRpc;
  closest(key: number, k: number, exclude: readonly string[], done: (h?: Holder[]) => void): void;
}

/** Options of a store. */
export interface ReplicatedStoreOptions {
  /** Copies per item (default 3). */
  k?: number;
  /** How often co-holders are pinged (default 1 s). */
  checkInterval?: Nanos;
}

/** One stored item. */
export interface StoredItem {
  key: string;
  value: string;
  holders: Holder[];
}

/** A completed repair: the item again has `holders` (k of them when enough peers live). */
export interface Repair {
  key: string;
  /** On the host's monotonic clock (simulation time when the clock is perfect). */
  time: Nanos;
  lost: string;
  holders: string[];
}

const encodeHolders = (hs: readonly Holder[]): JsonValue => hs.map((h) => [h.name, h.address]);

function decodeHolders(v: JsonValue | undefined): Holder[] {
  if (!Array.isArray(v)) return [];
  const out: Holder[] = [];
  for (const x of v) {
    if (Array.isArray(x) && typeof x[0] === "string" && typeof x[1] === "string") {
      out.push({ name: x[0], address: x[1] });
    }
  }
  return out;
}

/** The storage process of one peer. */
export class ReplicatedStore {
  readonly k: number;
  /** Items held here, by key. */
  readonly items = new Map<string, StoredItem>();
  /** Repairs this peer led, in order. */
  readonly repairs: Repair[] = [];
  /** Co-holders found dead, by name, with when. */
  readonly dead = new Map<string, Nanos>();
  private generation = 0;

  constructor(
    readonly host: StorageHost,
    private readonly options: ReplicatedStoreOptions = {},
  ) {
    this.k = options.k ?? 3;
    const rpc = host.rpc;
    rpc.handle("replica-put", (_from, m, reply) => {
      if (typeof m.key === "string" && typeof m.value === "string") {
        const holders = decodeHolders(m.holders);
        this.items.set(m.key, { key: m.key, value: m.value, holders });
        for (const h of holders) this.dead.delete(h.name);
      }
      reply({ ok: true });
    });
    rpc.handle("replica-get", (_from, m, reply) => {
      const item = typeof m.key === "string" ? this.items.get(m.key) : undefined;
      reply(item === undefined ? { found: false } : { found: true, value: item.value });
    });
    rpc.handle("replica-ping", (_from, _m, reply) => reply({ ok: true }));
    rpc.transport.onUpDown((up) => {
      this.generation++;
      this.items.clear(); // memory is lost with the process
      this.dead.clear();
      if (up) this.check(this.generation);
    });
    this.check(this.generation);
  }

  /** Stores `value` on the k peers closest to `key`; `done` gets the acknowledged holders. */
  put(key: string, value: string, done?: (holders: string[]) => void): void {
    this.host.closest(idOf(key), this.k, [], (holders) => {
      if (holders === undefined || holders.length === 0) return done?.([]);
      this.copy(key, value, holders, done);
    });
  }

  /** Reads `key` from the first of its k closest peers that has it. */
  get(key: string, done: (value: string | undefined, holder?: string) => void): void {
    this.host.closest(idOf(key), this.k, [], (holders) => {
      const list = holders ?? [];
      const next = (i: number) => {
        const h = list[i];
        if (h === undefined) return done(undefined);
        this.host.rpc.request(h.address, { t: "replica-get", key }, (reply) => {
          if (reply?.found === true && typeof reply.value === "string") done(reply.value, h.name);
          else next(i + 1);
        });
      };
      next(0);
    });
  }

  /** Sends the item with its holder list to every holder; `done` gets those that acknowledged. */
  private copy(key: string, value: string, holders: Holder[], done?: (h: string[]) => void): void {
    const acked: string[] = [];
    let waiting = holders.length;
    const msg = { t: "replica-put", key, value, holders: encodeHolders(holders) };
    for (const h of holders) {
      this.host.rpc.request(h.address, msg, (reply) => {
        if (reply !== undefined) acked.push(h.name);
        if (--waiting === 0) {
          const order = holders.map((x) => x.name).filter((n) => acked.includes(n));
          done?.(order);
        }
      });
    }
  }

  /** Periodic check: ping each co-holder once, and repair the items of those that are gone. */
  private check(generation: number): void {
    if (generation !== this.generation) return;
    const rpc = this.host.rpc;
    const peers = new Map<string, string>();
    for (const item of this.items.values()) {
      for (const h of item.holders) {
        if (h.name !== this.host.name && !this.dead.has(h.name)) peers.set(h.name, h.address);
      }
    }
    for (const [name, address] of peers) {
      rpc.request(address, { t: "replica-ping" }, (reply) => {
        if (reply !== undefined || generation !== this.generation || this.dead.has(name)) return;
        this.dead.set(name, rpc.transport.clock.monotonic());
        this.holderLost(name);
      });
    }
    const interval = this.options.checkInterval ?? 1_000_000_000;
    rpc.transport.clock.after(interval, () => this.check(generation));
  }

  private holderLost(name: string): void {
    for (const item of [...this.items.values()]) {
      if (!item.holders.some((h) => h.name === name)) continue;
      const survivors = item.holders.filter((h) => !this.dead.has(h.name));
      if (survivors[0]?.name !== this.host.name) continue; // another survivor leads the repair
      const exclude = item.holders.filter((h) => this.dead.has(h.name)).map((h) => h.name);
      this.host.closest(idOf(item.key), this.k, exclude, (holders) => {
        if (holders === undefined || holders.length === 0) return;
        this.copy(item.key, item.value, holders, (acked) => {
          const time = this.host.rpc.transport.clock.monotonic();
          this.repairs.push({ key: item.key, time, lost: name, holders: acked });
        });
      });
    }
  }
}
