/**
 * What both JSON framings share: the JSON value type, UTF-8 JSON encoding with a size limit and
 * strict decoding (malformed UTF-8 and bad JSON become ParseError values), and the decoder
 * interface. The framings themselves are in length-prefixed.ts and json-lines.ts.
 */
import { ParseError } from "../../wire/parse-error.js";

/** A JSON value (RFC 8259 §3): what a frame carries. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Default largest message (payload bytes, without the length prefix or newline): 1 MiB. */
export const DEFAULT_MAX_MESSAGE = 1 << 20;

/** Largest length a 4-byte prefix can state, and so the largest maximum size. */
const MAX_PREFIX_LENGTH = 0xffff_ffff;

/** One decoded message and where its frame began in the stream. */
export interface DecodedMessage {
  readonly kind: "message";
  readonly value: JsonValue;
  /** Byte offset of the frame's first byte from the start of the stream. */
  readonly offset: number;
}

/** What a decoder yields: a message, or a ParseError naming the field and stream offset. */
export type DecodeResult = DecodedMessage | ParseError;

/** A value that could not be framed: not serializable as JSON, or bigger than the maximum. */
export class EncodeError {
  readonly kind = "encode-error" as const;
  constructor(
    readonly code: "not-json" | "too-large",
    readonly message: string,
  ) {}
  toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** An incremental decoder for one byte stream. */
export interface FrameDecoder {
  /**
   * Takes the next bytes of the stream (any chunking; the chunk is not retained) and returns
   * the messages and errors completed by them, in stream order.
   */
  push(chunk: Uint8Array): DecodeResult[];
  /** The stream ended: returns a last unterminated JSON line, or an error if a frame was cut. */
  end(): DecodeResult[];
  /** True after a fatal error: later bytes are ignored, as the stream cannot be resynchronized. */
  readonly failed: boolean;
  /** Bytes held for the frame in progress (never more than the frame bound). */
  readonly buffered: number;
}

/** Options of both framings. */
export interface FramingOptions {
  /** Largest message in bytes (default DEFAULT_MAX_MESSAGE). */
  maxMessageSize?: number;
}

const utf8Encoder = new TextEncoder();
// fatal: malformed UTF-8 is an error, not U+FFFD; ignoreBOM keeps a BOM so JSON.parse refuses it
// (RFC 8259 §8.1: senders must not add one).
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The maximum message size of `options`, checked. */
export function maxMessageSizeOf(options: FramingOptions): number {
  const max = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE;
  if (!Number.isInteger(max) || max < 1 || max > MAX_PREFIX_LENGTH) {
    throw new RangeError(`maxMessageSize must be an integer in [1, 2^32-1], not ${max}`);
  }
  return max;
}

/** Serializes a value to UTF-8 JSON, or an EncodeError (cycles, BigInt, undefined, too big). */
export function encodeJson(
  value: JsonValue,
  maxMessageSize = DEFAULT_MAX_MESSAGE,
): Uint8Array | EncodeError {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    return new EncodeError("not-json", e instanceof Error ? e.message : String(e));
  }
  if (text === undefined) return new EncodeError("not-json", "value has no JSON form");
  const bytes = utf8Encoder.encode(text);
  if (bytes.length > maxMessageSize) {
    return new EncodeError(
      "too-large",
      `message of ${bytes.length} bytes exceeds the maximum of ${maxMessageSize}`,
    );
  }
  return bytes;
}

/** Decodes one UTF-8 JSON text; `offset` places errors in the stream. */
export function parseJsonBytes(
  bytes: Uint8Array,
  protocol: string,
  offset: number,
): JsonValue | ParseError {
  let text: string;
  try {
    text = utf8Decoder.decode(bytes);
  } catch {
    return new ParseError(protocol, "payload", offset, "invalid", "malformed UTF-8");
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    const why = e instanceof Error ? e.message : "syntax error";
    return new ParseError(protocol, "payload", offset, "invalid", `bad JSON: ${why}`);
  }
}
