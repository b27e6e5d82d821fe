/**
 * Master files (RFC 1035 §5): $ORIGIN, $TTL (RFC 2308 §4), "@", relative names, owners carried
 * over from the previous line, parentheses spanning lines, ";" comments, quoted strings, TTLs
 * with BIND's units (1h30m), and RFC 3597 "\#" generic rdata. Bad input is a ZoneParseError
 * naming the line and column; $INCLUDE is refused, as the engine reads no files.
 */
import { isDnsName } from "../../wire/dns-name.js";
import { DNS_CLASS, type DnsRecord } from "../../wire/dns-rr.js";
import { absoluteName } from "./names.js";
import { Zone } from "./zone.js";
import {
  classCode,
  parseTtl,
  type Token,
  tokenize,
  typeCode,
  ZoneParseError,
} from "./zone-lexer.js";
import { readRdata, ttlOf } from "./zone-rdata.js";

export { parseTtl, ZoneParseError } from "./zone-lexer.js";

export interface ZoneTextOptions {
  /** The initial $ORIGIN (default: the root, or the zone's origin in `parseZone`). */
  origin?: string;
  /** The TTL for records without one before any $TTL (default: none; such a record is an error). */
  defaultTtl?: number;
  /** Name used in error messages (default "zone"). */
  file?: string;
}

/** A record and the line it came from. */
export interface ZoneTextRecord {
  record: DnsRecord;
  line: number;
}

/**
 * Parses master-file text into records, in file order. Names come back absolute. Errors name
 * the line and column of the token at fault.
 */
export function parseZoneText(
  text: string,
  options: ZoneTextOptions = {},
): ZoneTextRecord[] | ZoneParseError {
  const file = options.file ?? "zone";
  try {
    return parseEntries(text, options, file);
  } catch (e) {
    // Errors are thrown inside this module only, to leave deep token loops, and caught here.
    if (e instanceof ZoneParseError) return e;
    throw e;
  }
}

function parseEntries(text: string, options: ZoneTextOptions, file: string): ZoneTextRecord[] {
  const fail = (line: number, col: number, detail: string): never => {
    throw new ZoneParseError(line, col, detail, file);
  };
  const failAt = (t: Token, detail: string): never => fail(t.line, t.col, detail);
  const name = (t: Token, origin: string): string => {
    if (t.quoted) failAt(t, "a name cannot be quoted");
    const abs = absoluteName(t.text, origin);
    if (!isDnsName(abs)) failAt(t, `bad name "${t.text}"`);
    return abs;
  };
  let origin = options.origin === undefined ? "." : absoluteName(options.origin, ".");
  if (!isDnsName(origin)) fail(1, 1, `bad origin "${options.origin}"`);
  let defaultTtl = options.defaultTtl;
  let lastTtl: number | undefined;
  let lastOwner: string | undefined;
  let lastClass: number = DNS_CLASS.IN;
  const out: ZoneTextRecord[] = [];

  for (const entry of tokenize(text, fail)) {
    const ts = entry.tokens;
    const first = ts[0]!;
    if (!entry.blankOwner && !first.quoted && first.text.startsWith("$")) {
      const directive = first.text.toUpperCase();
      const arg = ts[1];
      if (directive === "$ORIGIN" || directive === "$TTL") {
        if (arg === undefined) failAt(first, `${directive} needs a value`);
        if (ts.length > 2) failAt(ts[2]!, `unexpected "${ts[2]!.text}" after ${directive}`);
        if (directive === "$ORIGIN") origin = name(arg!, origin);
        else defaultTtl = ttlOf(arg!, failAt);
      } else if (directive === "$INCLUDE") {
        failAt(first, "$INCLUDE is not supported (the engine reads no files)");
      } else {
        failAt(first, `unknown directive ${first.text}`);
      }
      continue;
    }
    let k = 0;
    let owner: string;
    if (entry.blankOwner) {
      if (lastOwner === undefined)
        failAt(first, "no owner name, and no previous record to take it from");
      owner = lastOwner!;
    } else {
      owner = name(first, origin);
      k = 1;
    }
    // RFC 1035 §5.1: [<TTL>] [<class>] or [<class>] [<TTL>], then the type.
    let ttl: number | undefined;
    let cls: number | undefined;
    for (let j = 0; j < 2 && k < ts.length; j++) {
      const t = ts[k]!;
      if (ttl === undefined && !t.quoted && parseTtl(t.text) !== undefined) {
        ttl = ttlOf(t, failAt);
      } else if (cls === undefined && !t.quoted && classCode(t.text) !== undefined) {
        cls = classCode(t.text);
      } else break;
      k++;
    }
    const typeToken = ts[k];
    if (typeToken === undefined) failAt(ts[ts.length - 1]!, "missing record type");
    const type = typeCode(typeToken!.text);
    if (type === undefined || typeToken!.quoted)
      failAt(typeToken!, `unknown record type "${typeToken!.text}"`);
    ttl ??= defaultTtl ?? lastTtl;
    if (ttl === undefined) failAt(typeToken!, "no TTL given, and no $TTL or earlier TTL to use");
    lastTtl = ttl;
    lastOwner = owner;
    cls ??= lastClass;
    lastClass = cls;
    const rdata = ts.slice(k + 1);
    const record = readRdata(owner, type!, cls, ttl!, rdata, typeToken!, origin, name, failAt);
    out.push({ record, line: first.line });
  }
  return out;
}

/**
 * Parses a master file into a Zone. The origin is `options.origin`, or else the owner of the
 * first SOA record. Besides syntax, every record must fit the zone (see Zone.add) and the zone
 * needs an SOA and NS records at its apex; such errors name the record's line.
 */
export function parseZone(text: string, options: ZoneTextOptions = {}): Zone | ZoneParseError {
  const file = options.file ?? "zone";
  const parsed = parseZoneText(text, options);
  if (parsed instanceof ZoneParseError) return parsed;
  const origin = options.origin ?? parsed.find((p) => p.record.type === "SOA")?.record.name;
  if (origin === undefined)
    return new ZoneParseError(1, 1, "no SOA record and no origin given", file);
  const zone = new Zone(absoluteName(origin, "."));
  for (const { record, line } of parsed) {
    const problem = zone.add(record);
    if (problem !== undefined) return new ZoneParseError(line, 1, problem, file);
  }
  const problem = zone.check();
  if (problem !== undefined) {
    const last = parsed.length > 0 ? parsed[parsed.length - 1]!.line : 1;
    return new ZoneParseError(last, 1, problem, file);
  }
  return zone;
}
