/**
 * LPM suite: the real IP-to-ASN table of `@ip-location-db/asn` (about 400k IPv4 and 100k IPv6
 * ranges) as frozen longest-prefix-match tables: build time, memory, lookups per second with
 * numeric and string input, and, in the same run, the mutable PrefixTrie ("before") and the npm
 * package geoip-lite (string input) for comparison. Queries come from a seeded stream.
 */

import { GeoDatabase } from "../src/apps/geo/database.js";
import { parseIpv4Fast } from "../src/apps/geo/ip-text.js";
import { RangeTable } from "../src/apps/geo/range-table.js";
import { ipv4RangeToPrefixes, ipv6RangeToPrefixes } from "../src/apps/geo/ranges.js";
import { readGeoCsv } from "../src/cli/geo-data.js";
import { FrozenLpm } from "../src/net/frozen-lpm.js";
import { Ipv4Table, Ipv6Table } from "../src/net/prefix-trie.js";
import { deriveStream } from "../src/sim/random.js";
import { formatIpv4, Ipv6Address, parseIpv4Address } from "../src/wire/address.js";
import { Ipv4Prefix, Ipv6Prefix } from "../src/wire/prefix.js";
import { consume, type Figure, rate, type Suite } from "./harness.js";

const SUITE = "lpm";
const QUERIES = 1 << 20;

/**
 * The machine is shared (2 vCPUs, other jobs running): many short timing windows, the best
 * kept, find the moments the suite has a core to itself more often than three long ones.
 */
function best(body: (n: number) => number): number {
  return rate(body, 100, 9);
}

function mb(bytes: number): number {
  return bytes / 2 ** 20;
}

/** A few seconds of warm-up-free timing of a one-shot job, best of `n`. */
function timeBest<T>(n: number, job: () => T): { seconds: number; result: T } {
  let best = Number.POSITIVE_INFINITY;
  let result: T | undefined;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    result = job();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return { seconds: best, result: result! };
}

/** The table's prefixes as flat arrays, to draw IPv6 queries and build the "before" tries. */
function prefixesOf(text: string, family: 4 | 6): { words: number[]; lengths: number[] } {
  const words: number[] = [];
  const lengths: number[] = [];
  const lo = [0, 0, 0, 0];
  const hi = [0, 0, 0, 0];
  for (const line of text.split("\n")) {
    const [a, b] = line.split(",");
    if (a === undefined || b === undefined) continue;
    if (family === 4) {
      ipv4RangeToPrefixes(parseIpv4Fast(a), parseIpv4Fast(b), (w, l) => {
        words.push(w);
        lengths.push(l);
      });
    } else {
      const s = Ipv6Address.of(a);
      const e = Ipv6Address.of(b);
      lo.splice(0, 4, s.w0, s.w1, s.w2, s.w3);
      hi.splice(0, 4, e.w0, e.w1, e.w2, e.w3);
      ipv6RangeToPrefixes(lo, hi, (w, l) => {
        words.push(...w);
        lengths.push(l);
      });
    }
  }
  return { words, lengths };
}

/** IPv6 queries: a random table prefix with random host bits, as a flat word array. */
function v6Queries(p: { words: number[]; lengths: number[] }): Uint32Array {
  const rng = deriveStream(6, "bench:lpm:v6");
  const q = new Uint32Array(QUERIES * 4);
  for (let i = 0; i < QUERIES; i++) {
    const k = rng.nextInt(p.lengths.length);
    const len = p.lengths[k]!;
    for (let j = 0; j < 4; j++) {
      const keep = Math.min(32, Math.max(0, len - 32 * j));
      const host = keep === 32 ? 0 : 2 ** (32 - keep) - 1;
      q[i * 4 + j] = ((p.words[k * 4 + j]! & ~host) | (rng.nextU32() & host)) >>> 0;
    }
  }
  return q;
}

/** geoip-lite's lookup rate on the same strings, or why it could not be measured. */
async function geoipLite(queries: string[]): Promise<number | string> {
  try {
    const name = "geoip-lite";
    const mod = (await import(name)) as { default: { lookup(ip: string): unknown } };
    const geoip = mod.default;
    if (geoip.lookup("8.8.8.8") === null) return "geoip-lite has no data files";
    let hits = 0;
    const r = rate((n) => {
      for (let i = 0; i < n; i++) if (geoip.lookup(queries[i & (queries.length - 1)]!)) hits++;
      return n;
    });
    consume(hits);
    return r;
  } catch (e) {
    return `geoip-lite unavailable (${(e as Error).message.split("\n")[0]})`;
  }
}

