/**
 * Distributing one file from a server to N clients over real TCP connections, two ways (the
 * seeds' client/server against peer-to-peer comparison; Kurose & Ross §2.5):
 *
 * - client-server: the server sends the whole file to every client, so its uplink carries N
 *   copies and the time grows with N (at least N·F/u_s);
 * - peer-to-peer: the file is cut into N pieces; the server sends piece i to client i only (one
 *   copy in all), and client i relays piece i, as it arrives, to every other client. Each
 *   client's uplink carries (N-1)/N of a copy, so the time stays near max(F/u_s, F/d, ...) as N
 *   grows: the scheme from the textbook's proof of the peer-to-peer lower bound.
 *
 * Every stream starts with a header of two 32-bit big-endian words, the piece's offset in the
 * file and its length, then the piece's bytes. The file is a pattern of its offsets, so every
 * received byte is checked where it lands.
 */
import type { Node } from "../../net/node.js";
import type { Nanos } from "../../sim/time.js";
import { sockets } from "../../socket/sockets.js";
import type { StreamSocket } from "../../socket/stream-socket.js";
import { isTransportError } from "../../transport/errors.js";
import { getU32, setU32 } from "../../wire/bytes.js";

/** The file's byte at `offset`. */
export function fileByte(offset: number): number {
  return (offset * 7 + (offset >>> 9)) & 0xff;
}

/** How the file travels. */
export type DistributionMode = "client-server" | "peer-to-peer";

/** A host taking part, with the address the others reach it at. */
export interface DistributionHost {
  node: Node;
  address: string;
}

/** Options of a distribution. */
export interface FileDistributionOptions {
  mode: DistributionMode;
  server: DistributionHost;
  clients: readonly DistributionHost[];
  /** File size in bytes. */
  bytes: number;
  /** TCP port every client listens on (default 8800). */
  port?: number;
}

const HEADER = 8;

/** [offset, length) of piece `i` of `n` pieces of a file of `bytes` bytes. */
export function pieceOf(i: number, n: number, bytes: number): [number, number] {
  const from = Math.floor((i * bytes) / n);
  return [from, Math.floor(((i + 1) * bytes) / n) - from];
}

function header(offset: number, length: number): Uint8Array {
  const h = new Uint8Array(HEADER);
  setU32(h, 0, offset);
  setU32(h, 4, length);
  return h;
}

/** The file's bytes [from, from + length). */
function fileSlice(from: number, length: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = fileByte(from + i);
  return b;
}

/** One distribution run: starts on construction, reports per-client completion times. */
export class FileDistribution {
  readonly startedAt: Nanos;
  /** When each client held the whole file (undefined while it does not). */
  readonly completedAt: (Nanos | undefined)[];
  /** Bytes each client received and checked. */
  readonly received: number[];
  /** Received bytes that did not match the file at their offset. */
  corrupt = 0;
  /** Bytes of file data the server and the clients wrote to their connections. */
  serverUploaded = 0;
  readonly clientUploaded: number[];
  /** Connections that failed (refused, reset, timed out). */
  errors = 0;
  private readonly doneFns: (() => void)[] = [];

  constructor(private readonly options: FileDistributionOptions) {
    const n = options.clients.length;
    if (n < 1) throw new RangeError("need at least one client");
    if (!(Number.isInteger(options.bytes) && options.bytes >= n && options.bytes < 2 ** 32)) {
      throw new RangeError("file size must be a whole number of bytes, at least one per client");
    }
    // An outside observer's stopwatch (the distribution-time measurement), so true time.
    this.startedAt = options.server.node.sim.now;
    this.completedAt = new Array<Nanos | undefined>(n).fill(undefined);
    this.received = new Array<number>(n).fill(0);
    this.clientUploaded = new Array<number>(n).fill(0);
    const port = options.port ?? 8800;
    options.clients.forEach((c, i) => {
      const server = sockets(c.node).listen(port, (s) => this.accept(i, s));
      if (isTransportError(server)) throw new Error(`${c.node.name}: ${server.message}`);
    });
    options.clients.forEach((c, i) => {
      const [from, length] =
        options.mode === "client-server" ? [0, options.bytes] : pieceOf(i, n, options.bytes);
      this.send(options.server.node, c.address, from, fileSlice(from, length), -1);
    });
  }

  get finished(): boolean {
    return this.completedAt.every((t) => t !== undefined);
  }

  /** The time the last client completed, from the start. */
  get duration(): Nanos | undefined {
    if (!this.finished) return undefined;
    return Math.max(...(this.completedAt as Nanos[])) - this.startedAt;
  }

  onDone(fn: () => void): void {
    if (this.finished) fn();
    else this.doneFns.push(fn);
  }

  /** Opens a connection from `node` to `address` and streams one piece; `by` -1 is the server. */
  private send(node: Node, address: string, offset: number, data: Uint8Array, by: number): void {
    const s = sockets(node).connect({ address, port: this.options.port ?? 8800 });
    if (isTransportError(s)) {
      this.errors++;
      return;
    }
    s.onError(() => this.errors++);
    s.write(header(offset, data.length));
    s.write(data);
    s.end();
    if (by < 0) this.serverUploaded += data.length;
    else this.clientUploaded[by]! += data.length;
  }

  /** Opens the relays of client `i`: one connection to every other client. */
  private relays(i: number, offset: number, length: number): StreamSocket[] {
    const out: StreamSocket[] = [];
    this.options.clients.forEach((c, j) => {
      if (j === i) return;
      const s = sockets(this.options.clients[i]!.node).connect({
        address: c.address,
        port: this.options.port ?? 8800,
      });
      if (isTransportError(s)) {
        this.errors++;
        return;
      }
      s.onError(() => this.errors++);
      s.write(header(offset, length));
      out.push(s);
    });
    return out;
  }

  /** Client `i` reads one incoming piece, checks it, and relays it when it came from the server. */
  private accept(i: number, s: StreamSocket): void {
    const head = new Uint8Array(HEADER);
    let headBytes = 0;
    let offset = 0;
    let length = 0;
    let got = 0;
    let relays: StreamSocket[] = [];
    const fromServer = s.remote.address === this.options.server.address;
    s.onData((chunk) => {
      let at = 0;
      if (headBytes < HEADER) {
        const take = Math.min(HEADER - headBytes, chunk.length);
        head.set(chunk.subarray(0, take), headBytes);
        headBytes += take;
        at = take;
        if (headBytes < HEADER) return;
        offset = getU32(head, 0);
        length = getU32(head, 4);
        if (fromServer && this.options.mode === "peer-to-peer")
          relays = this.relays(i, offset, length);
      }
      const data = chunk.subarray(at, Math.min(chunk.length, at + length - got));
      for (let k = 0; k < data.length; k++) {
        if (data[k] !== fileByte(offset + got + k)) this.corrupt++;
      }
      got += data.length;
      for (const r of relays) r.write(data);
      this.clientUploaded[i]! += data.length * relays.length;
      this.arrived(i, data.length);
      if (got === length) for (const r of relays) r.end();
    });
    s.onEnd(() => s.close());
  }

  private arrived(i: number, n: number): void {
    if (n === 0) return;
    this.received[i]! += n;
    if (this.received[i] === this.options.bytes && this.completedAt[i] === undefined) {
      this.completedAt[i] = this.options.server.node.sim.now;
      if (this.finished) for (const fn of this.doneFns) fn();
    }
  }
}
