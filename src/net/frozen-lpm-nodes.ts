/**
 * The node layout shared by the frozen longest-prefix-match tables (`FrozenLpm`, `FrozenLpm6`):
 * one Int32Array of slots, each a route id >= 0 or a negative child pointer
 * `~(offset * 64 + SPARSE? + stride - 1)`; dense nodes are 2^stride direct slots, sparse ones
 * intervals of equal route. Internal to src/net: not exported from the package.
 */
import type { PrefixList } from "./frozen-lpm.js";

const MAX_SLOTS = 2 ** 25;
/** Flag in a child pointer: the node is sparse (intervals), else dense (direct slots). */
export const SPARSE = 32;

/**
 * The value at `idx` in the sparse node at `at`: [m, start1 .. start(m-1), value0 ..
 * value(m-1)]; start0 is 0. `starts` is the slot array seen as unsigned.
 */
export function scanSparse(
  slots: Int32Array,
  starts: Uint32Array,
  at: number,
  idx: number,
): number {
  const m = slots[at]!;
  let i = 0;
  while (i < m - 1 && starts[at + 1 + i]! <= idx) i++;
  return slots[at + m + i]!;
}

/** Batch lookups' scratch: lane indexes and their bit positions, grown on demand, reused. */
export class LaneScratch {
  lanes = new Int32Array(0);
  pos = new Uint8Array(0);

  /** Makes room for `count` lanes; returns this. */
  reserve(count: number): this {
    if (this.lanes.length < count) {
      this.lanes = new Int32Array(count);
      this.pos = new Uint8Array(count);
    }
    return this;
  }
}

/**
 * The lock-step walk of a batch of IPv6 lookups: `out[lanes[j]]` holds a child pointer for the
 * address at `words[4 * lanes[j]]`, whose next bits start at `pos[j]`, for the first `m` lanes.
 * Each pass moves every unfinished address one node down, so the reads within a pass, being
 * independent, overlap; finished lanes drop out. `out` ends with the route ids.
 */
export function walkLanes(
  slots: Int32Array,
  starts: Uint32Array,
  words: Uint32Array,
  out: Int32Array,
  lanes: Int32Array,
  pos: Uint8Array,
  m: number,
): void {
  while (m > 0) {
    let left = 0;
    for (let j = 0; j < m; j++) {
      const i = lanes[j]!;
      const c = ~out[i]!;
      const k = (c & 31) + 1;
      const at = c >>> 6;
      const p = pos[j]!;
      const idx = (words[i * 4 + (p >>> 5)]! << (p & 31)) >>> (32 - k);
      const next = (c & SPARSE) === 0 ? slots[at + idx]! : scanSparse(slots, starts, at, idx);
      out[i] = next;
      if (next < 0) {
        lanes[left] = i;
        pos[left++] = p + k;
      }
    }
    m = left;
  }
}

/**
 * Lays nodes out depth first over the prefixes sorted by (address, length). Exported for the
 * other frozen layouts in this folder, which build their nodes with it; not a public API.
 */
export class Builder {
  slots = new Int32Array(1 << 16);
  used = 0;
  readonly order: number[];
  private readonly per: number;
  private readonly words: Uint32Array;

  constructor(
    private readonly bits: number,
    private readonly p: PrefixList,
    private readonly density: number,
    private readonly sparseItems: number,
  ) {
    const per = bits / 32;
    this.per = per;
    // Copy the keys with host bits cleared, so order and slot arithmetic see clean prefixes.
    this.words = new Uint32Array(p.count * per);
    for (let i = 0; i < p.count; i++) {
      const len = p.lengths[i]!;
      const id = p.ids[i]!;
      if (!Number.isInteger(len) || len < 0 || len > bits) {
        throw new RangeError(`prefix length ${len} out of range 0..${bits}`);
      }
      if (!Number.isInteger(id) || id < 1 || id > 0x7fffffff) {
        throw new RangeError(`route id ${id} out of range 1..2^31-1`);
      }
      for (let j = 0; j < per; j++) {
        const keep = Math.min(32, Math.max(0, len - 32 * j));
        const mask = keep === 0 ? 0 : (0xffffffff << (32 - keep)) >>> 0;
        this.words[i * per + j] = p.words[i * per + j]! & mask;
      }
    }
    // Stable sort (TimSort: near-linear on input that is already almost in order). In this
    // order a covering prefix always comes before the prefixes nested inside it.
    this.order = Array.from({ length: p.count }, (_, i) => i).sort((a, b) => this.compare(a, b));
  }

