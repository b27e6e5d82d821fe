/**
 * Zones built in code: `zone("example.com.").soa(...).ns("@", "ns1").a("www", "192.0.2.1")`,
 * with names relative to the origin as in a master file ("@" is the origin). Mistakes here are
 * the programmer's, so they throw RangeError naming the record; zone text goes through zone-text.
 */
import { type Ipv6Address, parseIpv4Address, parseIpv6Address } from "../../wire/address.js";
import { isDnsName } from "../../wire/dns-name.js";
import { DNS_CLASS, type DnsRecord, type DnsSoaData, dnsTxt } from "../../wire/dns-rr.js";
import { ParseError } from "../../wire/parse-error.js";
import { absoluteName } from "./names.js";
import { Zone } from "./zone.js";

export interface ZoneBuilderOptions {
  /** TTL of records added without one (default 3600 s). */
  ttl?: number;
}

/** SOA fields; the timers default to common values (RFC 1912 §2.2), `minimum` to 300 s. */
export type SoaFields = Pick<DnsSoaData, "mname" | "rname"> & Partial<DnsSoaData>;

/** Collects records for one zone; `build()` checks them into a Zone. */
export class ZoneBuilder {
  private readonly records: DnsRecord[] = [];
  private readonly ttl: number;

  constructor(
    /** The zone's origin, absolute ("example.com." or "example.com"). */
    readonly origin: string,
    options: ZoneBuilderOptions = {},
  ) {
    this.origin = absoluteName(origin, ".");
    if (!isDnsName(this.origin)) throw new RangeError(`bad zone origin "${origin}"`);
    this.ttl = options.ttl ?? 3600;
  }

  private name(text: string): string {
    const abs = absoluteName(text, this.origin);
    if (!isDnsName(abs)) throw new RangeError(`bad name "${text}" in zone ${this.origin}`);
    return abs;
  }

  private base(owner: string, ttl: number | undefined) {
    return { name: this.name(owner), class: DNS_CLASS.IN, ttl: ttl ?? this.ttl };
  }

  /** Adds any record as it is (its names must be absolute). */
  record(r: DnsRecord): this {
    this.records.push(r);
    return this;
  }

  /** The apex SOA; `serial` defaults to 1. */
  soa(f: SoaFields, ttl?: number): this {
    const rdata: DnsSoaData = {
      mname: this.name(f.mname),
      rname: this.name(f.rname),
      serial: f.serial ?? 1,
      refresh: f.refresh ?? 7200,
      retry: f.retry ?? 3600,
      expire: f.expire ?? 1209600,
      minimum: f.minimum ?? 300,
    };
    return this.record({ ...this.base("@", ttl), type: "SOA", rdata });
  }

  ns(owner: string, target: string, ttl?: number): this {
    return this.record({ ...this.base(owner, ttl), type: "NS", rdata: this.name(target) });
  }

  a(owner: string, address: string, ttl?: number): this {
    const a = parseIpv4Address(address);
    if (a instanceof ParseError) throw new RangeError(`bad IPv4 address "${address}"`);
    return this.record({ ...this.base(owner, ttl), type: "A", rdata: a });
  }

  aaaa(owner: string, address: string, ttl?: number): this {
    const a = parseIpv6Address(address);
    if (a instanceof ParseError) throw new RangeError(`bad IPv6 address "${address}"`);
    return this.record({ ...this.base(owner, ttl), type: "AAAA", rdata: a as Ipv6Address });
  }

  cname(owner: string, target: string, ttl?: number): this {
    return this.record({ ...this.base(owner, ttl), type: "CNAME", rdata: this.name(target) });
  }

  ptr(owner: string, target: string, ttl?: number): this {
    return this.record({ ...this.base(owner, ttl), type: "PTR", rdata: this.name(target) });
  }

  mx(owner: string, preference: number, exchange: string, ttl?: number): this {
    const rdata = { preference, exchange: this.name(exchange) };
    return this.record({ ...this.base(owner, ttl), type: "MX", rdata });
  }

  /** A TXT record of one or more character-strings (UTF-8, at most 255 octets each). */
  txt(owner: string, strings: string | string[], ttl?: number): this {
    const rdata = dnsTxt(...(typeof strings === "string" ? [strings] : strings));
    return this.record({ ...this.base(owner, ttl), type: "TXT", rdata });
  }

  srv(owner: string, priority: number, weight: number, port: number, target: string): this {
    const rdata = { priority, weight, port, target: this.name(target) };
    return this.record({ ...this.base(owner, undefined), type: "SRV", rdata });
  }

  /** The zone; throws RangeError naming the first record that does not fit, or a missing SOA/NS. */
  build(): Zone {
    const zone = new Zone(this.origin);
    for (const r of this.records) {
      const problem = zone.add(r);
      if (problem !== undefined) throw new RangeError(`zone ${this.origin}: ${problem}`);
    }
    const problem = zone.check();
    if (problem !== undefined) throw new RangeError(problem);
    return zone;
  }
}

/** Starts a zone in code; see ZoneBuilder. */
export function zone(origin: string, options?: ZoneBuilderOptions): ZoneBuilder {
  return new ZoneBuilder(origin, options);
}
