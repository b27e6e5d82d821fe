/**
 * JSON Lines framing (jsonlines.org): one UTF-8 JSON text per line, each ended by "\n". The
 * decoder holds at most one line, bounded by the maximum size; an overlong line is reported and
 * skipped up to the next newline, where the stream resynchronizes.
 */
import { ParseError } from "../../wire/parse-error.js";
import {
  type DecodeResult,
  EncodeError,
  encodeJson,
  type FrameDecoder,
  type FramingOptions,
  type JsonValue,
  maxMessageSizeOf,
  parseJsonBytes,
} from "./json.js";

const NEWLINE = 0x0a;

/** Frames a value as one JSON Lines record: its JSON text and "\n". */
export function encodeJsonLine(
  value: JsonValue,
  options: FramingOptions = {},
): Uint8Array | EncodeError {
  // JSON.stringify without indentation never emits a raw newline (RFC 8259 §7 escapes it in
  // strings), so the text is one line.
  const body = encodeJson(value, maxMessageSizeOf(options));
  if (body instanceof EncodeError) return body;
  const out = new Uint8Array(body.length + 1);
  out.set(body);
  out[body.length] = NEWLINE;
  return out;
}

/**
 * Decoder for JSON Lines (jsonlines.org: UTF-8, one JSON text per "\n"-terminated line; a "\r"
 * before the "\n" is JSON whitespace and accepted). Blank lines are skipped. A line longer than
 * the maximum is reported once and its bytes are dropped up to the next newline, where decoding
 * resynchronizes; bad JSON or UTF-8 on a line is reported and decoding goes on.
 */
export class JsonLinesDecoder implements FrameDecoder {
  private readonly max: number;
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  private discarding = false;
  private lineStart = 0;
  private position = 0;

  constructor(options: FramingOptions = {}) {
    this.max = maxMessageSizeOf(options);
  }

  /** JSON Lines can always resynchronize at the next newline. */
  get failed(): boolean {
    return false;
  }

  get buffered(): number {
    return this.partBytes;
  }

  push(chunk: Uint8Array): DecodeResult[] {
    const out: DecodeResult[] = [];
    let i = 0;
    while (i < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, i);
      const end = nl === -1 ? chunk.length : nl;
      const segment = chunk.subarray(i, end);
      if (!this.discarding) {
        if (this.partBytes + segment.length > this.max) {
          out.push(this.overlong());
          this.discarding = true;
          this.dropParts();
        } else if (segment.length > 0) {
          this.parts.push(segment.slice());
          this.partBytes += segment.length;
        }
      }
      this.position += end - i;
      i = end;
      if (nl === -1) break;
      // The newline ends the line.
      const line = this.takeLine();
      const start = this.lineStart;
      i++;
      this.position++;
      this.lineStart = this.position;
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      const r = decodeLine(line, start);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  end(): DecodeResult[] {
    if (this.discarding) {
      this.discarding = false;
      return [];
    }
    if (this.partBytes === 0) return [];
    const r = decodeLine(this.takeLine(), this.lineStart);
    this.lineStart = this.position;
    return r === undefined ? [] : [r];
  }

  private overlong(): ParseError {
    return new ParseError(
      "json-lines",
      "line",
      this.lineStart,
      "invalid",
      `line longer than the maximum of ${this.max} bytes`,
    );
  }

  private takeLine(): Uint8Array {
    const parts = this.parts;
    let line: Uint8Array;
    if (parts.length === 1) line = parts[0]!;
    else {
      line = new Uint8Array(this.partBytes);
      let o = 0;
      for (const p of parts) {
        line.set(p, o);
        o += p.length;
      }
    }
    this.dropParts();
    return line;
  }

  private dropParts(): void {
    this.parts = [];
    this.partBytes = 0;
  }
}

/** A line's message, an error, or undefined for a blank line. */
function decodeLine(line: Uint8Array, offset: number): DecodeResult | undefined {
  if (line.every(isJsonSpace)) return undefined;
  const value = parseJsonBytes(line, "json-lines", offset);
  return value instanceof ParseError ? value : { kind: "message", value, offset };
}

/** JSON insignificant whitespace (RFC 8259 §2): space, tab, LF, CR. */
function isJsonSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}
