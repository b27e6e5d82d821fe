/**
 * DNS names (RFC 1035 §3.1, §4.1.4) as presentation text: absolute, "www.example.com." (root "."),
 * escaped as dig prints them (`\.`, `\DDD`). Parse returns this form, case preserved; emit also
 * takes a missing final dot or other escapes. Reads follow compression pointers (backwards only,
 * a bounded number of jumps); writes compress with a map of the suffixes already written.
 */
import { ParseError } from "./parse-error.js";

/** Longest name on the wire, length octets and the root's zero included (RFC 1035 §2.3.4). */
export const DNS_MAX_NAME_LENGTH = 255;
/** Longest label (RFC 1035 §2.3.4): the two top bits of a length octet select the label type. */
export const DNS_MAX_LABEL_LENGTH = 63;
/**
 * Most compression pointers followed while reading one name. A valid name has at most 127
 * labels, and an encoder needs at most one pointer per label, so more means a crafted packet.
 */
export const DNS_MAX_POINTERS = 127;

// Presentation text of each octet inside a label, as BIND's dns_name_totext writes it: these
// eight characters get a backslash, anything outside 0x21-0x7e becomes \DDD.
const LABEL_TEXT: string[] = [];
const SPECIAL = '"().;\\@$';
for (let c = 0; c < 256; c++) {
  if (c <= 0x20 || c >= 0x7f) LABEL_TEXT.push(`\\${String(c).padStart(3, "0")}`);
  else if (SPECIAL.includes(String.fromCharCode(c))) LABEL_TEXT.push(`\\${String.fromCharCode(c)}`);
  else LABEL_TEXT.push(String.fromCharCode(c));
}
/** 1 where an octet can stand for itself in text. */
const PLAIN = new Uint8Array(256);
for (let c = 0x21; c < 0x7f; c++) PLAIN[c] = SPECIAL.includes(String.fromCharCode(c)) ? 0 : 1;

/** The presentation text of one label's octets bytes[from..to), without the trailing dot. */
export function dnsLabelText(bytes: Uint8Array, from: number, to: number): string {
  let plain = true;
  for (let i = from; i < to; i++) {
    if (PLAIN[bytes[i]!] === 0) {
      plain = false;
      break;
    }
  }
  if (plain) {
    return String.fromCharCode.apply(null, bytes.subarray(from, to) as unknown as number[]);
  }
  let s = "";
  for (let i = from; i < to; i++) s += LABEL_TEXT[bytes[i]!]!;
  return s;
}

// Scratch state of the text -> wire conversion (single-threaded, never re-entered): the name in
// wire form, and for each label where it starts in the text and on the wire.
const NAME = new Uint8Array(DNS_MAX_NAME_LENGTH + 1);
const LABEL_AT_TEXT = new Int32Array(128);
const LABEL_AT_WIRE = new Int32Array(128);
let nameWireLength = 0;
let textErrorOffset = 0;

/**
 * Converts presentation text to wire form in the scratch buffers. Returns the number of labels,
 * or an error detail (with `textErrorOffset` set). A missing trailing dot is accepted: at this
 * layer there is no origin, so every name is absolute.
 */
function textToWire(text: string): number | string {
  const n = text.length;
  if (n === 0) return failText(0, "empty name");
  if (text === ".") {
    NAME[0] = 0;
    nameWireLength = 1;
    return 0;
  }
  let p = 0; // wire position
  let i = 0; // text position
  let labels = 0;
  for (;;) {
    if (labels === LABEL_AT_TEXT.length) return failText(i, "more than 127 labels");
    LABEL_AT_TEXT[labels] = i;
    LABEL_AT_WIRE[labels] = p;
    const lengthAt = p++;
    while (i < n) {
      let c = text.charCodeAt(i);
      if (c === 0x2e) break; // '.'
      if (c === 0x5c) {
        // RFC 1035 §5.1: \X is X itself, \DDD is the octet with that decimal value.
        const d = text.charCodeAt(i + 1);
        if (d >= 0x30 && d <= 0x39) {
          const ddd = text.slice(i + 1, i + 4);
          if (!/^[0-9]{3}$/.test(ddd) || Number(ddd) > 255) {
            return failText(i, `bad escape "\\${ddd}": \\DDD needs three digits up to 255`);
          }
          c = Number(ddd);
          i += 4;
        } else if (d >= 0x20 && d <= 0x7e) {
          c = d;
          i += 2;
        } else {
          return failText(i, "a backslash must be followed by a printable character or \\DDD");
        }
      } else if (c <= 0x20 || c >= 0x7f) {
        return failText(i, `character U+${c.toString(16).padStart(4, "0")} must be escaped`);
      } else {
        i++;
      }
      if (p >= DNS_MAX_NAME_LENGTH - 1) return failText(i, "name longer than 255 octets");
      NAME[p++] = c;
    }
    const len = p - lengthAt - 1;
    if (len === 0) return failText(i, "empty label");
    if (len > DNS_MAX_LABEL_LENGTH) return failText(i, `label of ${len} octets exceeds 63`);
    NAME[lengthAt] = len;
    labels++;
    if (i >= n - 1) break; // end of text, with or without the trailing dot
    i++; // the dot
  }
  NAME[p++] = 0;
  nameWireLength = p;
  return labels;
}

