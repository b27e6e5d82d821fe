/**
 * The client's connections: each one carries one request at a time and parses the answer; the
 * pool keeps a few idle persistent ones per host:port for reuse (RFC 9112 §9.3, §9.4). A pooled
 * connection the server closed meanwhile is noticed by its FIN, or at worst on reuse, which the
 * client then retries once on a fresh connection.
 */
import type { Node } from "../../net/node.js";
import { type StreamSocket, sockets } from "../../socket/index.js";
import { TransportError } from "../../transport/errors.js";
import type { HttpLimits } from "./limits.js";
import { type HttpResponse, isPersistent } from "./message.js";
import { HttpParser } from "./parser.js";

/** How one exchange ended. */
export type ExchangeResult =
  | { kind: "response"; response: HttpResponse; persistent: boolean }
  /** Closed or reset before any byte of the answer: safe to retry on a new connection. */
  | { kind: "stale"; detail: string }
  | { kind: "reset"; detail: string }
  | { kind: "error"; detail: string };

interface Exchange {
  firstByte: () => void;
  done: (r: ExchangeResult) => void;
}

/** One client TCP connection. */
export class PooledConnection {
  private readonly parser: HttpParser<HttpResponse>;
  private current: Exchange | null = null;
  private gotBytes = false;
  closed = false;
  /** Requests sent on this connection. */
  requests = 0;

  constructor(
    /** curl's connection number (#0, #1, ...), per client. */
    readonly id: number,
    readonly socket: StreamSocket,
    limits: Partial<HttpLimits> | undefined,
    private readonly onGone: (c: PooledConnection) => void,
  ) {
    this.parser = HttpParser.responses(limits);
    socket.onData((d) => this.data(d));
    socket.onEnd(() => {
      const r = this.parser.end();
      const msg = r.messages.find((m) => m.status >= 200);
      this.end(); // the server is done with this connection; so are we
      if (msg !== undefined)
        return this.complete({ kind: "response", response: msg, persistent: false });
      if (r.error !== null) return this.complete({ kind: "error", detail: r.error.detail });
      this.complete({
        kind: this.gotBytes ? "reset" : "stale",
        detail: "connection closed by peer",
      });
    });
    socket.onError((e) => {
      this.gone();
      this.complete({ kind: this.gotBytes ? "reset" : "stale", detail: e.message });
    });
  }

  /** Sends a request and waits for its final response. */
  exchange(method: string, bytes: Uint8Array, handlers: Exchange): void {
    if (this.closed) {
      handlers.done({ kind: "stale", detail: "connection already closed" });
      return;
    }
    this.current = handlers;
    this.gotBytes = false;
    this.requests++;
    this.parser.expectResponseTo(method);
    this.socket.write(bytes);
  }

  /** Resets the connection (a deadline passed). */
  abort(): void {
    this.current = null;
    this.gone();
    this.socket.abort();
  }

  /** Ends our side politely. */
  end(): void {
    this.gone();
    this.socket.end();
  }

  private data(d: Uint8Array): void {
    if (this.current === null) {
      // Bytes nobody asked for (a stray 408 on an idle connection): the stream is unusable.
      this.end();
      return;
    }
    if (!this.gotBytes) {
      this.gotBytes = true;
      this.current.firstByte();
    }
    const r = this.parser.push(d);
    // 1xx interim responses (100 Continue) are skipped: the final one answers (RFC 9110 §15.2).
    const msg = r.messages.find((m) => m.status >= 200);
    if (msg !== undefined) {
      const persistent = isPersistent(msg) && r.error === null;
      if (!persistent) this.end();
      return this.complete({ kind: "response", response: msg, persistent });
    }
    if (r.error !== null) {
      this.end();
      this.complete({ kind: "error", detail: r.error.detail });
    }
  }

  private complete(r: ExchangeResult): void {
    const c = this.current;
    this.current = null;
    c?.done(r);
  }

  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    this.onGone(this);
  }
}

/** Idle persistent connections by "host:port". */
export class ConnectionPool {
  private readonly idle = new Map<string, PooledConnection[]>();
  private nextId = 0;
  /** Connections opened so far. */
  opened = 0;

  constructor(
    private readonly node: Node,
    private readonly maxIdlePerHost: number,
    private readonly limits: Partial<HttpLimits> | undefined,
  ) {}

  /** Opens a connection; `ready` gets null once connected, or the error. */
  connect(
    key: string,
    to: { address: string; port: number },
    ready: (e: TransportError | null) => void,
  ): PooledConnection | TransportError {
    const s = sockets(this.node).connect(to);
    if (s instanceof TransportError) return s;
    s.setNoDelay(true);
    this.opened++;
    let connected = false;
    const c = new PooledConnection(this.nextId++, s, this.limits, (gone) => this.drop(key, gone));
    s.onConnect(() => {
      connected = true;
      ready(null);
    });
    s.onError((e) => {
      if (!connected) ready(e);
    });
    return c;
  }

  /** An idle open connection to `key`, removed from the pool, or undefined. */
  take(key: string): PooledConnection | undefined {
    const list = this.idle.get(key);
    while (list !== undefined && list.length > 0) {
      const c = list.pop()!;
      if (!c.closed) return c;
    }
    return undefined;
  }

  /** Returns a connection after a response; true when it was kept for reuse. */
  release(key: string, c: PooledConnection, persistent: boolean): boolean {
    if (c.closed) return false;
    const list = this.idle.get(key) ?? [];
    this.idle.set(key, list);
    if (!persistent || list.length >= this.maxIdlePerHost) {
      c.end();
      return false;
    }
    list.push(c);
    return true;
  }

  /** Number of idle connections held. */
  get idleCount(): number {
    let n = 0;
    for (const l of this.idle.values()) n += l.length;
    return n;
  }

  /** Ends every idle connection. */
  closeAll(): void {
    for (const list of [...this.idle.values()]) for (const c of [...list]) c.end();
    this.idle.clear();
  }

  private drop(key: string, c: PooledConnection): void {
    const list = this.idle.get(key);
    if (list === undefined) return;
    const i = list.indexOf(c);
    if (i >= 0) list.splice(i, 1);
  }
}
