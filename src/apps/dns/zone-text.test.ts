/**
 * Master files (RFC 1035 §5): every construct the parser knows, read into exact records, and
 * errors that name the line and column of the token at fault.
 */
import { describe, expect, it } from "vitest";
import { Ipv6Address } from "../../wire/address.js";
import { formatDnsRecord } from "../../wire/dns-format.js";
import { dnsTxtStrings } from "../../wire/dns-rr.js";
import {
  parseTtl,
  parseZone,
  parseZoneText,
  ZoneParseError,
  type ZoneTextRecord,
} from "./zone-text.js";

const lines = (r: ZoneTextRecord[] | ZoneParseError) => {
  if (r instanceof ZoneParseError) throw new Error(r.message);
  return r.map((x) => formatDnsRecord(x.record));
};

const error = (text: string, origin?: string) => {
  const r = parseZoneText(text, { file: "t.zone", ...(origin ? { origin } : {}) });
  if (!(r instanceof ZoneParseError)) throw new Error("expected an error");
  return r.message;
};

describe("master files", () => {
  it("reads $ORIGIN, $TTL, @, relative names, carried owners, parentheses and comments", () => {
    const text = `; the example zone
$ORIGIN example.com.
$TTL 1h
@   IN  SOA ns1 hostmaster.example.com. (
            2024010101 ; serial
            2h         ; refresh
            30m        ; retry
            2w         ; expire
            60 )       ; minimum
        IN  NS   ns1            ; carried owner: @
    600 IN  A    192.0.2.1
www     IN  A    192.0.2.80
        IN  AAAA 2001:db8::80
        IN 7200 MX 10 mail      ; class before TTL (RFC 1035 §5.1 allows both orders)
mail.example.com. A 192.0.2.25
$ORIGIN sub.example.com.
host    CNAME  www.example.com.
`;
    expect(lines(parseZoneText(text))).toEqual([
      "example.com.\t\t3600\tIN\tSOA\tns1.example.com. hostmaster.example.com. 2024010101 7200 1800 1209600 60",
      "example.com.\t\t3600\tIN\tNS\tns1.example.com.",
      "example.com.\t\t600\tIN\tA\t192.0.2.1",
      "www.example.com.\t3600\tIN\tA\t192.0.2.80",
      "www.example.com.\t3600\tIN\tAAAA\t2001:db8::80",
      "www.example.com.\t7200\tIN\tMX\t10 mail.example.com.",
      "mail.example.com.\t3600\tIN\tA\t192.0.2.25",
      "host.sub.example.com.\t3600\tIN\tCNAME\twww.example.com.",
    ]);
  });

  it("reads TXT strings with escapes, SRV, PTR and RFC 3597 generic rdata", () => {
    const r = parseZoneText(
      `$TTL 300
t.test. TXT "a \\"quoted\\" word" plain "\\065\\;" ""
_sip._udp.test. SRV 10 60 5060 sip.test.
1.2.0.192.in-addr.arpa. PTR host.test.
x.test. TYPE65534 \\# 4 0A0B 0c0d
y.test. A \\# 4 C0000201
`,
    );
    if (r instanceof ZoneParseError) throw new Error(r.message);
    expect(dnsTxtStrings(r[0]!.record.rdata as Uint8Array[])).toEqual([
      'a "quoted" word',
      "plain",
      "A;",
      "",
    ]);
    expect(lines(r).slice(1)).toEqual([
      "_sip._udp.test.\t\t300\tIN\tSRV\t10 60 5060 sip.test.",
      "1.2.0.192.in-addr.arpa.\t300\tIN\tPTR\thost.test.",
      "x.test.\t\t\t300\tIN\tTYPE65534 \\# 4 0A0B0C0D",
      "y.test.\t\t\t300\tIN\tA\t192.0.2.1",
    ]);
    expect(r.map((x) => x.line)).toEqual([2, 3, 4, 5, 6]);
  });

  it("takes the last explicit TTL when there is no $TTL (RFC 1035 §5.1)", () => {
    const r = parseZoneText("a.test. 42 IN A 192.0.2.1\nb.test. IN A 192.0.2.2\n");
    expect(lines(r).map((l) => l.split("\t").filter(Boolean)[1])).toEqual(["42", "42"]);
  });

  it("parses BIND-style TTL units", () => {
    expect(parseTtl("3600")).toBe(3600);
    expect(parseTtl("1h30m")).toBe(5400);
    expect(parseTtl("1W2d")).toBe(777600);
    expect(parseTtl("1x")).toBeUndefined();
    expect(parseTtl("h")).toBeUndefined();
  });

  it("names the line and column of each mistake", () => {
    expect(error("a.test. 300 IN A 192.0.2.300\n")).toBe(
      't.zone:1:18: bad IPv4 address "192.0.2.300"',
    );
    expect(error("$TTL 300\nwww IN A 192.0.2.1\n  IN AAAA nope\n", "example.com")).toBe(
      't.zone:3:11: bad IPv6 address "nope"',
    );
    expect(error("$TTL 300\nx.test. IN BOGUS 1\n")).toBe(
      't.zone:2:12: unknown record type "BOGUS"',
    );
    expect(error("x.test. IN A 192.0.2.1\n")).toBe(
      "t.zone:1:12: no TTL given, and no $TTL or earlier TTL to use",
    );
    expect(error("$TTL 300\n@ SOA a. b. (1 2 3 4\n\n")).toBe('t.zone:2:13: "(" is never closed');
    expect(error("$TTL 300\nx.test. A 192.0.2.1 )\n")).toBe('t.zone:2:21: unbalanced ")"');
    expect(error('$TTL 300\nx.test. TXT "open\n')).toBe("t.zone:2:13: unterminated quoted string");
    expect(error("$TTL 300\nx.test. MX 70000 mail.test.\n")).toBe(
      't.zone:2:12: bad preference "70000" (an integer up to 65535)',
    );
    expect(error("$TTL 300\nx.test. A 192.0.2.1 192.0.2.2\n")).toBe(
      't.zone:2:21: unexpected "192.0.2.2" after the rdata',
    );
    expect(error("$TTL 300\nx.test. NS\n")).toBe("t.zone:2:9: missing rdata: a domain name");
    expect(error("$INCLUDE other.zone\n")).toBe(
      "t.zone:1:1: $INCLUDE is not supported (the engine reads no files)",
    );
    expect(error("$TTL 99999999999\n")).toBe(
      "t.zone:1:6: TTL 99999999999 exceeds 2147483647 (RFC 2181 §8)",
    );
    expect(error("  IN A 192.0.2.1\n")).toBe(
      "t.zone:1:3: no owner name, and no previous record to take it from",
    );
    expect(error(`$TTL 1\nx.test. TXT "${"y".repeat(256)}"\n`)).toBe(
      "t.zone:2:13: character-string of 256 octets exceeds 255",
    );
    expect(error("$TTL 1\nbad..name.test. A 192.0.2.1\n")).toBe(
      't.zone:2:1: bad name "bad..name.test."',
    );
    expect(error("$TTL 1\nx.test. TYPE99 \\# 3 0A0B\n")).toBe(
      "t.zone:2:19: rdata length 3 does not match 2 octets of hex",
    );
  });
});

