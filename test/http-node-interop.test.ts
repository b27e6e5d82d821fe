/**
 * Cross-checks wirelab's HTTP/1.1 message layer against Node's own parser (llhttp) over
 * loopback: Node's server must accept our serialized requests, our parser must read Node's raw
 * responses, and request smuggling vectors we refuse must be refused by Node too.
 */
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpParseError } from "../src/apps/http/http-error.js";
import type { HttpResponse } from "../src/apps/http/message.js";
import { serializeRequest } from "../src/apps/http/message.js";
import { parseRequests, parseResponses } from "../src/apps/http/parse-all.js";
import { HttpParser } from "../src/apps/http/parser.js";

let server: http.Server;
let port = 0;

/** Echoes what Node parsed, or answers with a fixed shape of response. */
function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const parts: Buffer[] = [];
  req.on("data", (d: Buffer) => parts.push(d));
  req.on("end", () => {
    const body = Buffer.concat(parts).toString("latin1");
    switch (req.url) {
      case "/chunked":
        res.write("first,");
        res.end("second");
        return;
      case "/trailers":
        res.setHeader("Trailer", "X-Checksum");
        res.write("data");
        res.addTrailers({ "X-Checksum": "abc" });
        res.end();
        return;
      case "/empty":
        res.statusCode = 204;
        res.end();
        return;
      case "/not-modified":
        res.statusCode = 304;
        res.end();
        return;
      default: {
        const echo = JSON.stringify({
          method: req.method,
          url: req.url,
          version: req.httpVersion,
          headers: req.rawHeaders,
          trailers: req.rawTrailers,
          body,
        });
        res.setHeader("Content-Type", "application/json");
        res.setHeader("Content-Length", Buffer.byteLength(echo));
        res.end(echo);
      }
    }
  });
}

beforeAll(async () => {
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends raw bytes on a fresh connection; resolves with all bytes until Node closes it. */
function exchange(bytes: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.end(), 3000); // a test-side guard, never reached normally
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    socket.on("error", reject);
    socket.write(bytes);
  });
}

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

