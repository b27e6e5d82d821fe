/**
 * IP geolocation from CSV range tables (the `@ip-location-db` packages' formats): an address's
 * country and autonomous system (number and organisation). Pure: it takes CSV text, so it runs
 * in a browser; finding the files on disk is `cli/geo-data.ts`'s job. Each table is a frozen
 * longest-prefix-match structure, so a lookup is a few array reads, whatever the table's size.
 */
import type { FrozenLpmOptions } from "../../net/frozen-lpm.js";
import type { FrozenLpm6Options } from "../../net/frozen-lpm6.js";
import { formatIpv4, Ipv6Address, parseIp } from "../../wire/address.js";
import { ParseError } from "../../wire/parse-error.js";
import { Ipv6Prefix } from "../../wire/prefix.js";
import { GeoDataError } from "./csv.js";
import { parseIpv4Fast, parseIpv6Fast } from "./ip-text.js";
import { RangeTable, type RowReader } from "./range-table.js";
import { specialPurposeOf4, specialPurposeOfWords } from "./special-purpose.js";

/** CSV texts to load; any may be missing. Rows are `start,end,...` with inclusive bounds. */
export interface GeoCsv {
  /** `start,end,asn,organisation` for IPv4 (e.g. asn-ipv4.csv). */
  asnV4?: string;
  /** `start,end,asn,organisation` for IPv6 (e.g. asn-ipv6.csv). */
  asnV6?: string;
  /** `start,end,country` for IPv4, country as ISO 3166 alpha-2 (geo-whois-asn-country-ipv4.csv). */
  countryV4?: string;
  /** `start,end,country` for IPv6. */
  countryV6?: string;
}

/** What is known of an address. */
export interface GeoResult {
  /** ISO 3166-1 alpha-2 code, e.g. "US". */
  country?: string;
  /** Autonomous system number, e.g. 15169. */
  asn?: number;
  /** The autonomous system's organisation, e.g. "Google LLC". */
  org?: string;
  /** The most specific matching range prefix (of the ASN and country tables), e.g. "8.8.8.0/24". */
  prefix: string;
}

/** Sizes of what was loaded, for reports and benchmarks. */
export interface GeoStats {
  rows: number;
  prefixes: number;
  memoryBytes: number;
}

/** Options for building: the frozen tables' shape (see `FrozenLpmOptions`, `FrozenLpm6Options`). */
export interface GeoOptions {
  v4?: FrozenLpmOptions;
  v6?: FrozenLpm6Options;
}

/** Interns strings so repeated organisation names are stored once. */
class Strings {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

/**
 * What an answer needs per matched prefix id, side by side so that one cache line holds it: a
 * lookup of random addresses then misses the cache once per table for its answer, instead of
 * once per array (id -> row, length, AS number, organisation). ASN tables hold [length, AS
 * number, organisation index, 0] per id, country tables [length, country index]; id 0 (no
 * match, or no table) is all zeros, so a lookup needs no test for a missing table.
 */
const ASN_STRIDE = 4;
const COUNTRY_STRIDE = 2;

function asnAnswers(
  t: RangeTable | undefined,
  base: number,
  asnOf: number[],
  orgOf: number[],
): Uint32Array {
  const out = new Uint32Array(((t?.prefixes ?? 0) + 1) * ASN_STRIDE);
  for (let id = 1; t !== undefined && id <= t.prefixes; id++) {
    const row = base + t.row(id);
    out[id * ASN_STRIDE] = t.prefixLength(id);
    out[id * ASN_STRIDE + 1] = asnOf[row]!;
    out[id * ASN_STRIDE + 2] = orgOf[row]!;
  }
  return out;
}

function countryAnswers(t: RangeTable | undefined, base: number, countryOf: number[]): Uint16Array {
  const out = new Uint16Array(((t?.prefixes ?? 0) + 1) * COUNTRY_STRIDE);
  for (let id = 1; t !== undefined && id <= t.prefixes; id++) {
    out[id * COUNTRY_STRIDE] = t.prefixLength(id);
    out[id * COUNTRY_STRIDE + 1] = countryOf[base + t.row(id)]!;
  }
  return out;
}

/** ASN and country tables for both families. */
export class GeoDatabase {
  private readonly orgs = new Strings();
  private readonly countries = new Strings();
  private readonly asn4: RangeTable | undefined;
  private readonly asn6: RangeTable | undefined;
  private readonly country4: RangeTable | undefined;
  private readonly country6: RangeTable | undefined;
  private readonly asn4Answers: Uint32Array;
  private readonly asn6Answers: Uint32Array;
  private readonly country4Answers: Uint16Array;
  private readonly country6Answers: Uint16Array;
  private readonly words = [0, 0, 0, 0];

