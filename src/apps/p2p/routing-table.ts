/**
 * Kademlia's routing table (Maymounkov & Mazières 2002, §2.2 and §4.1): 32 k-buckets, bucket i
 * holding contacts whose XOR distance has its top bit at i, least-recently seen first. A full
 * bucket keeps its old contacts (they are likely to stay up) and parks newcomers in a
 * replacement cache that refills the bucket when a contact stops answering.
 */
import { bucketIndex, ID_BITS, xorDistance } from "./ids.js";

/** A peer as the DHT knows it. */
export interface Contact {
  readonly id: number;
  readonly address: string;
}

function indexOf(list: readonly Contact[], id: number): number {
  for (let i = 0; i < list.length; i++) if (list[i]!.id === id) return i;
  return -1;
}

/** The k-buckets of one node. */
export class KBucketTable {
  private readonly buckets: Contact[][] = [];
  private readonly replacements: Contact[][] = [];
  private count = 0;

  constructor(
    readonly selfId: number,
    /** Bucket size (Kademlia's k). */
    readonly k: number,
  ) {
    for (let i = 0; i < ID_BITS; i++) {
      this.buckets.push([]);
      this.replacements.push([]);
    }
  }

  /** Contacts held in buckets. */
  get size(): number {
    return this.count;
  }

  /** The contacts of bucket i, least-recently seen first (a copy). */
  bucket(i: number): Contact[] {
    return [...(this.buckets[i] ?? [])];
  }

  /** Records that `c` was heard from: move it to the tail, add it, or park it as a replacement. */
  seen(c: Contact): void {
    const i = bucketIndex(this.selfId, c.id);
    if (i < 0) return;
    const b = this.buckets[i]!;
    const at = indexOf(b, c.id);
    if (at >= 0) {
      b.splice(at, 1);
      b.push(c);
      return;
    }
    if (b.length < this.k) {
      b.push(c);
      this.count++;
      return;
    }
    const r = this.replacements[i]!;
    const ra = indexOf(r, c.id);
    if (ra >= 0) r.splice(ra, 1);
    r.push(c);
    if (r.length > this.k) r.shift();
  }

  /** Removes a contact that stopped answering, refilling from the replacement cache. */
  failed(id: number): void {
    const i = bucketIndex(this.selfId, id);
    if (i < 0) return;
    const b = this.buckets[i]!;
    const at = indexOf(b, id);
    if (at < 0) return;
    b.splice(at, 1);
    this.count--;
    const fresh = this.replacements[i]!.pop();
    if (fresh !== undefined) {
      b.push(fresh);
      this.count++;
    }
  }

  /** True when `id` is in a bucket. */
  has(id: number): boolean {
    const i = bucketIndex(this.selfId, id);
    return i >= 0 && indexOf(this.buckets[i]!, id) >= 0;
  }

  /**
   * The `n` known contacts closest to `target`, nearest first. Walks buckets outward from the
   * target's bucket, which holds the nearest ones, and stops once it has enough candidates.
   */
  closest(target: number, n: number): Contact[] {
    const out: Contact[] = [];
    const start = bucketIndex(this.selfId, target);
    // Buckets at and below the target's bucket share its top bits with us; then the ones above.
    const order: number[] = [];
    if (start < 0) for (let i = 0; i < ID_BITS; i++) order.push(i);
    else {
      order.push(start);
      for (let i = start - 1; i >= 0; i--) order.push(i);
      for (let i = start + 1; i < ID_BITS; i++) order.push(i);
    }
    for (const i of order) {
      for (const c of this.buckets[i]!) out.push(c);
      // Every contact in a later bucket above `start` is farther than all collected so far.
      if (out.length >= n && (start < 0 || i > start || i === 0)) break;
    }
    out.sort((a, b) => xorDistance(a.id, target) - xorDistance(b.id, target));
    return out.length > n ? out.slice(0, n) : out;
  }

  /** Every contact, bucket by bucket. */
  all(): Contact[] {
    return this.buckets.flat();
  }
}
