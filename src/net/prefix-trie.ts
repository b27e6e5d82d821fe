/**
 * Longest-prefix match over a multibit trie in typed arrays ("controlled prefix expansion"):
 * each level consumes a fixed number of address bits, a prefix ending inside a level is expanded
 * over the slots it covers, and every slot remembers the length of the prefix it holds so longer
 * prefixes win and deletes can restore the next-best one. Lookups walk at most one node per level
 * and remember the last route seen. Strides are chosen per table: 8-bit levels keep the small
 * tables of simulated routers tiny; a wide first level (e.g. 16 or 24 bits, as in DIR-24-8)
 * makes big tables such as a geolocation database answer in one or two memory reads.
 */
import type { Ipv6Address } from "../wire/address.js";
import type { Ipv4Prefix, Ipv6Prefix } from "../wire/prefix.js";
import { FrozenIpv4Table, FrozenIpv6Table, type FrozenLpmOptions } from "./frozen-lpm.js";

/** Default strides: 8 bits per level. */
const STRIDES_V4 = [8, 8, 8, 8];
const STRIDES_V6 = new Array<number>(16).fill(8);

/** Bits [start, start+count) of a big-endian key held as 32-bit words, count <= 24. */
function bitsAt(words: readonly number[], start: number, count: number): number {
  const w = start >>> 5;
  const off = start & 31;
  if (off + count <= 32) return (words[w]! >>> (32 - off - count)) & ((1 << count) - 1);
  const hiBits = 32 - off;
  const loBits = count - hiBits;
  const hi = words[w]! & ((1 << hiBits) - 1);
  const lo = words[w + 1]! >>> (32 - loBits);
  return (hi << loBits) | lo;
}

/** Clears every bit of the key from position `length` on. */
function maskWords(words: readonly number[], length: number): number[] {
  return words.map((x, i) => {
    const bits = Math.min(32, Math.max(0, length - 32 * i));
    return bits === 0 ? 0 : bits === 32 ? x >>> 0 : (x & ~((1 << (32 - bits)) - 1)) >>> 0;
  });
}

/**
 * A longest-prefix-match table for one address family, keyed by prefixes given as 32-bit words.
 * Use `Ipv4Table` or `Ipv6Table` for typed access.
 */
export class PrefixTrie<T> {
  private readonly strides: number[];
  private readonly starts: number[];
  private readonly bits: number;
  // Node pool: a node of level l occupies 2^strides[l] consecutive slots. Offset 0 is the root,
  // so 0 also means "no child". Route ids are stored +1 so that 0 means "no route".
  private route: Int32Array;
  private child: Int32Array;
  private plen: Uint8Array;
  private used: number;
  private readonly values: (T | undefined)[] = [];
  private readonly freeIds: number[] = [];
  private readonly exact = new Map<string, number>();
  private defaultId = 0;

  constructor(bits: 32 | 128, strides?: number[]) {
    this.bits = bits;
    this.strides = strides ?? (bits === 32 ? STRIDES_V4 : STRIDES_V6);
    const total = this.strides.reduce((a, b) => a + b, 0);
    if (total !== bits || this.strides.some((s) => s < 1 || s > 24)) {
      throw new RangeError(`strides must be 1..24 bits each and sum to ${bits}`);
    }
    this.starts = [];
    let acc = 0;
    for (const s of this.strides) {
      this.starts.push(acc);
      acc += s;
    }
    const rootSize = 1 << this.strides[0]!;
    const cap = rootSize + 64 * (1 << (this.strides[1] ?? 0));
    this.route = new Int32Array(cap);
    this.child = new Int32Array(cap);
    this.plen = new Uint8Array(cap);
    this.used = rootSize;
  }

  /** Number of prefixes in the table. */
  get size(): number {
    return this.exact.size;
  }

  /** Bytes held by the trie's typed arrays. */
  get memoryBytes(): number {
    return this.route.byteLength + this.child.byteLength + this.plen.byteLength;
  }

