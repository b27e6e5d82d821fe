/**
 * Request/response correlation over any duplex byte channel (TCP, or an in-memory pair in
 * tests): a table of pending requests keyed by id, a timeout per request on the host's clock
 * (or the simulator's, in tests without hosts), and failure of everything pending when the
 * connection closes. Both ends can call and serve. Callbacks, not promises: promise jobs would
 * run outside the simulator's event order.
 */
import { formatTime, type Nanos, NS_PER_S } from "../../sim/time.js";
import { ParseError } from "../../wire/parse-error.js";
import {
  type Envelope,
  envelopeToJson,
  type NotifyEnvelope,
  parseEnvelope,
  type RequestEnvelope,
  RpcError,
  requestIdOf,
} from "./envelope.js";
import {
  DEFAULT_MAX_MESSAGE,
  EncodeError,
  encodeFrame,
  type FrameDecoder,
  type Framing,
  frameDecoder,
  type JsonValue,
} from "./framing.js";

/**
 * A reliable, ordered byte stream between two ends: what a TCP connection offers. `write` may
 * be split or merged arbitrarily on the way; `onClose` fires once, for either side's close.
 */
export interface ByteChannel {
  write(bytes: Uint8Array): void;
  onData(cb: (bytes: Uint8Array) => void): void;
  onClose(cb: (reason?: string) => void): void;
  /** Closes the stream (optional: a channel without it is closed by its owner). */
  close?(): void;
}

/** What the endpoint needs for its timeouts: a host's clock (`node.clock`) or a Simulator. */
export interface RpcTimers {
  timer(fn: () => void): { set(delay: Nanos): void; cancel(): void };
}

export interface RpcOptions {
  /** Framing of the stream (default "length-prefixed"). */
  framing?: Framing;
  /** Largest message in bytes (default 1 MiB). */
  maxMessageSize?: number;
  /** Default time to wait for a response (default 5 s). */
  timeout?: Nanos;
}

/** The outcome of a request. */
export type RpcResult = { ok: true; result: JsonValue } | { ok: false; error: RpcError };

/** How a handler answers a request, now or later; the first answer wins, a second is a bug. */
export interface RpcReply {
  ok(result: JsonValue): void;
  fail(code: string, message: string, data?: JsonValue): void;
  /** True once answered (or once the connection closed, when answering is pointless). */
  readonly done: boolean;
}

/** Serves one method. Exceptions are bugs and propagate; failures go through `reply.fail`. */
export type RpcHandler = (
  params: JsonValue | undefined,
  reply: RpcReply,
  request: RequestEnvelope,
) => void;

/** Receives one kind of notification. */
export type NotifyHandler = (params: JsonValue | undefined, message: NotifyEnvelope) => void;

/** Counters for tests and reports. */
export interface RpcStats {
  requestsSent: number;
  requestsServed: number;
  responsesReceived: number;
  notificationsSent: number;
  notificationsReceived: number;
  timeouts: number;
  /** Responses to no pending request: late (after a timeout), duplicated or unknown. */
  lateResponses: number;
  /** Well-framed JSON that was not a valid envelope. */
  invalidMessages: number;
  /** Notifications nobody handles. */
  unhandledNotifications: number;
  framingErrors: number;
}

interface Pending {
  readonly method: string;
  readonly callback: (r: RpcResult) => void;
  readonly timer: { cancel(): void };
  readonly timeout: Nanos;
}

/** One end of an RPC connection. */
export class RpcEndpoint {
  readonly stats: RpcStats = {
    requestsSent: 0,
    requestsServed: 0,
    responsesReceived: 0,
    notificationsSent: 0,
    notificationsReceived: 0,
    timeouts: 0,
    lateResponses: 0,
    invalidMessages: 0,
    unhandledNotifications: 0,
    framingErrors: 0,
  };
  private readonly framing: Framing;
  private readonly maxMessageSize: number;
  private readonly defaultTimeout: Nanos;
  private readonly decoder: FrameDecoder;
  /** Requests awaiting a response, in id (= insertion) order. */
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, RpcHandler>();
  private readonly notifyHandlers = new Map<string, NotifyHandler>();
  private readonly closeListeners: ((reason: string) => void)[] = [];
  private nextId = 1;
  private isClosed = false;

