import { describe, expect, it } from "vitest";
import { Ipv6Address } from "../../wire/address.js";
import { GeoDataError } from "./csv.js";
import { GeoDatabase } from "./database.js";

// A small fixture in the packages' formats: ranges that are not CIDR-aligned, an org with a
// comma and one with doubled quotes, a nested (more specific) country range as the real data
// has, IPv6 rows, and one IPv4 row in the packages' numeric ("-num.csv") form.
const ASN_V4 = [
  '1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."',
  "8.8.4.0,8.8.4.255,15169,Google LLC",
  "8.8.8.0,8.8.8.255,15169,Google LLC",
  '11.0.0.5,11.0.1.10,64500,"LLC ""EXAMPLE"""',
  "184549888,184550143,64501,Numeric Form Ltd", // 11.0.2.0 - 11.0.2.255
  "193.0.2.0,193.0.2.127,64502,",
  "193.0.3.0,193.0.3.255,4294967295,Last AS", // the largest 32-bit AS number (RFC 6793)
].join("\n");
const ASN_V6 = [
  "2001:4860::,2001:4860:4804:ffff:ffff:ffff:ffff:ffff,15169,Google LLC",
  "2001:4860:4805::,2001:4860:4805:ffff:ffff:ffff:ffff:ffff,43515,Google Ireland Limited",
  "2001:4860:480d::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC",
  "2a0b:db8::1,2a0b:db8::6,64496,Doc Net",
].join("\n");
const COUNTRY_V4 = [
  "1.0.0.0,1.0.0.255,AU",
  "6.0.0.0,8.10.5.255,US",
  "11.0.0.0,11.255.255.255,ZZ",
  "11.0.0.200,11.0.0.200,DE", // nested inside the range above: the more specific wins
].join("\n");
const COUNTRY_V6 = "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,US\n";

const db = GeoDatabase.fromCsv({
  asnV4: ASN_V4,
  asnV6: ASN_V6,
  countryV4: COUNTRY_V4,
  countryV6: COUNTRY_V6,
});

describe("GeoDatabase and special-purpose addresses", () => {
  // Rows like the real country data's, which places 192.168.0.0/16 in AU and 2001:db8::/32 in JP.
  const special = GeoDatabase.fromCsv({
    countryV4: "192.168.0.0,192.168.255.255,AU\n192.88.99.0,192.88.99.255,US\n",
    countryV6: [
      "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,JP",
      "2001::,2001:0:ffff:ffff:ffff:ffff:ffff:ffff,US",
      "2002::,2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff,DE",
    ].join("\n"),
  });

  it("never places addresses that are not globally reachable, whatever the rows say", () => {
    expect(special.lookup("192.168.1.10")).toBeUndefined();
    expect(special.lookup(0xc0a8010a)).toBeUndefined();
    expect(special.lookup("::ffff:192.168.1.10")).toBeUndefined();
    expect(special.lookup("2001:db8::1")).toBeUndefined();
  });

  it("still places the special blocks that lead to real hosts (6to4 relays, Teredo, 6to4)", () => {
    expect(special.lookup("192.88.99.1")).toEqual({ country: "US", prefix: "192.88.99.0/24" });
    expect(special.lookup("2001:0:4136:e378::1")).toEqual({ country: "US", prefix: "2001::/32" });
    expect(special.lookup("2002:c000:204::1")).toEqual({ country: "DE", prefix: "2002::/16" });
  });
});

