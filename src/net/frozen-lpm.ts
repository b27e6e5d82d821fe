/**
 * Read-optimised longest-prefix match for big static tables: a leaf-pushed multibit trie in ONE
 * Int32Array (a slot is a route id >= 0 or a negative child pointer carrying the child's kind and
 * stride). A direct root over the top bits (as in DIR-24-8), then dense nodes where prefixes are
 * many and sparse interval nodes where they are few, keep tables shallow and small; the price is
 * that nothing can change once built, so routers keep the mutable `PrefixTrie`.
 */
import type { Ipv6Address } from "../wire/address.js";

/** Prefixes to build from: `words` holds 1 (IPv4) or 4 (IPv6) big-endian words per prefix. */
export interface PrefixList {
  count: number;
  words: ArrayLike<number>;
  lengths: ArrayLike<number>;
  /** Route id per prefix, 1..2^31-1 (0 is "no route"). */
  ids: ArrayLike<number>;
}

/** Shape of a frozen table; the defaults suit Internet-sized tables. */
export interface FrozenLpmOptions {
  /** Bits resolved by the root's direct array: 1..24 (default 18 for IPv4, 16 for IPv6). */
  rootBits?: number;
  /** Slots a dense node may spend per prefix beneath it (default 4): more is shallower. */
  slotsPerPrefix?: number;
  /** A node with at most this many prefixes or children is sparse (default 6, at most 15). */
  sparseItems?: number;
}

const MAX_SLOTS = 2 ** 25;
const SPARSE = 32;

/** A built, immutable longest-prefix-match table mapping addresses to integer route ids. */
export class FrozenLpm {
  readonly bits: 32 | 128;
  private readonly slots: Int32Array;
  private readonly starts: Uint32Array;
  private readonly rootBits: number;
  /** Unfinished addresses and their bit positions for `lookupBulk128`, reused across calls. */
  private bulkPos = new Uint8Array(0);
  private bulkLanes = new Int32Array(0);

  private constructor(bits: 32 | 128, slots: Int32Array, rootBits: number) {
    this.bits = bits;
    this.slots = slots;
    this.starts = new Uint32Array(slots.buffer, slots.byteOffset, slots.length);
    this.rootBits = rootBits;
  }

  /**
   * Builds a table. A longer prefix overrides a shorter one that covers it; of two equal
   * prefixes the later in the list wins. Host bits past a prefix's length are ignored.
   */
  static build(bits: 32 | 128, prefixes: PrefixList, options: FrozenLpmOptions = {}): FrozenLpm {
    const rootBits = options.rootBits ?? (bits === 32 ? 18 : 16);
    const density = options.slotsPerPrefix ?? 4;
    const sparseItems = options.sparseItems ?? 6;
    if (!Number.isInteger(rootBits) || rootBits < 1 || rootBits > 24) {
      throw new RangeError(`rootBits must be an integer 1..24, got ${rootBits}`);
    }
    if (!(density > 0)) throw new RangeError(`slotsPerPrefix must be positive, got ${density}`);
    if (!Number.isInteger(sparseItems) || sparseItems < 0 || sparseItems > 15) {
      throw new RangeError(`sparseItems must be an integer 0..15, got ${sparseItems}`);
    }
    const b = new Builder(bits, prefixes, density, sparseItems);
    b.dense(0, rootBits, 0, b.order.length, 0);
    return new FrozenLpm(bits, b.slots.slice(0, b.used), rootBits);
  }

  /** Bytes held by the slot array. */
  get memoryBytes(): number {
    return this.slots.byteLength;
  }

  /**
   * The route id for an IPv4 address (unsigned 32-bit), 0 if none. The root and the level under
   * it (always dense) are read without a branch on the slot kind: a leaf at the root turns the
   * second read into one of slot 0, always cached, and the mask keeps the leaf. A branch that
   * goes either way at random (about 1 in 6 uniform addresses continue under the root) would
   * discard the work of the lookups in flight after it on every misprediction.
   */
  lookup32(addr: number): number {
    const s = this.slots;
    const rb = this.rootBits;
    const v = s[addr >>> (32 - rb)]!;
    const neg = v >> 31;
    const c = ~v;
    const k = (c & 31) + 1;
    const w = s[((c >>> 6) + ((addr << rb) >>> (32 - k))) & neg]!;
    const u = (w & neg) | (v & ~neg);
    return u >= 0 ? u : this.deeper32(addr, u, rb + k);
  }

