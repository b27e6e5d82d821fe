import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzInputs } from "../../../test/support/fuzz.js";
import { HttpParseError } from "./http-error.js";
import type { HttpLimits, ParseResult } from "./limits.js";
import type { HttpMessage } from "./message.js";
import { parseRequests, parseResponses } from "./parse-all.js";
import { HttpParser } from "./parser.js";
import { latin1Bytes as bytes, latin1 } from "./syntax.js";

/** A message (or error) as a plain value: headers as pairs, body as latin1 text. */
function plain(m: HttpMessage | HttpParseError): unknown {
  if (m instanceof HttpParseError) {
    return { error: m.field, offset: m.offset, status: m.status, reason: m.reason };
  }
  return { ...m, headers: m.headers.toJSON(), trailers: m.trailers.toJSON(), body: latin1(m.body) };
}

/** Feeds `stream` in pieces of the given lengths (then the rest), ends it; plain results. */
function feed(
  kind: "requests" | "responses",
  stream: Uint8Array,
  pieces: readonly number[],
  opts: { methods?: readonly string[]; limits?: Partial<HttpLimits> } = {},
): unknown[] {
  const p: HttpParser<HttpMessage> =
    kind === "requests" ? HttpParser.requests(opts.limits) : HttpParser.responses(opts.limits);
  for (const m of opts.methods ?? []) p.expectResponseTo(m);
  const out: unknown[] = [];
  const take = (r: ParseResult<HttpMessage>) => {
    for (const m of r.messages) out.push(plain(m));
  };
  let at = 0;
  for (const len of pieces) {
    if (p.error) break;
    take(p.push(stream.subarray(at, at + len)));
    at += len;
  }
  if (!p.error && at < stream.length) take(p.push(stream.subarray(at)));
  if (!p.error) take(p.end());
  if (p.error) out.push(plain(p.error));
  return out;
}

/** The first error of parsing `text` as requests, or throws when it parses. */
function requestError(text: string, limits?: Partial<HttpLimits>): HttpParseError {
  const r = parseRequests(bytes(text), limits);
  if (!(r instanceof HttpParseError)) throw new Error(`parsed: ${JSON.stringify(r.map(plain))}`);
  return r;
}

const GET =
  "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent:  wirelab/0.1 \t\r\n\r\n";
const POST = "POST /form HTTP/1.1\r\nhost: example.com\r\nContent-Length: 5\r\n\r\nhello";
const CHUNKED =
  "PUT /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" +
  '4;name=value;q="a \\"b\\""\r\nWiki\r\n5 ; ext\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\nX-Sum:  1\r\n\r\n';

describe("HTTP parser: requests", () => {
  it("parses a GET: request-line, header fields with OWS trimmed and case kept", () => {
    expect((parseRequests(bytes(GET)) as HttpMessage[]).map(plain)).toEqual([
      {
        kind: "request",
        method: "GET",
        target: "/index.html?q=1",
        targetForm: "origin",
        version: "HTTP/1.1",
        headers: [
          ["Host", "example.com"],
          ["User-Agent", "wirelab/0.1"],
        ],
        body: "",
        trailers: [],
        framing: "none",
      },
    ]);
  });

  it("reads Content-Length and chunked bodies (extensions ignored, trailers kept)", () => {
    const [post, put] = parseRequests(bytes(POST + CHUNKED)) as HttpMessage[];
    expect(latin1(post!.body)).toBe("hello");
    expect(post!.framing).toBe("content-length");
    expect(post!.headers.get("HOST")).toBe("example.com");
    expect(latin1(put!.body)).toBe("Wikipedia in\r\n\r\nchunks.");
    expect(put!.framing).toBe("chunked");
    expect(put!.trailers.toJSON()).toEqual([
      ["Expires", "never"],
      ["X-Sum", "1"],
    ]);
  });

  it("takes pipelined requests from one chunk, in order", () => {
    const p = HttpParser.requests();
    const r = p.push(bytes(`${GET}${POST}${GET}GET /partial HT`));
    expect(r.error).toBeNull();
    expect(r.messages.map((m) => m.method)).toEqual(["GET", "POST", "GET"]);
    expect(p.idle).toBe(false);
    const more = p.push(bytes("TP/1.1\r\nHost: x\r\n\r\n"));
    expect(more.messages.map((m) => m.target)).toEqual(["/partial"]);
    expect(p.idle).toBe(true);
  });

  it("accepts the four request-target forms, each with its method (RFC 9112 §3.2)", () => {
    const forms = parseRequests(
      bytes(
        "GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n" +
          "OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n" +
          "GET / HTTP/1.0\r\n\r\n",
      ),
    ) as HttpMessage[];
    expect(forms.map((m) => (m.kind === "request" ? [m.targetForm, m.version] : null))).toEqual([
      ["absolute", "HTTP/1.1"],
      ["asterisk", "HTTP/1.1"],
      ["origin", "HTTP/1.0"],
    ]);
    const p = HttpParser.requests();
    const r = p.push(
      bytes("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01"),
    );
    expect(r.messages[0]!.targetForm).toBe("authority");
    expect(r.rest).toEqual(new Uint8Array([0x16, 3, 1])); // tunnel bytes are handed back
    expect(requestError("GET * HTTP/1.1\r\nHost: a\r\n\r\n").field).toBe("request-target");
    expect(requestError("CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n").field).toBe("request-target");
    expect(requestError("GET example.com HTTP/1.1\r\nHost: a\r\n\r\n").field).toBe(
      "request-target",
    );
  });

  it("skips empty lines before a request-line (RFC 9112 §2.2)", () => {
    expect((parseRequests(bytes(`\r\n\r\n${GET}`)) as HttpMessage[]).length).toBe(1);
  });

  it("exposes a head whose body is still coming, for Expect: 100-continue", () => {
    const p = HttpParser.requests();
    p.push(
      bytes("POST /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\na"),
    );
    expect(p.pending?.headers.get("expect")).toBe("100-continue");
    expect(p.push(bytes("bc")).messages.length).toBe(1);
    expect(p.pending).toBeNull();
  });
});

