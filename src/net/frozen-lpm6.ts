/**
 * Read-optimised longest-prefix match for big static IPv6 tables, keyed on the /32 first.
 *
 * Internet IPv6 tables are mostly /29-/48 prefixes: in a plain multibit trie (`FrozenLpm`) an
 * address under a /48 passes a root, a node ending at bit 32 (nodes never straddle a 32-bit
 * word) and one or two nodes below: 3-4 dependent reads, each a likely cache miss. Here the
 * prefixes up to /32 go into a 32-bit `FrozenLpm` over the first word (two reads without a
 * branch), and each /32 that holds longer prefixes gets a hash entry pointing straight at its
 * node at bit 32, built with the usual node kinds and leaf-pushed with the /32's own route.
 * An address whose /32 is in the hash skips the top of the trie: a probe into a small table
 * (256 KB for the 10,415 such /32s of the @ip-location-db/asn table), then the /32's nodes.
 */
import type { Ipv6Address } from "../wire/address.js";
import { FrozenLpm, type FrozenLpmOptions, type PrefixList } from "./frozen-lpm.js";
import { Builder, LaneScratch, SPARSE, scanSparse, walkLanes } from "./frozen-lpm-nodes.js";

/** Shape of a /32-keyed table. */
export interface FrozenLpm6Options {
  /** Shape of the trie over prefixes up to /32 (see `FrozenLpmOptions`). */
  short?: FrozenLpmOptions;
  /** Slots a dense node below a /32 may spend per prefix beneath it (default 4). */
  slotsPerPrefix?: number;
  /** A node below a /32 with at most this many items is sparse (default 6, at most 15). */
  sparseItems?: number;
}

/** Knuth's multiplicative hash constant (2^32 / golden ratio). */
const GOLDEN = 0x9e3779b1;

/** An immutable IPv6 longest-prefix-match table mapping addresses to integer route ids. */
export class FrozenLpm6 {
  readonly bits = 128;
  /** Open addressing, linear probing: [key0, node0, key1, node1, ...]; node 0 is empty. */
  private readonly hash: Int32Array;
  private readonly hashShift: number;
  private readonly hashMask: number;
  private readonly slots: Int32Array;
  private readonly starts: Uint32Array;
  /** Unfinished addresses and their bit positions for the batch lookups. */
  private readonly bulk = new LaneScratch();

  private constructor(
    private readonly short: FrozenLpm,
    hash: Int32Array,
    slots: Int32Array,
  ) {
    this.hash = hash;
    const cap = hash.length >>> 1;
    this.hashShift = 32 - Math.log2(cap);
    this.hashMask = cap - 1;
    this.slots = slots;
    this.starts = new Uint32Array(slots.buffer, slots.byteOffset, slots.length);
  }