  /** Finishes a lookup that continues below the second level (rare: under 1 % of addresses). */
  private deeper32(addr: number, v: number, pos: number): number {
    const s = this.slots;
    while (v < 0) {
      const c = ~v;
      const k = (c & 31) + 1;
      const at = c >>> 6;
      const idx = (addr << pos) >>> (32 - k);
      v = (c & SPARSE) === 0 ? s[at + idx]! : this.scan(at, idx);
      pos += k;
    }
    return v;
  }

  /**
   * Route ids for many IPv4 addresses at once (as DPDK's rte_lpm_lookup_bulk), in passes whose
   * loads do not depend on each other, so the processor overlaps their cache misses: all root
   * reads, then all second-level reads (branch-free, as in `lookup32`), then the few entries
   * that go deeper. `out[i]` receives the id for `addrs[i]` (0 if none).
   */
  lookupBulk32(addrs: Uint32Array, out: Int32Array, count = addrs.length): void {
    const s = this.slots;
    const rb = this.rootBits;
    const shift = 32 - rb;
    for (let i = 0; i < count; i++) out[i] = s[addrs[i]! >>> shift]!;
    let deep = 0;
    for (let i = 0; i < count; i++) {
      const v = out[i]!;
      const neg = v >> 31;
      const c = ~v;
      const k = (c & 31) + 1;
      const w = s[((c >>> 6) + ((addrs[i]! << rb) >>> (32 - k))) & neg]!;
      const u = (w & neg) | (v & ~neg);
      out[i] = u;
      deep |= u;
    }
    if (deep >= 0) return;
    for (let i = 0; i < count; i++) {
      const u = out[i]!;
      if (u >= 0) continue;
      // The second level's stride, to know where the third starts.
      const addr = addrs[i]!;
      const c = ~s[addr >>> shift]!;
      out[i] = this.deeper32(addr, u, rb + (c & 31) + 1);
    }
  }

  /** The route id for an IPv6 address given as four big-endian words, 0 if none. */
  lookup128(w0: number, w1: number, w2: number, w3: number): number {
    const s = this.slots;
    const rb = this.rootBits;
    // Root and second level as in lookup32: the level under the root lies within w0.
    const v0 = s[w0 >>> (32 - rb)]!;
    const neg = v0 >> 31;
    const c0 = ~v0;
    const k0 = (c0 & 31) + 1;
    const x = s[((c0 >>> 6) + ((w0 << rb) >>> (32 - k0))) & neg]!;
    let v = (x & neg) | (v0 & ~neg);
    let pos = rb + k0;
    while (v < 0) {
      const c = ~v;
      const k = (c & 31) + 1;
      const at = c >>> 6;
      const w = pos < 64 ? (pos < 32 ? w0 : w1) : pos < 96 ? w2 : w3;
      const idx = (w << (pos & 31)) >>> (32 - k);
      v = (c & SPARSE) === 0 ? s[at + idx]! : this.scan(at, idx);
      pos += k;
    }
    return v;
  }

  /**
   * Route ids for many IPv6 addresses at once. IPv6 lookups go 3-5 nodes deep, each read a
   * likely cache miss that depends on the one before, so the batch advances in lock step: every
   * pass moves each unfinished address down one node, and the reads within a pass, being
   * independent, overlap. `words` holds four big-endian words per address; `out[i]` receives
   * the id for the address at `words[4i..4i+3]` (0 if none). Measured on the asn table (2-core,
   * loaded machine) it was not faster than one `lookup128` per address: keep it for callers
   * that have batches, but do not assume a gain.
   */
  lookupBulk128(words: Uint32Array, out: Int32Array, count = words.length >>> 2): void {
    const s = this.slots;
    const shift = 32 - this.rootBits;
    let pending = 0;
    for (let i = 0; i < count; i++) {
      const v = s[words[i * 4]! >>> shift]!;
      out[i] = v;
      pending |= v;
    }
    if (pending >= 0) return;
    // The unfinished addresses' indexes, compacted each pass so finished ones cost nothing.
    let lanes = this.bulkLanes;
    let pos = this.bulkPos;
    if (lanes.length < count) {
      lanes = this.bulkLanes = new Int32Array(count);
      pos = this.bulkPos = new Uint8Array(count);
    }
    let m = 0;
    for (let i = 0; i < count; i++) {
      if (out[i]! < 0) {
        lanes[m] = i;
        pos[m++] = this.rootBits;
      }
    }
    while (m > 0) {
      let left = 0;
      for (let j = 0; j < m; j++) {
        const i = lanes[j]!;
        const c = ~out[i]!;
        const k = (c & 31) + 1;
        const at = c >>> 6;
        const p = pos[j]!;
        const idx = (words[i * 4 + (p >>> 5)]! << (p & 31)) >>> (32 - k);
        const next = (c & SPARSE) === 0 ? s[at + idx]! : this.scan(at, idx);
        out[i] = next;
        if (next < 0) {
          lanes[left] = i;
          pos[left++] = p + k;
        }
      }
      m = left;
    }
  }

