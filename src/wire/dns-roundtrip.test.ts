/**
 * Property tests on random valid DNS messages: parse(emit(m)) is m, maxSize keeps whole records,
 * and the npm package dns-packet agrees with us both ways (content, and bytes when uncompressed).
 */
import { createRequire } from "node:module";
import packet from "dns-packet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpv4, Ipv6Address } from "./address.js";
import { type DnsEdns, type DnsMessage, emitDnsMessage, parseDnsMessage } from "./dns.js";
import { dnsLabelText, isDnsName } from "./dns-name.js";
import { DNS_TYPE, type DnsRecord } from "./dns-rr.js";
import { ParseError } from "./parse-error.js";

// Valid messages from fast-check. Names are built from labels and formatted the way parse
// formats them (dns-name.ts), so parse(emit(m)) must give back exactly m.

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const OUR_TYPES: number[] = Object.values(DNS_TYPE).filter((t) => t <= 41);

/** A label's text from its octets. */
const labelText = (b: Uint8Array) => `${dnsLabelText(b, 0, b.length)}.`;

/** Names over `label`, often sharing suffixes with a few fixed ones so compression has work. */
function names(label: fc.Arbitrary<Uint8Array>, bases: string[]): fc.Arbitrary<string> {
  const prefixed = fc
    .tuple(fc.array(label, { minLength: 1, maxLength: 4 }), fc.constantFrom(...bases))
    .map(([ls, base]) => ls.map(labelText).join("") + (base === "." ? "" : base));
  return fc.oneof(fc.constantFrom(...bases), prefixed).filter(isDnsName);
}

interface Alphabet {
  name: fc.Arbitrary<string>;
  cls: fc.Arbitrary<number>;
  unknownType: fc.Arbitrary<number>;
  optionCode: fc.Arbitrary<number>;
  udpSize: fc.Arbitrary<number>;
}

function records(a: Alphabet): fc.Arbitrary<DnsRecord> {
  const base = { name: a.name, class: a.cls, ttl: u32 };
  const rec = <T extends DnsRecord["type"]>(
    type: T,
    rdata: fc.Arbitrary<Extract<DnsRecord, { type: T }>["rdata"]>,
  ) => fc.record({ ...base, type: fc.constant(type), rdata }) as fc.Arbitrary<DnsRecord>;
  return fc.oneof(
    rec("A", u32),
    rec(
      "AAAA",
      fc.tuple(u32, u32, u32, u32).map(([a0, a1, a2, a3]) => new Ipv6Address(a0, a1, a2, a3)),
    ),
    rec("NS", a.name),
    rec("CNAME", a.name),
    rec("PTR", a.name),
    rec(
      "SOA",
      fc.record({
        mname: a.name,
        rname: a.name,
        serial: u32,
        refresh: u32,
        retry: u32,
        expire: u32,
        minimum: u32,
      }),
    ),
    rec("MX", fc.record({ preference: u16, exchange: a.name })),
    rec("TXT", fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 4 })),
    rec("SRV", fc.record({ priority: u16, weight: u16, port: u16, target: a.name })),
    fc.record({
      ...base,
      type: fc.constant("UNKNOWN" as const),
      typeCode: a.unknownType,
      rdata: fc.uint8Array({ maxLength: 40 }),
    }),
  );
}

function messages(a: Alphabet): fc.Arbitrary<DnsMessage> {
  const rrs = fc.array(records(a), { maxLength: 6 });
  const edns: fc.Arbitrary<DnsEdns | null> = fc.option(
    fc.record({
      udpPayloadSize: a.udpSize,
      version: fc.integer({ min: 0, max: 255 }),
      dnssecOk: fc.boolean(),
      z: fc.integer({ min: 0, max: 0x7fff }),
      options: fc.array(fc.record({ code: a.optionCode, data: fc.uint8Array({ maxLength: 24 }) }), {
        maxLength: 3,
      }),
    }),
  );
  return fc
    .record({
      id: u16,
      qr: fc.boolean(),
      opcode: fc.integer({ min: 0, max: 15 }),
      aa: fc.boolean(),
      tc: fc.boolean(),
      rd: fc.boolean(),
      ra: fc.boolean(),
      z: fc.boolean(),
      ad: fc.boolean(),
      cd: fc.boolean(),
      rcode: fc.integer({ min: 0, max: 0xfff }),
      questions: fc.array(fc.record({ name: a.name, type: u16, class: a.cls }), { maxLength: 2 }),
      answers: rrs,
      authorities: rrs,
      additionals: rrs,
      edns,
    })
    .map((m) => (m.edns === null ? { ...m, rcode: m.rcode & 0xf } : m));
}