  private compare(a: number, b: number): number {
    const w = this.words;
    for (let i = 0; i < this.per; i++) {
      const x = w[a * this.per + i]!;
      const y = w[b * this.per + i]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return this.p.lengths[a]! - this.p.lengths[b]!;
  }

  /** Bits [pos, pos+k) of sorted prefix i's address, unsigned; never straddles a word. */
  bitsAt(i: number, pos: number, k: number): number {
    const w = this.words[this.order[i]! * this.per + (pos >>> 5)]!;
    return (w << (pos & 31)) >>> (32 - k);
  }

  len(i: number): number {
    return this.p.lengths[this.order[i]!]!;
  }

  /** End of the run of sorted prefixes from i that fall under the same slot. */
  private runEnd(i: number, hi: number, pos: number, k: number): number {
    const slot = this.bitsAt(i, pos, k);
    let j = i + 1;
    while (j < hi && this.bitsAt(j, pos, k) === slot) j++;
    return j;
  }

  /**
   * A dense node at bit `pos` with stride `k` for sorted prefixes [lo, hi) (all inside it and
   * longer than pos), every slot starting at route `def`. Returns its offset.
   */
  dense(pos: number, k: number, lo: number, hi: number, def: number): number {
    const at = this.alloc(1 << k);
    this.slots.fill(def, at, at + (1 << k));
    const end = pos + k;
    for (let i = lo; i < hi; ) {
      const len = this.len(i);
      const slot = this.bitsAt(i, pos, k);
      if (len <= end) {
        // Covering prefixes come first, so later (nested) prefixes overwrite them.
        const first = at + slot;
        this.slots.fill(this.p.ids[this.order[i]!]!, first, first + 2 ** (end - len));
        i++;
        continue;
      }
      const j = this.runEnd(i, hi, pos, k);
      // Build the child first: it may grow (replace) the slot array. The root's children are
      // dense, so lookups read the first two levels without branching on the node kind.
      const child = this.child(end, i, j, this.slots[at + slot]!, pos === 0);
      this.slots[at + slot] = child;
      i = j;
    }
    return at;
  }

  /** The pointer to a new node at `pos` for sorted prefixes [lo, hi), defaulting to `def`. */
  child(pos: number, lo: number, hi: number, def: number, dense = false): number {
    const wide = Math.min(32 - (pos & 31), this.bits - pos);
    if (!dense && this.items(pos, wide, lo, hi) <= this.sparseItems) {
      return ~(this.sparse(pos, wide, lo, hi, def) * 64 + SPARSE + wide - 1);
    }
    const want = Math.floor(Math.log2(this.density * (hi - lo)));
    const k = Math.max(1, Math.min(wide, 24, want));
    return ~(this.dense(pos, k, lo, hi, def) * 64 + k - 1);
  }

  /** Prefixes ending within [pos, pos+k) plus child slots below it, counted up to a cap. */
  private items(pos: number, k: number, lo: number, hi: number): number {
    let n = 0;
    for (let i = lo; i < hi && n <= this.sparseItems; n++) {
      i = this.len(i) <= pos + k ? i + 1 : this.runEnd(i, hi, pos, k);
    }
    return n;
  }

  /** A sparse node: the slot space cut into intervals of equal route, found by a stack sweep. */
  private sparse(pos: number, k: number, lo: number, hi: number, def: number): number {
    const starts: number[] = [];
    const values: number[] = [];
    const put = (start: number, value: number) => {
      if (values.length > 0 && values[values.length - 1] === value) return;
      starts.push(start);
      values.push(value);
    };
    // Enclosing intervals, innermost on top; each is [.., end] with its route.
    const ends: number[] = [2 ** k - 1];
    const routes: number[] = [def];
    let cursor = 0;
    const coverTo = (x: number) => {
      while (cursor < x) {
        while (ends[ends.length - 1]! < cursor) {
          ends.pop();
          routes.pop();
        }
        put(cursor, routes[routes.length - 1]!);
        cursor = Math.min(ends[ends.length - 1]!, x - 1) + 1;
      }
    };
    const end = pos + k;
    for (let i = lo; i < hi; ) {
      const a = this.bitsAt(i, pos, k);
      const len = this.len(i);
      coverTo(a);
      if (len <= end) {
        ends.push(a + 2 ** (end - len) - 1);
        routes.push(this.p.ids[this.order[i]!]!);
        i++;
        continue;
      }
      const j = this.runEnd(i, hi, pos, k);
      while (ends[ends.length - 1]! < a) {
        ends.pop();
        routes.pop();
      }
      put(a, this.child(end, i, j, routes[routes.length - 1]!));
      cursor = a + 1;
      i = j;
    }
    coverTo(2 ** k);
    const m = starts.length;
    const at = this.alloc(2 * m);
    this.slots[at] = m;
    for (let i = 1; i < m; i++) this.slots[at + i] = starts[i]! | 0;
    for (let i = 0; i < m; i++) this.slots[at + m + i] = values[i]!;
    return at;
  }

  private alloc(size: number): number {
    const at = this.used;
    if (at + size > MAX_SLOTS) throw new RangeError("frozen LPM table exceeds 2^25 slots");
    if (at + size > this.slots.length) {
      let cap = this.slots.length * 2;
      while (cap < at + size) cap *= 2;
      const grown = new Int32Array(cap);
      grown.set(this.slots.subarray(0, at));
      this.slots = grown;
    }
    this.used = at + size;
    return at;
  }
}