  /**
   * Builds a table from prefixes with 4 big-endian words each. A longer prefix overrides a
   * shorter one that covers it; of two equal prefixes the later in the list wins.
   */
  static build(prefixes: PrefixList, options: FrozenLpm6Options = {}): FrozenLpm6 {
    const density = options.slotsPerPrefix ?? 4;
    const sparseItems = options.sparseItems ?? 6;
    if (!(density > 0)) throw new RangeError(`slotsPerPrefix must be positive, got ${density}`);
    if (!Number.isInteger(sparseItems) || sparseItems < 0 || sparseItems > 15) {
      throw new RangeError(`sparseItems must be an integer 0..15, got ${sparseItems}`);
    }
    const shortWords: number[] = [];
    const shortLengths: number[] = [];
    const shortIds: number[] = [];
    const longIndex: number[] = [];
    for (let i = 0; i < prefixes.count; i++) {
      const len = prefixes.lengths[i]!;
      if (len > 32 && len <= 128) {
        longIndex.push(i);
      } else {
        // Lengths out of range go here too, for FrozenLpm to refuse with its message.
        shortWords.push(prefixes.words[i * 4]!);
        shortLengths.push(len);
        shortIds.push(prefixes.ids[i]!);
      }
    }
    const short = FrozenLpm.build(
      32,
      { count: shortWords.length, words: shortWords, lengths: shortLengths, ids: shortIds },
      options.short,
    );
    const long: PrefixList = {
      count: longIndex.length,
      words: longIndex.flatMap((i) => [
        prefixes.words[i * 4]!,
        prefixes.words[i * 4 + 1]!,
        prefixes.words[i * 4 + 2]!,
        prefixes.words[i * 4 + 3]!,
      ]),
      lengths: longIndex.map((i) => prefixes.lengths[i]!),
      ids: longIndex.map((i) => prefixes.ids[i]!),
    };
    const b = new Builder(128, long, density, sparseItems);
    // Sorted by address, the prefixes under one /32 are a run: one node per run.
    const keys: number[] = [];
    const nodes: number[] = [];
    const n = b.order.length;
    for (let i = 0; i < n; ) {
      const key = b.bitsAt(i, 0, 32);
      let j = i + 1;
      while (j < n && b.bitsAt(j, 0, 32) === key) j++;
      keys.push(key);
      nodes.push(b.child(32, i, j, short.lookup32(key)));
      i = j;
    }
    // At most half full, so a miss usually ends at the first empty entry.
    let cap = 2;
    while (cap < keys.length * 2) cap *= 2;
    const hash = new Int32Array(cap * 2);
    const shift = 32 - Math.log2(cap);
    for (let g = 0; g < keys.length; g++) {
      let h = Math.imul(keys[g]!, GOLDEN) >>> shift;
      while (hash[h * 2 + 1] !== 0) h = (h + 1) & (cap - 1);
      hash[h * 2] = keys[g]!;
      hash[h * 2 + 1] = nodes[g]!;
    }
    return new FrozenLpm6(short, hash, b.slots.slice(0, b.used));
  }

  /** Bytes held by the typed arrays: the short trie, the hash and the nodes below /32s. */
  get memoryBytes(): number {
    return this.short.memoryBytes + this.hash.byteLength + this.slots.byteLength;
  }

  /** The node under an address's /32 (a negative pointer), or 0 if the /32 has none. */
  private probe(w0: number): number {
    const t = this.hash;
    let h = Math.imul(w0, GOLDEN) >>> this.hashShift;
    for (;;) {
      const node = t[h * 2 + 1]!;
      if (node === 0 || t[h * 2] === (w0 | 0)) return node;
      h = (h + 1) & this.hashMask;
    }
  }

  /** The route id for an IPv6 address given as four big-endian words, 0 if none. */
  lookup128(w0: number, w1: number, w2: number, w3: number): number {
    let v = this.probe(w0);
    if (v === 0) return this.short.lookup32(w0);
    const s = this.slots;
    let pos = 32;
    while (v < 0) {
      const c = ~v;
      const k = (c & 31) + 1;
      const at = c >>> 6;
      const w = pos < 64 ? w1 : pos < 96 ? w2 : w3;
      const idx = (w << (pos & 31)) >>> (32 - k);
      v = (c & SPARSE) === 0 ? s[at + idx]! : scanSparse(s, this.starts, at, idx);
      pos += k;
    }
    return v;
  }

  /** The route id for an IPv6 address, 0 if none. */
  lookup6(addr: Ipv6Address): number {
    return this.lookup128(addr.w0, addr.w1, addr.w2, addr.w3);
  }

  /**
   * Route ids for many addresses at once: first every address's probe (addresses whose /32
   * has no entry are finished by the short trie there), then passes that each move every
   * unfinished address one node down, so the reads within a pass, being independent, overlap.
   * `words` holds four big-endian words per address; `out[i]` receives the id for the address
   * at `words[4i..4i+3]` (0 if none).
   */
  lookupBulk128(words: Uint32Array, out: Int32Array, count = words.length >>> 2): void {
    const { lanes, pos } = this.bulk.reserve(count);
    let m = 0;
    for (let i = 0; i < count; i++) {
      const w0 = words[i * 4]!;
      const node = this.probe(w0);
      if (node === 0) {
        out[i] = this.short.lookup32(w0);
      } else {
        out[i] = node;
        lanes[m] = i;
        pos[m++] = 32;
      }
    }
    walkLanes(this.slots, this.starts, words, out, lanes, pos, m);
  }
}