/*
 * The same loops with the table passed in as an argument, as a router or server holding the
 * table in a field would call it. The closures measured in `run` capture their table as a
 * constant, which lets V8 fold the table's fields and typed-array bases into the code; these
 * keep every load, so they are the figures to expect in general code. One function per loop,
 * each called with one table only, so each stays monomorphic.
 */
function argLoop4(t: RangeTable, q: Uint32Array, n: number): number {
  const mask = q.length - 1;
  let acc = 0;
  for (let i = 0; i < n; i++) acc ^= t.match4(q[i & mask]!);
  return acc;
}

function argBulk4(t: RangeTable, q: Uint32Array, n: number, out: Int32Array): number {
  const mask = q.length - 1;
  const batch = out.length;
  let acc = 0;
  for (let b = 0; b < n / batch; b++) {
    const from = (b * batch) & mask;
    t.match4Bulk(q.subarray(from, from + batch), out, batch);
    acc ^= out[b & (batch - 1)]!;
  }
  return acc;
}

function argText4(t: RangeTable, texts: readonly string[], n: number): number {
  const mask = texts.length - 1;
  let acc = 0;
  for (let i = 0; i < n; i++) acc ^= t.match4(parseIpv4Fast(texts[i & mask]!));
  return acc;
}

function argLoop6(t: RangeTable, q: Uint32Array, n: number): number {
  const mask = (q.length >>> 2) - 1;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const k = (i & mask) * 4;
    acc ^= t.match6(q[k]!, q[k + 1]!, q[k + 2]!, q[k + 3]!);
  }
  return acc;
}

/** Sum of a text's UTF-16 code units: the cost of reading a string, with no parsing. */
function sumCharCodes(text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i);
  return sum;
}

