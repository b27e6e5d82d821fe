import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contentTypeFor } from "./content-type.js";
import { formatHttpDate } from "./date.js";
import { HttpHeaders } from "./headers.js";
import { HttpParseError } from "./http-error.js";
import {
  type HttpMessage,
  isPersistent,
  type RequestSpec,
  type ResponseSpec,
  serializeRequest,
  serializeResponse,
} from "./message.js";
import { parseRequests, parseResponses } from "./parse-all.js";
import { REASON_PHRASES, reasonPhrase } from "./status.js";
import { latin1, latin1Bytes, trimOws } from "./syntax.js";

const text = (b: Uint8Array) => latin1(b);

describe("HTTP serializers: golden bytes", () => {
  it("writes a GET with Host first and no body framing", () => {
    const b = serializeRequest({
      method: "GET",
      target: "/a?b=1",
      host: "example.com",
      headers: [["Accept", "*/*"]],
    });
    expect(text(b)).toBe("GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n");
  });

  it("writes Content-Length for a POST, even an empty one (RFC 9110 §8.6)", () => {
    expect(text(serializeRequest({ method: "POST", target: "/f", host: "h", body: "héllo" }))).toBe(
      "POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\nh\xc3\xa9llo",
    );
    expect(text(serializeRequest({ method: "POST", target: "/f", host: "h" }))).toBe(
      "POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
    );
  });

  it("writes chunked bodies with trailers, and HTTP/1.0 keep-alive", () => {
    const b = serializeRequest({
      method: "PUT",
      target: "/u",
      host: "h",
      body: "abcdefghijklmnopq",
      chunked: 16,
      trailers: [["Digest", "x"]],
      keepAlive: false,
    });
    expect(text(b)).toBe(
      "PUT /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
        "10\r\nabcdefghijklmnop\r\n1\r\nq\r\n0\r\nDigest: x\r\n\r\n",
    );
    expect(
      text(serializeRequest({ method: "GET", target: "/", version: "HTTP/1.0", keepAlive: true })),
    ).toBe("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  });

  it("writes responses with Date from simulated time, reason phrases, and HEAD/204/304 rules", () => {
    const ok = serializeResponse({
      status: 200,
      date: 784111777,
      headers: [["Content-Type", "text/plain"]],
      body: "hi",
    });
    expect(text(ok)).toBe(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 2\r\n\r\nhi",
    );
    expect(text(serializeResponse({ status: 200, body: "hello", headOnly: true }))).toBe(
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
    );
    expect(text(serializeResponse({ status: 204 }))).toBe("HTTP/1.1 204 No Content\r\n\r\n");
    expect(text(serializeResponse({ status: 304, headers: [["ETag", '"v1"']] }))).toBe(
      'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n',
    );
    expect(text(serializeResponse({ status: 404, body: "" }))).toBe(
      "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    );
    expect(text(serializeResponse({ status: 299 }))).toBe(
      "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n",
    );
    expect(text(serializeResponse({ status: 200, body: "abc", chunked: true }))).toBe(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    );
  });

  it("refuses, by throwing, heads that would split or smuggle", () => {
    const req = (spec: Partial<RequestSpec>) => () =>
      serializeRequest({ method: "GET", target: "/", host: "h", ...spec });
    expect(req({ headers: [["X", "a\r\nInjected: 1"]] })).toThrow(RangeError);
    expect(req({ headers: [["X", " padded"]] })).toThrow(/bad value/);
    expect(req({ headers: [["Bad Name", "v"]] })).toThrow(/field name/);
    expect(req({ headers: [["X", "\u0100"]] })).toThrow(RangeError);
    expect(req({ method: "GE T" })).toThrow(/method/);
    expect(req({ target: "/a b" })).toThrow(/target/);
    expect(req({ headers: [["Content-Length", "3"]], body: "abc" })).toThrow(/serializer/);
    expect(req({ version: "HTTP/1.0", chunked: true })).toThrow(/HTTP\/1.1/);
    expect(() => serializeRequest({ method: "GET", target: "/" })).toThrow(/Host/);
    expect(() => serializeResponse({ status: 204, body: "x" })).toThrow(/no content/);
    expect(() => serializeResponse({ status: 600 })).toThrow(/status/);
    expect(() => serializeResponse({ status: 200, reason: "O\nK" })).toThrow(/reason/);
  });
});

describe("HTTP messages: headers, persistence, tables", () => {
  it("looks fields up case-insensitively and keeps order and case", () => {
    const h = new HttpHeaders([
      ["Accept", "a"],
      ["X-Multi", "1"],
      ["x-multi", "2"],
      ["Connection", "Keep-Alive, Upgrade"],
    ]);
    expect(h.get("x-MULTI")).toBe("1, 2");
    expect(h.getAll("X-MULTI")).toEqual(["1", "2"]);
    expect(h.get("missing")).toBeUndefined();
    expect(h.tokens("connection")).toEqual(["keep-alive", "upgrade"]);
    h.set("X-Multi", "3");
    expect(h.toJSON()).toEqual([
      ["Accept", "a"],
      ["X-Multi", "3"],
      ["Connection", "Keep-Alive, Upgrade"],
    ]);
    expect(h.delete("accept")).toBe(true);
    expect(h.size).toBe(2);
  });

  it("applies RFC 9112 §9.3 keep-alive defaults", () => {
    const requests = parseRequests(
      latin1Bytes(
        "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.0\r\n\r\n" +
          "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n",
      ),
    ) as HttpMessage[];
    expect(requests.map(isPersistent)).toEqual([true, false, true, false]);
    const responses = parseResponses(latin1Bytes("HTTP/1.1 200 OK\r\n\r\nbody")) as HttpMessage[];
    expect(responses.map(isPersistent)).toEqual([false]); // read to the close
  });

  it("knows RFC 9110's reason phrases", () => {
    const want: [number, string][] = [
      [200, "OK"],
      [201, "Created"],
      [204, "No Content"],
      [301, "Moved Permanently"],
      [302, "Found"],
      [304, "Not Modified"],
      [400, "Bad Request"],
      [404, "Not Found"],
      [405, "Method Not Allowed"],
      [408, "Request Timeout"],
      [413, "Content Too Large"],
      [414, "URI Too Long"],
      [431, "Request Header Fields Too Large"],
      [500, "Internal Server Error"],
      [501, "Not Implemented"],
      [503, "Service Unavailable"],
      [505, "HTTP Version Not Supported"],
    ];
    for (const [code, phrase] of want) expect(reasonPhrase(code)).toBe(phrase);
    expect(reasonPhrase(299)).toBeUndefined();
    expect(REASON_PHRASES.size).toBeGreaterThan(40);
  });

  it("formats IMF-fixdate like Date.prototype.toUTCString, from seconds", () => {
    expect(formatHttpDate(0)).toBe("Thu, 01 Jan 1970 00:00:00 GMT");
    expect(formatHttpDate(951782400)).toBe("Tue, 29 Feb 2000 00:00:00 GMT");
    expect(formatHttpDate(-1)).toBe("Wed, 31 Dec 1969 23:59:59 GMT");
    expect(formatHttpDate(1.9)).toBe("Thu, 01 Jan 1970 00:00:01 GMT");
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200, max: 253_402_300_799 }), (s) => {
        expect(formatHttpDate(s)).toBe(new Date(s * 1000).toUTCString());
      }),
      { numRuns: 20_000, seed: 3 },
    );
    expect(() => formatHttpDate(253_402_300_800)).toThrow(RangeError);
    expect(() => formatHttpDate(Number.NaN)).toThrow(RangeError);
  });

  it("maps file extensions to content types", () => {
    expect(contentTypeFor("/index.html")).toBe("text/html; charset=utf-8");
    expect(contentTypeFor("style.CSS")).toBe("text/css; charset=utf-8");
    expect(contentTypeFor("/img/logo.png")).toBe("image/png");
    expect(contentTypeFor("/data.json")).toBe("application/json");
    expect(contentTypeFor("/archive.tar.gz")).toBe("application/gzip");
    expect(contentTypeFor("/README")).toBe("application/octet-stream");
    expect(contentTypeFor("/dir.d/file")).toBe("application/octet-stream");
    expect(contentTypeFor("/.env")).toBe("application/octet-stream");
  });
});

