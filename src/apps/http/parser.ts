/**
 * Incremental HTTP/1.1 parser (RFC 9112): push bytes in any chunking, get whole messages. Lines
 * are found with a native LF search and copied only when they straddle chunks; every buffer has
 * a budget checked before it grows, so memory is bounded and time linear in the input.
 */
import { parseChunkExtensions } from "./chunk-ext.js";
import { bodyFraming, checkHost } from "./framing.js";
import { HttpHeaders } from "./headers.js";
import { HttpParseError, malformedStatus } from "./http-error.js";
import { DEFAULT_HTTP_LIMITS, type HttpLimits, type ParseResult } from "./limits.js";
import type {
  BodyFraming,
  HttpMessage,
  HttpRequest,
  HttpResponse,
  HttpVersion,
} from "./message.js";
import { parseFieldLine, parseRequestLine, parseStatusLine } from "./start-line.js";
import { hexValue } from "./syntax.js";

// Parser states; the line states read up to LF, the others count or collect bytes.
const START = 0;
const HEADERS = 1;
const LENGTH = 2;
const CHUNK_SIZE = 3;
const CHUNK_DATA = 4;
const CHUNK_END = 5;
const TRAILERS = 6;
const CLOSE = 7;
const PAUSED = 8;
const ENDED = 9;

/** RFC 9112 §2.2: empty lines before a start-line are skipped, up to this many. */
const MAX_EMPTY_LINES = 8;
const EMPTY = new Uint8Array(0);
const NONE: BodyFraming = "none";

/** Parses a byte stream of requests (server side) or of responses (client side). */
export class HttpParser<T extends HttpMessage> {
  private readonly limits: HttpLimits;
  private readonly methods: string[] = [];
  private out: T[] = [];
  private state = START;
  private consumed = 0;
  private failure: HttpParseError | null = null;
  private line = new Uint8Array(128);
  private lineLen = 0;
  private lineAt = 0;
  private emptyLines = 0;
  private sectionBytes = 0;
  private messageAt = 0;
  private current: HttpMessage | null = null;
  private version: HttpVersion = "HTTP/1.1";
  private headers = new HttpHeaders();
  private offsets: number[] = [];
  private remaining = 0;
  private body = EMPTY;
  private bodyLen = 0;