describe("parseZone", () => {
  it("builds a zone whose origin is the SOA's owner, and checks it", () => {
    const z = parseZone(
      "$TTL 60\nexample.org. SOA ns.example.org. h.example.org. 1 2 3 4 5\n NS ns\nns A 192.0.2.53\n",
      {
        origin: "example.org",
      },
    );
    if (z instanceof ZoneParseError) throw new Error(z.message);
    expect(z.origin).toBe("example.org.");
    expect(z.records.map((r) => r.type)).toEqual(["SOA", "NS", "A"]);
  });

  it("refuses records outside the zone, CNAMEs beside data, and zones without SOA or NS", () => {
    const soa = "$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\n";
    const fail = (text: string) => {
      const z = parseZone(text, { origin: "example.org.", file: "z" });
      return z instanceof ZoneParseError ? z.message : "ok";
    };
    expect(fail(`${soa}www.example.net. A 192.0.2.1\n`)).toBe(
      "z:4:1: www.example.net. is outside the zone example.org.",
    );
    expect(fail(`${soa}www A 192.0.2.1\nwww CNAME other\n`)).toBe(
      "z:5:1: a CNAME cannot sit beside other data at www.example.org.",
    );
    expect(fail(`${soa}www CNAME other\nwww AAAA ::1\n`)).toBe(
      "z:5:1: www.example.org. is an alias (CNAME); it cannot hold other data",
    );
    expect(fail("$TTL 60\n@ NS ns\n")).toBe(
      "z:2:1: zone example.org. has no SOA record at its apex",
    );
    expect(fail("$TTL 60\n@ SOA ns h 1 2 3 4 5\n")).toBe(
      "z:2:1: zone example.org. has no NS records at its apex",
    );
    expect(fail(`${soa}www AAAA 2001:db8::1\n`)).toBe("ok");
    const z = parseZone(`${soa}www AAAA 2001:db8::1\n`, { origin: "example.org." });
    expect(z instanceof ZoneParseError ? null : z.rrset("WWW.example.org", 28)[0]?.rdata).toEqual(
      Ipv6Address.of("2001:db8::1"),
    );
  });
});
