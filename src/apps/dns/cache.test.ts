/**
 * The resolver's cache and the bailiwick filter, alone: TTLs counting down in simulated time,
 * negative entries for min(SOA TTL, MINIMUM), credibility ranking, eviction; and which records
 * of a response a resolver may believe.
 */
import { describe, expect, it } from "vitest";
import { createDnsMessage } from "../../wire/dns.js";
import { DNS_TYPE, type DnsRecord, type DnsSoaRecord } from "../../wire/dns-rr.js";
import { sanitizeResponse } from "./bailiwick.js";
import { DNS_TRUST, DnsCache } from "./cache.js";

const S = 1_000_000_000;
const clock = { now: 0 };
const a = (name: string, ip: number, ttl = 300): DnsRecord => ({
  name,
  type: "A",
  class: 1,
  ttl,
  rdata: ip,
});
const ns = (name: string, target: string): DnsRecord => ({
  name,
  type: "NS",
  class: 1,
  ttl: 3600,
  rdata: target,
});
const soa = (name: string, ttl: number, minimum: number): DnsSoaRecord => ({
  name,
  type: "SOA",
  class: 1,
  ttl,
  rdata: {
    mname: `ns.${name}`,
    rname: `h.${name}`,
    serial: 1,
    refresh: 2,
    retry: 3,
    expire: 4,
    minimum,
  },
});

describe("DnsCache", () => {
  it("keeps an RRset for its smallest TTL, counting down, then forgets it", () => {
    clock.now = 0;
    const c = new DnsCache(clock);
    c.put([a("www.example.com.", 1, 300), a("WWW.example.com.", 2, 100)], DNS_TRUST.AUTHORITATIVE);
    expect(c.get("www.EXAMPLE.com", DNS_TYPE.A)?.map((r) => [r.rdata, r.ttl])).toEqual([
      [1, 100],
      [2, 100],
    ]);
    clock.now = 40.5 * S;
    expect(c.get("www.example.com.", DNS_TYPE.A)?.[0]?.ttl).toBe(60); // 59.5 s left, rounded up
    clock.now = 100 * S;
    expect(c.get("www.example.com.", DNS_TYPE.A)).toBeUndefined();
    expect(c.stats).toMatchObject({ hits: 2, misses: 1, expired: 1 });
  });

  it("does not cache TTL 0, and reads TTLs with the top bit set as 0 (RFC 2181 §8)", () => {
    const c = new DnsCache(clock);
    expect(c.put([a("x.test.", 1, 0)], DNS_TRUST.ANSWER)).toBe(false);
    expect(c.put([a("y.test.", 1, 0x80000000)], DNS_TRUST.ANSWER)).toBe(false);
    expect(c.size).toBe(0);
  });

  it("keeps negative answers for min(SOA TTL, MINIMUM) (RFC 2308 §5)", () => {
    clock.now = 0;
    const c = new DnsCache(clock);
    c.putNegative("nxdomain", "nope.test.", DNS_TYPE.A, soa("test.", 3600, 60));
    c.putNegative("nodata", "www.test.", DNS_TYPE.AAAA, soa("test.", 30, 60));
    // NXDOMAIN covers every type at the name; NODATA only its own.
    expect(c.getNegative("nope.test.", DNS_TYPE.MX)?.kind).toBe("nxdomain");
    expect(c.getNegative("www.test.", DNS_TYPE.AAAA)).toMatchObject({
      kind: "nodata",
      soa: { ttl: 30 },
    });
    expect(c.getNegative("www.test.", DNS_TYPE.A)).toBeUndefined();
    clock.now = 30 * S;
    expect(c.getNegative("www.test.", DNS_TYPE.AAAA)).toBeUndefined();
    expect(c.getNegative("nope.test.", DNS_TYPE.A)?.soa.ttl).toBe(30);
    clock.now = 60 * S;
    expect(c.getNegative("nope.test.", DNS_TYPE.A)).toBeUndefined();
  });

  it("lets no less credible data replace more credible data (RFC 2181 §5.4.1)", () => {
    clock.now = 0;
    const c = new DnsCache(clock);
    c.put([a("ns1.test.", 1)], DNS_TRUST.AUTHORITATIVE);
    expect(c.put([a("ns1.test.", 66)], DNS_TRUST.ADDITIONAL)).toBe(false);
    expect(c.get("ns1.test.", DNS_TYPE.A)?.[0]?.rdata).toBe(1);
    c.put([a("ns2.test.", 2)], DNS_TRUST.ADDITIONAL);
    expect(c.get("ns2.test.", DNS_TYPE.A, DNS_TRUST.ANSWER)).toBeUndefined(); // glue is not an answer
    c.put([a("ns2.test.", 3)], DNS_TRUST.AUTHORITATIVE);
    expect(c.get("ns2.test.", DNS_TYPE.A, DNS_TRUST.ANSWER)?.[0]?.rdata).toBe(3);
  });

  it("evicts the oldest entries beyond its size", () => {
    const c = new DnsCache(clock, { maxEntries: 2 });
    for (const n of ["a", "b", "c"]) c.put([a(`${n}.test.`, 1)], DNS_TRUST.ANSWER);
    expect([c.has("a.test.", 1), c.has("b.test.", 1), c.has("c.test.", 1)]).toEqual([
      false,
      true,
      true,
    ]);
    expect(c.stats.evicted).toBe(1);
  });
});

describe("bailiwick", () => {
  const response = (answers: DnsRecord[], authorities: DnsRecord[], additionals: DnsRecord[]) =>
    createDnsMessage({ qr: true, answers, authorities, additionals });

  it("keeps the chain and referral in the server's zone and drops the rest", () => {
    const s = sanitizeResponse(
      response(
        [
          { name: "www.example.com.", type: "CNAME", class: 1, ttl: 60, rdata: "web.example.com." },
          a("web.example.com.", 1),
          a("unrelated.example.com.", 9),
        ],
        [ns("example.com.", "ns1.example.com."), ns("bank.test.", "evil.example.com.")],
        [a("ns1.example.com.", 5), a("www.bank.test.", 6)],
      ),
      "www.example.com.",
      DNS_TYPE.A,
      "example.com.",
    );
    expect(s.chain.map((r) => r.name)).toEqual(["www.example.com."]);
    expect(s.final.map((r) => r.rdata)).toEqual([1]);
    expect(s.outOfBailiwick.map((r) => r.name)).toEqual(["bank.test.", "www.bank.test."]);
  });

  it("accepts a referral only to a zone below the server's, with glue for its servers only", () => {
    const msg = response(
      [],
      [ns("example.com.", "ns1.example.com."), ns("example.com.", "ns.elsewhere.net.")],
      [a("ns1.example.com.", 5), a("www.example.com.", 7), a("ns.elsewhere.net.", 8)],
    );
    const fromCom = sanitizeResponse(msg, "www.example.com.", DNS_TYPE.A, "com.");
    expect(fromCom.referral).toHaveLength(2);
    expect(fromCom.glue.map((r) => r.name)).toEqual(["ns1.example.com."]);
    expect(fromCom.outOfBailiwick.map((r) => r.name)).toEqual(["ns.elsewhere.net."]);
    // The same NS set from example.com.'s own server is no referral: it is not below the zone.
    expect(sanitizeResponse(msg, "www.example.com.", DNS_TYPE.A, "example.com.").referral).toEqual(
      [],
    );
  });
});