  private constructor(
    private readonly isRequest: boolean,
    limits: Partial<HttpLimits> | undefined,
  ) {
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...limits };
  }

  /** A parser for the requests a server reads. */
  static requests(limits?: Partial<HttpLimits>): HttpParser<HttpRequest> {
    return new HttpParser<HttpRequest>(true, limits);
  }

  /** A parser for the responses a client reads; tell it each request's method in order. */
  static responses(limits?: Partial<HttpLimits>): HttpParser<HttpResponse> {
    return new HttpParser<HttpResponse>(false, limits);
  }

  /**
   * Response side: a request with `method` was sent. Responses answer requests in order
   * (RFC 9112 §9.3.2); a HEAD's or CONNECT's changes framing (§6.3). Unannounced = GET.
   */
  expectResponseTo(method: string): void {
    this.methods.push(method);
  }

  /** The error that stopped the parser, if any. */
  get error(): HttpParseError | null {
    return this.failure;
  }

  /** Bytes consumed since the start of the stream (the base of error offsets). */
  get offset(): number {
    return this.consumed;
  }

  /** True between messages: nothing partial is buffered. */
  get idle(): boolean {
    return this.state === START && this.lineLen === 0;
  }

  /**
   * The message whose head is parsed and whose body is still arriving, or null. A server
   * reads `Expect: 100-continue` here (RFC 9110 §10.1.1). Its body is empty until complete.
   */
  get pending(): T | null {
    return this.state >= LENGTH && this.state <= CLOSE ? (this.current as T) : null;
  }

  /** After a CONNECT or 101 that the owner did not go through with: parse HTTP again. */
  resume(): void {
    if (this.state === PAUSED) this.state = START;
  }

  /** Feeds the next bytes of the stream. Never throws on any input. */
  push(chunk: Uint8Array): ParseResult<T> {
    const messages: T[] = [];
    this.out = messages;
    if (this.failure !== null) return { messages, error: this.failure, rest: null };
    if (this.state === ENDED) {
      this.fail("stream", this.consumed, "bytes pushed after end()");
      return { messages, error: this.failure, rest: null };
    }
    const n = chunk.length;
    let pos = 0;
    while (pos < n && this.failure === null && this.state !== PAUSED) {
      const s = this.state;
      if (s === LENGTH || s === CHUNK_DATA) pos = this.counted(chunk, pos);
      else if (s === CLOSE) pos = this.toClose(chunk, pos);
      else pos = this.readLine(chunk, pos);
    }
    this.consumed += pos;
    const rest = this.state === PAUSED && pos < n ? chunk.subarray(pos) : null;
    return { messages, error: this.failure, rest };
  }

  /** The peer closed its side: completes a body read to the close, or reports truncation. */
  end(): ParseResult<T> {
    const messages: T[] = [];
    this.out = messages;
    if (this.failure === null && this.state !== ENDED) {
      if (this.state === CLOSE) this.finish();
      else if (this.state !== PAUSED && !this.idle) {
        const field = this.state === LENGTH ? "body" : this.lineField();
        const status = malformedStatus(this.isRequest);
        const detail = "the stream ended inside a message (RFC 9112 §8)";
        this.failure = new HttpParseError(field, this.consumed, "truncated", detail, status);
      }
      this.state = ENDED;
    }
    return { messages, error: this.failure, rest: null };
  }

  private fail(field: string, offset: number, detail: string, status = 0): void {
    const code = status || malformedStatus(this.isRequest);
    this.failure = new HttpParseError(field, offset, "invalid", detail, code);
  }

  /** Bytes the current line may still take, its CR included. */
  private budget(): number {
    const l = this.limits;
    if (this.state === START) return l.maxStartLine + 1;
    if (this.state === CHUNK_SIZE) return l.maxChunkLine + 1;
    if (this.state === CHUNK_END) return 1;
    return l.maxHeaderBytes - this.sectionBytes - 1; // HEADERS, TRAILERS: the LF must fit too
  }

  /** Reads up to the next LF; completes the line when found. Returns the new position. */
  private readLine(chunk: Uint8Array, pos: number): number {
    const lf = chunk.indexOf(0x0a, pos);
    const stop = lf < 0 ? chunk.length : lf;
    if (this.lineLen === 0) this.lineAt = this.consumed + pos;
    if (this.lineLen + (stop - pos) > this.budget()) {
      this.overflow(chunk, pos, stop);
      return stop;
    }
    let line: Uint8Array;
    if (this.lineLen === 0 && lf >= 0) line = chunk.subarray(pos, lf);
    else {
      this.appendLine(chunk, pos, stop);
      if (lf < 0) return stop;
      line = this.line.subarray(0, this.lineLen);
    }
    this.lineLen = 0;
    // RFC 9112 §2.2: lines end in CRLF; a bare LF is refused, not guessed at.
    if (line.length === 0 || line[line.length - 1] !== 0x0d) {
      const detail = "line ends in a bare LF, not CRLF (RFC 9112 §2.2)";
      this.fail(this.lineField(), this.lineAt + line.length, detail);
      return lf + 1;
    }
    this.onLine(line.subarray(0, line.length - 1), this.lineAt);
    return lf + 1;
  }

  /** The field a line (or the truncated stream) belongs to, in the current state. */
  private lineField(): string {
    if (this.state === START) return this.isRequest ? "request-line" : "status-line";
    if (this.state === HEADERS) return "header-section";
    if (this.state === TRAILERS) return "trailer-section";
    return this.state === CHUNK_SIZE ? "chunk-size" : "chunk-data";
  }

  private appendLine(chunk: Uint8Array, from: number, to: number): void {
    const need = this.lineLen + (to - from);
    if (need > this.line.length) {
      const grown = new Uint8Array(Math.max(need, this.line.length * 2));
      grown.set(this.line.subarray(0, this.lineLen));
      this.line = grown;
    }
    this.line.set(chunk.subarray(from, to), this.lineLen);
    this.lineLen = need;
  }

  /** A line outgrew its budget: name the limit and its status. */
  private overflow(chunk: Uint8Array, pos: number, stop: number): void {
    const at = this.lineAt;
    const req = this.isRequest;
    switch (this.state) {
      case START: {
        // RFC 9112 §3: a target too long for the server gets 414.
        const inTarget =
          this.line.subarray(0, this.lineLen).includes(0x20) ||
          chunk.subarray(pos, stop).includes(0x20);
        const field = req ? (inTarget ? "request-target" : "method") : "status-line";
        const status = req && inTarget ? 414 : 0;
        const detail = `start-line longer than ${this.limits.maxStartLine} bytes`;
        return this.fail(field, at, detail, status);
      }
      case HEADERS:
      case TRAILERS: {
        // RFC 6585 §5: 431 for a header section too large.
        const detail = `section larger than ${this.limits.maxHeaderBytes} bytes`;
        return this.fail(this.lineField(), at, detail, req ? 431 : 0);
      }
      case CHUNK_SIZE:
        return this.fail("chunk-size", at, `chunk line longer than ${this.limits.maxChunkLine}`);
      default:
        return this.fail("chunk-data", at, "chunk data longer than its chunk-size");
    }
  }

  private onLine(line: Uint8Array, at: number): void {
    switch (this.state) {
      case START:
        if (line.length === 0) {
          if (++this.emptyLines > MAX_EMPTY_LINES) {
            this.fail(this.lineField(), at, "too many empty lines");
          }
          return;
        }
        return this.startLine(line, at);
      case HEADERS:
      case TRAILERS: {
        this.sectionBytes += line.length + 2;
        if (line.length === 0) return this.state === HEADERS ? this.endOfHead() : this.finish();
        const target = this.state === HEADERS ? this.headers : this.current!.trailers;
        if (target.size >= this.limits.maxHeaderCount) {
          const detail = `more than ${this.limits.maxHeaderCount} field lines`;
          return this.fail("header-count", at, detail, this.isRequest ? 431 : 0);
        }
        const field = parseFieldLine(line, at, this.isRequest);
        if (field instanceof HttpParseError) {
          this.failure = field;
          return;
        }
        target.append(field[0], field[1]);
        if (this.state === HEADERS) this.offsets.push(at);
        return;
      }
      case CHUNK_SIZE:
        return this.chunkLine(line, at);
      default: // CHUNK_END: the CRLF after chunk data (§7.1); the budget kept the line empty
        this.state = CHUNK_SIZE;
    }
  }

  private startLine(line: Uint8Array, at: number): void {
    const r = this.isRequest ? parseRequestLine(line, at) : parseStatusLine(line, at);
    if (r instanceof HttpParseError) {
      this.failure = r;
      return;
    }
    this.messageAt = at;
    this.headers = new HttpHeaders();
    this.offsets = [];
    this.sectionBytes = 0;
    const rest = { headers: this.headers, body: EMPTY, trailers: new HttpHeaders(), framing: NONE };
    this.current =
      "method" in r ? { kind: "request", ...r, ...rest } : { kind: "response", ...r, ...rest };
    this.version = r.version;
    this.state = HEADERS;
  }

  /** RFC 9112 §6.3: the header section is complete; decide how the body is delimited. */
  private endOfHead(): void {
    const msg = this.current!;
    const method = msg.kind === "request" ? msg.method : (this.methods[0] ?? "GET");
    const status = msg.kind === "response" ? msg.status : 0;
    const head = {
      isRequest: this.isRequest,
      version: this.version,
      headers: this.headers,
      offsets: this.offsets,
      at: this.messageAt,
      method,
      status,
      maxBody: this.limits.maxBodyBytes,
    };
    if (this.isRequest) {
      const hostError = checkHost(head);
      if (hostError !== null) {
        this.failure = hostError;
        return;
      }
    }
    // RFC 9110 §9.3.6, §15.2.2: after CONNECT, 101, or a 2xx to CONNECT, the bytes are a tunnel.
    const tunnel = this.isRequest
      ? method === "CONNECT"
      : status === 101 || (method === "CONNECT" && status >= 200 && status < 300);
    const framing = bodyFraming(head);
    if (framing instanceof HttpParseError) {
      if (!tunnel || this.isRequest) {
        this.failure = framing;
        return;
      }
    } else if (!tunnel) {
      msg.framing = framing.framing;
      if (framing.framing === "content-length" && framing.length > 0) {
        this.remaining = framing.length;
        this.body = new Uint8Array(Math.min(framing.length, 64 * 1024));
        this.state = LENGTH;
        return;
      }
      if (framing.framing === "chunked") this.state = CHUNK_SIZE;
      if (framing.framing === "close") this.state = CLOSE;
      if (framing.framing === "chunked" || framing.framing === "close") return;
    }
    this.finish();
    if (tunnel) this.state = PAUSED;
  }

  /** RFC 9112 §7.1: chunk-size [chunk-ext] CRLF; extensions are checked and ignored. */
  private chunkLine(line: Uint8Array, at: number): void {
    let size = 0;
    let i = 0;
    for (; i < line.length; i++) {
      const v = hexValue(line[i]!);
      if (v < 0) break;
      if (size > (Number.MAX_SAFE_INTEGER - 15) / 16) {
        return this.fail("chunk-size", at, "chunk size overflows");
      }
      size = size * 16 + v;
    }
    if (i === 0) return this.fail("chunk-size", at, "chunk size is not hexadecimal");
    const extError = parseChunkExtensions(line, i);
    if (extError >= 0) return this.fail("chunk-ext", at + extError, "malformed chunk extension");
    if (this.bodyLen + size > this.limits.maxBodyBytes) {
      const detail = `body larger than ${this.limits.maxBodyBytes} bytes`;
      return this.fail("body", at, detail, this.isRequest ? 413 : 0);
    }
    if (size === 0) {
      this.state = TRAILERS;
      this.sectionBytes = 0;
    } else {
      this.remaining = size;
      this.state = CHUNK_DATA;
    }
  }

  /** Body bytes with a known count: Content-Length or one chunk's data. */
  private counted(chunk: Uint8Array, pos: number): number {
    const take = Math.min(this.remaining, chunk.length - pos);
    // A known length caps the buffer exactly; chunks grow it by doubling (linear copying).
    const cap = this.state === LENGTH ? this.bodyLen + this.remaining : this.limits.maxBodyBytes;
    this.appendBody(chunk, pos, pos + take, cap);
    this.remaining -= take;
    if (this.remaining === 0) {
      if (this.state === LENGTH) this.finish();
      else this.state = CHUNK_END;
    }
    return pos + take;
  }

  /** RFC 9112 §6.3 rule 8: a response body that runs until the connection closes. */
  private toClose(chunk: Uint8Array, pos: number): number {
    if (this.bodyLen + chunk.length - pos > this.limits.maxBodyBytes) {
      this.fail("body", this.consumed + pos, `body larger than ${this.limits.maxBodyBytes} bytes`);
      return chunk.length;
    }
    this.appendBody(chunk, pos, chunk.length, this.limits.maxBodyBytes);
    return chunk.length;
  }

  private appendBody(chunk: Uint8Array, from: number, to: number, cap: number): void {
    const need = this.bodyLen + (to - from);
    if (need > this.body.length) {
      let size = Math.max(this.body.length * 2, 1024);
      while (size < need) size *= 2;
      const grown = new Uint8Array(Math.min(size, cap));
      grown.set(this.body.subarray(0, this.bodyLen));
      this.body = grown;
    }
    this.body.set(chunk.subarray(from, to), this.bodyLen);
    this.bodyLen = need;
  }

  /** Hands the message out and resets for the next one. */
  private finish(): void {
    const msg = this.current!;
    msg.body = this.bodyLen === this.body.length ? this.body : this.body.slice(0, this.bodyLen);
    // A final response (or a 101, after which HTTP stops) answers the oldest request.
    if (msg.kind === "response" && (msg.status >= 200 || msg.status === 101)) this.methods.shift();
    this.out.push(msg as T);
    this.current = null;
    this.body = EMPTY;
    this.bodyLen = 0;
    this.emptyLines = 0;
    this.state = START;
  }
}