const RESERVED = new Set(["host", "content-length", "transfer-encoding"]);
const token = fc
  .string({ unit: fc.constantFrom(..."abcXYZ019!#$%&'*+-.^_`|~"), minLength: 1, maxLength: 12 })
  .filter((s) => !RESERVED.has(s.toLowerCase()));
const fieldValue = fc
  .array(
    fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f),
    { maxLength: 20 },
  )
  .map((cs) => trimOws(String.fromCharCode(...cs)));
const fields = fc.array(fc.tuple(token, fieldValue), { maxLength: 8 });
const body = fc.uint8Array({ maxLength: 300 });
const chunking = fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined });

describe("HTTP: serialize then parse gives the message back", () => {
  it("requests", () => {
    fc.assert(
      fc.property(
        token,
        fc.webPath(),
        fields,
        body,
        chunking,
        fields,
        (method, path, headers, b, chunked, trailers) => {
          const target = `/${path.replace(/^\//, "")}`;
          const spec: RequestSpec = { method, target, host: "example.com", headers, body: b };
          if (chunked !== undefined) Object.assign(spec, { chunked, trailers });
          const parsed = parseRequests(serializeRequest(spec));
          if (parsed instanceof HttpParseError) throw new Error(parsed.message);
          const m = parsed[0]!;
          expect(parsed).toHaveLength(1);
          expect([m.method, m.target, m.version]).toEqual([method, target, "HTTP/1.1"]);
          expect(m.headers.toJSON().slice(1, headers.length + 1)).toEqual(headers);
          expect(m.body).toEqual(b);
          expect(m.trailers.toJSON()).toEqual(chunked === undefined ? [] : trailers);
        },
      ),
      { numRuns: 1000, seed: 11 },
    );
  });

  it("responses", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 599 }),
        fields,
        body,
        chunking,
        (status, headers, b, chunked) => {
          const noBody = status === 204 || status === 304;
          const spec: ResponseSpec = {
            status,
            headers,
            body: noBody ? undefined : b,
            chunked,
            date: status * 1e6,
          };
          if (noBody) spec.chunked = undefined;
          const parsed = parseResponses(serializeResponse(spec));
          if (parsed instanceof HttpParseError) throw new Error(parsed.message);
          const m = parsed[0]!;
          expect([m.status, m.reason]).toEqual([status, reasonPhrase(status) ?? ""]);
          expect(m.headers.toJSON().slice(0, headers.length)).toEqual(headers);
          expect(m.body).toEqual(noBody ? new Uint8Array(0) : b);
          expect(m.headers.get("date")).toBe(formatHttpDate(status * 1e6));
        },
      ),
      { numRuns: 2000, seed: 12 },
    );
  });
});
