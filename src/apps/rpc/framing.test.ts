import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../../test/support/fuzz.js";
import { ParseError } from "../../wire/parse-error.js";
import { parseEnvelope } from "./envelope.js";
import {
  type DecodeResult,
  decodeAll,
  EncodeError,
  encodeFrame,
  encodeJsonLine,
  encodeLengthPrefixed,
  type Framing,
  frameDecoder,
  JsonLinesDecoder,
  type JsonValue,
  LengthPrefixedDecoder,
} from "./framing.js";

const FRAMINGS: Framing[] = ["length-prefixed", "json-lines"];
const text = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function encodeAll(framing: Framing, values: JsonValue[], max?: number): Uint8Array {
  return concat(
    values.map((v) => {
      const b = encodeFrame(framing, v, max === undefined ? {} : { maxMessageSize: max });
      if (b instanceof EncodeError) throw new Error(b.message);
      return b;
    }),
  );
}

/** Feeds the stream cut at the given offsets; returns messages (or error text) in order. */
function feed(framing: Framing, bytes: Uint8Array, cuts: number[], max?: number): unknown[] {
  const d = frameDecoder(framing, max === undefined ? {} : { maxMessageSize: max });
  const out: DecodeResult[] = [];
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(...d.push(bytes.subarray(from, c)));
    from = c;
  }
  out.push(...d.end());
  return out.map((r) => (r instanceof ParseError ? r.message : r.value));
}

// Multi-byte UTF-8 (2, 3 and 4 bytes) so cuts fall inside code points.
const SAMPLE: JsonValue[] = [
  { id: 1, type: "request", method: "map", params: { words: ["é", "€", "𝄞"] } },
  [],
  "line\nbreak",
  { nested: { deep: [1, 2.5, -3e-7, true, null] } },
];

describe("golden bytes", () => {
  it("length-prefixed: 4-byte big-endian length, then UTF-8 JSON", () => {
    expect(hex(encodeLengthPrefixed({ a: 1 }) as Uint8Array)).toBe(
      `00000007${hex(text('{"a":1}'))}`,
    );
    expect(hex(encodeLengthPrefixed("€") as Uint8Array)).toBe("0000000522e282ac22");
  });

  it("JSON Lines: the JSON text and a newline; newlines inside strings stay escaped", () => {
    expect(new TextDecoder().decode(encodeJsonLine({ a: "x\ny" }) as Uint8Array)).toBe(
      '{"a":"x\\ny"}\n',
    );
  });

  it("refuses values too large or without a JSON form, as values", () => {
    const big = encodeLengthPrefixed("x".repeat(100), { maxMessageSize: 50 });
    expect(big).toBeInstanceOf(EncodeError);
    expect((big as EncodeError).code).toBe("too-large");
    const cyclic: { [k: string]: JsonValue } = {};
    cyclic.self = cyclic;
    expect((encodeJsonLine(cyclic) as EncodeError).code).toBe("not-json");
    expect((encodeJsonLine(undefined as unknown as JsonValue) as EncodeError).code).toBe(
      "not-json",
    );
  });
});

describe.each(FRAMINGS)("%s decoder", (framing) => {
  const stream = encodeAll(framing, SAMPLE);
  const expected = SAMPLE.map((v) => JSON.parse(JSON.stringify(v)));

  it("decodes a whole stream", () => {
    expect(decodeAll(framing, stream)).toEqual(expected);
  });

  it("yields the same messages cut at every split point, and at every pair of them", () => {
    expect(stream.length).toBeGreaterThan(100);
    for (let i = 0; i <= stream.length; i++) expect(feed(framing, stream, [i])).toEqual(expected);
    const small = encodeAll(framing, [{ k: "é€" }, [1], "𝄞"]);
    for (let i = 0; i <= small.length; i++) {
      for (let j = i; j <= small.length; j++) {
        expect(feed(framing, small, [i, j])).toEqual([{ k: "é€" }, [1], "𝄞"]);
      }
    }
  });

  it("yields the same messages one byte at a time", () => {
    const cuts = Array.from({ length: stream.length }, (_, i) => i);
    expect(feed(framing, stream, cuts)).toEqual(expected);
  });

  it("property: any values, any chunking, same messages and bounded buffering", () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (values, rawCuts) => {
          const bytes = encodeAll(framing, values as JsonValue[]);
          const cuts = rawCuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
          const want = values.map((v) => JSON.parse(JSON.stringify(v)));
          expect(feed(framing, bytes, cuts)).toEqual(want);
        },
      ),
      { numRuns: 2000, seed: 7 },
    );
  });

  it("reports bad JSON and malformed UTF-8 and goes on with the next message", () => {
    const bad = (payload: Uint8Array) =>
      framing === "length-prefixed"
        ? concat([new Uint8Array([0, 0, 0, payload.length]), payload])
        : concat([payload, text("\n")]);
    const bytes = concat([
      bad(text("{oops")),
      encodeAll(framing, [1]),
      bad(new Uint8Array([0x22, 0xc3, 0x28, 0x22])), // "\xc3(": a broken 2-byte sequence
      bad(new Uint8Array([0xef, 0xbb, 0xbf, 0x31])), // a BOM before 1 (RFC 8259 §8.1)
      encodeAll(framing, [2]),
    ]);
    const out = feed(framing, bytes, []);
    expect(out).toHaveLength(5);
    expect(out[0]).toMatch(/invalid payload at byte [04]: bad JSON/);
    expect(out[1]).toBe(1);
    expect(out[2]).toMatch(/malformed UTF-8/);
    expect(out[3]).toMatch(/bad JSON/);
    expect(out[4]).toBe(2);
  });
});

