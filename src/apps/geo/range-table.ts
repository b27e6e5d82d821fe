/**
 * One CSV of IP ranges (`start,end,...` for one address family) as a frozen longest-prefix-match
 * table: each range becomes its minimal set of CIDR prefixes, and a prefix's route id leads
 * back to its CSV row. Where ranges overlap (the data has a few), the more specific prefix
 * wins, and of two identical prefixes the later row's.
 */
import { FrozenLpm, type FrozenLpmOptions } from "../../net/frozen-lpm.js";
import { FrozenLpm6, type FrozenLpm6Options } from "../../net/frozen-lpm6.js";
import { forEachCsvRow, GeoDataError } from "./csv.js";
import { parseIpv4Fast, parseIpv6Fast } from "./ip-text.js";
import { compareWords, ipv4RangeToPrefixes, ipv6RangeToPrefixes } from "./ranges.js";

/** Called for each data row with the fields after start and end; returns nothing. */
export type RowReader = (fields: string[], row: number, line: number) => void;

/** Growable column of numbers that ends as a typed array. */
class Column {
  data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }
  push(x: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = x;
  }
}

/** A frozen table of one family's ranges. */
export class RangeTable {
  private constructor(
    readonly family: 4 | 6,
    /** Number of data rows (ranges). */
    readonly rows: number,
    /** Number of CIDR prefixes the ranges became. */
    readonly prefixes: number,
    /** A `FrozenLpm` for IPv4; IPv6 uses the /32-keyed `FrozenLpm6` (fewer dependent reads). */
    private readonly lpm: FrozenLpm | FrozenLpm6,
    private readonly rowOf: Int32Array,
    private readonly lengthOf: Uint8Array,
  ) {}

  /** Scratch addresses for `match4TextBulk`, reused across calls. */
  private textAddrs = new Uint32Array(0);

  /**
   * Parses `text` (rows `start,end,...`; start and end as address text, or as decimal numbers
   * like the packages' `-num` files) and builds the table. `read` sees each row's remaining
   * fields. Throws `GeoDataError` naming `source` and the line on a malformed row. `options`
   * shapes the table: `FrozenLpmOptions` for IPv4, `FrozenLpm6Options` for IPv6.
   */
  static fromCsv(
    text: string,
    family: 4 | 6,
    source: string,
    read: RowReader,
    options?: FrozenLpmOptions | FrozenLpm6Options,
  ): RangeTable {
    const words = new Column(family === 4 ? 1 << 16 : 1 << 18);
    const lengths = new Column();
    const rowOf = new Column();
    const lo = [0, 0, 0, 0];
    const hi = [0, 0, 0, 0];
    let rows = 0;
    const onV4 = (a: number, len: number) => {
      words.push(a);
      lengths.push(len);
      rowOf.push(rows);
    };
    const onV6 = (w: readonly number[], len: number) => {
      for (let i = 0; i < 4; i++) words.push(w[i]!);
      lengths.push(len);
      rowOf.push(rows);
    };
    forEachCsvRow(text, source, (fields, line) => {
      if (fields.length < 2) throw new GeoDataError(source, line, "expected start,end,...");
      const [a, b] = fields as [string, string];
      if (family === 4) {
        const s = ipv4Field(a);
        const e = ipv4Field(b);
        if (s < 0 || e < 0 || s > e) {
          throw new GeoDataError(source, line, `bad IPv4 range "${a}" - "${b}"`);
        }
        read(fields.slice(2), rows, line);
        ipv4RangeToPrefixes(s, e, onV4);
      } else {
        if (!ipv6Field(a, lo) || !ipv6Field(b, hi) || compareWords(lo, hi) > 0) {
          throw new GeoDataError(source, line, `bad IPv6 range "${a}" - "${b}"`);
        }
        read(fields.slice(2), rows, line);
        ipv6RangeToPrefixes(lo, hi, onV6);
      }
      rows++;
    });
    const count = lengths.length;
    const ids = new Int32Array(count);
    for (let i = 0; i < count; i++) ids[i] = i + 1;
    const lengthArr = new Uint8Array(count + 1);
    lengthArr.set(lengths.data.subarray(0, count), 1);
    const rowArr = new Int32Array(count + 1);
    rowArr.set(rowOf.data.subarray(0, count), 1);
    const list = { count, words: words.data.subarray(0, words.length), lengths: lengths.data, ids };
    const lpm =
      family === 4
        ? FrozenLpm.build(32, list, options as FrozenLpmOptions | undefined)
        : FrozenLpm6.build(list, options as FrozenLpm6Options | undefined);
    return new RangeTable(family, rows, count, lpm, rowArr, lengthArr);
  }

