/**
 * DNS over TCP (RFC 7766): every message goes with a two-byte length in front (RFC 1035 §4.2.2),
 * since a byte stream has no datagram edges. `TcpDnsTransport` is the client (one connection per
 * query, closed once the answer is in), `listenDnsTcp` the server side a `DnsServer` uses. Both
 * run on socket callbacks and simulator timers only, so runs stay in the simulator's order.
 */
import type { Node } from "../../net/node.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import { type Nanos, sec } from "../../sim/time.js";
import { type StreamServer, type StreamSocket, sockets } from "../../socket/index.js";
import { TransportError } from "../../transport/errors.js";
import type { Endpoint } from "../../transport/udp.js";
import { DNS_PORT, type DnsServer } from "./server.js";
import type {
  DnsPending,
  DnsTransport,
  DnsTransportOptions,
  DnsTransportResult,
} from "./transport.js";

/** Bytes of the length prefix (RFC 1035 §4.2.2). */
const PREFIX = 2;

/** `message` with its two-byte length in front, or undefined if it cannot be framed. */
export function frameDnsMessage(message: Uint8Array): Uint8Array | undefined {
  if (message.length > 0xffff) return undefined;
  const framed = new Uint8Array(PREFIX + message.length);
  framed[0] = message.length >>> 8;
  framed[1] = message.length & 0xff;
  framed.set(message, PREFIX);
  return framed;
}

/**
 * Reassembles length-prefixed messages from a byte stream that TCP may cut anywhere, even in the
 * middle of a prefix. `push` returns the messages completed by a chunk; a zero length, which no
 * DNS message can have, is a framing error (the stream cannot be trusted past it).
 */
export class DnsFramer {
  private buffer = new Uint8Array(0);
  /** Set once a zero length arrived; nothing more is read. */
  broken = false;

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.broken) return [];
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    const out: Uint8Array[] = [];
    let at = 0;
    while (joined.length - at >= PREFIX) {
      const length = (joined[at]! << 8) | joined[at + 1]!;
      if (length === 0) {
        this.broken = true;
        this.buffer = new Uint8Array(0);
        return out;
      }
      if (joined.length - at - PREFIX < length) break;
      out.push(joined.slice(at + PREFIX, at + PREFIX + length));
      at += PREFIX + length;
    }
    this.buffer = joined.slice(at);
    return out;
  }

  /** Bytes of an unfinished message held back. */
  get pending(): number {
    return this.buffer.length;
  }
}

/** Counters of a TCP transport. */
export interface TcpDnsTransportStats {
  /** Connections opened (one per query). */
  connections: number;
  /** Messages from the server that `accept` refused (wrong id or question). */
  mismatched: number;
  timeouts: number;
  /** Refused, reset, unreachable, or closed before a whole answer came. */
  errors: number;
}

/**
 * DNS over TCP from one node. Each query opens its own connection, sends the framed query, reads
 * framed messages until `accept` takes one, and closes. A connection per query is what stubs and
 * most resolvers do for TC fallback; RFC 7766 §6.2.1's reuse and pipelining are left out, which
 * costs a handshake per query but keeps a slow answer from holding up others.
 */
export class TcpDnsTransport implements DnsTransport {
  readonly protocol = "TCP" as const;
  readonly stats: TcpDnsTransportStats = { connections: 0, mismatched: 0, timeouts: 0, errors: 0 };

  constructor(private readonly node: Node) {}

  query(
    server: Endpoint,
    bytes: Uint8Array,
    options: DnsTransportOptions,
    done: (result: DnsTransportResult) => void,
  ): DnsPending {
    const sim = this.node.sim;
    let socket: StreamSocket | undefined;
    let timer: LocalTimer | undefined;
    let over = false;
    const finish = (result: DnsTransportResult | null, reset = false): void => {
      if (over) return;
      over = true;
      timer?.cancel();
      // After the answer a FIN is polite; after a timeout or a cancel nothing more is wanted
      // from the server, so RST frees both ends at once.
      if (reset) socket?.abort();
      else socket?.close();
      if (result !== null) done(result);
    };
    const failed = (error: TransportError): void => {
      this.stats.errors++;
      finish({ kind: "error", error });
    };
    const framed = frameDnsMessage(bytes);
    const connected =
      framed === undefined
        ? new TransportError("EMSGSIZE", `a ${bytes.length}-byte message cannot be framed`)
        : sockets(this.node).connect({ address: server.address, port: server.port });
    if (connected instanceof TransportError) {
      // Reported on a later event, like every result (see transport.ts).
      sim.after(0, () => failed(connected));
      return { cancel: () => finish(null) };
    }
    socket = connected;
    this.stats.connections++;
    // Written now: the socket keeps it until the handshake is done.
    socket.write(framed!);
    const framer = new DnsFramer();
    socket.onData((chunk) => {
      if (over) return;
      for (const message of framer.push(chunk)) {
        if (options.accept(message)) {
          return finish({ kind: "response", bytes: message, from: connected.remote });
        }
        this.stats.mismatched++;
      }
      if (framer.broken) failed(new TransportError("ECONNRESET", "bad framing from the server"));
    });
    socket.onEnd(() => {
      if (over) return;
      const detail = framer.pending > 0 ? "in the middle of a message" : "without an answer";
      failed(new TransportError("ECONNRESET", `${server.address} closed ${detail}`));
    });
    socket.onError((e) => {
      if (!over) failed(e);
    });
    timer = this.node.clock.after(options.timeout, () => {
      this.stats.timeouts++;
      finish({ kind: "timeout" }, true);
    });
    return { cancel: () => finish(null, true) };
  }
}

