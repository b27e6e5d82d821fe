/**
 * A `node:net`-shaped facade over the native sockets: `net(node).createServer(...)`,
 * `.connect(...)` / `.createConnection(...)`, with Node's events and error codes. What Node does
 * on a later tick happens here on a simulator event at the same virtual time.
 */
import { EventEmitter } from "node:events";
import type { Node } from "../../net/node.js";
import { TransportError } from "../../transport/errors.js";
import { type StreamServer, sockets } from "../sockets.js";
import { SystemError } from "./dgram.js";
import { Socket, type SocketOptions } from "./net-socket.js";

export { Socket, type SocketOptions } from "./net-socket.js";

/** Options of createServer (Node's names). */
export interface ServerOptions {
  allowHalfOpen?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  highWaterMark?: number;
}

/** Options of connect / createConnection (Node's names). */
export interface NetConnectOptions extends SocketOptions {
  port: number;
  host?: string;
  localAddress?: string;
  localPort?: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  timeout?: number;
}

/** Node's net.Server, on a simulated host. */
export class Server extends EventEmitter {
  /** True between 'listening' and close(). */
  listening = false;
  private handle: StreamServer | undefined;
  private readonly open = new Set<Socket>();
  private closing = false;

  constructor(
    private readonly node: Node,
    private readonly options: ServerOptions,
    connectionListener?: (socket: Socket) => void,
  ) {
    super();
    if (connectionListener) this.on("connection", connectionListener);
  }

  /** listen(port[, host][, backlog][, callback]) or listen({ port, host, backlog }[, callback]) */
  listen(...args: unknown[]): this {
    const cb = typeof args[args.length - 1] === "function" ? (args.pop() as () => void) : undefined;
    let port = 0;
    let host: string | undefined;
    let backlog: number | undefined;
    if (typeof args[0] === "object" && args[0] !== null) {
      const o = args[0] as { port?: number; host?: string; backlog?: number };
      port = o.port ?? 0;
      host = o.host;
      backlog = o.backlog;
    } else {
      if (typeof args[0] === "number" || typeof args[0] === "string") port = Number(args[0]);
      if (typeof args[1] === "string") host = args[1];
      const b = typeof args[1] === "number" ? args[1] : args[2];
      if (typeof b === "number") backlog = b;
    }
    if (cb) this.once("listening", cb);
    this.node.sim.after(0, () => {
      const s = sockets(this.node).listen(port, (core) => this.accept(core), {
        ...(host === undefined ? {} : { address: host }),
        ...(backlog === undefined ? {} : { backlog }),
      });
      if (s instanceof TransportError) {
        this.emit("error", new SystemError(s.code, s.message, "listen"));
        return;
      }
      this.handle = s;
      this.listening = true;
      this.closing = false;
      this.emit("listening");
    });
    return this;
  }

  /** The bound address, or null when not listening. */
  address(): { address: string; family: string; port: number } | null {
    if (!this.handle || !this.listening) return null;
    const { address, port } = this.handle.local;
    return { address, family: address.includes(":") ? "IPv6" : "IPv4", port };
  }

  /** Stops accepting; 'close' follows once every accepted socket has closed. */
  close(callback?: (err?: Error) => void): this {
    if (!this.listening) {
      const err = new SystemError("ERR_SERVER_NOT_RUNNING", "Server is not running.", "close");
      this.node.sim.after(0, () => callback?.(err));
      return this;
    }
    if (callback) this.once("close", () => callback());
    this.listening = false;
    this.closing = true;
    this.handle?.close();
    this.node.sim.after(0, () => this.maybeClosed());
    return this;
  }

  /** Calls back with the number of open connections. */
  getConnections(callback: (err: Error | null, count: number) => void): void {
    const n = this.open.size;
    this.node.sim.after(0, () => callback(null, n));
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  private accept(core: import("../stream-socket.js").StreamSocket): void {
    const o = this.options;
    const socket = new Socket(this.node.sim, {
      allowHalfOpen: o.allowHalfOpen ?? false,
      ...(o.highWaterMark === undefined ? {} : { highWaterMark: o.highWaterMark }),
    });
    socket.attach(core, true);
    if (o.noDelay) socket.setNoDelay(true);
    if (o.keepAlive) socket.setKeepAlive(true, o.keepAliveInitialDelay ?? 0);
    this.open.add(socket);
    socket.once("close", () => {
      this.open.delete(socket);
      this.maybeClosed();
    });
    this.emit("connection", socket);
  }

  private maybeClosed(): void {
    if (this.closing && this.open.size === 0) {
      this.closing = false;
      this.emit("close");
    }
  }
}

/** The net module of a simulated host. */
export interface NetModule {
  createServer(connectionListener?: (socket: Socket) => void): Server;
  createServer(options: ServerOptions, connectionListener?: (socket: Socket) => void): Server;
  /** connect(port[, host][, connectListener]) or connect(options[, connectListener]) */
  connect(port: number, host?: string, connectListener?: () => void): Socket;
  connect(port: number, connectListener?: () => void): Socket;
  connect(options: NetConnectOptions, connectListener?: () => void): Socket;
  /** The same as connect. */
  createConnection: NetModule["connect"];
}

/** The net module of a simulated host `node`. */
export function net(node: Node): NetModule {
  const createServer = (
    a?: ServerOptions | ((socket: Socket) => void),
    b?: (socket: Socket) => void,
  ): Server => (typeof a === "function" ? new Server(node, {}, a) : new Server(node, a ?? {}, b));
  const connect = (...args: unknown[]): Socket => {
    const cb = typeof args[args.length - 1] === "function" ? (args.pop() as () => void) : undefined;
    const o: NetConnectOptions =
      typeof args[0] === "object" && args[0] !== null
        ? (args[0] as NetConnectOptions)
        : { port: Number(args[0]), ...(typeof args[1] === "string" ? { host: args[1] } : {}) };
    return open(node, o, cb);
  };
  return { createServer, connect, createConnection: connect } as NetModule;
}

function open(node: Node, o: NetConnectOptions, cb: (() => void) | undefined): Socket {
  const socket = new Socket(node.sim, o);
  if (cb) socket.once("connect", cb);
  if (o.timeout !== undefined) socket.setTimeout(o.timeout);
  if (o.noDelay) socket.setNoDelay(true);
  if (o.keepAlive) socket.setKeepAlive(true, o.keepAliveInitialDelay ?? 0);
  const host = o.host === undefined || o.host === "localhost" ? "127.0.0.1" : o.host;
  const core = sockets(node).connect({
    address: host,
    port: o.port,
    ...(o.localAddress === undefined ? {} : { localAddress: o.localAddress }),
    ...(o.localPort === undefined ? {} : { localPort: o.localPort }),
  });
  if (core instanceof TransportError) {
    socket.connecting = true;
    socket.fail(new SystemError(core.code, `${core.message} (${host}:${o.port})`, "connect"));
  } else socket.attach(core, false);
  return socket;
}