describe("HTTP parser: responses (RFC 9112 §6.3)", () => {
  it("parses status-line and reason, including an empty reason without its SP", () => {
    const r = parseResponses(
      bytes(
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok",
      ),
    ) as HttpMessage[];
    expect(
      r.map((m) => (m.kind === "response" ? [m.status, m.reason, latin1(m.body)] : [])),
    ).toEqual([
      [404, "Not Found", ""],
      [200, "", "ok"],
    ]);
  });

  it("gives HEAD responses, 1xx, 204 and 304 no body whatever their fields say", () => {
    const stream =
      "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + // answers HEAD
      "HTTP/1.1 100 Continue\r\n\r\n" +
      "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n" +
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n" +
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    const r = parseResponses(bytes(stream), ["HEAD", "POST", "GET", "GET"]) as HttpMessage[];
    expect(r.map((m) => (m.kind === "response" ? `${m.status}:${latin1(m.body)}` : ""))).toEqual([
      "200:",
      "100:",
      "204:",
      "304:",
      "200:hi",
    ]);
  });

  it("reads a body without length until the close, and only then", () => {
    const p = HttpParser.responses();
    expect(
      p.push(bytes("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of ")).messages,
    ).toEqual([]);
    expect(p.push(bytes("this")).messages).toEqual([]);
    const end = p.end();
    expect(end.messages.map((m) => [m.framing, latin1(m.body)])).toEqual([
      ["close", "all of this"],
    ]);
  });

  it("reports a response cut short as truncated", () => {
    const r = parseResponses(bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
    expect(plain(r as HttpParseError)).toEqual({
      error: "body",
      offset: 42,
      status: 502,
      reason: "truncated",
    });
  });

  it("stops at 101 Switching Protocols and hands the rest back", () => {
    const p = HttpParser.responses();
    const r = p.push(
      bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00"),
    );
    expect(r.messages.map((m) => m.status)).toEqual([101]);
    expect(r.rest).toEqual(new Uint8Array([0x81, 0]));
    expect(p.push(bytes("more")).rest).toEqual(bytes("more"));
  });

  it("reads a response whose final coding is not chunked until the close", () => {
    const r = parseResponses(
      bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzz"),
    ) as HttpMessage[];
    expect(r.map((m) => [m.framing, latin1(m.body)])).toEqual([["close", "zzz"]]);
  });
});

/** [name, request text, field, status]: each must be refused, naming the field. */
const REFUSED: [string, string, string, number][] = [
  [
    "CL+TE",
    "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "transfer-encoding",
    400,
  ],
  [
    "TE+CL",
    "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
    "transfer-encoding",
    400,
  ],
  ["CL,CL differing", "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "content-length", 400],
  ["CL,CL equal", "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", "content-length", 400],
  ["CL list differing", "Content-Length: 3, 4\r\n\r\nabcd", "content-length", 400],
  ["CL sign", "Content-Length: +3\r\n\r\nabc", "content-length", 400],
  ["CL negative", "Content-Length: -1\r\n\r\n", "content-length", 400],
  ["CL inner space", "Content-Length: 1 2\r\n\r\n", "content-length", 400],
  ["CL hex", "Content-Length: 0x3\r\n\r\nabc", "content-length", 400],
  ["CL empty", "Content-Length:\r\n\r\n", "content-length", 400],
  ["CL overflow", "Content-Length: 99999999999999999999\r\n\r\n", "content-length", 400],
  ["TE: gzip", "Transfer-Encoding: gzip\r\n\r\nabc", "transfer-encoding", 400],
  [
    "chunked not last",
    "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
    "transfer-encoding",
    400,
  ],
  [
    "chunked twice",
    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "transfer-encoding",
    400,
  ],
  ["TE with NBSP", "Transfer-Encoding: chunked\xa0\r\n\r\n0\r\n\r\n", "transfer-encoding", 400],
  [
    "TE gzip, chunked",
    "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "transfer-encoding",
    501,
  ],
  ["obs-fold", "X-A: a\r\n b\r\nContent-Length: 0\r\n\r\n", "obs-fold", 400],
  ["bad chunk size", "Transfer-Encoding: chunked\r\n\r\nzz\r\n\r\n", "chunk-size", 400],
  [
    "chunk size overflow",
    "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nabc\r\n0\r\n\r\n",
    "chunk-size",
    400,
  ],
  ["chunk size sign", "Transfer-Encoding: chunked\r\n\r\n-1\r\n\r\n", "chunk-size", 400],
  [
    "chunk data too long",
    "Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
    "chunk-data",
    400,
  ],
  [
    "chunk-ext open quote",
    'Transfer-Encoding: chunked\r\n\r\n3;a="b\r\nabc\r\n0\r\n\r\n',
    "chunk-ext",
    400,
  ],
  [
    "chunk-ext bare CR",
    "Transfer-Encoding: chunked\r\n\r\n3;a\rb\r\nabc\r\n0\r\n\r\n",
    "chunk-ext",
    400,
  ],
  ["chunk LF only", "Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", "chunk-size", 400],
  ["header without colon", "Foo bar\r\n\r\n", "field-name", 400],
  ["space before colon", "Foo : bar\r\n\r\n", "field-name", 400],
  ["tab before colon", "Content-Length\t: 3\r\n\r\nabc", "field-name", 400],
  ["NUL in value", "X: a\0b\r\n\r\n", "field-value", 400],
  ["bare CR in value", "X: a\rb\r\n\r\n", "field-value", 400],
  ["bare LF line end", "X: a\n\r\n", "header-section", 400],
  ["two Host fields", "Host: b\r\n\r\n", "host", 400],
];

describe("HTTP parser: refuses request smuggling and malformed heads", () => {
  for (const [name, fields, field, status] of REFUSED) {
    it(`${name} -> ${status}, naming ${field}`, () => {
      const e = requestError(`POST / HTTP/1.1\r\nHost: a\r\n${fields}`);
      expect([e.field, e.status]).toEqual([field, status]);
      expect(e.offset).toBeGreaterThanOrEqual(26); // the fields after "Host: a"
      expect(e.protocol).toBe("http");
    });
  }

  it("names the exact byte: the space before the colon", () => {
    const e = requestError("GET / HTTP/1.1\r\nHost: a\r\nFoo : bar\r\n\r\n");
    expect([e.field, e.offset, e.reason]).toEqual(["field-name", 28, "invalid"]);
    expect(e.message).toContain("RFC 9112 §5.1");
  });

  it("refuses Transfer-Encoding in HTTP/1.0, a missing Host in 1.1, whitespace before the first field", () => {
    expect(
      requestError("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").field,
    ).toBe("transfer-encoding");
    expect(plain(requestError("GET / HTTP/1.1\r\n\r\n"))).toMatchObject({
      error: "host",
      offset: 0,
    });
    expect(requestError("GET / HTTP/1.1\r\n Host: a\r\n\r\n").field).toBe("obs-fold");
  });

  it("answers 505 to other HTTP versions and 400 to malformed ones", () => {
    const version = (v: string) => {
      const e = requestError(`GET / ${v}\r\nHost: a\r\n\r\n`);
      return [e.field, e.status];
    };
    expect(version("HTTP/2.0")).toEqual(["version", 505]);
    expect(version("HTTP/3")).toEqual(["version", 505]);
    expect(version("HTTP/0.9")).toEqual(["version", 505]);
    expect(version("HTTP/1")).toEqual(["version", 400]);
    expect(version("http/1.1")).toEqual(["version", 400]);
    expect(version("HTTP/1.1 ")).toEqual(["version", 400]);
    expect(version("HTTP/11")).toEqual(["version", 400]);
  });

  it("answers 400 to a bad method or request-line", () => {
    expect(requestError("G(T / HTTP/1.1\r\nHost: a\r\n\r\n").field).toBe("method");
    expect(requestError(" GET / HTTP/1.1\r\nHost: a\r\n\r\n").field).toBe("method");
    expect(requestError("GET  / HTTP/1.1\r\nHost: a\r\n\r\n").field).toBe("request-target");
    expect(requestError("GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n").field).toBe("request-target");
    expect(requestError("GET /\r\nHost: a\r\n\r\n").field).toBe("request-line");
    expect(requestError("GET / HTTP/1.1\nHost: a\r\n\r\n").field).toBe("request-line");
  });

  it("stays failed: later pushes return the same error and no messages", () => {
    const p = HttpParser.requests();
    const first = p.push(bytes(`${GET}BAD\r\n\r\n${GET}`));
    expect(first.messages.length).toBe(1); // the GET before the error is still answered
    expect(first.error?.field).toBe("request-line");
    expect(p.push(bytes(GET))).toEqual({ messages: [], error: first.error, rest: null });
  });
});

describe("HTTP parser: limits", () => {
  it("414 for a request-target longer than the start-line limit", () => {
    const e = requestError(`GET /${"a".repeat(100)} HTTP/1.1\r\nHost: a\r\n\r\n`, {
      maxStartLine: 64,
    });
    expect([e.field, e.status, e.offset]).toEqual(["request-target", 414, 0]);
  });

  it("431 for a header section too large or with too many fields", () => {
    const big = requestError(`GET / HTTP/1.1\r\nHost: a\r\nX: ${"v".repeat(200)}\r\n\r\n`, {
      maxHeaderBytes: 128,
    });
    expect([big.field, big.status]).toEqual(["header-section", 431]);
    const many = requestError(`GET / HTTP/1.1\r\nHost: a\r\n${"X: 1\r\n".repeat(5)}\r\n`, {
      maxHeaderCount: 4,
    });
    expect([many.field, many.status]).toEqual(["header-count", 431]);
    // Exactly at the limit is fine: "Host: a\r\n" + "\r\n" is 11 bytes.
    expect(
      parseRequests(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), { maxHeaderBytes: 11 }),
    ).toHaveLength(1);
    expect(requestError("GET / HTTP/1.1\r\nHost: a\r\n\r\n", { maxHeaderBytes: 10 }).status).toBe(
      431,
    );
  });

  it("413 for a body over the limit, by Content-Length or by chunks", () => {
    const cl = requestError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", {
      maxBodyBytes: 10,
    });
    expect([cl.field, cl.status]).toEqual(["content-length", 413]);
    const chunks = requestError(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n",
      { maxBodyBytes: 10 },
    );
    expect([chunks.field, chunks.status]).toEqual(["body", 413]);
  });

  it("fails fast and buffers nothing more on an endless header line", () => {
    const p = HttpParser.requests({ maxHeaderBytes: 1024 });
    p.push(bytes("GET / HTTP/1.1\r\nX: "));
    const junk = new Uint8Array(4096).fill(0x61);
    let r = p.push(junk);
    for (let i = 0; i < 100 && r.error === null; i++) r = p.push(junk);
    expect(r.error?.status).toBe(431);
    expect(p.offset).toBeLessThan(8192);
  });
});

