/**
 * A resolver's cache on its host's clock: RRsets by (name, type) with the set's smallest TTL
 * (RFC 2181 §5.2), ranked by how credible their source was (RFC 2181 §5.4.1) so glue never
 * overwrites an authoritative answer, and negative entries for NXDOMAIN and NODATA kept for
 * min(SOA TTL, SOA MINIMUM) (RFC 2308 §5). Entries expire lazily; the oldest go first when full.
 */
import type { HostClock } from "../../sim/host-clock.js";
import type { Simulator } from "../../sim/simulator.js";
import { type Nanos, NS_PER_S } from "../../sim/time.js";
import { type DnsRecord, type DnsSoaRecord, dnsRecordTypeCode } from "../../wire/dns-rr.js";
import { canonicalName } from "./names.js";

/** Credibility of cached data (RFC 2181 §5.4.1), lowest first. */
export const DNS_TRUST = {
  /** Additional section: glue and hints. */
  ADDITIONAL: 1,
  /** Authority section of a referral. */
  AUTHORITY: 2,
  /** Answer section without AA. */
  ANSWER: 3,
  /** Answer section of an authoritative answer. */
  AUTHORITATIVE: 4,
} as const;

export interface DnsCacheOptions {
  /** Longest time anything is kept, in seconds (default 86400, BIND's max-cache-ttl is a week). */
  maxTtl?: number;
  /** Longest time a negative answer is kept, in seconds (default 10800, RFC 2308 §5). */
  maxNegativeTtl?: number;
  /** Most entries before the oldest are evicted (default 10,000). */
  maxEntries?: number;
}

/** A negative answer from the cache. */
export interface DnsNegative {
  kind: "nxdomain" | "nodata";
  /** The SOA that proved it, its TTL counting down. */
  soa: DnsSoaRecord;
}

interface Entry {
  records: DnsRecord[];
  expires: Nanos;
  trust: number;
  negative: DnsNegative["kind"] | null;
}

/** Counters for tests and reports. */
export interface DnsCacheStats {
  hits: number;
  misses: number;
  inserts: number;
  /** Insertions refused because better data was already there (RFC 2181 §5.4.1). */
  kept: number;
  expired: number;
  evicted: number;
}

/** RFC 2181 §8: a TTL with the top bit set is read as zero. */
function usableTtl(ttl: number): number {
  return ttl > 0x7fffffff ? 0 : ttl;
}

export class DnsCache {
  private readonly entries = new Map<string, Entry>();
  readonly stats: DnsCacheStats = {
    hits: 0,
    misses: 0,
    inserts: 0,
    kept: 0,
    expired: 0,
    evicted: 0,
  };
  private readonly maxTtl: number;
  private readonly maxNegativeTtl: number;
  private readonly maxEntries: number;

  /** Ages are counted on this (the host clock's monotonic reading, or a plain time source). */
  private readonly time: () => Nanos;

  constructor(
    /** The host's clock (TTLs then run on its monotonic time), or anything with a `now`. */
    source: Pick<Simulator, "now"> | Pick<HostClock, "monotonic">,
    options: DnsCacheOptions = {},
  ) {
    this.time =
      "monotonic" in source
        ? () => source.monotonic()
        : () => (source as Pick<Simulator, "now">).now;
    this.maxTtl = options.maxTtl ?? 86400;
    this.maxNegativeTtl = options.maxNegativeTtl ?? 10800;
    this.maxEntries = options.maxEntries ?? 10000;
  }

  /** Live entries (expired ones not yet noticed included). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The cached RRset at `name` of type code `type` with at least `minTrust`, its TTLs lowered to
   * the seconds left; undefined on a miss.
   */
  get(name: string, type: number, minTrust = 0): DnsRecord[] | undefined {
    const e = this.live(`${canonicalName(name)}|${type}`);
    if (e === undefined || e.negative !== null || e.trust < minTrust) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    const ttl = this.remaining(e);
    return e.records.map((r) => ({ ...r, ttl }));
  }

  /** A live negative answer covering (`name`, `type`): NXDOMAIN for the name, or NODATA. */
  getNegative(name: string, type: number): DnsNegative | undefined {
    const key = canonicalName(name);
    const e = this.live(`${key}|NX`) ?? this.live(`${key}|${type}`);
    if (e === undefined || e.negative === null) return undefined;
    this.stats.hits++;
    const soa = e.records[0] as DnsSoaRecord;
    return { kind: e.negative, soa: { ...soa, ttl: this.remaining(e) } };
  }

  /** True when a live entry of any kind sits at (`name`, `type`) ("NX" for NXDOMAIN). */
  has(name: string, type: number | "NX"): boolean {
    return this.live(`${canonicalName(name)}|${type}`) !== undefined;
  }

  /**
   * Stores one RRset (records of one owner and type) with the given trust. A live entry with
   * more trust stays (returns false). A TTL of zero is not cached (RFC 1035 §3.2.1).
   */
  put(records: readonly DnsRecord[], trust: number): boolean {
    const first = records[0];
    if (first === undefined) return false;
    const name = canonicalName(first.name);
    const type = dnsRecordTypeCode(first);
    const key = `${name}|${type}`;
    const old = this.live(key);
    if (old !== undefined && old.negative === null && old.trust > trust) {
      this.stats.kept++;
      return false;
    }
    let ttl = this.maxTtl;
    for (const r of records) ttl = Math.min(ttl, usableTtl(r.ttl));
    if (ttl === 0) return false;
    this.entries.delete(`${name}|NX`);
    this.set(key, {
      records: records.slice(),
      expires: this.time() + ttl * NS_PER_S,
      trust,
      negative: null,
    });
    return true;
  }

  /**
   * Stores a negative answer proved by `soa`: NXDOMAIN for every type at `name`, or NODATA for
   * `type` only. Kept for min(SOA TTL, SOA MINIMUM, the negative maximum) (RFC 2308 §5).
   */
  putNegative(kind: DnsNegative["kind"], name: string, type: number, soa: DnsSoaRecord): void {
    const ttl = Math.min(usableTtl(soa.ttl), soa.rdata.minimum, this.maxNegativeTtl);
    if (ttl <= 0) return;
    const key = `${canonicalName(name)}|${kind === "nxdomain" ? "NX" : type}`;
    this.set(key, {
      records: [soa],
      expires: this.time() + ttl * NS_PER_S,
      trust: DNS_TRUST.AUTHORITATIVE,
      negative: kind,
    });
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
  }

  /** The live entries as "name type ttl" lines, oldest first (for reports and tests). */
  dump(): string[] {
    const out: string[] = [];
    for (const [key, e] of this.entries) {
      if (e.expires > this.time())
        out.push(
          `${key.replace("|", " ")} ${this.remaining(e)}${e.negative ? ` ${e.negative}` : ""}`,
        );
    }
    return out;
  }

  private set(key: string, e: Entry): void {
    this.entries.delete(key); // re-inserting moves the key to the young end
    this.entries.set(key, e);
    this.stats.inserts++;
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.stats.evicted++;
    }
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expires <= this.time()) {
      this.entries.delete(key);
      this.stats.expired++;
      return undefined;
    }
    return e;
  }

  /** Seconds left, rounded up: a live entry never claims a TTL of 0 ("do not cache"). */
  private remaining(e: Entry): number {
    return Math.ceil((e.expires - this.time()) / NS_PER_S);
  }
}
