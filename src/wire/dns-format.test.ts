/**
 * dig-shaped text for DNS messages: expected outputs were printed by dig 9.18 itself for the
 * same bytes, so tab stops, escapes and the OPT pseudosection match it line for line.
 */
import { describe, expect, it } from "vitest";
import { Ipv6Address } from "./address.js";
import {
  createDnsMessage,
  type DnsEdns,
  type DnsMessage,
  emitDnsMessage,
  parseDnsMessage,
} from "./dns.js";
import {
  dnsClassName,
  dnsOpcodeName,
  dnsRcodeName,
  dnsTypeName,
  formatDnsMessage,
  formatDnsRecord,
} from "./dns-format.js";
import { type DnsRecord, dnsTxt } from "./dns-rr.js";

// Each expected text below is what dig 9.18.49 printed (from ";; ->>HEADER<<-" to the blank line
// before ";; Query time") when a local UDP responder answered it with emitDnsMessage's bytes for
// the same message; only the random query id was replaced. So these also check emit -> dig.

const enc = (s: string) => new TextEncoder().encode(s);
const edns = (o: Partial<DnsEdns> = {}): DnsEdns => ({
  udpPayloadSize: 1232,
  version: 0,
  dnssecOk: false,
  z: 0,
  options: [],
  ...o,
});
const q = (name: string, type = 1) => [{ name, type, class: 1 }];
/** A record whose class defaults to IN. */
type ClassIn<T> = T extends unknown ? Omit<T, "class"> & { class?: number } : never;
const rec = (r: ClassIn<DnsRecord>) => ({ class: 1, ...r }) as DnsRecord;
const response = (m: Partial<DnsMessage>) => createDnsMessage({ id: 4660, qr: true, ...m });

/** Formats `m` after a trip through the wire, so the text is of what a peer would see. */
const viaWire = (m: DnsMessage) =>
  formatDnsMessage(parseDnsMessage(emitDnsMessage(m)) as DnsMessage);

