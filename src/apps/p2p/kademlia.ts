/**
 * A Kademlia node (Maymounkov & Mazières, IPTPS 2002): PING, FIND_NODE, FIND_VALUE and STORE
 * as JSON requests over an overlay transport, k-buckets updated from every message heard,
 * iterative lookups with α parallel queries, and values stored on the k closest nodes. Joining
 * is a lookup of one's own id through a bootstrap contact, then (optionally) one lookup per
 * bucket farther than the nearest neighbour, as the paper's join refreshes them.
 */
import type { JsonValue } from "../rpc/framing.js";
import { bucketIndex, ID_BITS, idOf } from "./ids.js";
import { type DhtLookupResult, iterativeLookup, type QueryReply } from "./lookup.js";
import { PeerRpc } from "./peer-rpc.js";
import { type Contact, KBucketTable } from "./routing-table.js";
import type { OverlayMessage, OverlayTransport } from "./transport.js";

/** Parameters of a Kademlia node. */
export interface KademliaOptions {
  /** The node id (default: idOf(address)). */
  id?: number;
  /** Bucket size and replication (default 20). */
  k?: number;
  /** Queries in flight per lookup (default 3). */
  alpha?: number;
  /** Time a lookup waits for one contact before giving up on it (default 1 s; no resend). */
  queryTimeout?: number;
  /** Refresh the buckets farther than the nearest neighbour after joining (default true). */
  refreshOnJoin?: boolean;
}

const encodeContacts = (cs: readonly Contact[]): JsonValue => cs.map((c) => [c.id, c.address]);

function decodeContacts(v: JsonValue | undefined): Contact[] {
  if (!Array.isArray(v)) return [];
  const out: Contact[] = [];
  for (const x of v) {
    if (Array.isArray(x) && typeof x[0] === "number" && typeof x[1] === "string") {
      out.push({ id: x[0] >>> 0, address: x[1] });
    }
  }
  return out;
}

/** One Kademlia node. Crashing loses its table and values; a restart must join again. */
export class KademliaNode {
  readonly id: number;
  readonly k: number;
  readonly alpha: number;
  readonly rpc: PeerRpc;
  table: KBucketTable;
  /** Values this node stores, by key id. */
  readonly values = new Map<number, string>();
  private readonly queryTimeout: number;
  private readonly refreshOnJoin: boolean;

  constructor(
    readonly transport: OverlayTransport,
    options: KademliaOptions = {},
  ) {
    this.id = (options.id ?? idOf(transport.address)) >>> 0;
    this.k = options.k ?? 20;
    this.alpha = options.alpha ?? 3;
    this.queryTimeout = options.queryTimeout ?? 1_000_000_000;
    this.refreshOnJoin = options.refreshOnJoin ?? true;
    this.table = new KBucketTable(this.id, this.k);
    this.rpc = new PeerRpc(transport);
    transport.onUpDown((up) => {
      if (up) return;
      this.table = new KBucketTable(this.id, this.k);
      this.values.clear();
    });
    this.serve();
  }

  /** This node as a contact. */
  get contact(): Contact {
    return { id: this.id, address: this.transport.address };
  }

  private heard(from: string, m: OverlayMessage): void {
    const id = m.id;
    if (typeof id === "number") this.table.seen({ id: id >>> 0, address: from });
  }

  private serve(): void {
    this.rpc.handle("ping", (from, m, reply) => {
      this.heard(from, m);
      reply({ id: this.id });
    });
    this.rpc.handle("find_node", (from, m, reply) => {
      this.heard(from, m);
      const target = typeof m.target === "number" ? m.target >>> 0 : this.id;
      reply({ id: this.id, nodes: encodeContacts(this.table.closest(target, this.k)) });
    });
    this.rpc.handle("find_value", (from, m, reply) => {
      this.heard(from, m);
      const key = typeof m.key === "number" ? m.key >>> 0 : 0;
      const v = this.values.get(key);
      if (v !== undefined) reply({ id: this.id, value: v });
      else reply({ id: this.id, nodes: encodeContacts(this.table.closest(key, this.k)) });
    });
    this.rpc.handle("store", (from, m, reply) => {
      this.heard(from, m);
      if (typeof m.key === "number" && typeof m.value === "string") {
        this.values.set(m.key >>> 0, m.value);
      }
      reply({ id: this.id });
    });
  }

