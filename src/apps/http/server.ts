/**
 * An HTTP/1.1 server over wirelab TCP (RFC 9110, RFC 9112): routes by method and path, static
 * content from memory, redirects, keep-alive and pipelining (answers leave in request order),
 * and the error statuses: 400/413/414/431/505 from the parser, 404, 405 with Allow, 408 on a
 * simulator timer, 500 when a handler throws. Everything runs in simulator callbacks.
 *
 * Date fields come from simulated time: virtual time 0 is `epoch` seconds after 1970-01-01
 * (default 1704067200, 2024-01-01T00:00:00Z), so runs print the same dates every time.
 */
import type { Node } from "../../net/node.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import { type Nanos, NS_PER_S, sec } from "../../sim/time.js";
import { type StreamServer, type StreamSocket, sockets } from "../../socket/index.js";
import { TransportError } from "../../transport/errors.js";
import type { Endpoint } from "../../transport/udp.js";
import { contentTypeFor } from "./content-type.js";
import type { HttpLimits } from "./limits.js";
import { type HttpRequest, isPersistent } from "./message.js";
import { HttpParser } from "./parser.js";
import { type ResponseSink, ServerResponse } from "./server-response.js";

export { ServerResponse } from "./server-response.js";

/** A request as a handler sees it: the parsed message plus its path, query and peer. */
export interface ServerRequest extends HttpRequest {
  /** The target's path, without the query. */
  path: string;
  /** The query without "?", or null. */
  query: string | null;
  /** The client's address and port. */
  remote: Endpoint;
}

/** A route handler: answer through `res` now or from a later simulator event. */
export type RouteHandler = (req: ServerRequest, res: ServerResponse) => void;

export interface HttpServerOptions {
  /** Parser limits per connection (413, 414, 431 beyond them). */
  limits?: Partial<HttpLimits>;
  /** Time a client has to send a whole request once it starts or connects (408; default 10 s). */
  requestTimeout?: Nanos;
  /** Time an idle keep-alive connection stays open between requests (default 5 s). */
  idleTimeout?: Nanos;
  /** Server field value (default "wirelab-httpd/1.0"). */
  serverName?: string;
  /** Unix seconds at virtual time 0 (default 2024-01-01T00:00:00Z). */
  epoch?: number;
}

/** 2024-01-01T00:00:00Z in Unix seconds: the default Date at virtual time 0. */
export const DEFAULT_HTTP_EPOCH = 1_704_067_200;

/** What the server has done, for tests and benchmarks. */
export interface HttpServerStats {
  connections: number;
  requests: number;
  /** Responses by status code. */
  statuses: Map<number, number>;
}

/** An HTTP/1.1 server on one node. */
export class HttpServer {
  private readonly routes = new Map<string, Map<string, RouteHandler>>();
  private readonly files = new Map<string, { body: Uint8Array | string; type: string }>();
  private listener: StreamServer | undefined;
  readonly stats: HttpServerStats = { connections: 0, requests: 0, statuses: new Map() };
  readonly requestTimeout: Nanos;
  readonly idleTimeout: Nanos;
  readonly serverName: string;
  readonly epoch: number;

  constructor(
    readonly node: Node,
    readonly options: HttpServerOptions = {},
  ) {
    this.requestTimeout = options.requestTimeout ?? sec(10);
    this.idleTimeout = options.idleTimeout ?? sec(5);
    this.serverName = options.serverName ?? "wirelab-httpd/1.0";
    this.epoch = options.epoch ?? DEFAULT_HTTP_EPOCH;
  }

  /** Adds a route for an exact path; HEAD is served by the GET route without its body. */
  route(method: string, path: string, handler: RouteHandler): this {
    const byMethod = this.routes.get(path) ?? new Map<string, RouteHandler>();
    this.routes.set(path, byMethod);
    byMethod.set(method.toUpperCase(), handler);
    return this;
  }

  get(path: string, handler: RouteHandler): this {
    return this.route("GET", path, handler);
  }

  post(path: string, handler: RouteHandler): this {
    return this.route("POST", path, handler);
  }

  /** Serves `path` -> content for GET and HEAD, typed by extension unless `type` is given. */
  static(files: Record<string, Uint8Array | string>, type?: string): this {
    for (const [path, body] of Object.entries(files)) {
      // A directory path serves its index page, typed as index.html would be.
      const typed = path.endsWith("/") ? `${path}index.html` : path;
      this.files.set(path, { body, type: type ?? contentTypeFor(typed) });
    }
    return this;
  }