function failText(offset: number, detail: string): string {
  textErrorOffset = offset;
  return detail;
}

/** Wire form (uncompressed) of a name given as text, or a ParseError naming the text offset. */
export function dnsNameToWire(text: string): Uint8Array | ParseError {
  const r = textToWire(text);
  if (typeof r === "string")
    return new ParseError("dns-name", "text", textErrorOffset, "invalid", r);
  return NAME.slice(0, nameWireLength);
}

/** True when `text` is a valid name: escapes well formed, labels 1-63 octets, at most 255 in all. */
export function isDnsName(text: string): boolean {
  return typeof textToWire(text) === "number";
}

/** Formats the labels now in the scratch buffer as text, optionally folding A-Z to a-z. */
function scratchToText(labels: number, lower: boolean): string {
  if (labels === 0) return ".";
  if (lower) {
    for (let i = 0; i < nameWireLength; i++) {
      const c = NAME[i]!;
      if (c >= 0x41 && c <= 0x5a) NAME[i] = c | 0x20;
    }
    // Length octets are at most 63 (< 0x41), so folding the whole buffer leaves them intact.
  }
  let s = "";
  for (let k = 0; k < labels; k++) {
    const at = LABEL_AT_WIRE[k]!;
    s += `${dnsLabelText(NAME, at + 1, at + 1 + NAME[at]!)}.`;
  }
  return s;
}

/**
 * The canonical text of a name: absolute, escapes as dig writes them, ASCII letters in lower case
 * (RFC 4343: only A-Z fold). Use it as a map key for names. Throws RangeError on an invalid name.
 */
export function dnsNameCanonical(text: string): string {
  const r = textToWire(text);
  if (typeof r === "string") throw new RangeError(`bad DNS name "${text}": ${r}`);
  return scratchToText(r, true);
}

/** The name in its normal, case-preserving text form (what parse returns). Throws if invalid. */
export function dnsNameNormalize(text: string): string {
  const r = textToWire(text);
  if (typeof r === "string") throw new RangeError(`bad DNS name "${text}": ${r}`);
  return scratchToText(r, false);
}

/**
 * Whether two names are the same name (RFC 4343: ASCII case-insensitive; "a.b" and "a.b." are the
 * same absolute name; "\065" equals "a"). An invalid name equals only an identical string.
 */
export function dnsNameEquals(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.indexOf("\\") < 0 && b.indexOf("\\") < 0) {
    const la = a.length > 1 && a.charCodeAt(a.length - 1) === 0x2e ? a.length - 1 : a.length;
    const lb = b.length > 1 && b.charCodeAt(b.length - 1) === 0x2e ? b.length - 1 : b.length;
    if (la !== lb) return false;
    for (let i = 0; i < la; i++) {
      let x = a.charCodeAt(i);
      let y = b.charCodeAt(i);
      if (x >= 0x41 && x <= 0x5a) x |= 0x20;
      if (y >= 0x41 && y <= 0x5a) y |= 0x20;
      if (x !== y) return false;
    }
    return isDnsName(a);
  }
  const ra = textToWire(a);
  if (typeof ra === "string") return false;
  const ca = scratchToText(ra, true);
  const rb = textToWire(b);
  return typeof rb !== "string" && scratchToText(rb, true) === ca;
}

/**
 * Reads names from one message, following compression pointers (RFC 1035 §4.1.4). A pointer must
 * point before the start of the run of labels that contains it (the name's start, or the previous
 * pointer's target), which refuses both forward pointers and loops; at most DNS_MAX_POINTERS are
 * followed. Names already read are remembered by offset, so a pointer to one costs a map lookup
 * and parsing stays linear in the message size.
 */
export class DnsNameReader {
  /** After a successful `read`: the offset just past the name's bytes at its start. */
  next = 0;
  /** After a failed `read`: where and why. */
  errorOffset = 0;
  errorReason: "truncated" | "invalid" = "invalid";
  errorDetail = "";
  private readonly texts = new Map<number, string>();
  /** Per remembered offset: wire length (root octet included) + 512 * pointers followed. */
  private readonly info = new Map<number, number>();

  constructor(readonly bytes: Uint8Array) {}

