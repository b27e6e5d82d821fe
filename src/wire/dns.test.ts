/**
 * DNS messages against hand-assembled golden bytes (decode, encode, every truncation), the
 * malformed inputs parse must name by field and offset, emit's maxSize truncation, and fuzzing.
 */
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { Ipv6Address } from "./address.js";
import { fromHex, toHex } from "./bytes.js";
import { createDnsMessage, type DnsMessage, emitDnsMessage, parseDnsMessage } from "./dns.js";
import { DNS_RCODE, DnsHeaderView } from "./dns-header.js";
import { type DnsRecord, dnsTxt } from "./dns-rr.js";
import { ParseError } from "./parse-error.js";

// Golden messages, assembled by hand from RFC 1035 §4.1 (byte offsets in decimal after "@").

/** www.example.com. A with RD, and an EDNS0 OPT advertising 1232 bytes (RFC 6891 §6.1.2). */
const QUERY = `
  beef 0100 0001 0000 0000 0001                      # id, RD; QD 1, AN 0, NS 0, AR 1
  03 777777 07 6578616d706c65 03 636f6d 00 0001 0001 # @12 www.example.com. A IN
  00 0029 04d0 00 00 0000 0000                       # @33 OPT: root, udp 1232, ext 0, v0, flags 0, rdlen 0
`;

/** A CNAME chain answered with compression pointers to the question and to earlier rdata. */
const CNAME_CHAIN = `
  beef 8180 0001 0003 0000 0000                      # QR RD RA; QD 1, AN 3
  03 777777 07 6578616d706c65 03 636f6d 00 0001 0001 # @12 www.example.com. A IN
  c00c 0005 0001 0000012c 0011                       # @33 -> @12 CNAME IN 300, rdlength 17
  03 63646e 07 6578616d706c65 03 6e6574 00           # @45 cdn.example.net.
  c02d 0005 0001 0000003c 0007                       # @62 -> @45 CNAME IN 60, rdlength 7
  04 65646765 c02d                                   # @74 edge + -> @45
  c04a 0001 0001 00000014 0004 5db8d822              # @81 -> @74 A IN 20 93.184.216.34
`;

/** NXDOMAIN with the zone's SOA in the authority section (RFC 2308 §3). */
const NXDOMAIN = `
  0002 8583 0001 0000 0001 0000                      # QR AA RD RA NXDOMAIN; QD 1, NS 1
  02 6e78 07 6578616d706c65 03 636f6d 00 001c 0001   # @12 nx.example.com. AAAA IN
  c00f 0006 0001 00000384 0027                       # @32 -> example.com. @15, SOA IN 900, rdlen 39
  03 6e7331 c00f                                     # @44 mname ns1 + -> @15
  0a 686f73746d6173746572 c00f                       # @50 rname hostmaster + -> @15
  78a3f175 00001c20 00000e10 00127500 0000012c       # @63 2024010101 7200 3600 1209600 300
`;

/** MX, TXT, AAAA, an unknown type, PTR, SRV (target not compressed, RFC 2782) and A. */
const MIXED = `
  0003 8180 0001 0004 0000 0003                      # QR RD RA; QD 1, AN 4, AR 3
  07 6578616d706c65 03 636f6d 00 000f 0001           # @12 example.com. MX IN
  c00c 000f 0001 00000e10 0009 000a 04 6d61696c c00c # @29 MX 10 mail.example.com. (mail @43)
  c00c 0010 0001 00000e10 000d                       # @50 TXT, rdlength 13
  0b 763d73706631202d616c6c 00                       # @62 "v=spf1 -all" ""
  c02b 001c 0001 00000e10 0010                       # @75 mail.example.com. AAAA
  20010db8 00000000 00000000 00000025                # @87 2001:db8::25
  c00c fffe 0001 00000e10 0003 0511bc                # @103 TYPE65534, 3 octets (RFC 3597)
  01 31 01 32 01 30 03 313932 07 696e2d61646472 04 61727061 00
  000c 0001 00000e10 0002 c02b                       # @118 1.2.0.192.in-addr.arpa. PTR -> @43
  05 5f736d7470 04 5f746370 c00c                     # @154 _smtp._tcp.example.com.
  0021 0001 00000e10 0018 0000 0005 0019             # @167 SRV, rdlength 24: 0 5 25
  04 6d61696c 07 6578616d706c65 03 636f6d 00         # @183 mail.example.com. in full
  c02b 0001 0001 00000e10 0004 c0000219              # @201 mail.example.com. A 192.0.2.25
`;