/** Anything the format allows: names of arbitrary octets, any class, type and option code. */
const ANY: Alphabet = {
  name: names(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
      fc.stringMatching(/^[a-zA-Z0-9-]{1,12}$/).map((s) => new TextEncoder().encode(s)),
      fc.uint8Array({ minLength: 63, maxLength: 63 }),
    ),
    ["example.com.", "EXAMPLE.com.", "example.net.", "a.b.c.d.", "."],
  ),
  cls: u16,
  unknownType: u16.filter((t) => !OUR_TYPES.includes(t)),
  optionCode: u16,
  udpSize: u16,
};

describe("dns messages: round trip (property)", () => {
  it("parse(emit(m)) equals m, with and without compression", () => {
    fc.assert(
      fc.property(messages(ANY), (m) => {
        const packed = emitDnsMessage(m);
        const plain = emitDnsMessage(m, { compress: false });
        expect(parseDnsMessage(packed)).toEqual(m);
        expect(parseDnsMessage(plain)).toEqual(m);
        expect(packed.length).toBeLessThanOrEqual(plain.length);
        expect(emitDnsMessage(parseDnsMessage(packed) as DnsMessage)).toEqual(packed);
      }),
      { numRuns: 3000 },
    );
  });

  it("maxSize: the message fits, parses, and holds a prefix of each section", () => {
    const withLimit = messages(ANY).chain((m) =>
      fc.tuple(fc.constant(m), fc.integer({ min: 12, max: emitDnsMessage(m).length + 10 })),
    );
    fc.assert(
      fc.property(withLimit, ([m, maxSize]) => {
        let b: Uint8Array;
        try {
          b = emitDnsMessage(m, { maxSize });
        } catch (e) {
          // Only a limit too small for the header and OPT record may be refused.
          expect(m.edns).not.toBeNull();
          expect(String(e)).toMatch(/OPT/);
          return;
        }
        expect(b.length).toBeLessThanOrEqual(maxSize);
        const p = parseDnsMessage(b) as DnsMessage;
        expect(p).not.toBeInstanceOf(ParseError);
        expect(p.edns).toEqual(m.edns);
        const sections = ["questions", "answers", "authorities", "additionals"] as const;
        for (const s of sections) expect(p[s]).toEqual(m[s].slice(0, p[s].length));
        const cut = sections.slice(0, 3).some((s) => p[s].length < m[s].length);
        expect(p.tc).toBe(m.tc || cut);
      }),
      { numRuns: 2000 },
    );
  });
});

// Cross-check against the npm package dns-packet (5.x), both ways. Its limits shape the
// alphabet: names as dotted strings (no escapes), five named classes, option codes it does not
// decode specially (8, 11, 14), rdata types it has no codec for, and udpPayloadSize > 0 (it
// writes 0 as 4096).

const require = createRequire(import.meta.url);
const packetTypes = require("dns-packet/types") as { toType(name: string): number };
const PACKET_CODECS = [1, 2, 5, 6, 10, 12, 13, 15, 16, 17, 28, 33, 35, 39, 41, 43, 44, 46, 47, 48];
const PACKET_CLASSES: Record<string, number> = { IN: 1, CS: 2, CH: 3, HS: 4, ANY: 255 };
const CLASS_NAMES = Object.fromEntries(Object.entries(PACKET_CLASSES).map(([k, v]) => [v, k]));