describe("dns format: as dig prints", () => {
  it("a plain answer with EDNS0", () => {
    const m = response({
      rd: true,
      ra: true,
      questions: q("www.example.com."),
      answers: [rec({ name: "www.example.com.", type: "A", ttl: 300, rdata: 0x5db8d822 })],
      edns: edns(),
    });
    expect(viaWire(m)).toBe(
      [
        ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4660",
        ";; flags: qr rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1",
        "",
        ";; OPT PSEUDOSECTION:",
        "; EDNS: version: 0, flags:; udp: 1232",
        ";; QUESTION SECTION:",
        ";www.example.com.\t\tIN\tA",
        "",
        ";; ANSWER SECTION:",
        "www.example.com.\t300\tIN\tA\t93.184.216.34",
        "",
        "",
      ].join("\n"),
    );
  });

  it("escapes in names and TXT strings, and spaces once a field passes its tab stop", () => {
    const m = response({
      rd: true,
      ra: true,
      questions: q("x.test.", 16),
      answers: [
        rec({
          name: "x.test.",
          type: "TXT",
          ttl: 1,
          rdata: [
            ...dnsTxt("v=spf1 -all", "", 'a"b\\c;d e'),
            new Uint8Array([0, 9, 127, 128, 255, 32, 64]),
          ],
        }),
        rec({
          name: 'a\\@b\\$c\\(d\\)e\\;f\\"g\\\\h\\195\\169\\032~{}*.x.test.',
          type: "A",
          ttl: 4294967295,
          rdata: 0,
        }),
        rec({ name: "\\000\\001\\.\\127.x.test.", type: "A", ttl: 0, rdata: 0xffffffff }),
        rec({
          name: "a-very-long-owner-name-that-passes-column-24.x.test.",
          type: "MX",
          ttl: 123456,
          rdata: { preference: 0, exchange: "." },
        }),
      ],
    });
    expect(viaWire(m)).toBe(
      [
        ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4660",
        ";; flags: qr rd ra; QUERY: 1, ANSWER: 4, AUTHORITY: 0, ADDITIONAL: 0",
        "",
        ";; QUESTION SECTION:",
        ";x.test.\t\t\t\tIN\tTXT",
        "",
        ";; ANSWER SECTION:",
        'x.test.\t\t\t1\tIN\tTXT\t"v=spf1 -all" "" "a\\"b\\\\c;d e" "\\000\\009\\127\\128\\255 @"',
        'a\\@b\\$c\\(d\\)e\\;f\\"g\\\\h\\195\\169\\032~{}*.x.test. 4294967295 IN A 0.0.0.0',
        "\\000\\001\\.\\127.x.test.\t0\tIN\tA\t255.255.255.255",
        "a-very-long-owner-name-that-passes-column-24.x.test. 123456 IN MX 0 .",
        "",
        "",
      ].join("\n"),
    );
  });

  it("NXDOMAIN with an SOA, and the OPT pseudosection with its options", () => {
    const m = response({
      aa: true,
      rcode: 3,
      questions: q("nx.example.", 28),
      authorities: [
        rec({
          name: "example.",
          type: "SOA",
          ttl: 900,
          rdata: {
            mname: "ns1.example.",
            rname: "host\\.master.example.",
            serial: 2024010101,
            refresh: 7200,
            retry: 3600,
            expire: 1209600,
            minimum: 300,
          },
        }),
      ],
      edns: edns({
        dnssecOk: true,
        z: 0x100,
        options: [
          { code: 3, data: enc("ns1-fra") },
          { code: 10, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) },
          { code: 65001, data: new Uint8Array([0, 0x41, 0x7f]) },
          { code: 65002, data: new Uint8Array() },
          { code: 15, data: new Uint8Array([0, 18]) },
          { code: 15, data: new Uint8Array([0, 3, 0x68, 0x69]) },
          { code: 8, data: new Uint8Array([0, 1, 24, 0, 192, 0, 2]) },
          { code: 8, data: new Uint8Array([0, 2, 56, 0, 0x20, 1, 0x0d, 0xb8, 0, 0, 0]) },
          { code: 12, data: new Uint8Array(5) },
        ],
      }),
    });
    expect(viaWire(m)).toBe(
      [
        ";; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 4660",
        ";; flags: qr aa; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 1",
        "",
        ";; OPT PSEUDOSECTION:",
        "; EDNS: version: 0, flags: do; MBZ: 0x0100, udp: 1232",
        '; NSID: 6e 73 31 2d 66 72 61 ("ns1-fra")',
        "; COOKIE: 0102030405060708",
        '; OPT=65001: 00 41 7f (".A.")',
        "; OPT=65002:",
        "; EDE: 18 (Prohibited)",
        "; EDE: 3 (Stale Answer): (hi)",
        "; CLIENT-SUBNET: 192.0.2.0/24/0",
        "; CLIENT-SUBNET: 2001:db8::/56/0",
        "; PAD: (5 bytes)",
        ";; QUESTION SECTION:",
        ";nx.example.\t\t\tIN\tAAAA",
        "",
        ";; AUTHORITY SECTION:",
        "example.\t\t900\tIN\tSOA\tns1.example. host\\.master.example. 2024010101 7200 3600 1209600 300",
        "",
        "",
      ].join("\n"),
    );
  });

  it("AAAA forms, SRV, PTR, unknown types in RFC 3597 form, other classes, the Z bit", () => {
    const aaaa = (a: string) =>
      rec({ name: "x.test.", type: "AAAA", ttl: 5, rdata: Ipv6Address.of(a) });
    const m = response({
      rd: true,
      ra: true,
      z: true,
      ad: true,
      cd: true,
      questions: q("x.test.", 28),
      answers: [
        "::1.2.3.4",
        "::ffff:1.2.3.4",
        "::1",
        "::",
        "::0.0.1.2",
        "2001:db8:0:0:1:0:0:1",
        "2001:db8::ffff:0:1",
        "fe80::1:2:3:4",
      ].map(aaaa),
      additionals: [
        rec({
          name: "_sip._tcp.x.test.",
          type: "SRV",
          ttl: 86400,
          rdata: { priority: 10, weight: 60, port: 5060, target: "sip.x.test." },
        }),
        rec({ name: "4.3.2.1.in-addr.arpa.", type: "PTR", ttl: 3600, rdata: "x.test." }),
        rec({
          name: "x.test.",
          type: "UNKNOWN",
          typeCode: 65280,
          ttl: 3600,
          rdata: new Uint8Array(70).map((_, i) => i),
        }),
        rec({
          name: "x.test.",
          type: "UNKNOWN",
          typeCode: 65281,
          ttl: 3600,
          rdata: new Uint8Array(),
        }),
        rec({ name: "x.test.", type: "NS", class: 3, ttl: 3600, rdata: "ns.x.test." }),
        rec({ name: "x.test.", type: "NS", class: 77, ttl: 3600, rdata: "ns.x.test." }),
      ],
    });
    expect(viaWire(m)).toBe(
      [
        ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4660",
        ";; flags: qr rd ra ad cd; MBZ: 0x4; QUERY: 1, ANSWER: 8, AUTHORITY: 0, ADDITIONAL: 6",
        "",
        ";; QUESTION SECTION:",
        ";x.test.\t\t\t\tIN\tAAAA",
        "",
        ";; ANSWER SECTION:",
        "x.test.\t\t\t5\tIN\tAAAA\t::1.2.3.4",
        "x.test.\t\t\t5\tIN\tAAAA\t::ffff:1.2.3.4",
        "x.test.\t\t\t5\tIN\tAAAA\t::1",
        "x.test.\t\t\t5\tIN\tAAAA\t::",
        "x.test.\t\t\t5\tIN\tAAAA\t::102",
        "x.test.\t\t\t5\tIN\tAAAA\t2001:db8::1:0:0:1",
        "x.test.\t\t\t5\tIN\tAAAA\t2001:db8::ffff:0:1",
        "x.test.\t\t\t5\tIN\tAAAA\tfe80::1:2:3:4",
        "",
        ";; ADDITIONAL SECTION:",
        "_sip._tcp.x.test.\t86400\tIN\tSRV\t10 60 5060 sip.x.test.",
        "4.3.2.1.in-addr.arpa.\t3600\tIN\tPTR\tx.test.",
        "x.test.\t\t\t3600\tIN\tTYPE65280 \\# 70 000102030405060708090A0B0C0D0E0F101112131415161718191A1B " +
          "1C1D1E1F202122232425262728292A2B2C2D2E2F3031323334353637 38393A3B3C3D3E3F404142434445",
        "x.test.\t\t\t3600\tIN\tTYPE65281 \\# 0",
        "x.test.\t\t\t3600\tCH\tNS\tns.x.test.",
        "x.test.\t\t\t3600\tCLASS77\tNS\tns.x.test.",
        "",
        "",
      ].join("\n"),
    );
  });

  it("extended and reserved RCODEs, question-only messages, the recursion warning", () => {
    const head = (status: string, flags: string, counts: string) => [
      `;; ->>HEADER<<- opcode: QUERY, status: ${status}, id: 4660`,
      `;; flags: ${flags}; QUERY: 1, ${counts}`,
    ];
    const ext = response({
      rd: true,
      ra: true,
      rcode: 24,
      questions: q("x.test.", 2),
      edns: edns({ version: 1, udpPayloadSize: 512 }),
    });
    expect(viaWire(ext)).toBe(
      [
        ...head("?24", "qr rd ra", "ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1"),
        "",
        ";; OPT PSEUDOSECTION:",
        "; EDNS: version: 1, flags:; udp: 512",
        ";; QUESTION SECTION:",
        ";x.test.\t\t\t\tIN\tNS",
        "",
        "",
      ].join("\n"),
    );
    const reserved = response({ rd: true, ra: true, rcode: 12, questions: q("x.test.", 65280) });
    expect(viaWire(reserved)).toBe(
      [
        ...head("RESERVED12", "qr rd ra", "ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 0"),
        "",
        ";; QUESTION SECTION:",
        ";x.test.\t\t\t\tIN\tTYPE65280",
        "",
        "",
      ].join("\n"),
    );
    const root = response({
      rd: true,
      questions: q("."),
      answers: [rec({ name: ".", type: "NS", ttl: 518400, rdata: "a.root-servers.net." })],
    });
    expect(viaWire(root)).toBe(
      [
        ...head("NOERROR", "qr rd", "ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 0"),
        ";; WARNING: recursion requested but not available",
        "",
        ";; QUESTION SECTION:",
        ";.\t\t\t\tIN\tA",
        "",
        ";; ANSWER SECTION:",
        ".\t\t\t518400\tIN\tNS\ta.root-servers.net.",
        "",
        "",
      ].join("\n"),
    );
  });

  it("a query with no flags, and the mnemonic tables", () => {
    const text = formatDnsMessage(createDnsMessage({ id: 1, questions: q("a.") }));
    expect(text.split("\n").slice(0, 2)).toEqual([
      ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1",
      ";; flags:; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 0",
    ]);
    expect([dnsTypeName(65), dnsTypeName(4242), dnsClassName(255), dnsClassName(0)]).toEqual([
      "HTTPS",
      "TYPE4242",
      "ANY",
      "RESERVED0",
    ]);
    expect([dnsOpcodeName(4), dnsOpcodeName(9), dnsRcodeName(16), dnsRcodeName(5)]).toEqual([
      "NOTIFY",
      "RESERVED9",
      "BADVERS",
      "REFUSED",
    ]);
    expect(
      formatDnsRecord(rec({ name: "example.com.", type: "CNAME", ttl: 60, rdata: "x." })),
    ).toBe("example.com.\t\t60\tIN\tCNAME\tx.");
  });
});
