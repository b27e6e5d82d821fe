/**
 * The lexical side of master files (RFC 1035 §5.1): tokens with their line and column, entries
 * joined across parentheses, comments, quoted strings; and the small words of the grammar:
 * TTLs (with BIND's units), class and type mnemonics. Errors are ZoneParseError values.
 */
import { DNS_CLASS, DNS_TYPE } from "../../wire/dns-rr.js";

/** A master-file error: where (1-based line and column) and what. */
export class ZoneParseError {
  readonly kind = "zone-parse-error" as const;
  constructor(
    readonly line: number,
    readonly column: number,
    readonly detail: string,
    /** The file name given to the parser, for messages. */
    readonly file = "zone",
  ) {}
  /** "example.com.zone:4:17: bad IPv4 address ..." */
  get message(): string {
    return `${this.file}:${this.line}:${this.column}: ${this.detail}`;
  }
  toString(): string {
    return this.message;
  }
}

/** One token: its text (escapes kept, quotes removed), position, and whether it was quoted. */
export interface Token {
  text: string;
  line: number;
  col: number;
  quoted: boolean;
}

/** A logical entry: tokens of one line, or of several joined by parentheses. */
export interface Entry {
  tokens: Token[];
  /** The entry's first line starts with a blank: the owner is the previous one (RFC 1035 §5.1). */
  blankOwner: boolean;
}

/** Largest TTL (RFC 2181 §8: 31 bits). */
export const MAX_TTL = 0x7fffffff;
const CLASSES: Record<string, number> = { IN: DNS_CLASS.IN, CH: DNS_CLASS.CH, HS: DNS_CLASS.HS };
const UNIT_SECONDS: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };

/** Splits master-file text into entries (RFC 1035 §5.1 lexical rules). */
export function tokenize(text: string, fail: (l: number, c: number, d: string) => never): Entry[] {
  const entries: Entry[] = [];
  let tokens: Token[] = [];
  let blankOwner = false;
  let depth = 0;
  let parenLine = 0;
  let parenCol = 0;
  let line = 1;
  let lineStart = 0;
  let atEntryStart = true;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    const col = i - lineStart + 1;
    if (atEntryStart) {
      blankOwner = c === " " || c === "\t";
      atEntryStart = false;
    }
    if (c === "\n") {
      line++;
      lineStart = i + 1;
      i++;
      if (depth === 0) {
        if (tokens.length > 0) entries.push({ tokens, blankOwner });
        tokens = [];
        atEntryStart = true;
      }
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === ";") {
      while (i < n && text[i] !== "\n") i++;
    } else if (c === "(") {
      if (depth++ === 0) [parenLine, parenCol] = [line, col];
      i++;
    } else if (c === ")") {
      if (depth === 0) fail(line, col, 'unbalanced ")"');
      depth--;
      i++;
    } else if (c === '"') {
      let s = "";
      i++;
      for (;;) {
        if (i >= n || text[i] === "\n") fail(line, col, "unterminated quoted string");
        const d = text[i]!;
        if (d === '"') break;
        if (d === "\\" && i + 1 < n) {
          s += d + text[i + 1]!;
          i += 2;
        } else {
          s += d;
          i++;
        }
      }
      i++;
      tokens.push({ text: s, line, col, quoted: true });
    } else {
      const start = i;
      while (i < n && !' \t\r\n;()"'.includes(text[i]!)) i += text[i] === "\\" ? 2 : 1;
      tokens.push({ text: text.slice(start, Math.min(i, n)), line, col, quoted: false });
    }
  }
  if (depth > 0) fail(parenLine, parenCol, '"(" is never closed');
  if (tokens.length > 0) entries.push({ tokens, blankOwner });
  return entries;
}

/** A TTL: seconds, or BIND's units ("1w2d", "1h30m"); undefined when the text is not one. */
export function parseTtl(text: string): number | undefined {
  if (/^[0-9]+$/.test(text)) return Number(text);
  if (!/^([0-9]+[wdhms])+$/i.test(text)) return undefined;
  let total = 0;
  for (const m of text.toLowerCase().matchAll(/([0-9]+)([wdhms])/g)) {
    total += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  }
  return total;
}

/** A type mnemonic or "TYPEnnn" (RFC 3597 §5); undefined when unknown. */
export function typeCode(text: string): number | undefined {
  const upper = text.toUpperCase();
  const m = /^TYPE([0-9]{1,5})$/.exec(upper);
  if (m) return Number(m[1]) <= 0xffff ? Number(m[1]) : undefined;
  const code = (DNS_TYPE as Record<string, number>)[upper];
  // OPT is a pseudo-record (RFC 6891); AXFR, IXFR and ANY are question types only.
  return code === undefined || code === DNS_TYPE.OPT || code >= DNS_TYPE.IXFR ? undefined : code;
}

/** A class mnemonic or "CLASSnnn"; undefined when the text is not one. */
export function classCode(text: string): number | undefined {
  const upper = text.toUpperCase();
  const m = /^CLASS([0-9]{1,5})$/.exec(upper);
  if (m) return Number(m[1]) <= 0xffff ? Number(m[1]) : undefined;
  return CLASSES[upper];
}
