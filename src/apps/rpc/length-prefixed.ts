/**
 * Length-prefixed JSON framing: each message is a 4-byte big-endian length, then that many bytes
 * of UTF-8 JSON. The decoder learns a frame's size before its bytes arrive, so it refuses an
 * oversize frame without buffering it, and allocates each frame's buffer once.
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

/** Bytes in the length prefix. */
export const LENGTH_PREFIX_BYTES = 4;

/** Frames a value as a 4-byte big-endian length and its UTF-8 JSON. */
export function encodeLengthPrefixed(
  value: JsonValue,
  options: FramingOptions = {},
): Uint8Array | EncodeError {
  const body = encodeJson(value, maxMessageSizeOf(options));
  if (body instanceof EncodeError) return body;
  const out = new Uint8Array(LENGTH_PREFIX_BYTES + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, LENGTH_PREFIX_BYTES);
  return out;
}

/**
 * Decoder for length-prefixed frames. A length over the maximum is fatal (the peer is
 * misbehaving and skipping its bytes would only waste work); bad JSON or UTF-8 in a frame of
 * legal size is reported and decoding goes on with the next frame.
 */
export class LengthPrefixedDecoder implements FrameDecoder {
  private readonly max: number;
  private readonly header = new Uint8Array(LENGTH_PREFIX_BYTES);
  private headerFill = 0;
  private body: Uint8Array | undefined;
  private bodyFill = 0;
  /** Stream offset of the frame in progress, and of the next byte. */
  private frameStart = 0;
  private position = 0;
  private dead = false;

  constructor(options: FramingOptions = {}) {
    this.max = maxMessageSizeOf(options);
  }

  get failed(): boolean {
    return this.dead;
  }

  get buffered(): number {
    return this.headerFill + this.bodyFill;
  }

  push(chunk: Uint8Array): DecodeResult[] {
    const out: DecodeResult[] = [];
    let i = 0;
    while (i < chunk.length && !this.dead) {
      if (this.body === undefined) {
        const take = Math.min(LENGTH_PREFIX_BYTES - this.headerFill, chunk.length - i);
        this.header.set(chunk.subarray(i, i + take), this.headerFill);
        this.headerFill += take;
        i += take;
        this.position += take;
        if (this.headerFill < LENGTH_PREFIX_BYTES) break;
        const h = this.header;
        const length = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
        if (length > this.max) {
          this.dead = true;
          out.push(
            new ParseError(
              "json-frame",
              "length",
              this.frameStart,
              "invalid",
              `frame of ${length} bytes exceeds the maximum of ${this.max}`,
            ),
          );
          break;
        }
        this.body = new Uint8Array(length);
        this.bodyFill = 0;
      }
      const body = this.body;
      const take = Math.min(body.length - this.bodyFill, chunk.length - i);
      body.set(chunk.subarray(i, i + take), this.bodyFill);
      this.bodyFill += take;
      i += take;
      this.position += take;
      if (this.bodyFill === body.length) out.push(this.finishFrame(body));
    }
    return out;
  }

  private finishFrame(body: Uint8Array): DecodeResult {
    const start = this.frameStart;
    this.body = undefined;
    this.bodyFill = 0;
    this.headerFill = 0;
    this.frameStart = this.position;
    const value = parseJsonBytes(body, "json-frame", start + LENGTH_PREFIX_BYTES);
    return value instanceof ParseError ? value : { kind: "message", value, offset: start };
  }

  end(): DecodeResult[] {
    if (this.dead || (this.headerFill === 0 && this.body === undefined)) return [];
    this.dead = true;
    const need =
      this.body === undefined
        ? LENGTH_PREFIX_BYTES - this.headerFill
        : this.body.length - this.bodyFill;
    const field = this.body === undefined ? "length" : "payload";
    return [
      new ParseError(
        "json-frame",
        field,
        this.frameStart,
        "truncated",
        `stream ended ${need} byte(s) short of the end of the frame`,
      ),
    ];
  }
}
