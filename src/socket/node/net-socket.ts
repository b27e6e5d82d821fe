/**
 * Node's net.Socket on a simulated host: a real stream.Duplex over the native StreamSocket.
 * Stream callbacks (_write, _final, _destroy) only schedule work; the network is touched inside
 * simulator events, so the packet trace depends only on event order (see pump.ts for why the
 * simulator must be driven by `runUntilSettled` when Node streams are in play).
 */
import { Duplex } from "node:stream";
import type { Simulator, Timer } from "../../sim/simulator.js";
import { ms } from "../../sim/time.js";
import type { StreamSocket } from "../stream-socket.js";
import { SystemError } from "./dgram.js";

/** Options of a Socket (Node's names). */
export interface SocketOptions {
  /** Keep the writable side open after the peer's FIN (default false: end it too). */
  allowHalfOpen?: boolean;
  /** Stream buffer sizes (Node's default 16 KiB). */
  highWaterMark?: number;
}

function family(address: string): "IPv4" | "IPv6" {
  return address.includes(":") ? "IPv6" : "IPv4";
}

/** Node's net.Socket, on a simulated host. */
export class Socket extends Duplex {
  /** True until the handshake completes (client sockets). */
  connecting = false;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  remoteFamily: string | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;
  /** Bytes handed to the network so far. */
  bytesWritten = 0;
  /** Bytes received so far. */
  bytesRead = 0;
  /** No native handle: Node's http uses its plain-stream paths. */
  readonly _handle = null;
  private core: StreamSocket | undefined;
  private writeDone: ((error?: Error | null) => void) | undefined;
  private idleMs = 0;
  private readonly idle: Timer;
  private failed = false;
  private noDelay: boolean | undefined;
  private keepAlive: [boolean, number] | undefined;

  constructor(
    private readonly sim: Simulator,
    options: SocketOptions = {},
  ) {
    super({
      allowHalfOpen: options.allowHalfOpen ?? false,
      emitClose: false,
      decodeStrings: true,
      ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
    });
    this.idle = sim.timer(() => this.emit("timeout"));
  }

  /** Attaches the native socket; `connected` for accepted ones, false while connecting. */
  attach(core: StreamSocket, connected: boolean): void {
    this.core = core;
    this.connecting = !connected;
    if (connected) this.learnAddresses();
    if (this.noDelay !== undefined) core.setNoDelay(this.noDelay);
    if (this.keepAlive) core.setKeepAlive(this.keepAlive[0], ms(this.keepAlive[1]));
    core.onConnect(() => {
      this.connecting = false;
      this.learnAddresses();
      this.touch();
      this.emit("connect");
      this.emit("ready");
    });
    core.onData((d) => {
      this.bytesRead += d.length;
      this.touch();
      if (!this.push(Buffer.from(d.buffer, d.byteOffset, d.length))) core.pause();
    });
    core.onEnd(() => this.push(null));
    core.onDrain(() => this.completeWrite());
    core.onError((e) => {
      this.failed = true;
      const { address, port } = core.remote;
      const error = new SystemError(e.code, e.message, this.connecting ? "connect" : "read");
      this.destroy(Object.assign(error, { address, port }));
    });
  }

  /** Fails the socket with an error found before any packet was sent (on a later event). */
  fail(error: Error): void {
    this.failed = true;
    this.sim.after(0, () => this.destroy(error));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (e?: Error | null) => void) {
    this.sim.after(0, () => {
      const core = this.core;
      if (core === undefined || this.destroyed) return callback(new Error("socket is closed"));
      this.bytesWritten += chunk.length;
      this.touch();
      this.writeDone = callback;
      if (core.write(chunk)) this.completeWrite();
    });
  }

  override _final(callback: (e?: Error | null) => void): void {
    this.sim.after(0, () => {
      this.core?.end();
      callback();
    });
  }

  override _read(): void {
    const core = this.core;
    if (core !== undefined) this.sim.after(0, () => core.resume());
  }

  override _destroy(error: Error | null, callback: (e?: Error | null) => void): void {
    this.sim.after(0, () => {
      this.idle.cancel();
      if (!this.failed) this.core?.close();
      callback(error);
      process.nextTick(() => this.emit("close", error !== null));
    });
  }

  /** Ends the writable side, then destroys once everything is flushed (Node's destroySoon). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once("finish", () => this.destroy());
  }

  /** Resets the connection (RST) and destroys the socket. */
  resetAndDestroy(): this {
    const core = this.core;
    this.failed = true;
    this.sim.after(0, () => core?.abort());
    return this.destroy();
  }

  /** Emits 'timeout' after `msecs` of inactivity (0 turns it off); virtual time. */
  setTimeout(msecs: number, callback?: () => void): this {
    this.idleMs = msecs;
    if (callback) this.once("timeout", callback);
    if (msecs === 0) this.idle.cancel();
    else this.touch();
    return this;
  }

  /** Disables (true) or re-enables Nagle's algorithm. */
  setNoDelay(noDelay = true): this {
    this.noDelay = noDelay;
    const core = this.core;
    if (core) this.sim.after(0, () => core.setNoDelay(noDelay));
    return this;
  }

  /** Enables TCP keep-alive, optionally after `initialDelay` ms of idleness. */
  setKeepAlive(enable = false, initialDelay = 0): this {
    this.keepAlive = [enable, initialDelay];
    const core = this.core;
    if (core)
      this.sim.after(0, () =>
        core.setKeepAlive(enable, initialDelay > 0 ? ms(initialDelay) : undefined),
      );
    return this;
  }

  /** The local endpoint, as Node's socket.address(). */
  address(): { address: string; family: string; port: number } | Record<string, never> {
    if (this.localAddress === undefined || this.localPort === undefined) return {};
    return { address: this.localAddress, family: family(this.localAddress), port: this.localPort };
  }

  /** "opening", "open", "readOnly", "writeOnly" or "closed", as Node reports it. */
  get readyState(): string {
    if (this.connecting) return "opening";
    if (this.readable && this.writable) return "open";
    if (this.readable) return "readOnly";
    if (this.writable) return "writeOnly";
    return "closed";
  }

  /** True before the socket is connected. */
  get pending(): boolean {
    return this.core === undefined || this.connecting;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  private completeWrite(): void {
    const cb = this.writeDone;
    this.writeDone = undefined;
    cb?.();
  }

  private touch(): void {
    if (this.idleMs > 0) this.idle.setAt(this.sim.now + ms(this.idleMs));
  }

  private learnAddresses(): void {
    const core = this.core;
    if (core === undefined) return;
    this.localAddress = core.local.address;
    this.localPort = core.local.port;
    this.remoteAddress = core.remote.address;
    this.remotePort = core.remote.port;
    this.remoteFamily = family(core.remote.address);
  }
}
