/**
 * What an authoritative server answers (RFC 1034 §4.3.2, RFC 2308 §3), zone logic only: AA on
 * answers, negative answers with the SOA at its minimum TTL, CNAME chains inside the zone,
 * referrals with glue and without AA, wildcards, and REFUSED outside every zone.
 */
import { describe, expect, it } from "vitest";
import { formatDnsRecord } from "../../wire/dns-format.js";
import { DNS_RCODE } from "../../wire/dns-header.js";
import { DNS_TYPE } from "../../wire/dns-rr.js";
import { answerFromZones, closestZone } from "./authoritative.js";
import type { DnsAnswer } from "./server.js";
import { zone } from "./zone-builder.js";

const example = zone("example.com.", { ttl: 300 })
  .soa({ mname: "ns1", rname: "hostmaster", serial: 7, minimum: 60 }, 3600)
  .ns("@", "ns1")
  .a("ns1", "192.0.2.53")
  .mx("@", 10, "mail")
  .a("mail", "192.0.2.25")
  .a("www", "192.0.2.80")
  .aaaa("www", "2001:db8::80")
  .cname("alias", "www")
  .cname("chain", "alias")
  .cname("away", "www.example.net.")
  .cname("dangling", "nothing")
  .cname("loop1", "loop2")
  .cname("loop2", "loop1")
  .a("a.b.c", "192.0.2.3")
  .txt("*.wild", "matched")
  .ns("sub", "ns.sub")
  .ns("sub", "ns.example.net.")
  .a("ns.sub", "192.0.2.54")
  .build();
const child = zone("deep.example.com.")
  .soa({ mname: "ns1.example.com.", rname: "h" })
  .ns("@", "ns1.example.com.")
  .a("x", "192.0.2.99")
  .build();
const zones = [example, child];

const ask = (name: string, type: keyof typeof DNS_TYPE = "A"): DnsAnswer =>
  answerFromZones(zones, { name, type: DNS_TYPE[type], class: 1 });
const text = (a: DnsAnswer) => ({
  rcode: a.rcode,
  aa: a.aa ?? false,
  answers: a.answers.map(formatDnsRecord),
  authorities: a.authorities.map(formatDnsRecord),
  additionals: a.additionals.map(formatDnsRecord),
});