describe("HTTP interop with Node's http module (loopback)", () => {
  it("Node accepts our pipelined requests, and we parse its raw responses", async () => {
    const requests = [
      serializeRequest({
        method: "GET",
        target: "/echo?x=1",
        host: "wirelab.test",
        headers: [["X-Case", "KeepMe"]],
      }),
      serializeRequest({
        method: "POST",
        target: "/echo",
        host: "wirelab.test",
        body: "name=value",
      }),
      serializeRequest({
        method: "PUT",
        target: "/echo",
        host: "wirelab.test",
        body: "0123456789abcdef",
        chunked: 5,
        trailers: [["X-Trailer", "t"]],
      }),
      serializeRequest({ method: "HEAD", target: "/echo", host: "wirelab.test" }),
      serializeRequest({ method: "GET", target: "/chunked", host: "wirelab.test" }),
      serializeRequest({ method: "GET", target: "/empty", host: "wirelab.test" }),
      serializeRequest({ method: "GET", target: "/not-modified", host: "wirelab.test" }),
      serializeRequest({
        method: "GET",
        target: "/trailers",
        host: "wirelab.test",
        keepAlive: false,
      }),
    ];
    const methods = ["GET", "POST", "PUT", "HEAD", "GET", "GET", "GET", "GET"];
    const raw = await exchange(concat(requests));
    const parsed = parseResponses(raw, methods);
    if (parsed instanceof HttpParseError) throw new Error(`${parsed.message}\n${text(raw)}`);
    expect(parsed.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 204, 304, 200]);
    const echo = (r: HttpResponse) => JSON.parse(text(r.body));
    expect(echo(parsed[0]!)).toMatchObject({
      method: "GET",
      url: "/echo?x=1",
      version: "1.1",
      headers: ["Host", "wirelab.test", "X-Case", "KeepMe"],
      body: "",
    });
    expect(echo(parsed[1]!)).toMatchObject({ method: "POST", body: "name=value" });
    expect(echo(parsed[2]!)).toMatchObject({
      method: "PUT",
      body: "0123456789abcdef",
      trailers: ["X-Trailer", "t"],
    });
    expect(parsed[3]!.body.length).toBe(0); // HEAD: Content-Length but no body
    expect(Number(parsed[3]!.headers.get("content-length"))).toBeGreaterThan(0);
    expect([parsed[4]!.framing, text(parsed[4]!.body)]).toEqual(["chunked", "first,second"]);
    expect([parsed[7]!.framing, text(parsed[7]!.body)]).toEqual(["chunked", "data"]);
    expect(parsed[7]!.trailers.get("x-checksum")).toBe("abc");
    // The same bytes fed one at a time give the same responses.
    const p = HttpParser.responses();
    for (const m of methods) p.expectResponseTo(m);
    const oneByOne: HttpResponse[] = [];
    for (let i = 0; i < raw.length; i++) oneByOne.push(...p.push(raw.subarray(i, i + 1)).messages);
    oneByOne.push(...p.end().messages);
    expect(oneByOne.map((r) => [r.status, text(r.body)])).toEqual(
      parsed.map((r) => [r.status, text(r.body)]),
    );
  });

  it("Node reads an HTTP/1.0 request and closes after it", async () => {
    const raw = await exchange(
      serializeRequest({ method: "GET", target: "/echo", version: "HTTP/1.0" }),
    );
    const parsed = parseResponses(raw);
    if (parsed instanceof HttpParseError) throw new Error(parsed.message);
    expect(parsed).toHaveLength(1);
    expect(JSON.parse(text(parsed[0]!.body))).toMatchObject({ version: "1.0" });
  });

  const H = "POST /echo HTTP/1.1\r\nHost: x\r\n";
  const SMUGGLING: [string, string][] = [
    ["CL+TE", `${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ["CL,CL differing", `${H}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`],
    ["CL list differing", `${H}Content-Length: 3, 4\r\n\r\nabcd`],
    ["CL sign", `${H}Content-Length: +3\r\n\r\nabc`],
    ["CL overflow", `${H}Content-Length: 99999999999999999999999\r\n\r\n`],
    ["TE: gzip", `${H}Transfer-Encoding: gzip\r\n\r\nabc`],
    ["chunked not last", `${H}Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n`],
    ["chunked twice", `${H}Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n`],
    ["obs-fold", `${H}X-A: a\r\n b\r\nContent-Length: 0\r\n\r\n`],
    ["bad chunk size", `${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n\r\n`],
    [
      "chunk size overflow",
      `${H}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\nabc\r\n0\r\n\r\n`,
    ],
    ["chunk data too long", `${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n`],
    ["chunk-ext open quote", `${H}Transfer-Encoding: chunked\r\n\r\n3;a="b\r\nabc\r\n0\r\n\r\n`],
    ["header without colon", `${H}Foo bar\r\n\r\n`],
    ["space before colon", `${H}Foo : bar\r\nContent-Length: 0\r\n\r\n`],
    ["NUL in value", `${H}X: a\0b\r\nContent-Length: 0\r\n\r\n`],
    ["bare LF", "GET / HTTP/1.1\nHost: a\n\n"],
    ["bad method", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n"],
  ];

  for (const [name, request] of SMUGGLING) {
    it(`${name}: refused with 400 by us and by Node`, async () => {
      const bytes = new Uint8Array(Buffer.from(request, "latin1"));
      const ours = parseRequests(bytes);
      expect(ours instanceof HttpParseError && ours.status).toBe(400);
      const theirs = parseResponses(await exchange(bytes));
      if (theirs instanceof HttpParseError) throw new Error(theirs.message);
      expect(theirs.map((r) => r.status)).toEqual([400]);
    });
  }
});