const PACKET: Alphabet = {
  name: names(
    fc.stringMatching(/^[a-zA-Z0-9_-]{1,20}$/).map((s) => new TextEncoder().encode(s)),
    ["example.com.", "Example.COM.", "_tcp.example.net.", "."],
  ),
  cls: fc.constantFrom(1, 2, 3, 4, 255),
  unknownType: u16.filter((t) => !PACKET_CODECS.includes(t) && t !== 50 && t !== 52 && t !== 257),
  optionCode: u16.filter((c) => c !== 8 && c !== 11 && c !== 14),
  udpSize: fc.integer({ min: 1, max: 0xffff }),
};

const flagsOf = (m: DnsMessage) =>
  (m.opcode << 11) |
  (m.aa ? 0x400 : 0) |
  (m.tc ? 0x200 : 0) |
  (m.rd ? 0x100 : 0) |
  (m.ra ? 0x80 : 0) |
  (m.z ? 0x40 : 0) |
  (m.ad ? 0x20 : 0) |
  (m.cd ? 0x10 : 0) |
  (m.rcode & 0xf);

const toPacketName = (n: string) => n; // dns-packet drops the trailing dot itself
const fromPacketName = (n: string) => (n === "." ? "." : `${n}.`);
const buf = (b: Uint8Array) => Buffer.from(b);

/** Our record as a dns-packet answer. */
function toPacketRecord(r: DnsRecord): packet.Answer {
  const head = { name: toPacketName(r.name), class: CLASS_NAMES[r.class], ttl: r.ttl };
  const data = (() => {
    switch (r.type) {
      case "A":
        return formatIpv4(r.rdata);
      case "AAAA":
        return r.rdata.toString();
      case "NS":
      case "CNAME":
      case "PTR":
        return toPacketName(r.rdata);
      case "SOA":
        return {
          ...r.rdata,
          mname: toPacketName(r.rdata.mname),
          rname: toPacketName(r.rdata.rname),
        };
      case "MX":
        return { ...r.rdata, exchange: toPacketName(r.rdata.exchange) };
      case "TXT":
        return r.rdata.map(buf);
      case "SRV":
        return { ...r.rdata, target: toPacketName(r.rdata.target) };
      case "UNKNOWN":
        return buf(r.rdata);
    }
  })();
  const type = r.type === "UNKNOWN" ? `UNKNOWN_${r.typeCode}` : r.type;
  return { ...head, type, data } as unknown as packet.Answer;
}

