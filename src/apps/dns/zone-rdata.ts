/**
 * The rdata of each record type as written in a master file (RFC 1035 §3.3 and §5.1, RFC 3596,
 * RFC 2782), character-strings with their escapes, and RFC 3597's generic "\#" form, which is
 * read through the wire parser so a known type written generically still gets typed rdata.
 */
import { parseIpv4Address, parseIpv6Address } from "../../wire/address.js";
import { DnsNameReader } from "../../wire/dns-name.js";
import { DNS_TYPE, type DnsRecord, readDnsRecord } from "../../wire/dns-rr.js";
import { ParseError } from "../../wire/parse-error.js";
import { MAX_TTL, parseTtl, type Token } from "./zone-lexer.js";

export type FailAt = (t: Token, detail: string) => never;

export function ttlOf(t: Token, failAt: FailAt): number {
  const v = parseTtl(t.text);
  if (v === undefined) failAt(t, `bad TTL "${t.text}"`);
  if (v! > MAX_TTL) failAt(t, `TTL ${v} exceeds 2147483647 (RFC 2181 §8)`);
  return v!;
}

function uint(t: Token | undefined, max: number, what: string, at: Token, failAt: FailAt): number {
  if (t === undefined) failAt(at, `missing ${what}`);
  if (!/^[0-9]+$/.test(t!.text) || Number(t!.text) > max) {
    failAt(t!, `bad ${what} "${t!.text}" (an integer up to ${max})`);
  }
  return Number(t!.text);
}

/** The rdata of one record from its tokens (RFC 1035 §5.1, §3.3; RFC 3596; RFC 2782). */
export function readRdata(
  owner: string,
  type: number,
  cls: number,
  ttl: number,
  ts: Token[],
  typeToken: Token,
  origin: string,
  name: (t: Token, origin: string) => string,
  failAt: FailAt,
): DnsRecord {
  const base = { name: owner, class: cls, ttl };
  const need = (count: number, fields: string): void => {
    if (ts.length < count) failAt(ts[ts.length - 1] ?? typeToken, `missing rdata: ${fields}`);
    if (ts.length > count) failAt(ts[count]!, `unexpected "${ts[count]!.text}" after the rdata`);
  };
  if (ts[0]?.text === "\\#" && !ts[0].quoted) return generic(base, type, ts, typeToken, failAt);
  switch (type) {
    case DNS_TYPE.A: {
      need(1, "an IPv4 address");
      const a = parseIpv4Address(ts[0]!.text);
      if (a instanceof ParseError) failAt(ts[0]!, `bad IPv4 address "${ts[0]!.text}"`);
      return { ...base, type: "A", rdata: a as number };
    }
    case DNS_TYPE.AAAA: {
      need(1, "an IPv6 address");
      const a = parseIpv6Address(ts[0]!.text);
      if (a instanceof ParseError) failAt(ts[0]!, `bad IPv6 address "${ts[0]!.text}"`);
      return { ...base, type: "AAAA", rdata: a as Exclude<typeof a, ParseError> };
    }
    case DNS_TYPE.NS:
    case DNS_TYPE.CNAME:
    case DNS_TYPE.PTR: {
      need(1, "a domain name");
      const t = type === DNS_TYPE.NS ? "NS" : type === DNS_TYPE.CNAME ? "CNAME" : "PTR";
      return { ...base, type: t, rdata: name(ts[0]!, origin) };
    }
    case DNS_TYPE.MX:
      need(2, "preference and exchange");
      return {
        ...base,
        type: "MX",
        rdata: {
          preference: uint(ts[0], 0xffff, "preference", typeToken, failAt),
          exchange: name(ts[1]!, origin),
        },
      };
    case DNS_TYPE.SRV:
      need(4, "priority, weight, port and target");
      return {
        ...base,
        type: "SRV",
        rdata: {
          priority: uint(ts[0], 0xffff, "priority", typeToken, failAt),
          weight: uint(ts[1], 0xffff, "weight", typeToken, failAt),
          port: uint(ts[2], 0xffff, "port", typeToken, failAt),
          target: name(ts[3]!, origin),
        },
      };
    case DNS_TYPE.SOA: {
      need(7, "mname rname serial refresh retry expire minimum");
      const times = ts.slice(3).map((t) => ttlOf(t, failAt));
      return {
        ...base,
        type: "SOA",
        rdata: {
          mname: name(ts[0]!, origin),
          rname: name(ts[1]!, origin),
          serial: uint(ts[2], 0xffffffff, "serial", typeToken, failAt),
          refresh: times[0]!,
          retry: times[1]!,
          expire: times[2]!,
          minimum: times[3]!,
        },
      };
    }
    case DNS_TYPE.TXT: {
      if (ts.length === 0) failAt(typeToken, "missing rdata: at least one character-string");
      return { ...base, type: "TXT", rdata: ts.map((t) => characterString(t, failAt)) };
    }
    default:
      return failAt(
        ts[0] ?? typeToken,
        `type ${typeToken.text} has no text form here; write it as "\\# <length> <hex>" (RFC 3597)`,
      );
  }
}

/** A character-string (RFC 1035 §5.1): "\X" is X, "\DDD" an octet; at most 255 octets. */
function characterString(t: Token, failAt: FailAt): Uint8Array {
  const utf8 = new TextEncoder();
  const out: number[] = [];
  const s = t.text;
  for (let i = 0; i < s.length; ) {
    if (s[i] === "\\") {
      const ddd = /^[0-9]{3}/.exec(s.slice(i + 1));
      if (ddd !== null) {
        if (Number(ddd[0]) > 255) failAt(t, `bad escape "\\${ddd[0]}"`);
        out.push(Number(ddd[0]));
        i += 4;
        continue;
      }
      i++;
      if (i >= s.length) failAt(t, "a backslash ends the string");
    }
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    out.push(...utf8.encode(ch));
    i += ch.length;
  }
  if (out.length > 255) failAt(t, `character-string of ${out.length} octets exceeds 255`);
  return Uint8Array.from(out);
}

/** RFC 3597 §5: "\# <length> <hex words>", read through the wire parser for known types. */
function generic(
  base: { name: string; class: number; ttl: number },
  type: number,
  ts: Token[],
  typeToken: Token,
  failAt: FailAt,
): DnsRecord {
  const length = uint(ts[1], 0xffff, "rdata length", ts[0]!, failAt);
  const hex = ts
    .slice(2)
    .map((t) => t.text)
    .join("");
  if (!/^([0-9a-fA-F]{2})*$/.test(hex))
    failAt(ts[2] ?? ts[1]!, "rdata must be pairs of hex digits");
  if (hex.length / 2 !== length) {
    failAt(ts[1]!, `rdata length ${length} does not match ${hex.length / 2} octets of hex`);
  }
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  const r = readDnsRecord(
    new DnsNameReader(bytes),
    "rdata",
    0,
    base.name,
    type,
    base.class,
    base.ttl,
    0,
    length,
  );
  if (r instanceof ParseError) return failAt(typeToken, `bad ${typeToken.text} rdata: ${r.detail}`);
  return r;
}
