/**
 * An HTTP/1.1 client over wirelab TCP: a URL goes through DNS (the stub's `lookup`), a TCP
 * connect and a request; redirects are followed up to a limit; connections are kept in a small
 * per-host pool and reused. Results arrive through callbacks on simulator events (no promises:
 * see ../dns/request.ts), with timings measured in simulated time.
 */
import type { Node } from "../../net/node.js";
import { type Nanos, sec } from "../../sim/time.js";
import { TransportError } from "../../transport/errors.js";
import { lookup } from "../dns/stub.js";
import { ConnectionPool, type PooledConnection } from "./client-pool.js";
import { HttpHeaders } from "./headers.js";
import type { HttpLimits } from "./limits.js";
import { type HttpResponse, serializeRequest } from "./message.js";
import { type HttpUrl, parseUrl, resolveUrl, UrlError } from "./url.js";

/** Why a fetch failed, with curl's exit code for the same failure. */
export interface HttpClientError {
  code:
    | "EBADURL"
    | "ENOTFOUND"
    | "ECONNREFUSED"
    | "ECONNRESET"
    | "ETIMEDOUT"
    | "EPROTO"
    | "ETOOMANYREDIRECTS";
  message: string;
  /** curl's exit status: 3 bad URL, 6 resolve, 7 connect, 28 timeout, 47 redirects, 56 recv. */
  curlCode: number;
}

/** Times since the start of the fetch's last hop (curl's -w time_* shape), and in total. */
export interface FetchTiming {
  /** Name resolved (0 for an address or a reused connection). */
  dns: Nanos;
  /** TCP connected. */
  connect: Nanos;
  /** First response byte. */
  firstByte: Nanos;
  /** Response complete, counted from the first hop's start (redirects included). */
  total: Nanos;
}

export type FetchResult =
  | {
      ok: true;
      status: number;
      reason: string;
      headers: HttpHeaders;
      body: Uint8Array;
      /** The URL that answered, after redirects. */
      url: string;
      /** Every URL redirected to, in order. */
      redirects: string[];
      timing: FetchTiming;
      /** The last hop reused a pooled connection. */
      reused: boolean;
      response: HttpResponse;
    }
  | { ok: false; error: HttpClientError; redirects: string[] };

/** What the client is doing, for verbose tools. */
export type FetchEvent =
  | {
      kind: "resolved";
      host: string;
      port: number;
      addresses: { address: string; family: 4 | 6 }[];
    }
  | { kind: "trying"; address: string; port: number }
  | { kind: "connected"; host: string; address: string; port: number; id: number }
  | { kind: "reused"; host: string; id: number }
  | { kind: "request"; head: string[] }
  | { kind: "response"; response: HttpResponse }
  | { kind: "redirect"; url: string }
  | { kind: "done"; host: string; id: number; kept: boolean };

export interface FetchOptions {
  method?: string;
  headers?: readonly (readonly [string, string])[];
  body?: Uint8Array | string;
  /** Follow 301, 302, 303, 307, 308 (default true). */
  followRedirects?: boolean;
  maxRedirects?: number;
  /** Whole-request deadline per hop (default: the client's). */
  timeout?: Nanos;
  /** Called as the fetch progresses. */
  onEvent?: (e: FetchEvent) => void;
}

export interface HttpClientOptions {
  /** Idle connections kept per host (default 2). */
  maxIdlePerHost?: number;
  /** Default deadline per hop (default 30 s). */
  timeout?: Nanos;
  /** Default redirect limit (default 5). */
  maxRedirects?: number;
  userAgent?: string;
  /** Address family asked of DNS: 4 (default) or 6. */
  family?: 4 | 6;
  limits?: Partial<HttpLimits>;
}

/** A fetch in progress or finished. */
export class FetchRequest {
  private value: FetchResult | undefined;
  private readonly listeners: ((r: FetchResult) => void)[] = [];

  get finished(): boolean {
    return this.value !== undefined;
  }

  get result(): FetchResult | undefined {
    return this.value;
  }

  /** Calls `fn` with the result when known (at once if it is). */
  onDone(fn: (r: FetchResult) => void): this {
    if (this.value !== undefined) fn(this.value);
    else this.listeners.push(fn);
    return this;
  }