  /** Inserts or replaces the value for a prefix; returns the value it replaced. */
  insertWords(words: readonly number[], length: number, value: T): T | undefined {
    this.checkLength(length);
    const key = maskWords(words, length);
    const k = `${length}/${key.join(".")}`;
    const existing = this.exact.get(k);
    if (existing !== undefined) {
      const old = this.values[existing];
      this.values[existing] = value;
      return old;
    }
    const id = this.freeIds.pop() ?? this.values.length;
    this.values[id] = value;
    this.exact.set(k, id);
    if (length === 0) {
      this.defaultId = id + 1;
      return undefined;
    }
    const { node, first, count } = this.locate(key, length, true);
    for (let i = node + first; i < node + first + count; i++) {
      if (this.plen[i]! <= length) {
        this.route[i] = id + 1;
        this.plen[i] = length;
      }
    }
    return undefined;
  }

  /** Removes a prefix; returns whether it was present. */
  deleteWords(words: readonly number[], length: number): boolean {
    this.checkLength(length);
    const key = maskWords(words, length);
    const k = `${length}/${key.join(".")}`;
    const id = this.exact.get(k);
    if (id === undefined) return false;
    this.exact.delete(k);
    this.values[id] = undefined;
    this.freeIds.push(id);
    if (length === 0) {
      this.defaultId = 0;
      return true;
    }
    const { node, first, count, level } = this.locate(key, length, false);
    const start = this.starts[level]!;
    for (let j = 0; j < count; j++) {
      const i = node + first + j;
      if (this.route[i] !== id + 1) continue;
      // Fall back to the longest shorter prefix that ends inside this level and covers the slot.
      this.route[i] = 0;
      this.plen[i] = 0;
      // Every slot in the range shares the prefix's first `length` bits, so the candidates are the
      // deleted key's own shorter prefixes.
      for (let l = length - 1; l > start; l--) {
        const cand = this.exact.get(`${l}/${maskWords(key, l).join(".")}`);
        if (cand !== undefined) {
          this.route[i] = cand + 1;
          this.plen[i] = l;
          break;
        }
      }
    }
    return true;
  }

  /** The value stored for exactly this prefix. */
  getWords(words: readonly number[], length: number): T | undefined {
    const id = this.exact.get(`${length}/${maskWords(words, length).join(".")}`);
    return id === undefined ? undefined : this.values[id];
  }

  /** Longest-prefix match for a key of 32-bit words. */
  lookupWords(words: readonly number[]): T | undefined {
    let best = this.defaultId;
    let node = 0;
    const strides = this.strides;
    for (let l = 0; l < strides.length; l++) {
      const i = node + bitsAt(words, this.starts[l]!, strides[l]!);
      const r = this.route[i]!;
      if (r !== 0) best = r;
      node = this.child[i]!;
      if (node === 0) break;
    }
    return best === 0 ? undefined : this.values[best - 1];
  }

  /** Longest-prefix match for an IPv4 address (a table built with 32 bits). */
  lookup32(addr: number): T | undefined {
    let best = this.defaultId;
    let node = 0;
    let shift = 32;
    const strides = this.strides;
    for (let l = 0; l < strides.length; l++) {
      const s = strides[l]!;
      shift -= s;
      const i = node + ((addr >>> shift) & ((1 << s) - 1));
      const r = this.route[i]!;
      if (r !== 0) best = r;
      node = this.child[i]!;
      if (node === 0) break;
    }
    return best === 0 ? undefined : this.values[best - 1];
  }

  /** Every (words, length, value), in insertion-independent order (by length, then key). */
  entries(): { words: number[]; length: number; value: T }[] {
    const out: { words: number[]; length: number; value: T }[] = [];
    for (const [k, id] of this.exact) {
      const [len, rest] = k.split("/") as [string, string];
      out.push({
        words: rest.split(".").map(Number),
        length: Number(len),
        value: this.values[id]!,
      });
    }
    return out.sort((a, b) => a.length - b.length || compareWords(a.words, b.words));
  }