  /** Bytes held by the lookup structure's typed arrays. */
  get memoryBytes(): number {
    return this.lpm.memoryBytes + this.rowOf.byteLength + this.lengthOf.byteLength;
  }

  /** The matching prefix's id for an IPv4 address, 0 if none. */
  match4(addr: number): number {
    return (this.lpm as FrozenLpm).lookup32(addr);
  }

  /** Matching prefix ids for a batch of IPv4 addresses (see FrozenLpm.lookupBulk32). */
  match4Bulk(addrs: Uint32Array, out: Int32Array, count = addrs.length): void {
    (this.lpm as FrozenLpm).lookupBulk32(addrs, out, count);
  }

  /**
   * Matching prefix ids for a batch of IPv4 address texts `texts[from..from+count)`: all are
   * parsed first, then looked up together through `match4Bulk`, whose reads overlap. `out[i]`
   * receives the id for `texts[from + i]`, 0 if none, -1 if the text is not a dotted quad.
   */
  match4TextBulk(texts: readonly string[], from: number, count: number, out: Int32Array): void {
    let addrs = this.textAddrs;
    if (addrs.length < count) addrs = this.textAddrs = new Uint32Array(count);
    let bad = 0;
    for (let i = 0; i < count; i++) {
      const a = parseIpv4Fast(texts[from + i]!);
      if (a < 0) bad++;
      addrs[i] = a;
    }
    (this.lpm as FrozenLpm).lookupBulk32(addrs, out, count);
    // Rare: mark texts that did not parse (their stand-in address 0xffffffff was looked up).
    if (bad > 0) {
      for (let i = 0; i < count; i++) if (parseIpv4Fast(texts[from + i]!) < 0) out[i] = -1;
    }
  }

  /** Matching prefix ids for a batch of IPv6 addresses (see FrozenLpm.lookupBulk128). */
  match6Bulk(words: Uint32Array, out: Int32Array, count = words.length >>> 2): void {
    this.lpm.lookupBulk128(words, out, count);
  }

  /** The matching prefix's id for an IPv6 address, 0 if none. */
  match6(w0: number, w1: number, w2: number, w3: number): number {
    return this.lpm.lookup128(w0, w1, w2, w3);
  }

  /** The CSV row (0-based, data rows only) of a matched prefix id. */
  row(id: number): number {
    return this.rowOf[id]!;
  }

  /** The prefix length of a matched prefix id. */
  prefixLength(id: number): number {
    return this.lengthOf[id]!;
  }
}

function isDecimal(text: string): boolean {
  return /^[0-9]{1,39}$/.test(text);
}

function ipv4Field(text: string): number {
  const v = parseIpv4Fast(text);
  if (v >= 0 || !isDecimal(text)) return v;
  const n = Number(text);
  return n <= 0xffffffff ? n : -1;
}

function ipv6Field(text: string, out: number[]): boolean {
  if (parseIpv6Fast(text, out)) return true;
  if (!isDecimal(text)) return false;
  const n = BigInt(text);
  if (n >> 128n !== 0n) return false;
  for (let i = 0; i < 4; i++) out[i] = Number((n >> BigInt(96 - 32 * i)) & 0xffffffffn);
  return true;
}