async function run(): Promise<Figure[]> {
  let csv: ReturnType<typeof readGeoCsv>;
  try {
    csv = readGeoCsv({ kinds: ["asn"] });
  } catch (e) {
    process.stderr.write(`lpm suite skipped: ${(e as Error).message}\n`);
    return [];
  }
  const v4Text = csv.asnV4!;
  const v6Text = csv.asnV6!;
  const noop = () => {};

  // Build: CSV text -> ranges -> minimal prefixes -> frozen tables, both families.
  const build = timeBest(3, () => ({
    v4: RangeTable.fromCsv(v4Text, 4, "asn-ipv4.csv", noop),
    v6: RangeTable.fromCsv(v6Text, 6, "asn-ipv6.csv", noop),
  }));
  const { v4, v6 } = build.result;
  const figures: Figure[] = [];
  const f = (
    name: string,
    value: number,
    unit: string,
    target?: number,
    note?: string,
    lowerIsBetter = false,
  ) => {
    const fig: Figure = { suite: SUITE, name, value, unit };
    if (target !== undefined) fig.target = target;
    if (lowerIsBetter) fig.lowerIsBetter = true;
    if (note !== undefined) fig.note = note;
    figures.push(fig);
  };
  f(
    "build IPv4+IPv6 tables from CSV text",
    build.seconds,
    "s",
    3,
    `${v4.rows + v6.rows} ranges -> ${v4.prefixes + v6.prefixes} prefixes, best of 3`,
    true,
  );
  f("IPv4 table memory", mb(v4.memoryBytes), "MB", 128, "typed arrays incl. id->row maps", true);
  f("IPv6 table memory", mb(v6.memoryBytes), "MB", undefined, "typed arrays incl. id->row maps");

  // IPv4, numeric input: uniformly random 32-bit addresses.
  const rng = deriveStream(4, "bench:lpm:v4");
  const q4 = new Uint32Array(QUERIES);
  for (let i = 0; i < QUERIES; i++) q4[i] = rng.nextU32();
  const mask = QUERIES - 1;
  // Each measured loop is written out (no shared closure), so each call site stays monomorphic.
  const frozen4 = best((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += v4.match4(q4[i & mask]!);
    consume(acc);
    return n;
  });
  // The same lookups over a 64k-address working set (cache- and TLB-warm, like a busy flow mix).
  const warm4 = best((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += v4.match4(q4[i & 0xffff]!);
    consume(acc);
    return n;
  });
  // The same lookups in batches of 256, root reads first (as DPDK's rte_lpm_lookup_bulk).
  const BATCH = 256;
  const ids = new Int32Array(BATCH);
  const bulk4 = best((n) => {
    let acc = 0;
    const batches = Math.max(1, Math.floor(n / BATCH));
    for (let b = 0; b < batches; b++) {
      const from = (b * BATCH) & mask;
      v4.match4Bulk(q4.subarray(from, from + BATCH), ids, BATCH);
      acc += ids[b & (BATCH - 1)]!;
    }
    consume(acc);
    return batches * BATCH;
  });
  const p4 = prefixesOf(v4Text, 4);
  const trie4 = new Ipv4Table<number>();
  for (let i = 0; i < p4.lengths.length; i++)
    trie4.insert(new Ipv4Prefix(p4.words[i]!, p4.lengths[i]!), i + 1);
  const before4 = rate((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += trie4.lookup(q4[i & mask]!) ?? 0;
    consume(acc);
    return n;
  });
  f(
    "IPv4 lookups/s, u32 input",
    frozen4,
    "lookups/s",
    100e6,
    `${QUERIES} uniform random addresses, one call each (${(warm4 / 1e6).toFixed(1)} M/s over 64k of them); before (mutable PrefixTrie, 8-bit strides, ${mb(trie4.memoryBytes).toFixed(0)} MB): ${(before4 / 1e6).toFixed(1)} M/s, ${(frozen4 / before4).toFixed(1)}x`,
  );

  f(
    "IPv4 lookups/s, u32 input, batches of 256",
    bulk4,
    "lookups/s",
    100e6,
    `the same ${QUERIES} addresses through lookupBulk32: independent root reads overlap their cache misses`,
  );

  const arg4 = best((n) => {
    consume(argLoop4(v4, q4, n));
    return n;
  });
  const argBulk = best((n) => {
    const batches = Math.max(1, Math.floor(n / BATCH));
    consume(argBulk4(v4, q4, batches * BATCH, ids));
    return batches * BATCH;
  });
  f(
    "IPv4 lookups/s, u32 input, table as an argument",
    arg4,
    "lookups/s",
    100e6,
    `the same addresses, one call each, the table passed in (no constant folding of its fields); in batches of 256: ${(argBulk / 1e6).toFixed(1)} M/s`,
  );

  // Another honest distribution, labelled as such: addresses inside random table prefixes (each
  // prefix equally likely, random host bits), so more lookups go below the root.
  const rngIn = deriveStream(4, "bench:lpm:v4-in-prefixes");
  const q4in = new Uint32Array(QUERIES);
  for (let i = 0; i < QUERIES; i++) {
    const k = rngIn.nextInt(p4.lengths.length);
    const host = p4.lengths[k] === 32 ? 0 : 2 ** (32 - p4.lengths[k]!) - 1;
    q4in[i] = ((p4.words[k]! & ~host) | (rngIn.nextU32() & host)) >>> 0;
  }
  const in4 = best((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += v4.match4(q4in[i & mask]!);
    consume(acc);
    return n;
  });
  f(
    "IPv4 lookups/s, u32 input, addresses in table prefixes",
    in4,
    "lookups/s",
    undefined,
    `${QUERIES} addresses inside random table prefixes (each prefix equally likely), one call each`,
  );

  // What the machine itself does: independent random 4-byte reads, indexed by the same uniform
  // addresses, over arrays the size of the IPv4 root (1 MB) and of the whole IPv4 table (8 MB).
  // A lookup makes one such read at the root, and about one in six a second one elsewhere.
  for (const [bits, what] of [
    [18, "the IPv4 root's size"],
    [21, "the IPv4 table's size"],
  ] as const) {
    const a = new Int32Array(1 << bits).fill(1);
    const shift = 32 - bits;
    const reads = best((n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += a[q4[i & mask]! >>> shift]!;
      consume(acc);
      return n;
    });
    f(
      `machine: random reads/s over ${mb(a.byteLength)} MB`,
      reads,
      "reads/s",
      undefined,
      `independent Int32Array reads at uniform random offsets, an array of ${what}: a ceiling for lookups that make one such read each`,
    );
  }

  // IPv4, string input: the same kind of addresses as dotted quads, parsed on every lookup.
  // Built by template concatenation, most (13+ characters) are V8 cons strings.
  const strAddrs = Uint32Array.from({ length: 1 << 18 }, () => rng.nextU32());
  const strings = Array.from(strAddrs, (a) => formatIpv4(a));
  const smask = strings.length - 1;
  // The same texts as flat strings, one per line decoded from bytes, as read off a socket.
  const bytes = new TextEncoder().encode(strings.join("\n"));
  const decoder = new TextDecoder("latin1");
  const flat: string[] = [];
  for (let at = 0, i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 10) {
      flat.push(decoder.decode(bytes.subarray(at, i)));
      at = i + 1;
    }
  }
  // The same texts as lines split from one decoded text: V8 makes those of 13+ characters
  // sliced strings (a view into the text), the common form of addresses read from a log.
  const sliced = decoder.decode(bytes).split("\n");
  const fast = best((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += v4.match4(parseIpv4Fast(strings[i & smask]!));
    consume(acc);
    return n;
  });
  const slow = rate((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += v4.match4(parseIpv4Address(strings[i & smask]!) as number);
    consume(acc);
    return n;
  });
  // The same strings in batches of 256: parse all, then one lookupBulk32 (match4TextBulk).
  const textBulk = best((n) => {
    let acc = 0;
    const batches = Math.max(1, Math.floor(n / BATCH));
    for (let b = 0; b < batches; b++) {
      v4.match4TextBulk(strings, (b * BATCH) & smask, BATCH, ids);
      acc += ids[b & (BATCH - 1)]!;
    }
    consume(acc);
    return batches * BATCH;
  });
  // Where the time goes: parsing alone, and the lookups of the same addresses alone.
  const parseOnly = best((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += parseIpv4Fast(strings[i & smask]!);
    consume(acc);
    return n;
  });
  // The floor under any parser: reading every character once with charCodeAt, nothing else.
  const readOnly = best((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += sumCharCodes(strings[i & smask]!);
    consume(acc);
    return n;
  });
  const flatRead = best((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += sumCharCodes(flat[i & smask]!);
    consume(acc);
    return n;
  });
  const slicedBoth = best((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += v4.match4(parseIpv4Fast(sliced[i & smask]!));
    consume(acc);
    return n;
  });
  const lookupOnly = best((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += v4.match4(strAddrs[i & smask]!);
    consume(acc);
    return n;
  });
  const flatParse = best((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += parseIpv4Fast(flat[i & smask]!);
    consume(acc);
    return n;
  });
  const flatBoth = best((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += v4.match4(parseIpv4Fast(flat[i & smask]!));
    consume(acc);
    return n;
  });
  const flatBulk = best((n) => {
    let acc = 0;
    const batches = Math.max(1, Math.floor(n / BATCH));
    for (let b = 0; b < batches; b++) {
      v4.match4TextBulk(flat, (b * BATCH) & smask, BATCH, ids);
      acc += ids[b & (BATCH - 1)]!;
    }
    consume(acc);
    return batches * BATCH;
  });
  f(
    "IPv4 strings: parse only",
    parseOnly,
    "parses/s",
    undefined,
    `parseIpv4Fast over the same 2^18 strings, no lookup (flat strings: ${(flatParse / 1e6).toFixed(1)} M/s); only reading their characters with charCodeAt: ${(readOnly / 1e6).toFixed(1)} M strings/s (flat: ${(flatRead / 1e6).toFixed(1)}); the lookups of the same addresses as numbers, no parsing: ${(lookupOnly / 1e6).toFixed(1)} M/s`,
  );
  f(
    "IPv4 lookups/s, string input",
    fast,
    "lookups/s",
    20e6,
    `parseIpv4Fast each time; with wire's parseIpv4Address: ${(slow / 1e6).toFixed(1)} M/s`,
  );
  f(
    "IPv4 lookups/s, string input, batches of 256",
    textBulk,
    "lookups/s",
    20e6,
    "match4TextBulk: parse the batch, then one lookupBulk32",
  );
  f(
    "IPv4 lookups/s, flat string input",
    flatBoth,
    "lookups/s",
    20e6,
    `the same texts as flat strings decoded from bytes (as read off a socket); in batches of 256: ${(flatBulk / 1e6).toFixed(1)} M/s; as lines split from one decoded text (sliced strings): ${(slicedBoth / 1e6).toFixed(1)} M/s`,
  );
  const argText = best((n) => {
    consume(argText4(v4, flat, n));
    return n;
  });
  f(
    "IPv4 lookups/s, flat string input, table as an argument",
    argText,
    "lookups/s",
    20e6,
    "parse + lookup per flat string, the table passed in",
  );

  // IPv6: random addresses inside random prefixes of the table (deep lookups, not misses).
  const p6 = prefixesOf(v6Text, 6);
  const q6 = v6Queries(p6);
  // The plain multibit trie with the shape used before FrozenLpm6, in the same run.
  const plain6 = FrozenLpm.build(
    128,
    {
      count: p6.lengths.length,
      words: p6.words,
      lengths: p6.lengths,
      ids: p6.lengths.map((_, i) => i + 1),
    },
    { rootBits: 20, slotsPerPrefix: 16 },
  );
  const trie6plain = best((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const k = (i & mask) * 4;
      acc += plain6.lookup128(q6[k]!, q6[k + 1]!, q6[k + 2]!, q6[k + 3]!);
    }
    consume(acc);
    return n;
  });
  const frozen6 = best((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const k = (i & mask) * 4;
      acc += v6.match6(q6[k]!, q6[k + 1]!, q6[k + 2]!, q6[k + 3]!);
    }
    consume(acc);
    return n;
  });
  const arg6 = best((n) => {
    consume(argLoop6(v6, q6, n));
    return n;
  });
  // The same IPv6 lookups in batches of 256, advanced through the trie in lock step.
  const ids6 = new Int32Array(BATCH);
  const bulk6 = best((n) => {
    let acc = 0;
    const batches = Math.max(1, Math.floor(n / BATCH));
    for (let b = 0; b < batches; b++) {
      const from = ((b * BATCH) & mask) * 4;
      v6.match6Bulk(q6.subarray(from, from + BATCH * 4), ids6, BATCH);
      acc += ids6[b & (BATCH - 1)]!;
    }
    consume(acc);
    return batches * BATCH;
  });
  const trie6 = new Ipv6Table<number>();
  for (let i = 0; i < p6.lengths.length; i++) {
    const w = p6.words;
    const a = new Ipv6Address(w[i * 4]!, w[i * 4 + 1]!, w[i * 4 + 2]!, w[i * 4 + 3]!);
    trie6.insert(new Ipv6Prefix(a, p6.lengths[i]!), i + 1);
  }
  const before6 = rate((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const k = (i & mask) * 4;
      acc += trie6.lookup(new Ipv6Address(q6[k]!, q6[k + 1]!, q6[k + 2]!, q6[k + 3]!)) ?? 0;
    }
    consume(acc);
    return n;
  });
  f(
    "IPv6 lookups/s",
    frozen6,
    "lookups/s",
    20e6,
    `random addresses in random table prefixes, FrozenLpm6 (keyed on the /32); plain FrozenLpm (20-bit root, ${mb(plain6.memoryBytes).toFixed(1)} MB): ${(trie6plain / 1e6).toFixed(1)} M/s; mutable PrefixTrie (incl. making an Ipv6Address): ${(before6 / 1e6).toFixed(2)} M/s`,
  );
  f(
    "IPv6 lookups/s, table as an argument",
    arg6,
    "lookups/s",
    20e6,
    "the same addresses, one call each, the table passed in",
  );
  f(
    "IPv6 lookups/s, batches of 256",
    bulk6,
    "lookups/s",
    20e6,
    "the same addresses through FrozenLpm6.lookupBulk128: all probes, then passes moving every address one node down",
  );

  // Whole-answer lookups against geoip-lite (string in, object out, both sides).
  const db = GeoDatabase.fromCsv(readGeoCsv());
  const whole = rate((n) => {
    let hits = 0;
    for (let i = 0; i < n; i++) if (db.lookup(strings[i & smask]!)) hits++;
    consume(hits);
    return n;
  });
  const other = await geoipLite(strings);
  f(
    "GeoDatabase.lookup(string), IPv4",
    whole,
    "lookups/s",
    undefined,
    typeof other === "string"
      ? other
      : `geoip-lite lookup(string) ${(other / 1e6).toFixed(2)} M/s; wirelab/geoip-lite = ${(whole / other).toFixed(1)}x (result objects on both sides; ours builds the prefix text)`,
  );
  return figures;
}

export const lpmSuite: Suite = {
  name: SUITE,
  description:
    "longest-prefix match on the real @ip-location-db/asn table: build, memory, lookups/s",
  run,
};