/** Golden hex without the "#" comments. */
const hex = (golden: string) => golden.replace(/#.*$/gm, "").replace(/\s+/g, "");
const bytes = (golden: string) => fromHex(hex(golden));

const edns0 = { udpPayloadSize: 1232, version: 0, dnssecOk: false, z: 0, options: [] };
const IN = 1;
const rr = <T extends DnsRecord["type"]>(
  name: string,
  type: T,
  ttl: number,
  rdata: Extract<DnsRecord, { type: T }>["rdata"],
) => ({ name, type, class: IN, ttl, rdata }) as DnsRecord;

const queryMsg = createDnsMessage({
  id: 0xbeef,
  rd: true,
  questions: [{ name: "www.example.com.", type: 1, class: IN }],
  edns: edns0,
});
const chainMsg = createDnsMessage({
  id: 0xbeef,
  qr: true,
  rd: true,
  ra: true,
  questions: [{ name: "www.example.com.", type: 1, class: IN }],
  answers: [
    rr("www.example.com.", "CNAME", 300, "cdn.example.net."),
    rr("cdn.example.net.", "CNAME", 60, "edge.cdn.example.net."),
    rr("edge.cdn.example.net.", "A", 20, 0x5db8d822),
  ],
});
const nxMsg = createDnsMessage({
  id: 2,
  qr: true,
  aa: true,
  rd: true,
  ra: true,
  rcode: DNS_RCODE.NXDOMAIN,
  questions: [{ name: "nx.example.com.", type: 28, class: IN }],
  authorities: [
    rr("example.com.", "SOA", 900, {
      mname: "ns1.example.com.",
      rname: "hostmaster.example.com.",
      serial: 2024010101,
      refresh: 7200,
      retry: 3600,
      expire: 1209600,
      minimum: 300,
    }),
  ],
});
const mixedMsg = createDnsMessage({
  id: 3,
  qr: true,
  rd: true,
  ra: true,
  questions: [{ name: "example.com.", type: 15, class: IN }],
  answers: [
    rr("example.com.", "MX", 3600, { preference: 10, exchange: "mail.example.com." }),
    rr("example.com.", "TXT", 3600, dnsTxt("v=spf1 -all", "")),
    rr("mail.example.com.", "AAAA", 3600, Ipv6Address.of("2001:db8::25")),
    {
      name: "example.com.",
      type: "UNKNOWN",
      typeCode: 65534,
      class: IN,
      ttl: 3600,
      rdata: fromHex("0511bc"),
    },
  ],
  additionals: [
    rr("1.2.0.192.in-addr.arpa.", "PTR", 3600, "mail.example.com."),
    rr("_smtp._tcp.example.com.", "SRV", 3600, {
      priority: 0,
      weight: 5,
      port: 25,
      target: "mail.example.com.",
    }),
    rr("mail.example.com.", "A", 3600, 0xc0000219),
  ],
});

const GOLDEN: [string, string, DnsMessage][] = [
  ["query with EDNS0", QUERY, queryMsg],
  ["CNAME chain", CNAME_CHAIN, chainMsg],
  ["NXDOMAIN with SOA", NXDOMAIN, nxMsg],
  ["MX, TXT, AAAA, unknown, PTR, SRV, A", MIXED, mixedMsg],
];

/** Parses `b` and returns the error, failing the test if there is none. */
function parseError(b: Uint8Array, rejectTrailing = false): ParseError {
  const r = parseDnsMessage(b, { rejectTrailing });
  expect(r).toBeInstanceOf(ParseError);
  return r as ParseError;
}

/** `golden`'s bytes with the hex `patch` written at `offset` (and `extra` appended). */
function patched(golden: string, offset: number, patch: string, extra = ""): Uint8Array {
  const b = fromHex(hex(golden) + extra);
  b.set(fromHex(patch), offset);
  return b;
}

describe("dns messages: golden bytes", () => {
  for (const [what, golden, msg] of GOLDEN) {
    it(`decodes: ${what}`, () => {
      expect(parseDnsMessage(bytes(golden))).toEqual(msg);
    });
    it(`encodes with compression: ${what}`, () => {
      expect(toHex(emitDnsMessage(msg))).toBe(hex(golden));
    });
    it(`refuses every truncation: ${what}`, () => {
      const b = bytes(golden);
      for (let n = 0; n < b.length; n++) {
        const e = parseError(b.subarray(0, n));
        expect(e.reason, `cut at ${n}: ${e.message}`).toBe("truncated");
        expect(e.offset).toBeLessThanOrEqual(n);
      }
    });
  }

  it("encodes without compression, and both forms parse to the same message", () => {
    const plain = emitDnsMessage(chainMsg, { compress: false });
    // Each pointer gives way to the name in full: +15 +15 (owner) +15 (rdata) +20 octets.
    expect(plain.length).toBe(hex(CNAME_CHAIN).length / 2 + 15 + 15 + 15 + 20);
    expect(parseDnsMessage(plain)).toEqual(chainMsg);
    expect(toHex(plain)).not.toMatch(/c0[0-9a-f]{2}0005/);
  });

  it("reads the header in place", () => {
    const v = new DnsHeaderView(bytes(MIXED));
    expect([v.id, v.qr, v.opcode, v.tc, v.rcode]).toEqual([3, true, 0, false, 0]);
    expect([v.qdcount, v.ancount, v.nscount, v.arcount]).toEqual([1, 4, 0, 3]);
    v.id = 0x1234;
    expect(toHex(v.bytes, 0, 2)).toBe("1234");
    expect(new DnsHeaderView(bytes(NXDOMAIN)).rcode).toBe(3);
  });

  it("folds the OPT record's extended RCODE into rcode (RFC 6891 §6.1.3)", () => {
    const msg = { ...queryMsg, qr: true, rcode: DNS_RCODE.BADVERS, edns: { ...edns0, version: 1 } };
    const b = emitDnsMessage(msg);
    expect(b[3]! & 0xf).toBe(0); // 16 = 0x010: the header keeps the low 4 bits
    expect(toHex(b, 33)).toBe("00002904d001010000" + "0000");
    expect(parseDnsMessage(b)).toEqual(msg);
    expect(() => emitDnsMessage({ ...msg, edns: null })).toThrow(/rcode 16/);
  });

  it("keeps EDNS0 options, the DO bit and the Z bits as carried", () => {
    const edns = {
      udpPayloadSize: 4096,
      version: 0,
      dnssecOk: true,
      z: 0x0100,
      options: [
        { code: 10, data: fromHex("0102030405060708") },
        { code: 12, data: new Uint8Array(0) },
      ],
    };
    const b = emitDnsMessage({ ...queryMsg, edns });
    expect(toHex(b, 33)).toBe(
      "0000291000" + "00008100" + "0010" + "000a00080102030405060708" + "000c0000",
    );
    expect(parseDnsMessage(b)).toEqual({ ...queryMsg, edns });
  });
});

describe("dns messages: malformed input", () => {
  it("names the field and offset of truncated headers, questions and records", () => {
    expect(parseError(fromHex("beef01000001"))).toMatchObject({ field: "header", offset: 0 });
    const q = bytes(QUERY);
    expect(parseError(q.subarray(0, 30))).toMatchObject({ field: "question[0].type", offset: 29 });
    expect(parseError(q.subarray(0, 32))).toMatchObject({ field: "question[0].class", offset: 31 });
    const c = bytes(CNAME_CHAIN);
    expect(parseError(c.subarray(0, 35))).toMatchObject({ field: "answer[0].type", offset: 35 });
    expect(parseError(c.subarray(0, 40))).toMatchObject({ field: "answer[0].ttl", offset: 39 });
    expect(parseError(c.subarray(0, 44))).toMatchObject({
      field: "answer[0].rdlength",
      offset: 43,
    });
  });

  it("refuses counts larger than the data", () => {
    const e = parseError(patched(CNAME_CHAIN, 6, "0004"));
    expect(e).toMatchObject({ field: "answer[3].name", offset: 97, reason: "truncated" });
    expect(parseError(patched(NXDOMAIN, 10, "0001"))).toMatchObject({
      field: "additional[0].name",
      offset: 83,
    });
    // Two questions claimed: the OPT record's bytes read as the second, and the OPT runs short.
    expect(parseError(patched(QUERY, 4, "0002"))).toMatchObject({
      field: "additional[0].ttl",
      offset: 43,
      reason: "truncated",
    });
  });

  it("refuses rdata past the message and rdlengths that do not match the rdata", () => {
    // The A record's rdlength says 5: past the end, then (one more byte) the wrong size for A.
    expect(parseError(patched(CNAME_CHAIN, 91, "0005"))).toMatchObject({
      field: "answer[2].rdata",
      offset: 93,
      reason: "truncated",
    });
    const e = parseError(patched(CNAME_CHAIN, 91, "0005", "ff"));
    expect(e).toMatchObject({ field: "answer[2].rdlength", offset: 91, reason: "invalid" });
    expect(e.detail).toMatch(/A rdata is 4 octets/);
    // A CNAME whose rdlength runs one octet past its name.
    expect(parseError(patched(CNAME_CHAIN, 43, "0012"))).toMatchObject({
      field: "answer[0].rdlength",
      offset: 43,
      detail: "1 octet(s) left over after the rdata",
    });
    // A CNAME whose name runs past its rdlength.
    expect(parseError(patched(CNAME_CHAIN, 43, "0010"))).toMatchObject({
      field: "answer[0].rdata",
      offset: 61,
      reason: "truncated",
    });
    // The SOA's rdlength cuts the numbers short: "expire" is the first field missing.
    expect(parseError(patched(NXDOMAIN, 42, "0020"))).toMatchObject({
      field: "authority[0].rdata.expire",
      offset: 75,
    });
  });

  it("reports a field inside the rdata, e.g. answer[2].rdata.preference", () => {
    const b = fromHex(`
      0001 8180 0001 0003 0000 0000  01 78 00 0001 0001
      c00c 0001 0001 00000e10 0004 01020304
      c00c 0001 0001 00000e10 0004 05060708
      c00c 000f 0001 00000e10 0001 0a`);
    const e = parseError(b);
    expect(e).toMatchObject({
      field: "answer[2].rdata.preference",
      offset: 63,
      reason: "truncated",
    });
    expect(e.message).toBe(
      "dns: truncated answer[2].rdata.preference at byte 63: the rdata ends at byte 64",
    );
    const srv = fromHex(
      "0001 8180 0001 0001 0000 0000  01 78 00 0021 0001  c00c 0021 0001 00000000 0003 000100",
    );
    expect(parseError(srv)).toMatchObject({ field: "answer[0].rdata.weight", offset: 33 });
    const txt = fromHex(
      "0001 8180 0001 0001 0000 0000  01 78 00 0010 0001  c00c 0010 0001 00000000 0003 016103",
    );
    expect(parseError(txt)).toMatchObject({ field: "answer[0].rdata[1]", offset: 33 });
  });

  it("refuses compression loops and forward pointers, with the pointer's offset", () => {
    expect(parseError(patched(QUERY, 12, "c00c"))).toMatchObject({
      field: "question[0].name",
      offset: 12,
      reason: "invalid",
    });
    expect(parseError(patched(CNAME_CHAIN, 33, "c021"))).toMatchObject({
      field: "answer[0].name",
      offset: 33,
    });
    expect(parseError(patched(CNAME_CHAIN, 79, "c04a"))).toMatchObject({
      field: "answer[1].rdata",
      offset: 79,
    });
    expect(parseError(patched(QUERY, 12, "43"))).toMatchObject({
      field: "question[0].name",
      detail: /label type/,
    });
  });

  it("refuses an OPT outside the additional section, a second OPT and a non-root owner", () => {
    const asAnswer = patched(QUERY, 6, "00010000");
    expect(parseError(asAnswer)).toMatchObject({ field: "answer[0].type", offset: 34 });
    const twice = patched(QUERY, 10, "0002", "00002904d0000000000000");
    expect(parseError(twice)).toMatchObject({ field: "additional[1].type", offset: 45 });
    const owner = fromHex(`${hex(QUERY).slice(0, 66)}016100002904d0000000000000`);
    expect(parseError(owner)).toMatchObject({ field: "additional[0].name", offset: 33 });
  });

  it("refuses EDNS0 options that overrun the OPT rdata", () => {
    const head = hex(QUERY).slice(0, 66);
    const cut = fromHex(`${head}00002904d0000000000004000a0008`);
    expect(parseError(cut)).toMatchObject({
      field: "additional[0].rdata.options[0].data",
      offset: 48,
    });
    const half = fromHex(`${head}00002904d0000000000002000a`);
    expect(parseError(half)).toMatchObject({ field: "additional[0].rdata.options[0]", offset: 44 });
  });

  it("ignores trailing bytes by default and refuses them on request", () => {
    const b = fromHex(`${hex(QUERY)}00ff`);
    expect(parseDnsMessage(b)).toEqual(queryMsg);
    expect(parseError(b, true)).toMatchObject({ field: "trailing", offset: 44, reason: "invalid" });
  });

  it("fuzz: any input yields a message or a ParseError", () => {
    fuzzParser(
      parseDnsMessage,
      GOLDEN.map(([, g]) => bytes(g)),
    );
  });
});

describe("dns messages: emit with maxSize (RFC 2181 §9, RFC 6891 §7)", () => {
  const name = "a-rather-long-host-name.example.com.";
  const many = (n: number, owner = name) =>
    Array.from({ length: n }, (_, i) => rr(owner, "A", 60, 0xc0000200 + i));
  const big = createDnsMessage({
    id: 7,
    qr: true,
    questions: [{ name, type: 1, class: IN }],
    answers: many(40),
    edns: edns0,
  });

  it("cuts at a record boundary, sets TC, and keeps the OPT record", () => {
    const b = emitDnsMessage(big, { maxSize: 512 });
    expect(b.length).toBeLessThanOrEqual(512);
    const m = parseDnsMessage(b) as DnsMessage;
    expect(m.tc).toBe(true);
    expect(m.edns).toEqual(edns0);
    expect(m.answers.length).toBeGreaterThan(10);
    expect(m.answers).toEqual(big.answers.slice(0, m.answers.length));
    // One more record would not have fitted.
    const more = emitDnsMessage({ ...big, answers: big.answers.slice(0, m.answers.length + 1) });
    expect(more.length).toBeGreaterThan(512);
    // Without the limit everything fits and TC stays clear.
    expect((parseDnsMessage(emitDnsMessage(big)) as DnsMessage).answers).toHaveLength(40);
    expect((parseDnsMessage(emitDnsMessage(big)) as DnsMessage).tc).toBe(false);
  });

  it("drops additional records by whole RRset, without TC", () => {
    const glue = [...many(3, "ns1.example.com."), ...many(30, "ns2.example.com.")];
    const msg = { ...big, answers: big.answers.slice(0, 2), additionals: glue };
    const m = parseDnsMessage(emitDnsMessage(msg, { maxSize: 512 })) as DnsMessage;
    expect(m.tc).toBe(false);
    expect(m.answers).toHaveLength(2);
    expect(m.additionals).toEqual(glue.slice(0, 3)); // ns2's set did not fit: none of it is sent
    expect(m.edns).toEqual(edns0);
  });

  it("truncates the question section too when even that does not fit", () => {
    const m = parseDnsMessage(emitDnsMessage(big, { maxSize: 20 + 11 })) as DnsMessage;
    expect([m.tc, m.questions.length, m.answers.length, m.edns !== null]).toEqual([
      true,
      0,
      0,
      true,
    ]);
  });

  it("throws for limits that cannot hold the header and OPT, and for over 65535 octets", () => {
    expect(() => emitDnsMessage(big, { maxSize: 11 })).toThrow(RangeError);
    expect(() => emitDnsMessage(big, { maxSize: 22 })).toThrow(/OPT/);
    const huge = { ...big, answers: many(5000) };
    expect(() => emitDnsMessage(huge)).toThrow(/65535/);
    expect(emitDnsMessage(huge, { maxSize: 65535 }).length).toBeLessThanOrEqual(65535);
  });

  it("throws for names and values that cannot be encoded", () => {
    const bad = (answers: DnsRecord[]) => () => emitDnsMessage({ ...big, answers });
    expect(bad([rr("a..b.", "A", 1, 1)])).toThrow(/bad DNS name/);
    expect(bad([rr("a.", "A", -1, 1)])).toThrow(/TTL/);
    expect(bad([rr("a.", "A", 1, 2 ** 32)])).toThrow(/A address/);
    expect(bad([rr("a.", "MX", 1, { preference: 65536, exchange: "." })])).toThrow(/preference/);
    expect(bad([rr("a.", "TXT", 1, [new Uint8Array(256)])])).toThrow(/255/);
    expect(() => emitDnsMessage({ ...big, id: 65536 })).toThrow(/id/);
  });
});