  private checkLength(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.bits) {
      throw new RangeError(`prefix length ${length} out of range 0..${this.bits}`);
    }
  }

  /** The node and slot range where a prefix of `length` is expanded, creating nodes if asked. */
  private locate(
    key: readonly number[],
    length: number,
    create: boolean,
  ): { node: number; first: number; count: number; level: number } {
    let node = 0;
    for (let l = 0; l < this.strides.length; l++) {
      const s = this.strides[l]!;
      const end = this.starts[l]! + s;
      const slot = bitsAt(key, this.starts[l]!, s);
      if (length <= end) {
        const spare = end - length;
        return { node, first: (slot >>> spare) << spare, count: 1 << spare, level: l };
      }
      let next = this.child[node + slot]!;
      if (next === 0) {
        if (!create) throw new Error("prefix trie: missing node for an existing prefix");
        next = this.allocNode(l + 1);
        this.child[node + slot] = next;
      }
      node = next;
    }
    throw new Error("unreachable: prefix longer than the key");
  }

  private allocNode(level: number): number {
    const size = 1 << this.strides[level]!;
    if (this.used + size > this.route.length) {
      let cap = this.route.length * 2;
      while (cap < this.used + size) cap *= 2;
      const route = new Int32Array(cap);
      route.set(this.route);
      this.route = route;
      const child = new Int32Array(cap);
      child.set(this.child);
      this.child = child;
      const plen = new Uint8Array(cap);
      plen.set(this.plen);
      this.plen = plen;
    }
    const at = this.used;
    this.used += size;
    return at;
  }
}

function compareWords(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** An IPv4 longest-prefix-match table. */
export class Ipv4Table<T> {
  private readonly trie: PrefixTrie<T>;
  constructor(strides?: number[]) {
    this.trie = new PrefixTrie<T>(32, strides);
  }
  get size(): number {
    return this.trie.size;
  }
  get memoryBytes(): number {
    return this.trie.memoryBytes;
  }
  insert(prefix: Ipv4Prefix, value: T): T | undefined {
    return this.trie.insertWords([prefix.address], prefix.length, value);
  }
  delete(prefix: Ipv4Prefix): boolean {
    return this.trie.deleteWords([prefix.address], prefix.length);
  }
  get(prefix: Ipv4Prefix): T | undefined {
    return this.trie.getWords([prefix.address], prefix.length);
  }
  /** Longest-prefix match; `addr` is an unsigned 32-bit IPv4 address. */
  lookup(addr: number): T | undefined {
    return this.trie.lookup32(addr);
  }
  entries(): { address: number; length: number; value: T }[] {
    return this.trie
      .entries()
      .map((e) => ({ address: e.words[0]!, length: e.length, value: e.value }));
  }
  /** A read-optimised, immutable snapshot for big static tables (see frozen-lpm.ts). */
  freeze(options?: FrozenLpmOptions): FrozenIpv4Table<T> {
    return FrozenIpv4Table.from(this.entries(), options);
  }
}

/** An IPv6 longest-prefix-match table. */
export class Ipv6Table<T> {
  private readonly trie: PrefixTrie<T>;
  private readonly key = [0, 0, 0, 0];
  constructor(strides?: number[]) {
    this.trie = new PrefixTrie<T>(128, strides);
  }
  get size(): number {
    return this.trie.size;
  }
  get memoryBytes(): number {
    return this.trie.memoryBytes;
  }
  insert(prefix: Ipv6Prefix, value: T): T | undefined {
    const a = prefix.address;
    return this.trie.insertWords([a.w0, a.w1, a.w2, a.w3], prefix.length, value);
  }
  delete(prefix: Ipv6Prefix): boolean {
    const a = prefix.address;
    return this.trie.deleteWords([a.w0, a.w1, a.w2, a.w3], prefix.length);
  }
  get(prefix: Ipv6Prefix): T | undefined {
    const a = prefix.address;
    return this.trie.getWords([a.w0, a.w1, a.w2, a.w3], prefix.length);
  }
  entries(): { words: number[]; length: number; value: T }[] {
    return this.trie.entries();
  }
  /** A read-optimised, immutable snapshot for big static tables (see frozen-lpm.ts). */
  freeze(options?: FrozenLpmOptions): FrozenIpv6Table<T> {
    return FrozenIpv6Table.from(this.entries(), options);
  }
  /** Longest-prefix match. */
  lookup(addr: Ipv6Address): T | undefined {
    const k = this.key;
    k[0] = addr.w0;
    k[1] = addr.w1;
    k[2] = addr.w2;
    k[3] = addr.w3;
    return this.trie.lookupWords(k);
  }
}