  constructor(
    private readonly timers: RpcTimers,
    private readonly channel: ByteChannel,
    options: RpcOptions = {},
  ) {
    this.framing = options.framing ?? "length-prefixed";
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE;
    this.defaultTimeout = options.timeout ?? 5 * NS_PER_S;
    this.decoder = frameDecoder(this.framing, { maxMessageSize: this.maxMessageSize });
    channel.onData((bytes) => this.receive(bytes));
    channel.onClose((reason) => this.shutdown(reason ?? "connection closed"));
  }

  /** True once the connection has closed (either side). */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Requests awaiting a response. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Serves `method`; replaces an earlier handler. */
  handle(method: string, handler: RpcHandler): void {
    this.handlers.set(method, handler);
  }

  /** Receives notifications named `method`. */
  onNotify(method: string, handler: NotifyHandler): void {
    this.notifyHandlers.set(method, handler);
  }

  /** Calls `fn(reason)` once when the connection closes. */
  onClose(fn: (reason: string) => void): void {
    this.closeListeners.push(fn);
  }

  /**
   * Sends a request; `callback` runs exactly once: with the result, the peer's error, or a local
   * timeout/closed/cancelled error. Returns the request id, or an error (and no callback) when
   * the connection is closed or the request cannot be encoded.
   */
  request(
    method: string,
    params: JsonValue | undefined,
    callback: (r: RpcResult) => void,
    options: { timeout?: Nanos } = {},
  ): number | RpcError {
    if (this.isClosed) return new RpcError("closed", "connection is closed");
    const id = this.nextId++;
    const env: RequestEnvelope =
      params === undefined
        ? { id, type: "request", method }
        : { id, type: "request", method, params };
    const problem = this.send(env);
    if (problem !== undefined) return problem;
    const timeout = options.timeout ?? this.defaultTimeout;
    const timer = this.timers.timer(() => this.expire(id));
    this.pending.set(id, { method, callback, timer, timeout });
    timer.set(timeout);
    this.stats.requestsSent++;
    return id;
  }

  /** Sends a one-way message; returns an error when closed or not encodable. */
  notify(method: string, params?: JsonValue): RpcError | undefined {
    if (this.isClosed) return new RpcError("closed", "connection is closed");
    const id = this.nextId++;
    const env: NotifyEnvelope =
      params === undefined
        ? { id, type: "notify", method }
        : { id, type: "notify", method, params };
    const problem = this.send(env);
    if (problem === undefined) this.stats.notificationsSent++;
    return problem;
  }

  /** Fails a pending request with "cancelled"; false if it is not pending. */
  cancel(id: number, why = "cancelled by caller"): boolean {
    const p = this.pending.get(id);
    if (p === undefined) return false;
    this.settle(id, p, { ok: false, error: new RpcError("cancelled", why) });
    return true;
  }

  /** Closes the connection; pending requests fail with "closed". */
  close(reason = "closed locally"): void {
    if (this.isClosed) return;
    this.channel.close?.();
    this.shutdown(reason);
  }

  private send(env: Envelope): RpcError | undefined {
    const bytes = encodeFrame(this.framing, envelopeToJson(env), {
      maxMessageSize: this.maxMessageSize,
    });
    if (bytes instanceof EncodeError) return new RpcError(bytes.code, bytes.message);
    this.channel.write(bytes);
    return undefined;
  }

