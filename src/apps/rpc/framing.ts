/**
 * JSON messages on a byte stream, in the two usual framings: a 4-byte big-endian length before
 * each UTF-8 JSON text, or one JSON text per line (JSON Lines). Decoders take bytes in any chunks,
 * hold at most one frame (bounded by a maximum size) and report bad input as ParseError values.
 */
import { ParseError } from "../../wire/parse-error.js";
import type { EncodeError, FrameDecoder, FramingOptions, JsonValue } from "./json.js";
import { encodeJsonLine, JsonLinesDecoder } from "./json-lines.js";
import { encodeLengthPrefixed, LengthPrefixedDecoder } from "./length-prefixed.js";

export * from "./json.js";
export * from "./json-lines.js";
export * from "./length-prefixed.js";

/** Which framing a stream uses. */
export type Framing = "length-prefixed" | "json-lines";

/** Encodes a value in the given framing. */
export function encodeFrame(
  framing: Framing,
  value: JsonValue,
  options: FramingOptions = {},
): Uint8Array | EncodeError {
  return framing === "length-prefixed"
    ? encodeLengthPrefixed(value, options)
    : encodeJsonLine(value, options);
}

/** A new decoder for the given framing. */
export function frameDecoder(framing: Framing, options: FramingOptions = {}): FrameDecoder {
  return framing === "length-prefixed"
    ? new LengthPrefixedDecoder(options)
    : new JsonLinesDecoder(options);
}

/**
 * Decodes a whole stream at once: every message, or the first error (a cut final frame
 * included). The one-shot form of a decoder, for tests and fuzzing.
 */
export function decodeAll(
  framing: Framing,
  bytes: Uint8Array,
  options: FramingOptions = {},
): JsonValue[] | ParseError {
  const d = frameDecoder(framing, options);
  const values: JsonValue[] = [];
  for (const r of [...d.push(bytes), ...d.end()]) {
    if (r instanceof ParseError) return r;
    values.push(r.value);
  }
  return values;
}
