/**
 * A `node:dgram`-shaped facade over wirelab's UDP sockets, so code written for Node's dgram runs
 * on a simulated host unchanged: `createSocket("udp4")`, `bind`, `send`, `connect`, `close`,
 * `address()`, and the events "listening", "message" (a Buffer and an rinfo), "connect", "error",
 * "close". Whatever Node does on a later tick happens here on a later simulator event at the
 * same virtual time, never on a real timer, so runs stay deterministic.
 */
import { EventEmitter } from "node:events";
import type { Node } from "../../net/node.js";
import { TransportError } from "../../transport/errors.js";
import { type UdpMessage, type UdpSocket, udp } from "../../transport/udp.js";

/** An error with a Node-style `code` ("EADDRINUSE", "ECONNREFUSED", ...). */
export class SystemError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly syscall: string,
  ) {
    super(`${syscall} ${code}: ${message}`);
    this.name = "Error";
  }
}

export interface RemoteInfo {
  address: string;
  family: "IPv4" | "IPv6";
  port: number;
  size: number;
}

type SocketType = "udp4" | "udp6";

/** What `send` accepts as a message. */
export type DgramPayload = Uint8Array | string | (Uint8Array | string)[];

/** Called once a datagram has been handed to the network, or failed to be. */
export type SendCallback = (error: Error | null, bytes?: number) => void;

/** Node's dgram.Socket, on a simulated host. */
export class DgramSocket extends EventEmitter {
  private socket: UdpSocket | undefined;
  private closed = false;
  private connected: { port: number; address: string } | undefined;
  private ttl: number | undefined;

  constructor(
    private readonly node: Node,
    readonly type: SocketType,
  ) {
    super();
  }

  /** bind([port][, address][, callback]) */
  bind(...args: unknown[]): this {
    const cb = typeof args[args.length - 1] === "function" ? (args.pop() as () => void) : undefined;
    let port = 0;
    let address = "";
    if (typeof args[0] === "object" && args[0] !== null) {
      const o = args[0] as { port?: number; address?: string };
      port = o.port ?? 0;
      address = o.address ?? "";
    } else {
      if (typeof args[0] === "number") port = args[0];
      if (typeof args[1] === "string") address = args[1];
    }
    if (address === "" && this.type === "udp6") address = "::";
    if (this.socket !== undefined)
      throw new SystemError("ERR_SOCKET_ALREADY_BOUND", "Socket is already bound", "bind");
    const s = udp(this.node).bind(port, address);
    this.later(() => {
      if (s instanceof TransportError) {
        this.emit("error", new SystemError(s.code, s.message, "bind"));
        return;
      }
      this.attach(s);
      cb?.();
      this.emit("listening");
    });
    if (!(s instanceof TransportError)) this.socket = s;
    return this;
  }

  /** send(msg[, offset, length][, port][, address][, callback]) */
  send(msg: DgramPayload, port?: number, address?: string, callback?: SendCallback): void;
  send(msg: DgramPayload, port: number, callback: SendCallback): void;
  send(msg: DgramPayload, callback: SendCallback): void;
  send(
    msg: DgramPayload,
    offset: number,
    length: number,
    port?: number,
    address?: string,
    callback?: SendCallback,
  ): void;
  send(msg: DgramPayload, ...rest: unknown[]): void {
    const cb =
      typeof rest[rest.length - 1] === "function"
        ? (rest.pop() as (e: Error | null, n?: number) => void)
        : undefined;
    let data: Uint8Array;
    if (Array.isArray(msg))
      data = Buffer.concat(msg.map((m) => (typeof m === "string" ? Buffer.from(m) : m)));
    else data = typeof msg === "string" ? Buffer.from(msg) : msg;
    // As Node decides: (msg, offset, length, port, address) when unconnected and given a port
    // after offset and length; (msg, offset, length) when connected; else (msg, port, address).
    const sliced = this.connected ? typeof rest[1] === "number" : rest.length >= 3;
    if (sliced) {
      const offset = rest.shift() as number;
      const length = rest.shift() as number;
      data = data.subarray(offset, offset + length);
    }
    let port = rest[0] as number | undefined;
    let address = rest[1] as string | undefined;
    if (this.connected) {
      if (port !== undefined)
        throw new SystemError("ERR_SOCKET_DGRAM_IS_CONNECTED", "Already connected", "send");
      port = this.connected.port;
      address = this.connected.address;
    }
    address ??= this.type === "udp4" ? "127.0.0.1" : "::1";
    if (this.socket === undefined) this.bind();
    const target = port;
    const to = address;
    this.later(() => {
      if (this.closed || this.socket === undefined) return;
      const err = this.socket.send(
        data,
        target,
        to,
        this.ttl !== undefined ? { ttl: this.ttl } : {},
      );
      if (err !== undefined) {
        const e = new SystemError(err.code, err.message, "send");
        if (cb) cb(e);
        else this.emit("error", e);
        return;
      }
      cb?.(null, data.length);
    });
  }

