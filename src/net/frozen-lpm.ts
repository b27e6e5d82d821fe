/**
 * Read-optimised longest-prefix match for big static tables: a leaf-pushed multibit trie in ONE
 * Int32Array (a slot is a route id >= 0 or a negative child pointer carrying the child's kind and
 * stride). A direct root over the top bits (as in DIR-24-8), then dense nodes where prefixes are
 * many and sparse interval nodes where they are few, keep tables shallow and small. The root's
 * children are always dense, so the common two-level lookup has no node-kind test. The price is
 * that nothing can change once built, so routers keep the mutable `PrefixTrie`. For IPv6
 * Internet tables see `FrozenLpm6` (frozen-lpm6.ts), which reaches a /32's nodes by hash.
 */
import type { Ipv6Address } from "../wire/address.js";
import { Builder, LaneScratch, SPARSE, scanSparse, walkLanes } from "./frozen-lpm-nodes.js";

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

/** A built, immutable longest-prefix-match table mapping addresses to integer route ids. */
export class FrozenLpm {
  readonly bits: 32 | 128;
  private readonly slots: Int32Array;
  private readonly starts: Uint32Array;
  private readonly rootBits: number;
  /** Unfinished addresses and their bit positions for the batch lookups. */
  private readonly bulk = new LaneScratch();

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
   * The route id for an IPv4 address (unsigned 32-bit), 0 if none. Most addresses end at the
   * root; the rest nearly all end one level down, in a dense node (the root's children always
   * are), read here without the node-kind test and the loop that deeper levels need.
   */
  lookup32(addr: number): number {
    const s = this.slots;
    const rb = this.rootBits;
    const v = s[addr >>> (32 - rb)]!;
    if (v >= 0) return v;
    const c = ~v;
    const k = (c & 31) + 1;
    const u = s[(c >>> 6) + ((addr << rb) >>> (32 - k))]!;
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
   * reads, listing without a branch the lanes that continue, then their second-level reads,
   * then the few that go deeper. `out[i]` receives the id for `addrs[i]` (0 if none).
   */
  lookupBulk32(addrs: Uint32Array, out: Int32Array, count = addrs.length): void {
    const s = this.slots;
    const rb = this.rootBits;
    const shift = 32 - rb;
    const lanes = this.bulk.reserve(count).lanes;
    // Root reads; the lanes that continue are listed without a branch (m grows by 0 or 1).
    let m = 0;
    for (let i = 0; i < count; i++) {
      const v = s[addrs[i]! >>> shift]!;
      out[i] = v;
      lanes[m] = i;
      m += v >>> 31;
    }
    // Second-level reads of the listed lanes (always dense nodes), then the rare deeper ones.
    let deep = 0;
    for (let j = 0; j < m; j++) {
      const i = lanes[j]!;
      const c = ~out[i]!;
      const k = (c & 31) + 1;
      const v = s[(c >>> 6) + ((addrs[i]! << rb) >>> (32 - k))]!;
      out[i] = v;
      deep |= v;
    }
    if (deep >= 0) return;
    for (let j = 0; j < m; j++) {
      const i = lanes[j]!;
      const v = out[i]!;
      if (v >= 0) continue;
      const addr = addrs[i]!;
      out[i] = this.deeper32(addr, v, rb + (~s[addr >>> shift]! & 31) + 1);
    }
  }

  /** The route id for an IPv6 address given as four big-endian words, 0 if none. */
  lookup128(w0: number, w1: number, w2: number, w3: number): number {
    const s = this.slots;
    const rb = this.rootBits;
    // Root and second level as in lookup32: the level under the root lies within w0.
    const v0 = s[w0 >>> (32 - rb)]!;
    if (v0 >= 0) return v0;
    const c0 = ~v0;
    const k0 = (c0 & 31) + 1;
    let v = s[(c0 >>> 6) + ((w0 << rb) >>> (32 - k0))]!;
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
    const { lanes, pos } = this.bulk.reserve(count);
    let m = 0;
    for (let i = 0; i < count; i++) {
      if (out[i]! < 0) {
        lanes[m] = i;
        pos[m++] = this.rootBits;
      }
    }
    walkLanes(s, this.starts, words, out, lanes, pos, m);
  }

  /** The route id for an IPv6 address, 0 if none. */
  lookup6(addr: Ipv6Address): number {
    return this.lookup128(addr.w0, addr.w1, addr.w2, addr.w3);
  }

  private scan(at: number, idx: number): number {
    return scanSparse(this.slots, this.starts, at, idx);
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