function toPacket(m: DnsMessage): packet.Packet {
  const additionals = m.additionals.map(toPacketRecord);
  if (m.edns !== null) {
    additionals.push({
      type: "OPT",
      name: ".",
      udpPayloadSize: m.edns.udpPayloadSize,
      extendedRcode: m.rcode >>> 4,
      ednsVersion: m.edns.version,
      flags: (m.edns.dnssecOk ? 0x8000 : 0) | m.edns.z,
      options: m.edns.options.map((o) => ({ code: o.code, data: buf(o.data) })),
    } as unknown as packet.Answer);
  }
  return {
    id: m.id,
    type: m.qr ? "response" : "query",
    flags: flagsOf(m),
    questions: m.questions.map((q) => ({
      name: toPacketName(q.name),
      type: `UNKNOWN_${q.type}` as packet.RecordType,
      class: CLASS_NAMES[q.class] as packet.RecordClass,
    })),
    answers: m.answers.map(toPacketRecord),
    authorities: m.authorities.map(toPacketRecord),
    additionals,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: dns-packet's decoded records are loosely typed
type Loose = any;

/** A dns-packet record as ours. */
function fromPacketRecord(a: Loose): DnsRecord {
  const head = { name: fromPacketName(a.name), class: PACKET_CLASSES[a.class]!, ttl: a.ttl };
  const d = a.data;
  switch (a.type) {
    case "A": {
      const [w, x, y, z] = (d as string).split(".").map(Number) as [number, number, number, number];
      return { ...head, type: "A", rdata: ((w << 24) | (x << 16) | (y << 8) | z) >>> 0 };
    }
    case "AAAA":
      return { ...head, type: "AAAA", rdata: Ipv6Address.of(d) };
    case "NS":
    case "CNAME":
    case "PTR":
      return { ...head, type: a.type, rdata: fromPacketName(d) };
    case "SOA":
      return {
        ...head,
        type: "SOA",
        rdata: { ...d, mname: fromPacketName(d.mname), rname: fromPacketName(d.rname) },
      };
    case "MX":
      return { ...head, type: "MX", rdata: { ...d, exchange: fromPacketName(d.exchange) } };
    case "TXT":
      return { ...head, type: "TXT", rdata: (d as Buffer[]).map((b) => new Uint8Array(b)) };
    case "SRV":
      return { ...head, type: "SRV", rdata: { ...d, target: fromPacketName(d.target) } };
    default:
      return {
        ...head,
        type: "UNKNOWN",
        typeCode: packetTypes.toType(a.type),
        rdata: new Uint8Array(d),
      };
  }
}

function fromPacket(d: Loose): DnsMessage {
  const opt = d.additionals.find((a: Loose) => a.type === "OPT");
  const flags: number = d.flags;
  return {
    id: d.id,
    qr: d.type === "response",
    opcode: (flags >>> 11) & 0xf,
    aa: (flags & 0x400) !== 0,
    tc: (flags & 0x200) !== 0,
    rd: (flags & 0x100) !== 0,
    ra: (flags & 0x80) !== 0,
    z: (flags & 0x40) !== 0,
    ad: (flags & 0x20) !== 0,
    cd: (flags & 0x10) !== 0,
    rcode: ((opt?.extendedRcode ?? 0) << 4) | (flags & 0xf),
    questions: d.questions.map((q: Loose) => ({
      name: fromPacketName(q.name),
      type: packetTypes.toType(q.type),
      class: PACKET_CLASSES[q.class],
    })),
    answers: d.answers.map(fromPacketRecord),
    authorities: d.authorities.map(fromPacketRecord),
    additionals: d.additionals.filter((a: Loose) => a.type !== "OPT").map(fromPacketRecord),
    edns:
      opt === undefined
        ? null
        : {
            udpPayloadSize: opt.udpPayloadSize,
            version: opt.ednsVersion,
            dnssecOk: (opt.flags & 0x8000) !== 0,
            z: opt.flags & 0x7fff,
            options: opt.options.map((o: Loose) => ({
              code: o.code,
              data: new Uint8Array(o.data),
            })),
          },
  };
}

describe("dns messages: cross-check with dns-packet", () => {
  it("our emit (compressed or not) -> dns-packet decode gives the same content", () => {
    fc.assert(
      fc.property(messages(PACKET), fc.boolean(), (m, compress) => {
        const b = emitDnsMessage(m, { compress });
        expect(fromPacket(packet.decode(Buffer.from(b)))).toEqual(m);
      }),
      { numRuns: 3000 },
    );
  });

  it("dns-packet encode -> our parse gives the same content, and the same bytes as ours", () => {
    fc.assert(
      fc.property(messages(PACKET), (m) => {
        const theirs = packet.encode(toPacket(m));
        expect(parseDnsMessage(new Uint8Array(theirs))).toEqual(m);
        // dns-packet never compresses, so our uncompressed output must match it byte for byte.
        expect(emitDnsMessage(m, { compress: false })).toEqual(new Uint8Array(theirs));
      }),
      { numRuns: 3000 },
    );
  });

  it("covers every record type in the cross-check", () => {
    const seen = new Set<string>();
    for (const m of fc.sample(messages(PACKET), { numRuns: 300, seed: 1 })) {
      for (const r of [...m.answers, ...m.authorities, ...m.additionals]) seen.add(r.type);
      if (m.edns) seen.add("OPT");
    }
    expect([...seen].sort()).toEqual(
      ["A", "AAAA", "CNAME", "MX", "NS", "OPT", "PTR", "SOA", "SRV", "TXT", "UNKNOWN"].sort(),
    );
  });
});