  /** The route id for an IPv6 address, 0 if none. */
  lookup6(addr: Ipv6Address): number {
    return this.lookup128(addr.w0, addr.w1, addr.w2, addr.w3);
  }

  /** A sparse node: [m, start1 .. start(m-1), value0 .. value(m-1)]; start0 is 0. */
  private scan(at: number, idx: number): number {
    const m = this.slots[at]!;
    const u = this.starts;
    let i = 0;
    while (i < m - 1 && u[at + 1 + i]! <= idx) i++;
    return this.slots[at + m + i]!;
  }
}

/** Lays nodes out depth first over the prefixes sorted by (address, length). */
class Builder {
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
  private bitsAt(i: number, pos: number, k: number): number {
    const w = this.words[this.order[i]! * this.per + (pos >>> 5)]!;
    return (w << (pos & 31)) >>> (32 - k);
  }

  private len(i: number): number {
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
  private child(pos: number, lo: number, hi: number, def: number, dense = false): number {
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

/** A frozen IPv4 table with values: a snapshot of an `Ipv4Table` or a prefix list. */
export class FrozenIpv4Table<T> {
  private constructor(
    private readonly lpm: FrozenLpm,
    private readonly values: readonly (T | undefined)[],
  ) {}

  /** Builds from (address, length, value) entries; the later of two equal prefixes wins. */
  static from<T>(
    entries: readonly { address: number; length: number; value: T }[],
    options?: FrozenLpmOptions,
  ): FrozenIpv4Table<T> {
    const n = entries.length;
    const words = entries.map((e) => e.address);
    const lengths = entries.map((e) => e.length);
    const ids = entries.map((_, i) => i + 1);
    const lpm = FrozenLpm.build(32, { count: n, words, lengths, ids }, options);
    return new FrozenIpv4Table(lpm, [undefined, ...entries.map((e) => e.value)]);
  }

  /** Bytes held by the lookup structure's typed arrays. */
  get memoryBytes(): number {
    return this.lpm.memoryBytes;
  }

  /** Longest-prefix match; `addr` is an unsigned 32-bit IPv4 address. */
  lookup(addr: number): T | undefined {
    return this.values[this.lpm.lookup32(addr)];
  }
}

/** A frozen IPv6 table with values: a snapshot of an `Ipv6Table` or a prefix list. */
export class FrozenIpv6Table<T> {
  private constructor(
    private readonly lpm: FrozenLpm,
    private readonly values: readonly (T | undefined)[],
  ) {}

  /** Builds from (four words, length, value) entries; the later of two equal prefixes wins. */
  static from<T>(
    entries: readonly { words: readonly number[]; length: number; value: T }[],
    options?: FrozenLpmOptions,
  ): FrozenIpv6Table<T> {
    const n = entries.length;
    const words = entries.flatMap((e) => [e.words[0]!, e.words[1]!, e.words[2]!, e.words[3]!]);
    const lengths = entries.map((e) => e.length);
    const ids = entries.map((_, i) => i + 1);
    const lpm = FrozenLpm.build(128, { count: n, words, lengths, ids }, options);
    return new FrozenIpv6Table(lpm, [undefined, ...entries.map((e) => e.value)]);
  }

  /** Bytes held by the lookup structure's typed arrays. */
  get memoryBytes(): number {
    return this.lpm.memoryBytes;
  }

  /** Longest-prefix match. */
  lookup(addr: Ipv6Address): T | undefined {
    return this.values[this.lpm.lookup128(addr.w0, addr.w1, addr.w2, addr.w3)];
  }
}
