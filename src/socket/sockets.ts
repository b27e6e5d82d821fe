/**
 * The native sockets API of a node: `sockets(node).listen(port, onConnection)`,
 * `.connect({ address, port })` and `.bind(port)` for UDP, all over the transport layer's
 * TCP and UDP, with errors as values (TransportError) as everywhere in the engine.
 */
import type { Node } from "../net/node.js";
import { TransportError } from "../transport/errors.js";
import {
  type TcpConnectOptions,
  type TcpListener,
  type TcpListenOptions,
  tcp,
} from "../transport/tcp/index.js";
import { udp } from "../transport/udp.js";
import { DatagramSocket } from "./datagram.js";
import { StreamSocket } from "./stream-socket.js";

/** Options of `listen`: TCP settings for accepted connections, backlog, bind address. */
export interface ListenOptions extends TcpListenOptions {
  /** Local address to bind (default: every address). */
  address?: string;
  /** Send-queue size above which `write` says wait (default 0: as soon as TCP is full). */
  highWaterMark?: number;
}

/** Options of `connect`: TCP settings plus the socket's high-water mark. */
export interface StreamConnectOptions extends TcpConnectOptions {
  highWaterMark?: number;
}

/** A listening socket. */
export class StreamServer {
  constructor(
    /** The TCP listener underneath. */
    readonly listener: TcpListener,
  ) {}

  /** The bound address and port (the port chosen when 0 was asked for). */
  get local(): { address: string; port: number } {
    return this.listener.local;
  }

  /** Stops accepting; established connections go on. */
  close(): void {
    this.listener.close();
  }
}

/** The native socket API of `node`. */
export interface Sockets {
  /** Listens for TCP connections; `onConnection` gets each once it is established. */
  listen(
    port: number,
    onConnection: (socket: StreamSocket) => void,
    options?: ListenOptions,
  ): StreamServer | TransportError;
  /** Opens a TCP connection; `onConnect` / `onError` on the socket say how it went. */
  connect(
    to: { address: string; port: number },
    options?: StreamConnectOptions,
  ): StreamSocket | TransportError;
  /** Binds a UDP socket (port 0: ephemeral; address omitted: every address). */
  bind(port?: number, address?: string): DatagramSocket | TransportError;
}

/** The native socket API of `node`. */
export function sockets(node: Node): Sockets {
  return {
    listen(port, onConnection, options = {}) {
      const { address, highWaterMark, ...tcpOptions } = options;
      const hwm = highWaterMark === undefined ? {} : { highWaterMark };
      const l = tcp(node).listen(port, address, tcpOptions, (conn) =>
        onConnection(new StreamSocket(conn, { connected: true, ...hwm })),
      );
      return l instanceof TransportError ? l : new StreamServer(l);
    },
    connect(to, options = {}) {
      const { highWaterMark, ...tcpOptions } = options;
      const c = tcp(node).connect(to, tcpOptions);
      if (c instanceof TransportError) return c;
      return new StreamSocket(c, {
        connected: false,
        ...(highWaterMark === undefined ? {} : { highWaterMark }),
      });
    },
    bind(port = 0, address = "") {
      const s = udp(node).bind(port, address);
      return s instanceof TransportError ? s : new DatagramSocket(s);
    },
  };
}