export interface DnsTcpListenOptions {
  /** TCP port (default: the server's, 53). */
  port?: number;
  /** Local addresses (default every address; the wildcards "0.0.0.0" and "::" are one listener). */
  addresses?: string[];
  /**
   * How long a connection may sit with no query and no answer owed before the server closes it
   * (default 10 s). RFC 7766 §6.2.3 asks servers to time idle clients out, in seconds.
   */
  idleTimeout?: Nanos;
}

/** Counters of a server's TCP side. */
export interface DnsTcpStats {
  connections: number;
  /** Connections closed by the idle timer. */
  idleClosed: number;
  /** Connections closed because the client's framing made no sense. */
  framingErrors: number;
}

/** The default idle timeout of server connections. */
export const DNS_TCP_IDLE_TIMEOUT = sec(10);

/** The TCP side of a DNS server: listeners, and the connections they accepted. */
export class DnsTcpListener {
  readonly stats: DnsTcpStats = { connections: 0, idleClosed: 0, framingErrors: 0 };
  readonly listeners: StreamServer[] = [];
  private readonly open = new Set<StreamSocket>();

  /** The local endpoints listened on. */
  get endpoints(): Endpoint[] {
    return this.listeners.map((l) => l.local);
  }

  /** Stops accepting and closes every connection. */
  close(): void {
    for (const l of this.listeners) l.close();
    this.listeners.length = 0;
    for (const s of [...this.open]) s.close();
    this.open.clear();
  }

  /** Serves one accepted connection. */
  serve(node: Node, server: DnsServer, socket: StreamSocket, idleTimeout: Nanos): void {
    this.stats.connections++;
    this.open.add(socket);
    const client: Endpoint = socket.remote;
    const framer = new DnsFramer();
    let owed = 0;
    let peerDone = false;
    let closed = false;
    let timer: LocalTimer | undefined;
    const shut = (): void => {
      if (closed) return;
      closed = true;
      timer?.cancel();
      this.open.delete(socket);
    };
    // The idle clock runs only while no answer is owed: a resolver's walk may take longer than
    // the idle timeout, and its answer must still find the connection open.
    const idle = (): void => {
      timer?.cancel();
      timer = undefined;
      if (closed || owed > 0) return;
      if (peerDone) {
        // The client has said all it will and has every answer: finish our side too.
        shut();
        socket.end();
        return;
      }
      timer = node.clock.after(idleTimeout, () => {
        timer = undefined;
        this.stats.idleClosed++;
        shut();
        socket.close();
      });
    };
    socket.onData((chunk) => {
      if (closed) return;
      const messages = framer.push(chunk);
      for (const message of messages) {
        owed++;
        // Answers may go back out of order (RFC 7766 §7): the id tells the client which is which.
        let answered = false;
        const droppedBefore = server.stats.dropped;
        server.handle(message, client, "tcp", (response) => {
          if (answered) return;
          answered = true;
          owed--;
          const framed = frameDnsMessage(response);
          if (!closed && framed !== undefined) socket.write(framed);
          idle();
        });
        // A query `handle` dropped (too short, or a response) owes nothing.
        if (!answered && server.stats.dropped > droppedBefore) {
          answered = true;
          owed--;
        }
      }
      if (framer.broken) {
        this.stats.framingErrors++;
        shut();
        socket.close();
        return;
      }
      idle();
    });
    socket.onEnd(() => {
      peerDone = true;
      idle();
    });
    socket.onClose(() => shut());
    idle();
  }
}

/**
 * Listens for DNS over TCP on `node` and answers through `server` (the same checks and
 * responder as its UDP side, without truncation). Returns the first listen error otherwise.
 */
export function listenDnsTcp(
  node: Node,
  server: DnsServer,
  options: DnsTcpListenOptions = {},
): DnsTcpListener | TransportError {
  const tcp = new DnsTcpListener();
  const port = options.port ?? DNS_PORT;
  const idleTimeout = options.idleTimeout ?? DNS_TCP_IDLE_TIMEOUT;
  // TCP's wildcard covers both families, so "0.0.0.0" and "::" are the same listener.
  const wanted = new Set<string | undefined>();
  for (const a of options.addresses ?? [""]) {
    wanted.add(a === "" || a === "0.0.0.0" || a === "::" ? undefined : a);
  }
  for (const address of wanted) {
    const l = sockets(node).listen(
      port,
      (socket) => tcp.serve(node, server, socket, idleTimeout),
      address === undefined ? {} : { address },
    );
    if (l instanceof TransportError) {
      tcp.close();
      return l;
    }
    tcp.listeners.push(l);
  }
  return tcp;
}