  /** Answers every method on `from` with a redirect to `to` (301 by default). */
  redirect(from: string, to: string, status = 301): this {
    this.routes.set(from, new Map([["*", (_req, res) => res.redirect(to, status)]]));
    return this;
  }

  /** Starts listening on `port` (80 by default). */
  listen(port = 80): StreamServer | TransportError {
    const l = sockets(this.node).listen(port, (s) => this.accept(s));
    if (!(l instanceof TransportError)) this.listener = l;
    return l;
  }

  /** Stops accepting connections; open ones finish. */
  close(): void {
    this.listener?.close();
  }

  /** Unix seconds now, from the host's clock (the Date header is the server's idea of now). */
  dateSeconds(): number {
    return this.epoch + Math.floor(this.node.clock.now() / NS_PER_S);
  }

  /** Runs the handler for `req` (or the static file, 404, 405), turning a throw into 500. */
  dispatch(req: ServerRequest, res: ServerResponse): void {
    this.stats.requests++;
    const byMethod = this.routes.get(req.path);
    const method = req.method === "HEAD" ? "GET" : req.method;
    const file = this.files.get(req.path);
    let handler = byMethod?.get(method) ?? byMethod?.get("*");
    if (handler === undefined && file !== undefined && method === "GET") {
      handler = (_q, r) => r.send(file.body, file.type);
    }
    if (handler === undefined) {
      if (byMethod === undefined && file === undefined) return this.fail(res, 404);
      // RFC 9110 §15.5.6: 405 lists the methods the resource supports.
      const allowed = new Set<string>(byMethod?.keys() ?? []);
      if (file !== undefined || allowed.has("GET")) allowed.add("GET").add("HEAD");
      res.setHeader("Allow", [...allowed].sort().join(", "));
      return this.fail(res, 405);
    }
    try {
      handler(req, res);
    } catch {
      // A handler's bug must not take the connection's other requests with it: 500 if the head
      // is not out yet, otherwise the framing is unknown and only closing is honest.
      if (!res.headersSent) {
        for (const [n] of [...res.headers]) res.headers.delete(n);
        this.fail(res, 500);
      } else res.closeAfter = true;
    }
  }

  /** An error page for `status`. */
  fail(res: ServerResponse, status: number): void {
    res.status = status;
    res.reason = undefined;
    res.send(`${status} ${statusText(status)}\n`, "text/plain; charset=utf-8");
  }

  private accept(socket: StreamSocket): void {
    this.stats.connections++;
    new Connection(this, socket);
  }
}

function statusText(status: number): string {
  return REASONS[status] ?? "Error";
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  414: "URI Too Long",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  505: "HTTP Version Not Supported",
};

/** One pending response and the bytes it wrote before its turn came. */
interface Slot {
  res: ServerResponse;
  queued: Uint8Array[];
  done: boolean;
  close: boolean;
}

/** One TCP connection: parser, the ordered queue of responses, and the request timer. */
class Connection implements ResponseSink {
  private readonly parser: HttpParser<HttpRequest>;
  private readonly slots: Slot[] = [];
  private readonly timer: LocalTimer;
  /** No more requests are read: a parse error, `Connection: close`, or the peer's FIN. */
  private stopped = false;
  private closing = false;
  private served = 0;

  constructor(
    private readonly server: HttpServer,
    private readonly socket: StreamSocket,
  ) {
    this.parser = HttpParser.requests(server.options.limits);
    this.timer = server.node.clock.timer(() => this.timeout());
    this.timer.set(server.requestTimeout);
    socket.onData((d) => this.data(d));
    socket.onEnd(() => this.peerEnded());
    socket.onError(() => this.abandon());
  }

  date(): number {
    return this.server.dateSeconds();
  }

  write(res: ServerResponse, bytes: Uint8Array): void {
    const slot = this.slots.find((s) => s.res === res);
    if (slot === undefined) return;
    if (slot === this.slots[0]) this.socket.write(bytes);
    else slot.queued.push(bytes.slice());
  }

