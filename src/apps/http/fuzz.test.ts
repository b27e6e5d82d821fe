import { describe, it } from "vitest";
import { fuzzParser } from "../../../test/support/fuzz.js";
import { serializeRequest, serializeResponse } from "./message.js";
import { parseRequests, parseResponses } from "./parse-all.js";
import { latin1, latin1Bytes } from "./syntax.js";
import { parseUrl } from "./url.js";

/** Valid streams to mutate: every framing, pipelining, trailers, extensions, tunnels. */
const REQUESTS = [
  latin1Bytes("GET /index.html HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"),
  latin1Bytes(
    "POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.0\r\n\r\n",
  ),
  latin1Bytes(
    'PUT /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4;a="b"\r\nWiki\r\n0\r\nT: v\r\n\r\n',
  ),
  latin1Bytes("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03"),
  latin1Bytes("OPTIONS * HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc"),
  serializeRequest({
    method: "PATCH",
    target: "/p?q",
    host: "h",
    body: "x".repeat(40),
    chunked: 7,
  }),
];

const RESPONSES = [
  latin1Bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 204 No Content\r\n\r\n"),
  latin1Bytes(
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
  ),
  latin1Bytes("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"),
  latin1Bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n\x00\x01"),
  serializeResponse({ status: 503, date: 1e9, body: "busy", keepAlive: false }),
];

describe("HTTP parser fuzzing: any bytes give messages or an error, never a throw", () => {
  it("requests (100,000 inputs)", () => {
    fuzzParser((b) => parseRequests(b, { maxBodyBytes: 4096 }), REQUESTS, { maxLength: 160 });
  });

  it("responses (100,000 inputs)", () => {
    fuzzParser((b) => parseResponses(b, ["GET", "HEAD"]), RESPONSES, { maxLength: 160, seed: 43 });
  });

  it("URLs (100,000 inputs)", () => {
    const samples = [
      "http://example.com:8080/a/b?q=1#f",
      "http://[2001:db8::1]/",
      "http://10.0.0.1/x y",
    ];
    fuzzParser((b) => parseUrl(latin1(b)), samples.map(latin1Bytes), { maxLength: 64, seed: 44 });
  });
});