/** Valid streams for the split-point property. */
const STREAMS: ["requests" | "responses", string, string[]][] = [
  ["requests", GET + POST + CHUNKED + GET, []],
  ["requests", `\r\n${POST}GET / HTTP/1.0\r\n\r\n`, []],
  ["requests", `${GET}POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc`, []],
  ["requests", `${GET}Foo : bar\r\n\r\n`, []], // an error: the same error at every split
  [
    "responses",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n" +
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\nHTTP/1.1 200 OK\r\n\r\ntail",
    ["POST", "HEAD", "GET"],
  ],
];

describe("HTTP parser: any chunking gives the same messages", () => {
  for (const [kind, text, methods] of STREAMS) {
    const stream = bytes(text);
    const whole = feed(kind, stream, [stream.length], { methods });
    it(`every split point of a ${stream.length}-byte ${kind} stream`, () => {
      expect(whole.length).toBeGreaterThan(1);
      for (let i = 0; i <= stream.length; i++)
        expect(feed(kind, stream, [i], { methods })).toEqual(whole);
      expect(feed(kind, stream, new Array<number>(stream.length).fill(1), { methods })).toEqual(
        whole,
      );
    });
    it(`random chunkings of a ${stream.length}-byte ${kind} stream`, () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }), (pieces) => {
          expect(feed(kind, stream, pieces, { methods })).toEqual(whole);
        }),
        { numRuns: 500, seed: 7 },
      );
    });
  }
});

describe("HTTP parser: mutated streams parse the same whole or in pieces", () => {
  it("agrees on messages and errors for 5,000 mutated inputs", () => {
    const samples = STREAMS.filter(([kind]) => kind === "requests").map(([, t]) => bytes(t));
    fc.assert(
      fc.property(
        fuzzInputs(samples, 200),
        fc.array(fc.nat({ max: 30 }), { maxLength: 20 }),
        (input, pieces) => {
          expect(feed("requests", input, pieces)).toEqual(feed("requests", input, [input.length]));
        },
      ),
      { numRuns: 5000, seed: 9 },
    );
  });
});