  finish(res: ServerResponse, close: boolean): void {
    const slot = this.slots.find((s) => s.res === res);
    if (slot === undefined) return;
    const stats = this.server.stats.statuses;
    stats.set(res.status, (stats.get(res.status) ?? 0) + 1);
    slot.done = true;
    slot.close = close;
    this.advance();
  }

  private data(d: Uint8Array): void {
    if (this.stopped) return;
    // A request has started: the whole of it must arrive within the request timeout.
    if (this.slots.length === 0 && this.parser.idle && this.served > 0) {
      this.timer.set(this.server.requestTimeout);
    }
    const r = this.parser.push(d);
    for (const req of r.messages) {
      if (this.stopped) break;
      this.request(req);
    }
    if (r.error !== null && !this.stopped) {
      // RFC 9112 §9.6: after a framing error the stream cannot be trusted; answer and close.
      this.stopped = true;
      const res = this.open(true, false);
      this.server.fail(res, r.error.status);
    }
    if (r.rest !== null) this.stopped = true; // CONNECT/upgrade: not supported, stop reading
    if (this.slots.length > 0) this.timer.cancel();
  }

  private request(msg: HttpRequest): void {
    const close = !isPersistent(msg);
    if (close) this.stopped = true;
    const target = msg.targetForm === "absolute" ? originForm(msg.target) : msg.target;
    const q = target.indexOf("?");
    const req: ServerRequest = {
      ...msg,
      path: q < 0 ? target : target.slice(0, q),
      query: q < 0 ? null : target.slice(q + 1),
      remote: this.socket.remote,
    };
    const res = this.open(close, msg.method === "HEAD");
    if (msg.targetForm === "authority" || msg.targetForm === "asterisk") {
      res.setHeader("Allow", "GET, HEAD, POST");
      return this.server.fail(res, msg.targetForm === "asterisk" ? 400 : 405);
    }
    this.server.dispatch(req, res);
  }

  private open(close: boolean, headOnly: boolean): ServerResponse {
    const res = new ServerResponse(this, headOnly, close, this.server.serverName);
    this.slots.push({ res, queued: [], done: false, close });
    return res;
  }

  /** Writes finished responses at the head of the queue; the next one's bytes follow. */
  private advance(): void {
    while (this.slots.length > 0 && !this.closing) {
      const head = this.slots[0]!;
      if (!head.done) return;
      this.slots.shift();
      this.served++;
      if (head.close) {
        this.closing = true;
        this.timer.cancel();
        this.socket.end();
        return;
      }
      const next = this.slots[0];
      if (next !== undefined) {
        for (const b of next.queued) this.socket.write(b);
        next.queued.length = 0;
      }
    }
    if (this.slots.length === 0 && !this.closing) {
      if (this.stopped) {
        this.closing = true;
        this.socket.end();
      } else
        this.timer.set(this.parser.idle ? this.server.idleTimeout : this.server.requestTimeout);
    }
  }

  /** The timer ran out with no request in progress to answer. */
  private timeout(): void {
    if (this.closing || this.slots.length > 0) return;
    this.stopped = true;
    // RFC 9110 §15.5.9: 408 for a request that did not arrive in time. An idle keep-alive
    // connection is closed silently, since a client reusing it could misread a stray 408.
    if (this.served > 0 && this.parser.idle) {
      this.closing = true;
      this.socket.end();
      return;
    }
    const res = this.open(true, false);
    this.server.fail(res, 408);
  }

  private peerEnded(): void {
    this.stopped = true;
    this.parser.end();
    if (this.slots.length === 0 && !this.closing) {
      this.closing = true;
      this.timer.cancel();
      this.socket.end();
    }
  }

  private abandon(): void {
    this.stopped = true;
    this.closing = true;
    this.timer.cancel();
    this.slots.length = 0;
  }
}

/** RFC 9112 §3.2.2: an absolute-form target's path and query. */
function originForm(target: string): string {
  const scheme = target.indexOf("://");
  const slash = target.indexOf("/", scheme < 0 ? 0 : scheme + 3);
  return slash < 0 ? "/" : target.slice(slash);
}

/** Creates a server on `node` and starts it on `port`; throws if the port is taken. */
export function httpServer(node: Node, port = 80, options: HttpServerOptions = {}): HttpServer {
  const s = new HttpServer(node, options);
  const l = s.listen(port);
  if (l instanceof TransportError) throw new Error(`http server: ${l.message}`);
  return s;
}
