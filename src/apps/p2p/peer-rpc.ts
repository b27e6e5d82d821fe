/**
 * Requests and replies between peers over an overlay transport: each request carries an id
 * (`rid`), is resent after a timeout on the simulator clock up to a retry limit, and its reply
 * echoes the id. Callbacks, not promises, so work happens inside the simulator's run loop.
 */
import type { LocalTimer } from "../../sim/local-timer.js";
import type { Nanos } from "../../sim/time.js";
import type { OverlayMessage, OverlayTransport } from "./transport.js";

/** Timeouts and retries of a request. */
export interface RequestOptions {
  /** Time to wait for a reply before resending (default 300 ms). */
  timeout?: Nanos;
  /** Resends after the first attempt (default 2). */
  retries?: number;
}

/** A reply, or undefined when every attempt timed out. */
export type ReplyHandler = (reply: OverlayMessage | undefined, from: string) => void;

/** Answers a request: call `reply` at most once, now or later. */
export type RequestHandler = (
  from: string,
  request: OverlayMessage,
  reply: (body: OverlayMessage) => void,
) => void;

interface Pending {
  rpc: PeerRpc;
  rid: number;
  to: string;
  message: OverlayMessage;
  handler: ReplyHandler;
  timeout: Nanos;
  attemptsLeft: number;
  timer: LocalTimer | undefined;
}

/** Request/response and one-way messages, dispatched by the `t` member. */
export class PeerRpc {
  private nextRid = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, RequestHandler>();
  /** Counters for reports. */
  readonly stats = { requests: 0, resends: 0, timeouts: 0, replies: 0 };

  constructor(
    readonly transport: OverlayTransport,
    private readonly defaults: RequestOptions = {},
  ) {
    transport.onMessage((from, m) => this.receive(from, m));
    transport.onUpDown((up) => {
      if (!up) this.dropAll();
    });
  }

  /** Serves requests (and one-way messages) whose `t` is `type`. */
  handle(type: string, fn: RequestHandler): void {
    this.handlers.set(type, fn);
  }

  /** Sends a one-way message (no id, no reply, no retry). */
  notify(to: string, message: OverlayMessage): void {
    this.transport.send(to, message);
  }

  /** Sends a request; `handler` runs once, with the reply or with undefined after the retries. */
  request(
    to: string,
    message: OverlayMessage,
    handler: ReplyHandler,
    options?: RequestOptions,
  ): void {
    if (!this.transport.up) return;
    const rid = this.nextRid++;
    const p: Pending = {
      rpc: this,
      rid,
      to,
      message: { ...message, rid },
      handler,
      timeout: options?.timeout ?? this.defaults.timeout ?? 300_000_000,
      attemptsLeft: options?.retries ?? this.defaults.retries ?? 2,
      timer: undefined,
    };
    this.pending.set(rid, p);
    this.stats.requests++;
    this.transmit(p);
  }

  /** Requests in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  private transmit(p: Pending): void {
    this.transport.send(p.to, p.message);
    // The timeout runs on the peer's own clock, as a real program's does.
    p.timer ??= this.transport.clock.timer(() => this.expired(p));
    p.timer.set(p.timeout);
  }

  /** Called by the timeout event. */
  expired(p: Pending): void {
    if (this.pending.get(p.rid) !== p) return;
    if (p.attemptsLeft > 0 && this.transport.up) {
      p.attemptsLeft--;
      this.stats.resends++;
      this.transmit(p);
      return;
    }
    this.pending.delete(p.rid);
    this.stats.timeouts++;
    p.handler(undefined, p.to);
  }

  private receive(from: string, m: OverlayMessage): void {
    const t = m.t;
    if (t === "reply") {
      const rid = m.rid;
      const p = typeof rid === "number" ? this.pending.get(rid) : undefined;
      if (p === undefined) return; // late or duplicate reply
      this.pending.delete(p.rid);
      p.timer?.cancel();
      this.stats.replies++;
      p.handler(m, from);
      return;
    }
    if (typeof t !== "string") return;
    const h = this.handlers.get(t);
    if (h === undefined) return;
    const rid = m.rid;
    let replied = false;
    h(from, m, (body) => {
      if (replied || typeof rid !== "number" || !this.transport.up) return;
      replied = true;
      this.transport.send(from, { ...body, t: "reply", rid });
    });
  }

  private dropAll(): void {
    for (const p of this.pending.values()) {
      p.timer?.cancel();
    }
    this.pending.clear();
  }
}