  /** For the client: sets the result once. */
  settle(r: FetchResult): void {
    if (this.value !== undefined) return;
    this.value = r;
    for (const fn of this.listeners) fn(r);
    this.listeners.length = 0;
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** An HTTP client on one node, with its connection pool. */
export class HttpClient {
  readonly pool: ConnectionPool;
  readonly userAgent: string;
  private readonly timeout: Nanos;
  private readonly maxRedirects: number;

  constructor(
    readonly node: Node,
    readonly options: HttpClientOptions = {},
  ) {
    this.pool = new ConnectionPool(node, options.maxIdlePerHost ?? 2, options.limits);
    this.userAgent = options.userAgent ?? "wirelab-http/1.0";
    this.timeout = options.timeout ?? sec(30);
    this.maxRedirects = options.maxRedirects ?? 5;
  }

  /** Fetches `url`; the result comes through the request's `onDone` and `callback`. */
  fetch(
    url: string,
    options: FetchOptions = {},
    callback?: (r: FetchResult) => void,
  ): FetchRequest {
    const request = new FetchRequest();
    if (callback) request.onDone(callback);
    // Timings are on the host's (monotonic) clock, as curl's -w figures are.
    const start = this.node.clock.monotonic();
    const redirects: string[] = [];
    const fail = (error: HttpClientError) =>
      this.node.sim.after(0, () => request.settle({ ok: false, error, redirects }));
    const first = parseUrl(url);
    if (first instanceof UrlError) {
      fail({ code: "EBADURL", message: first.detail, curlCode: 3 });
      return request;
    }
    const limit = options.maxRedirects ?? this.maxRedirects;
    const hop = (u: HttpUrl, method: string, body: Uint8Array | string | undefined): void => {
      this.once(u, method, body, options, (r) => {
        if (!r.ok) return request.settle({ ok: false, error: r.error, redirects });
        const location = r.response.headers.get("location");
        if (options.followRedirects !== false && REDIRECTS.has(r.status) && location) {
          if (redirects.length >= limit) {
            const message = `Maximum (${limit}) redirects followed`;
            return request.settle({
              ok: false,
              error: { code: "ETOOMANYREDIRECTS", message, curlCode: 47 },
              redirects,
            });
          }
          const next = resolveUrl(u, location);
          if (next instanceof UrlError) {
            const error = { code: "EBADURL" as const, message: next.detail, curlCode: 3 };
            return request.settle({ ok: false, error, redirects });
          }
          redirects.push(next.href);
          options.onEvent?.({ kind: "redirect", url: next.href });
          // RFC 9110 §15.4: 303 becomes GET; so do 301/302 after POST, as browsers do.
          const toGet =
            r.status === 303 || ((r.status === 301 || r.status === 302) && method === "POST");
          return hop(next, toGet ? "GET" : method, toGet ? undefined : body);
        }
        const timing = { ...r.timing, total: this.node.clock.monotonic() - start };
        request.settle({ ...r, timing, url: u.href, redirects });
      });
    };
    hop(
      first,
      (options.method ?? (options.body === undefined ? "GET" : "POST")).toUpperCase(),
      options.body,
    );
    return request;
  }

  get(url: string, callback?: (r: FetchResult) => void): FetchRequest {
    return this.fetch(url, {}, callback);
  }

  post(url: string, body: Uint8Array | string, callback?: (r: FetchResult) => void): FetchRequest {
    return this.fetch(url, { method: "POST", body }, callback);
  }

  /** Closes every pooled connection. */
  close(): void {
    this.pool.closeAll();
  }

  /** One request to one URL: a pooled connection or DNS + connect, then the exchange. */
  private once(
    u: HttpUrl,
    method: string,
    body: Uint8Array | string | undefined,
    options: FetchOptions,
    done: (r: FetchResult) => void,
  ): void {
    const sim = this.node.sim;
    const clock = this.node.clock;
    const start = clock.monotonic();
    const emit = options.onEvent ?? (() => {});
    const timing: FetchTiming = { dns: 0, connect: 0, firstByte: 0, total: 0 };
    let finished = false;
    let conn: PooledConnection | undefined;
    const deadline = clock.timer(() => {
      conn?.abort();
      finish(
        err(
          "ETIMEDOUT",
          `Operation timed out after ${(clock.monotonic() - start) / 1e6} milliseconds`,
          28,
        ),
      );
    });
    deadline.set(options.timeout ?? this.timeout);
    const finish = (r: FetchResult): void => {
      if (finished) return;
      finished = true;
      deadline.cancel();
      done(r);
    };
    const err = (
      code: HttpClientError["code"],
      message: string,
      curlCode: number,
    ): FetchResult => ({
      ok: false,
      error: { code, message, curlCode },
      redirects: [],
    });
    const headers = new HttpHeaders([
      ["Host", u.authority],
      ["User-Agent", this.userAgent],
      ["Accept", "*/*"],
    ]);
    for (const [n, v] of options.headers ?? []) headers.set(n, v);
    let bytes: Uint8Array;
    try {
      bytes = serializeRequest({
        method,
        target: u.target,
        headers,
        ...(body === undefined ? {} : { body }),
      });
    } catch (e) {
      sim.after(0, () => finish(err("EBADURL", String(e), 3)));
      return;
    }
    const key = `${u.hostname}:${u.port}`;
    const send = (c: PooledConnection, reused: boolean, retry: boolean): void => {
      conn = c;
      emit({ kind: "request", head: headLines(bytes) });
      c.exchange(method, bytes, {
        firstByte: () => {
          timing.firstByte = clock.monotonic() - start;
        },
        done: (r) => {
          if (finished) return;
          if (r.kind === "stale" && retry) {
            // A pooled connection the server had closed: try once more on a fresh one.
            return open();
          }
          if (r.kind !== "response") {
            const reset = r.kind === "stale" || r.kind === "reset";
            return finish(reset ? err("ECONNRESET", r.detail, 56) : err("EPROTO", r.detail, 56));
          }
          emit({ kind: "response", response: r.response });
          const kept = this.pool.release(key, c, r.persistent);
          emit({ kind: "done", host: u.hostname, id: c.id, kept });
          finish({
            ok: true,
            status: r.response.status,
            reason: r.response.reason,
            headers: r.response.headers,
            body: r.response.body,
            url: u.href,
            redirects: [],
            timing,
            reused,
            response: r.response,
          });
        },
      });
    };
    const connectTo = (address: string): void => {
      emit({ kind: "trying", address, port: u.port });
      let pc: PooledConnection | undefined;
      const c = this.pool.connect(key, { address, port: u.port }, (e) => {
        if (finished || pc === undefined) return;
        if (e !== null) {
          const ms = Math.round((clock.monotonic() - start) / 1e6);
          const where = `${u.hostname} port ${u.port} after ${ms} ms`;
          return finish(
            err(
              e.code === "ETIMEDOUT" ? "ETIMEDOUT" : "ECONNREFUSED",
              `Failed to connect to ${where}: ${e.message}`,
              e.code === "ETIMEDOUT" ? 28 : 7,
            ),
          );
        }
        timing.connect = clock.monotonic() - start;
        emit({ kind: "connected", host: u.hostname, address, port: u.port, id: pc.id });
        send(pc, false, false);
      });
      if (c instanceof TransportError) {
        sim.after(0, () => finish(err("ECONNREFUSED", c.message, 7)));
        return;
      }
      pc = c;
      conn = c;
    };
    const open = (): void => {
      if (u.host.kind !== "name") {
        const literal = u.host.kind === "ipv6" ? u.hostname.slice(1, -1) : u.hostname;
        return connectTo(literal);
      }
      lookup(this.node, u.host.name, {}, (r) => {
        if (finished) return;
        timing.dns = clock.monotonic() - start;
        if (!r.ok) return finish(err("ENOTFOUND", `Could not resolve host: ${u.hostname}`, 6));
        emit({ kind: "resolved", host: u.hostname, port: u.port, addresses: r.addresses });
        const want = this.options.family ?? 4;
        const pick = r.addresses.find((a) => a.family === want) ?? r.addresses[0];
        if (pick === undefined)
          return finish(err("ENOTFOUND", `Could not resolve host: ${u.hostname}`, 6));
        connectTo(pick.address);
      });
    };
    const idle = this.pool.take(key);
    if (idle !== undefined) {
      emit({ kind: "reused", host: u.hostname, id: idle.id });
      // Deferred so the callback never runs inside the caller's own call.
      sim.after(0, () => send(idle, true, true));
    } else open();
  }
}

/** The request's head as text lines, without the blank line (for verbose output). */
function headLines(bytes: Uint8Array): string[] {
  let end = 0;
  while (
    end + 3 < bytes.length &&
    !(bytes[end] === 13 && bytes[end + 1] === 10 && bytes[end + 2] === 13 && bytes[end + 3] === 10)
  )
    end++;
  let s = "";
  for (let i = 0; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s.split("\r\n");
}