describe("length-prefixed limits", () => {
  it("refuses an oversize frame before buffering it, and stops (the stream cannot resync)", () => {
    const d = new LengthPrefixedDecoder({ maxMessageSize: 16 });
    expect(d.push(encodeLengthPrefixed("ok") as Uint8Array)).toEqual([
      { kind: "message", value: "ok", offset: 0 },
    ]);
    const out = d.push(new Uint8Array([0xff, 0xff, 0xff, 0xf0, 1, 2, 3]));
    expect(out).toHaveLength(1);
    expect((out[0] as ParseError).message).toBe(
      "json-frame: invalid length at byte 8: frame of 4294967280 bytes exceeds the maximum of 16",
    );
    expect(d.failed).toBe(true);
    expect(d.buffered).toBeLessThanOrEqual(4);
    expect(d.push(encodeLengthPrefixed("later") as Uint8Array)).toEqual([]);
  });

  it("never holds more than the prefix and the maximum message", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(40), (bytes, step) => {
        const d = new LengthPrefixedDecoder({ maxMessageSize: 32 });
        for (let i = 0; i < bytes.length; i += step + 1) {
          d.push(bytes.subarray(i, i + step + 1));
          expect(d.buffered).toBeLessThanOrEqual(4 + 32);
        }
      }),
      { numRuns: 2000, seed: 3 },
    );
  });

  it("reports a stream cut inside a frame", () => {
    const whole = encodeLengthPrefixed([1, 2, 3]) as Uint8Array;
    expect((decodeAll("length-prefixed", whole.subarray(0, 2)) as ParseError).message).toBe(
      "json-frame: truncated length at byte 0: stream ended 2 byte(s) short of the end of the frame",
    );
    expect((decodeAll("length-prefixed", whole.subarray(0, 6)) as ParseError).field).toBe(
      "payload",
    );
  });
});

describe("JSON Lines limits", () => {
  it("reports an overlong line once, drops it and resynchronizes at the next newline", () => {
    const d = new JsonLinesDecoder({ maxMessageSize: 10 });
    const out: DecodeResult[] = [];
    out.push(...d.push(text('"short"\n"this line is far too long')));
    expect(d.buffered).toBe(0);
    out.push(...d.push(text(' and goes on"\n"ok"\n')));
    expect(out.map((r) => (r instanceof ParseError ? r.message : r.value))).toEqual([
      "short",
      "json-lines: invalid line at byte 8: line longer than the maximum of 10 bytes",
      "ok",
    ]);
  });

  it("skips blank lines, accepts CRLF, and takes an unterminated last line at the end", () => {
    expect(decodeAll("json-lines", text('1\r\n\n  \n{"a":2}\r\n3'))).toEqual([1, { a: 2 }, 3]);
  });
});

describe("fuzz (100,000 inputs each): messages or a ParseError, never a throw", () => {
  const samples = (framing: Framing) => [
    encodeAll(framing, SAMPLE),
    encodeAll(framing, [{ id: 7, type: "response", result: null }]),
    encodeAll(framing, [1, "two", [3]]),
  ];
  for (const framing of FRAMINGS) {
    it(framing, () => {
      fuzzParser((b) => decodeAll(framing, b, { maxMessageSize: 64 }), samples(framing));
    });
  }

  it("envelopes", () => {
    const envelopes = encodeAll("json-lines", [
      { id: 1, type: "request", method: "m", params: [1] },
      { id: 2, type: "response", error: { code: "x", message: "y" } },
      { id: 3, type: "notify", method: "n" },
    ]);
    const parseEnvelopes = (b: Uint8Array) => {
      const values = decodeAll("json-lines", b);
      if (values instanceof ParseError) return values;
      const out = [];
      for (const [i, v] of values.entries()) {
        const e = parseEnvelope(v, i);
        if (e instanceof ParseError) return e;
        out.push(e);
      }
      return out;
    };
    fuzzParser(parseEnvelopes, [envelopes]);
  });
});