describe("GeoDatabase on a fixture", () => {
  it("answers golden lookups", () => {
    expect(db.lookup("8.8.8.8")).toEqual({
      country: "US",
      asn: 15169,
      org: "Google LLC",
      prefix: "8.8.8.0/24",
    });
    expect(db.lookup("1.0.0.1")).toEqual({
      country: "AU",
      asn: 13335,
      org: "Cloudflare, Inc.",
      prefix: "1.0.0.0/24",
    });
    // 11.0.0.5 - 11.0.1.10 becomes .5/32, .6/31, .8/29, .16/28 ... .128/25, 11.0.1.0/29, .8/31, .10/32.
    expect(db.lookup("11.0.0.5")).toEqual({
      country: "ZZ",
      asn: 64500,
      org: 'LLC "EXAMPLE"',
      prefix: "11.0.0.5/32",
    });
    expect(db.lookup("11.0.0.130")?.prefix).toBe("11.0.0.128/25");
    expect(db.lookup("11.0.1.10")?.prefix).toBe("11.0.1.10/32");
    expect(db.lookup("11.0.0.200")).toMatchObject({ country: "DE", asn: 64500 });
    expect(db.lookup("11.0.0.201")).toMatchObject({ country: "ZZ", asn: 64500 });
    expect(db.lookup("11.0.2.77")).toMatchObject({ asn: 64501, prefix: "11.0.2.0/24" });
    // Only the country table covers it: the prefix is the country range's.
    expect(db.lookup("11.9.9.9")).toEqual({ country: "ZZ", prefix: "11.0.0.0/8" });
    // An empty organisation is left out.
    expect(db.lookup("193.0.2.1")).toEqual({ asn: 64502, prefix: "193.0.2.0/25" });
    expect(db.lookup("193.0.2.200")).toBeUndefined();
    expect(db.lookup("193.0.3.3")).toEqual({
      asn: 4294967295,
      org: "Last AS",
      prefix: "193.0.3.0/24",
    });
    expect(db.lookup("9.9.9.9")).toBeUndefined();
  });

  it("answers IPv6, numeric and IPv4-mapped input", () => {
    expect(db.lookup("2001:4860:4860::8888")).toEqual({
      country: "US",
      asn: 15169,
      org: "Google LLC",
      prefix: "2001:4860:4840::/42",
    });
    expect(db.lookup(Ipv6Address.of("2001:4860:4805::1"))).toEqual({
      country: "US",
      asn: 43515,
      org: "Google Ireland Limited",
      prefix: "2001:4860:4805::/48",
    });
    expect(db.lookup("2a0b:db8::1")?.prefix).toBe("2a0b:db8::1/128");
    expect(db.lookup("2a0b:db8::4")?.prefix).toBe("2a0b:db8::4/127");
    expect(db.lookup("2a0b:db8::7")).toBeUndefined();
    expect(db.lookup(0x08080808)).toEqual(db.lookup("8.8.8.8"));
    expect(db.lookup("::ffff:8.8.8.8")).toEqual(db.lookup("8.8.8.8"));
    expect(db.stats).toMatchObject({ rows: 16 });
  });

  it("refuses bad input with the input quoted", () => {
    expect(() => db.lookup("8.8.8.256")).toThrow('invalid IP address "8.8.8.256"');
    expect(() => db.lookup("not an address")).toThrow('"not an address"');
    expect(() => db.lookup("2a0b:db8::1::")).toThrow('"2a0b:db8::1::"');
    expect(() => db.lookup(2 ** 32)).toThrow(RangeError);
    expect(() => db.lookup(1.5)).toThrow("1.5");
  });

  it("names the source and line of a malformed row", () => {
    const bad = (csv: Parameters<typeof GeoDatabase.fromCsv>[0]) => () => GeoDatabase.fromCsv(csv);
    expect(bad({ asnV4: "1.0.0.0,1.0.0.255,1,a\n1.0.1.0,1.0.0.0,2,b" })).toThrow(
      new GeoDataError("asnV4", 2, 'bad IPv4 range "1.0.1.0" - "1.0.0.0"'),
    );
    expect(bad({ asnV4: "1.0.0.0,1.0.0.255,AS1,a" })).toThrow('asnV4:1: bad AS number "AS1"');
    expect(bad({ countryV6: "::,::1,usa" })).toThrow('countryV6:1: bad country code "usa"');
    expect(bad({ asnV6: "::1" })).toThrow("asnV6:1: expected start,end");
    expect(bad({ asnV6: "::1,1.2.3.4,5,x" })).toThrow(GeoDataError);
  });

  it("works with any subset of the tables", () => {
    const asnOnly = GeoDatabase.fromCsv({ asnV4: ASN_V4 });
    expect(asnOnly.lookup("8.8.8.8")).toEqual({
      asn: 15169,
      org: "Google LLC",
      prefix: "8.8.8.0/24",
    });
    expect(asnOnly.lookup("2001:4860::1")).toBeUndefined();
    const countryV6Only = GeoDatabase.fromCsv({ countryV6: COUNTRY_V6 });
    expect(countryV6Only.lookup("2001:4860::1")).toEqual({
      country: "US",
      prefix: "2001:4860::/32",
    });
    expect(countryV6Only.lookup("8.8.8.8")).toBeUndefined();
    expect(GeoDatabase.fromCsv({}).lookup("8.8.8.8")).toBeUndefined();
  });
});