  private constructor(csv: GeoCsv, options: GeoOptions) {
    // By CSV row while reading; the v4 and v6 files of a kind share these arrays (v6 rows follow
    // the v4 rows). The answers by prefix id are built from them once the tables stand.
    const asnOf: number[] = [];
    const orgOf: number[] = [];
    const countryOf: number[] = [];
    const asn = (source: string, base: number) => (f: string[], row: number, line: number) => {
      const n = Number(f[0]);
      if (!/^[0-9]{1,10}$/.test(f[0] ?? "") || n > 0xffffffff) {
        throw new GeoDataError(source, line, `bad AS number "${f[0] ?? ""}"`);
      }
      asnOf[base + row] = n;
      orgOf[base + row] = this.orgs.id(f[1] ?? "");
    };
    const country = (source: string, base: number) => (f: string[], row: number, line: number) => {
      const c = f[0] ?? "";
      if (!/^[A-Z]{2}$/.test(c)) throw new GeoDataError(source, line, `bad country code "${c}"`);
      countryOf[base + row] = this.countries.id(c);
    };
    const table = (text: string | undefined, family: 4 | 6, source: string, read: RowReader) =>
      text === undefined
        ? undefined
        : RangeTable.fromCsv(text, family, source, read, family === 4 ? options.v4 : options.v6);
    this.asn4 = table(csv.asnV4, 4, "asnV4", asn("asnV4", 0));
    const asnBase6 = this.asn4?.rows ?? 0;
    this.asn6 = table(csv.asnV6, 6, "asnV6", asn("asnV6", asnBase6));
    this.country4 = table(csv.countryV4, 4, "countryV4", country("countryV4", 0));
    const countryBase6 = this.country4?.rows ?? 0;
    this.country6 = table(csv.countryV6, 6, "countryV6", country("countryV6", countryBase6));
    this.asn4Answers = asnAnswers(this.asn4, 0, asnOf, orgOf);
    this.asn6Answers = asnAnswers(this.asn6, asnBase6, asnOf, orgOf);
    this.country4Answers = countryAnswers(this.country4, 0, countryOf);
    this.country6Answers = countryAnswers(this.country6, countryBase6, countryOf);
  }

  /**
   * Builds the tables from CSV text. Throws `GeoDataError` (source name and line) on a
   * malformed row.
   */
  static fromCsv(csv: GeoCsv, options: GeoOptions = {}): GeoDatabase {
    return new GeoDatabase(csv, options);
  }

  /** Rows, prefixes and bytes of the loaded tables. */
  get stats(): GeoStats {
    const tables = [this.asn4, this.asn6, this.country4, this.country6];
    let rows = 0;
    let prefixes = 0;
    let memoryBytes = 0;
    for (const t of tables) {
      if (t === undefined) continue;
      rows += t.rows;
      prefixes += t.prefixes;
      memoryBytes += t.memoryBytes;
    }
    const answers = [
      this.asn4Answers,
      this.asn6Answers,
      this.country4Answers,
      this.country6Answers,
    ];
    for (const a of answers) memoryBytes += a.byteLength;
    return { rows, prefixes, memoryBytes };
  }

  /**
   * Looks up an address given as text ("8.8.8.8", "2001:4860::8888"), as an unsigned 32-bit
   * IPv4 number, or as an `Ipv6Address` (IPv4-mapped ones, ::ffff:a.b.c.d, use the IPv4 tables).
   * Returns undefined when no table covers it, and for special-purpose addresses that are not
   * globally reachable (private, loopback, documentation, ...: see special-purpose.ts), which
   * have no place even where the data has a row for them. Throws a RangeError quoting the input
   * when the text is not an address or the number is not an unsigned 32-bit integer.
   */
  lookup(address: string | number | Ipv6Address): GeoResult | undefined {
    if (typeof address === "number") {
      if (!Number.isInteger(address) || address < 0 || address > 0xffffffff) {
        throw new RangeError(`invalid IPv4 address ${address}: not an unsigned 32-bit integer`);
      }
      return this.lookup4(address);
    }
    if (typeof address !== "string")
      return this.lookupWords(address.w0, address.w1, address.w2, address.w3);
    const v4 = parseIpv4Fast(address);
    if (v4 >= 0) return this.lookup4(v4);
    const w = this.words;
    if (parseIpv6Fast(address, w)) return this.lookupWords(w[0]!, w[1]!, w[2]!, w[3]!);
    const err = parseIp(address);
    const detail = err instanceof ParseError ? `: ${err.detail}` : "";
    throw new RangeError(`invalid IP address "${address}"${detail}`);
  }

  /** Looks up an IPv4 address (unsigned 32-bit). */
  lookup4(addr: number): GeoResult | undefined {
    if (specialPurposeOf4(addr)?.globallyReachable === false) return undefined;
    const a = this.asn4?.match4(addr) ?? 0;
    const c = this.country4?.match4(addr) ?? 0;
    if (a === 0 && c === 0) return undefined;
    const len = Math.max(
      this.asn4Answers[a * ASN_STRIDE]!,
      this.country4Answers[c * COUNTRY_STRIDE]!,
    );
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    return this.answer(
      `${formatIpv4((addr & mask) >>> 0)}/${len}`,
      this.asn4Answers,
      a,
      this.country4Answers,
      c,
    );
  }

  private lookupWords(w0: number, w1: number, w2: number, w3: number): GeoResult | undefined {
    if (w0 === 0 && w1 === 0 && w2 === 0xffff) return this.lookup4(w3);
    if (specialPurposeOfWords(w0, w1, w2, w3)?.globallyReachable === false) return undefined;
    const a = this.asn6?.match6(w0, w1, w2, w3) ?? 0;
    const c = this.country6?.match6(w0, w1, w2, w3) ?? 0;
    if (a === 0 && c === 0) return undefined;
    const len = Math.max(
      this.asn6Answers[a * ASN_STRIDE]!,
      this.country6Answers[c * COUNTRY_STRIDE]!,
    );
    const prefix = new Ipv6Prefix(new Ipv6Address(w0, w1, w2, w3), len).toString();
    return this.answer(prefix, this.asn6Answers, a, this.country6Answers, c);
  }

  /** The result for matched ids `a` (ASN table) and `c` (country table), 0 where none. */
  private answer(
    prefix: string,
    asns: Uint32Array,
    a: number,
    countries: Uint16Array,
    c: number,
  ): GeoResult {
    const result: GeoResult = { prefix };
    if (c !== 0) result.country = this.countries.list[countries[c * COUNTRY_STRIDE + 1]!]!;
    if (a !== 0) {
      result.asn = asns[a * ASN_STRIDE + 1]!;
      const org = this.orgs.list[asns[a * ASN_STRIDE + 2]!]!;
      if (org !== "") result.org = org;
    }
    return result;
  }
}