  /** connect(port[, address][, callback]) */
  connect(port: number, address?: string | (() => void), callback?: () => void): void {
    const cb = typeof address === "function" ? address : callback;
    const addr = typeof address === "string" ? address : this.type === "udp4" ? "127.0.0.1" : "::1";
    if (this.connected)
      throw new SystemError("ERR_SOCKET_DGRAM_IS_CONNECTED", "Already connected", "connect");
    this.connected = { port, address: addr };
    if (this.socket === undefined) this.bind();
    this.later(() => {
      const err = this.socket?.connect(port, addr);
      if (err instanceof TransportError) {
        this.connected = undefined;
        this.emit("error", new SystemError(err.code, err.message, "connect"));
        return;
      }
      cb?.();
      this.emit("connect");
    });
  }

  disconnect(): void {
    if (!this.connected)
      throw new SystemError("ERR_SOCKET_DGRAM_NOT_CONNECTED", "Not connected", "disconnect");
    this.connected = undefined;
    if (this.socket) this.socket.remote = undefined;
  }

  remoteAddress(): { address: string; family: string; port: number } {
    if (!this.connected)
      throw new SystemError("ERR_SOCKET_DGRAM_NOT_CONNECTED", "Not connected", "getpeername");
    return { address: this.connected.address, family: this.family, port: this.connected.port };
  }

  address(): { address: string; family: string; port: number } {
    if (this.socket === undefined) throw new SystemError("EBADF", "Not running", "getsockname");
    return {
      address: this.socket.local.address,
      family: this.family,
      port: this.socket.local.port,
    };
  }

  setTTL(ttl: number): number {
    this.ttl = ttl;
    return ttl;
  }

  /** Broadcast is always allowed on the simulated network; accepted for compatibility. */
  setBroadcast(_flag: boolean): void {}

  close(callback?: () => void): this {
    if (this.closed) return this;
    this.closed = true;
    this.socket?.close();
    if (callback) this.once("close", callback);
    this.later(() => this.emit("close"));
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  private get family(): "IPv4" | "IPv6" {
    return this.type === "udp4" ? "IPv4" : "IPv6";
  }

  private attach(s: UdpSocket): void {
    s.onMessage((m: UdpMessage) => {
      if (this.closed) return;
      if (
        this.connected &&
        (m.from.port !== this.connected.port || m.from.address !== s.remote?.address)
      )
        return;
      const rinfo: RemoteInfo = {
        address: m.from.address,
        family: this.family,
        port: m.from.port,
        size: m.data.length,
      };
      this.emit("message", Buffer.from(m.data), rinfo);
    });
    s.onError((e) => {
      // Like Linux, only a connected socket hears about ICMP errors.
      if (this.connected && !this.closed)
        this.emit("error", new SystemError(e.error.code, e.error.message, "recv"));
    });
  }

  /** Runs `fn` on a later simulator event at the current virtual time (Node's "next tick"). */
  private later(fn: () => void): void {
    this.node.sim.after(0, fn);
  }
}

/** The dgram module of a simulated host. */
export function dgram(node: Node): {
  createSocket(
    type: SocketType | { type: SocketType },
    listener?: (msg: Buffer, rinfo: RemoteInfo) => void,
  ): DgramSocket;
} {
  return {
    createSocket(type, listener) {
      const t = typeof type === "string" ? type : type.type;
      const s = new DgramSocket(node, t);
      if (listener) s.on("message", listener);
      return s;
    },
  };
}