  /**
   * Sends an error response, shortening its message (then dropping its data) when the whole
   * would exceed the maximum message size, so a small limit cannot silence error replies.
   */
  private sendError(id: number | null, error: RpcError): void {
    const attempts = [
      error,
      new RpcError(error.code, error.message.slice(0, this.maxMessageSize >> 2)),
      new RpcError(error.code, ""),
    ];
    for (const e of attempts) {
      if (this.send({ id, type: "response", error: e }) === undefined) return;
    }
  }

  private settle(id: number, p: Pending, r: RpcResult): void {
    p.timer.cancel();
    this.pending.delete(id);
    p.callback(r);
  }

  private expire(id: number): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.stats.timeouts++;
    const after = `${formatTime(p.timeout)} s`;
    this.settle(id, p, {
      ok: false,
      error: new RpcError("timeout", `no response to ${p.method} #${id} within ${after}`),
    });
  }

  private receive(bytes: Uint8Array): void {
    if (this.isClosed) return;
    for (const r of this.decoder.push(bytes)) {
      if (this.isClosed) return;
      if (r instanceof ParseError) this.framingError(r);
      else this.dispatch(r.value, r.offset);
    }
  }

  /** Issue 5: a framing error gets an error reply, then the connection is closed. */
  private framingError(e: ParseError): void {
    this.stats.framingErrors++;
    this.sendError(null, new RpcError("parse-error", e.message));
    this.close(`framing error: ${e.message}`);
  }

  private dispatch(value: JsonValue, offset: number): void {
    const env = parseEnvelope(value, offset);
    if (env instanceof ParseError) {
      this.stats.invalidMessages++;
      // JSON-RPC 2.0 §5: answer an invalid request, by id when one can be read, else null.
      const id = requestIdOf(value);
      this.sendError(id, new RpcError("invalid-request", env.message));
      return;
    }
    if (env.type === "response") return this.onResponse(env.id, env.error, env.result);
    if (env.type === "notify") {
      this.stats.notificationsReceived++;
      const h = this.notifyHandlers.get(env.method);
      if (h === undefined) this.stats.unhandledNotifications++;
      else h(env.params, env);
      return;
    }
    this.serve(env);
  }

  private onResponse(id: number | null, error: RpcError | undefined, result?: JsonValue): void {
    const p = id === null ? undefined : this.pending.get(id);
    if (id === null || p === undefined) {
      this.stats.lateResponses++;
      return;
    }
    this.stats.responsesReceived++;
    this.settle(
      id,
      p,
      error === undefined ? { ok: true, result: result ?? null } : { ok: false, error },
    );
  }

  private serve(req: RequestEnvelope): void {
    this.stats.requestsServed++;
    const handler = this.handlers.get(req.method);
    let answered = false;
    const answer = (result: JsonValue | undefined, error: RpcError | undefined) => {
      if (answered) throw new Error(`request ${req.method} #${req.id} answered twice`);
      answered = true;
      if (this.isClosed) return;
      if (error !== undefined) return this.sendError(req.id, error);
      const problem = this.send({ id: req.id, type: "response", result: result ?? null });
      // A result that cannot be sent becomes an error the peer can see.
      if (problem !== undefined) this.sendError(req.id, problem);
    };
    const endpoint = this;
    const reply: RpcReply = {
      ok: (result) => answer(result, undefined),
      fail: (code, message, data) => answer(undefined, new RpcError(code, message, data)),
      get done() {
        return answered || endpoint.isClosed;
      },
    };
    if (handler === undefined) {
      reply.fail("method-not-found", `no method "${req.method}"`);
      return;
    }
    handler(req.params, reply, req);
  }

  private shutdown(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    // Fail in id order, which is the order the requests were made.
    for (const [id, p] of [...this.pending]) {
      this.settle(id, p, {
        ok: false,
        error: new RpcError(
          "closed",
          `connection closed before ${p.method} #${id} was answered: ${reason}`,
        ),
      });
    }
    for (const fn of this.closeListeners) fn(reason);
  }
}