  /**
   * The name starting at `start`, whose own (uncompressed) bytes must end by `end`; pointers may
   * reach anywhere earlier in the message. Returns null on error, with the error fields set: at
   * the name's start for a name over 255 octets or too many pointers, else at the bad octet.
   */
  read(start: number, end: number): string | null {
    const b = this.bytes;
    let pos = start;
    let limit = end;
    let runStart = start;
    let text = "";
    let length = 0; // label octets so far, length octets included
    let jumps = 0;
    let firstTarget = -1;
    let textBeforeJump = 0;
    let lengthBeforeJump = 0;
    for (;;) {
      if (pos >= limit) return this.fail(pos, "truncated", "name runs past the end of its data");
      const len = b[pos]!;
      if (len === 0) {
        length += 1;
        if (jumps === 0) this.next = pos + 1;
        break;
      }
      const kind = len & 0xc0;
      if (kind === 0) {
        if (pos + 1 + len > limit) {
          return this.fail(pos, "truncated", `label of ${len} octets runs past the end`);
        }
        length += len + 1;
        if (length + 1 > DNS_MAX_NAME_LENGTH) {
          return this.fail(start, "invalid", "name longer than 255 octets");
        }
        text += `${dnsLabelText(b, pos + 1, pos + 1 + len)}.`;
        pos += len + 1;
      } else if (kind === 0xc0) {
        if (pos + 2 > limit) return this.fail(pos, "truncated", "compression pointer cut short");
        const target = ((len & 0x3f) << 8) | b[pos + 1]!;
        if (target >= runStart) {
          return this.fail(
            pos,
            "invalid",
            `compression pointer to ${target} is not before ${runStart}`,
          );
        }
        if (++jumps > DNS_MAX_POINTERS) {
          return this.fail(start, "invalid", `more than ${DNS_MAX_POINTERS} compression pointers`);
        }
        if (jumps === 1) {
          this.next = pos + 2;
          firstTarget = target;
          textBeforeJump = text.length;
          lengthBeforeJump = length;
        }
        const known = this.texts.get(target);
        if (known !== undefined) {
          const info = this.info.get(target)!;
          const sufLength = info & 511;
          if (length + sufLength > DNS_MAX_NAME_LENGTH) {
            return this.fail(start, "invalid", "name longer than 255 octets");
          }
          jumps += info >>> 9;
          if (jumps > DNS_MAX_POINTERS) {
            return this.fail(
              start,
              "invalid",
              `more than ${DNS_MAX_POINTERS} compression pointers`,
            );
          }
          if (known !== ".") text += known;
          length += sufLength;
          break;
        }
        runStart = target;
        pos = target;
        limit = b.length;
      } else {
        // 0x40 and 0x80: extended label types (RFC 6891 §5 deprecates them; none is in use).
        return this.fail(pos, "invalid", `label type 0x${len.toString(16)} is not supported`);
      }
    }
    if (text === "") text = ".";
    this.texts.set(start, text);
    this.info.set(start, length + 512 * jumps);
    if (firstTarget >= 0 && !this.texts.has(firstTarget)) {
      this.texts.set(firstTarget, text.slice(textBeforeJump) || ".");
      this.info.set(firstTarget, length - lengthBeforeJump + 512 * (jumps - 1));
    }
    return text;
  }

  private fail(offset: number, reason: "truncated" | "invalid", detail: string): null {
    this.errorOffset = offset;
    this.errorReason = reason;
    this.errorDetail = detail;
    return null;
  }
}

/**
 * A byte writer for one message, with name compression (RFC 1035 §4.1.4): `names` maps the text
 * of each name suffix already written to its offset. Matching is on exact text, so compression
 * never changes a name's case. It writes into a shared scratch buffer; `finish` copies out.
 */
export class DnsWriter {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    /** Suffix text -> offset, or null to write every name in full. */
    readonly names: Map<string, number> | null,
  ) {}

  u8(v: number): void {
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    const p = this.pos;
    this.buf[p] = v >>> 8;
    this.buf[p + 1] = v;
    this.pos = p + 2;
  }
  u32(v: number): void {
    const p = this.pos;
    this.buf[p] = v >>> 24;
    this.buf[p + 1] = v >>> 16;
    this.buf[p + 2] = v >>> 8;
    this.buf[p + 3] = v;
    this.pos = p + 4;
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /**
   * Writes `text` as a name. With `compress` (and a map), the longest suffix already written
   * becomes a pointer; suffixes written here are added to the map when `remember` is set and
   * they start below 0x4000 (a pointer has 14 bits). Throws RangeError on an invalid name.
   */
  name(text: string, compress: boolean, remember: boolean): void {
    const labels = textToWire(text);
    if (typeof labels === "string") throw new RangeError(`bad DNS name "${text}": ${labels}`);
    const map = this.names;
    let stop = labels; // first label replaced by a pointer; `labels` = none
    let pointer = -1;
    if (map !== null && compress) {
      for (let k = 0; k < labels; k++) {
        const at = map.get(k === 0 ? text : text.slice(LABEL_AT_TEXT[k]!));
        if (at !== undefined) {
          stop = k;
          pointer = at;
          break;
        }
      }
    }
    const start = this.pos;
    const inline = stop === labels ? nameWireLength : LABEL_AT_WIRE[stop]!;
    if (map !== null && remember) {
      for (let k = 0; k < stop; k++) {
        const at = start + LABEL_AT_WIRE[k]!;
        if (at >= 0x4000) break;
        map.set(k === 0 ? text : text.slice(LABEL_AT_TEXT[k]!), at);
      }
    }
    this.buf.set(NAME.subarray(0, inline), start);
    this.pos = start + inline;
    if (pointer >= 0) this.u16(0xc000 | pointer);
  }
}