describe("authoritative answers", () => {
  it("answers its own data with AA, and adds addresses for MX targets", () => {
    expect(text(ask("www.example.com.", "AAAA"))).toEqual({
      rcode: 0,
      aa: true,
      answers: ["www.example.com.\t300\tIN\tAAAA\t2001:db8::80"],
      authorities: [],
      additionals: [],
    });
    expect(text(ask("EXAMPLE.com.", "MX")).additionals).toEqual([
      "mail.example.com.\t300\tIN\tA\t192.0.2.25",
    ]);
    // The owner takes the question's spelling (case included).
    expect(text(ask("WWW.Example.COM.")).answers).toEqual([
      "WWW.Example.COM.\t300\tIN\tA\t192.0.2.80",
    ]);
  });

  it("answers NXDOMAIN and NODATA with the SOA, its TTL cut to the minimum (RFC 2308 §3)", () => {
    const soa =
      "example.com.\t\t60\tIN\tSOA\tns1.example.com. hostmaster.example.com. 7 7200 3600 1209600 60";
    expect(text(ask("nope.example.com."))).toEqual({
      rcode: DNS_RCODE.NXDOMAIN,
      aa: true,
      answers: [],
      authorities: [soa],
      additionals: [],
    });
    expect(text(ask("www.example.com.", "MX"))).toMatchObject({
      rcode: 0,
      aa: true,
      answers: [],
      authorities: [soa],
    });
    // b.c.example.com. owns nothing but has a child: an empty non-terminal, so NODATA.
    expect(text(ask("b.c.example.com."))).toMatchObject({
      rcode: 0,
      answers: [],
      authorities: [soa],
    });
  });

  it("follows CNAMEs inside the zone, and stops where the chain leaves it", () => {
    expect(text(ask("chain.example.com.")).answers).toEqual([
      "chain.example.com.\t300\tIN\tCNAME\talias.example.com.",
      "alias.example.com.\t300\tIN\tCNAME\twww.example.com.",
      "www.example.com.\t300\tIN\tA\t192.0.2.80",
    ]);
    expect(text(ask("away.example.com."))).toMatchObject({
      rcode: 0,
      aa: true,
      answers: ["away.example.com.\t300\tIN\tCNAME\twww.example.net."],
    });
    // RFC 6604: the RCODE speaks of the end of the chain.
    expect(text(ask("dangling.example.com."))).toMatchObject({
      rcode: DNS_RCODE.NXDOMAIN,
      aa: true,
    });
    expect(text(ask("dangling.example.com.")).answers).toHaveLength(1);
    expect(text(ask("loop1.example.com.")).answers).toHaveLength(2);
    // A CNAME question gets the CNAME itself.
    expect(text(ask("alias.example.com.", "CNAME")).answers).toEqual([
      "alias.example.com.\t300\tIN\tCNAME\twww.example.com.",
    ]);
  });

  it("refers below a cut: NS in authority, glue in additional, no AA", () => {
    expect(text(ask("host.sub.example.com."))).toEqual({
      rcode: 0,
      aa: false,
      answers: [],
      authorities: [
        "sub.example.com.\t300\tIN\tNS\tns.sub.example.com.",
        "sub.example.com.\t300\tIN\tNS\tns.example.net.",
      ],
      additionals: ["ns.sub.example.com.\t300\tIN\tA\t192.0.2.54"],
    });
    // Glue is not authoritative data: asking for it directly is a referral too.
    expect(text(ask("ns.sub.example.com.")).aa).toBe(false);
  });

  it("matches wildcards at the closest encloser (RFC 4592)", () => {
    expect(text(ask("anything.wild.example.com.", "TXT")).answers).toEqual([
      // The owner passed the TTL's tab stop (column 24), so one space separates them, as in dig.
      'anything.wild.example.com. 300\tIN\tTXT\t"matched"',
    ]);
    expect(text(ask("anything.wild.example.com.", "A"))).toMatchObject({ rcode: 0, answers: [] });
    expect(ask("x.y.wild.example.com.", "TXT").answers).toHaveLength(1);
  });

  it("uses the deepest zone, and refuses names outside every zone", () => {
    expect(closestZone(zones, "x.deep.example.com.")?.origin).toBe("deep.example.com.");
    expect(text(ask("x.deep.example.com.")).answers).toEqual([
      "x.deep.example.com.\t3600\tIN\tA\t192.0.2.99",
    ]);
    expect(text(ask("www.example.net."))).toEqual({
      rcode: DNS_RCODE.REFUSED,
      aa: false,
      answers: [],
      authorities: [],
      additionals: [],
    });
    expect(answerFromZones(zones, { name: "www.example.com.", type: 1, class: 3 }).rcode).toBe(
      DNS_RCODE.REFUSED,
    );
    expect(
      answerFromZones(zones, { name: "example.com.", type: DNS_TYPE.AXFR, class: 1 }).rcode,
    ).toBe(DNS_RCODE.NOTIMP);
  });

  it("builder mistakes throw, naming the record", () => {
    expect(() => zone("example.org.").a("www", "300.1.1.1")).toThrow(
      'bad IPv4 address "300.1.1.1"',
    );
    expect(() =>
      zone("example.org.")
        .soa({ mname: "ns", rname: "h" })
        .ns("@", "ns")
        .a("x.example.net.", "192.0.2.1")
        .build(),
    ).toThrow("zone example.org.: x.example.net. is outside the zone example.org.");
    expect(() => zone("example.org.").ns("@", "ns").build()).toThrow("has no SOA record");
  });
});
