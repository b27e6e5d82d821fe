/**
 * The response object a route handler fills in. A handler may answer at once or later from a
 * simulator event; the connection writes responses strictly in request order (RFC 9112 §9.3.2),
 * so a response only buffers its bytes until every earlier one on its connection is out.
 */
import { formatHttpDate } from "./date.js";
import { HttpHeaders } from "./headers.js";
import { serializeResponse } from "./message.js";
import { latin1Bytes, utf8Bytes } from "./syntax.js";

/** Where a response's bytes go: the connection, which orders them behind earlier responses. */
export interface ResponseSink {
  /** Bytes of this response, in order. */
  write(res: ServerResponse, bytes: Uint8Array): void;
  /** The response is complete; `close`: the connection ends after it. */
  finish(res: ServerResponse, close: boolean): void;
  /** Seconds since the Unix epoch for the Date field, from simulated time. */
  date(): number;
}

/** The last chunk of a chunked body with no trailers (RFC 9112 §7.1). */
const LAST_CHUNK = "0\r\n\r\n";

/** One response being built. Status defaults to 200. */
export class ServerResponse {
  status = 200;
  reason: string | undefined;
  readonly headers = new HttpHeaders();
  private started = false;
  private ended = false;
  private chunked = false;

  constructor(
    private readonly sink: ResponseSink,
    /** The request was HEAD: send the fields a GET gets, no body (RFC 9110 §9.3.2). */
    readonly headOnly: boolean,
    /** The connection ends after this response (the request asked, or HTTP/1.0). */
    public closeAfter: boolean,
    private readonly serverName: string,
  ) {}

  /** True once the head has gone to the connection (status and fields are fixed). */
  get headersSent(): boolean {
    return this.started;
  }

  /** True once the whole response is written. */
  get finished(): boolean {
    return this.ended;
  }

  /** Sets a field, replacing any earlier value. */
  setHeader(name: string, value: string): this {
    this.headers.set(name, value);
    return this;
  }

  /** Sends a whole body with Content-Length and completes the response. */
  send(body: Uint8Array | string = new Uint8Array(0), contentType?: string): void {
    if (this.started || this.ended) throw new Error("response already started");
    if (contentType !== undefined) this.headers.set("Content-Type", contentType);
    else if (typeof body === "string" && !this.headers.has("content-type") && body.length > 0) {
      this.headers.set("Content-Type", "text/plain; charset=utf-8");
    }
    this.started = true;
    this.ended = true;
    const bytes = serializeResponse({
      status: this.status,
      ...(this.reason === undefined ? {} : { reason: this.reason }),
      headers: this.fields(),
      body: typeof body === "string" ? utf8Bytes(body) : body,
      headOnly: this.headOnly,
      ...(this.closeAfter ? { keepAlive: false } : {}),
    });
    this.sink.write(this, bytes);
    this.sink.finish(this, this.closeAfter);
  }

  /** Sends `value` as JSON. */
  json(value: unknown): void {
    this.send(JSON.stringify(value), "application/json");
  }

  /** Answers with a redirect to `location` (301 by default) and a short HTML body. */
  redirect(location: string, status = 301): void {
    this.status = status;
    this.headers.set("Location", location);
    this.send(`<a href="${location}">moved</a>\n`, "text/html; charset=utf-8");
  }

  /** Streams a piece of the body with the chunked coding; the head goes out with the first. */
  write(data: Uint8Array | string): void {
    if (this.ended) throw new Error("response already finished");
    const bytes = typeof data === "string" ? utf8Bytes(data) : data;
    if (!this.started) this.startChunked();
    if (bytes.length === 0 || this.headOnly) return; // an empty chunk would end the body
    this.sink.write(this, latin1Bytes(`${bytes.length.toString(16)}\r\n`));
    this.sink.write(this, bytes);
    this.sink.write(this, latin1Bytes("\r\n"));
  }

  /** Ends a response begun with `write` (or sends an empty body if nothing was written). */
  end(data?: Uint8Array | string): void {
    if (this.ended) return;
    if (!this.started) {
      if (data === undefined) return this.send();
      this.startChunked();
    }
    if (data !== undefined) this.write(data);
    this.ended = true;
    if (!this.headOnly) this.sink.write(this, latin1Bytes(LAST_CHUNK));
    this.sink.finish(this, this.closeAfter);
  }

  /**
   * The head of a chunked response: the serializer writes head plus last chunk for an empty
   * chunked body, so the head is those bytes less the 5-byte last chunk. Reusing it keeps the
   * field checks (no CR/LF in values) in one place.
   */
  private startChunked(): void {
    this.started = true;
    this.chunked = true;
    const whole = serializeResponse({
      status: this.status,
      ...(this.reason === undefined ? {} : { reason: this.reason }),
      headers: this.fields(),
      chunked: true,
      ...(this.closeAfter ? { keepAlive: false } : {}),
    });
    this.sink.write(this, whole.subarray(0, whole.length - LAST_CHUNK.length));
  }

  /** Fields as sent: Date and Server first, as common servers order them. */
  private fields(): HttpHeaders {
    const h = new HttpHeaders();
    if (!this.headers.has("date")) h.append("Date", formatHttpDate(this.sink.date()));
    if (!this.headers.has("server")) h.append("Server", this.serverName);
    for (const [n, v] of this.headers) h.append(n, v);
    return h;
  }

  /** True when the body is being sent chunked. */
  get isChunked(): boolean {
    return this.chunked;
  }
}
