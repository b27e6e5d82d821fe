/**
 * A listening socket (RFC 9293 LISTEN): the local endpoint, the settings given to accepted
 * connections, and the backlog. With callbacks there is no accept queue to fill (a connection is
 * handed over as soon as it is ESTABLISHED), so the backlog bounds the half-open connections in
 * SYN-RECEIVED; SYNs beyond it are dropped silently, as Linux drops them when its queue is full.
 */
import type { Endpoint } from "../udp.js";
import type { TcpConfig } from "./config.js";
import type { TcpConnection } from "./connection.js";

/** Node's default backlog (and a common SOMAXCONN). */
export const TCP_DEFAULT_BACKLOG = 511;

/** Counters of a listener. */
export interface TcpListenerStats {
  /** SYNs that created a connection. */
  synsReceived: number;
  /** Connections handed to the application. */
  accepted: number;
  /** SYNs dropped because the backlog was full. */
  synsDropped: number;
}

/** What a listener needs from its layer. */
export interface TcpListenerHost {
  unlisten(listener: TcpListener): void;
}

export class TcpListener {
  /** Half-open connections (SYN-RECEIVED), in arrival order. */
  private readonly embryos = new Set<TcpConnection>();
  private open = true;
  readonly stats: TcpListenerStats = { synsReceived: 0, accepted: 0, synsDropped: 0 };

  constructor(
    private readonly host: TcpListenerHost,
    /** Bound address ("0.0.0.0" for any, both families) and port. */
    readonly local: Endpoint,
    readonly backlog: number,
    /** Settings for accepted connections. */
    readonly config: TcpConfig,
    private readonly onConnection: (conn: TcpConnection) => void,
  ) {}

  get closed(): boolean {
    return !this.open;
  }

  /** Half-open connections now. */
  get pending(): number {
    return this.embryos.size;
  }

  /** True when another SYN may create a connection. */
  get hasRoom(): boolean {
    return this.open && this.embryos.size < this.backlog;
  }

  /** Stops listening; half-open connections are reset, established ones are unaffected. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.host.unlisten(this);
    for (const c of [...this.embryos]) c.abort();
    this.embryos.clear();
  }

  /** The layer created `conn` from a SYN. */
  adopt(conn: TcpConnection): void {
    this.stats.synsReceived++;
    this.embryos.add(conn);
    conn.listener = this;
  }

  /** `conn` completed its handshake: hand it to the application. */
  established(conn: TcpConnection): void {
    this.embryos.delete(conn);
    if (!this.open) {
      conn.abort();
      return;
    }
    this.stats.accepted++;
    this.onConnection(conn);
  }

  /** `conn` died before completing its handshake. */
  forget(conn: TcpConnection): void {
    this.embryos.delete(conn);
  }
}