  /** Sends one lookup query; failed contacts leave the routing table. */
  private ask(c: Contact, message: OverlayMessage, done: (r: OverlayMessage | undefined) => void) {
    this.rpc.request(
      c.address,
      { ...message, id: this.id },
      (reply, from) => {
        if (reply === undefined) this.table.failed(c.id);
        else this.heard(from, reply);
        done(reply);
      },
      { timeout: this.queryTimeout, retries: 0 },
    );
  }

  /** Iterative FIND_NODE; with `stopAtTarget`, ends once the node with that id answers. */
  findNode(target: number, done: (r: DhtLookupResult) => void, stopAtTarget = false): void {
    const seeds = this.table.closest(target, this.k);
    iterativeLookup(
      target >>> 0,
      seeds,
      this.k,
      this.alpha,
      (c, answer) =>
        this.ask(c, { t: "find_node", target }, (r) => {
          if (r === undefined) return answer(undefined);
          const reply: QueryReply = { contacts: decodeContacts(r.nodes) };
          if (stopAtTarget && c.id === target >>> 0) reply.found = true;
          answer(reply);
        }),
      done,
      this.id,
    );
  }

  /** Iterative FIND_VALUE for a key (its own value counts as found at 0 hops). */
  findValue(key: string, done: (r: DhtLookupResult) => void): void {
    const keyId = idOf(key);
    const own = this.values.get(keyId);
    if (own !== undefined) {
      done({ closest: [], value: own, found: true, hops: 0, queries: 0, failures: 0 });
      return;
    }
    iterativeLookup(
      keyId,
      this.table.closest(keyId, this.k),
      this.k,
      this.alpha,
      (c, answer) =>
        this.ask(c, { t: "find_value", key: keyId }, (r) => {
          if (r === undefined) return answer(undefined);
          if (typeof r.value === "string") answer({ contacts: [], value: r.value, found: true });
          else answer({ contacts: decodeContacts(r.nodes) });
        }),
      done,
      this.id,
    );
  }

  /** Stores a value on the k closest nodes to its key; `done` gets how many acknowledged. */
  store(key: string, value: string, done?: (stored: number) => void): void {
    const keyId = idOf(key);
    this.findNode(keyId, (r) => {
      const targets = r.closest;
      if (targets.length === 0) {
        this.values.set(keyId, value);
        done?.(1);
        return;
      }
      let acked = 0;
      let waiting = targets.length;
      for (const c of targets) {
        this.rpc.request(c.address, { t: "store", id: this.id, key: keyId, value }, (reply) => {
          if (reply !== undefined) acked++;
          if (--waiting === 0) done?.(acked);
        });
      }
    });
  }

  /**
   * Joins through `bootstrap`: looks up its own id (filling the buckets near it), then one random
   * id in each bucket farther than its nearest neighbour. `done` runs when the join lookups end.
   */
  join(bootstrap: Contact, done?: () => void, random?: () => number): void {
    this.table.seen(bootstrap);
    this.findNode(this.id, (r) => {
      const nearest = r.closest[0];
      if (!this.refreshOnJoin || nearest === undefined) {
        done?.();
        return;
      }
      const from = bucketIndex(this.id, nearest.id) + 1;
      const buckets: number[] = [];
      for (let i = from; i < ID_BITS; i++) buckets.push(i);
      let left = buckets.length;
      if (left === 0) done?.();
      for (const i of buckets) {
        // A random id whose top differing bit from ours is i.
        const low = random === undefined ? 0 : random() & ((1 << i) - 1);
        const target = (this.id ^ ((1 << i) >>> 0) ^ low) >>> 0;
        this.findNode(target, () => {
          if (--left === 0) done?.();
        });
      }
    });
  }
}
