/**
 * TLS and HTTPS between simulated hosts, using Node's own `tls` and `https` modules: the
 * simulated TCP connection of our `net` facade (a plain stream.Duplex) goes underneath a real
 * tls.TLSSocket, which Node wraps in its JS-stream adapter. OpenSSL does the cryptography with
 * real randomness, so ciphertext differs run to run; the simulator still decides every packet's
 * fate. Drive the simulation with runNodeUntilSettled, as for any Node stream.
 * A TLSSocket is a net.Socket whose setTimeout runs on real timers; ours are given virtual
 * ones (the TCP socket's idle timer) so that, e.g., an https server's keep-alive timeout runs
 * on simulated time, and the simulated addresses (remoteAddress, ...). The server's TLS
 * handshake timeout (120 s by default) stays on real time.
 */
import https from "node:https";
import tls from "node:tls";
import type { NetModule, Server } from "./net.js";
import { Socket } from "./net-socket.js";

/** Options of connectTls: Node's tls.connect options, with the simulated host and port. */
export interface TlsConnectOptions
  extends Omit<tls.ConnectionOptions, "socket" | "host" | "port" | "path" | "lookup"> {
  /** The server's address on the simulated network (also the name checked, unless servername). */
  host: string;
  port: number;
  localAddress?: string;
  localPort?: number;
  /** Keep writing after the peer's close (default false, as Node's tls.connect). */
  allowHalfOpen?: boolean;
}

/**
 * Opens a TLS connection over the simulated TCP of `netModule`'s host: a real tls.TLSSocket
 * with Node's events ('secureConnect', 'error' with codes such as
 * UNABLE_TO_VERIFY_LEAF_SIGNATURE or ERR_TLS_CERT_ALTNAME_INVALID).
 */
export function connectTls(
  netModule: NetModule,
  options: TlsConnectOptions,
  secureConnectListener?: () => void,
): tls.TLSSocket {
  const { host, port, localAddress, localPort, timeout, allowHalfOpen, ...rest } = options;
  const socket = netModule.connect({
    host,
    port,
    ...(localAddress === undefined ? {} : { localAddress }),
    ...(localPort === undefined ? {} : { localPort }),
  });
  // Node checks the certificate against servername, else host (tls.checkServerIdentity).
  const secure = tls.connect({ ...rest, host, port, socket }, secureConnectListener);
  letTlsEndTheConnection(socket);
  if (allowHalfOpen !== undefined) secure.allowHalfOpen = allowHalfOpen;
  virtualTimeouts(secure, socket);
  simulatedAddresses(secure, socket);
  if (timeout !== undefined) secure.setTimeout(timeout);
  return secure;
}

/**
 * A TLSSocket takes its allowHalfOpen from the socket it wraps, when it is made; after that, the
 * TCP socket below must stay half-open: if it ended its own writable side on the peer's FIN,
 * TLS could no longer finish writing (an echo would lose its tail). The TLS layer above, with
 * Node's usual allowHalfOpen, decides when the connection's writable side ends.
 */
function letTlsEndTheConnection(raw: Socket): void {
  raw.allowHalfOpen = true;
}

/**
 * Makes `secure.setTimeout` use the idle timer of the simulated TCP socket `raw` beneath it
 * (virtual time, reset by the connection's encrypted traffic) instead of Node's real timers,
 * with net.Socket's semantics: 0 turns it off, the callback is a 'timeout' listener.
 */
function virtualTimeouts(secure: tls.TLSSocket, raw: Socket): void {
  raw.on("timeout", () => secure.emit("timeout"));
  secure.setTimeout = (msecs: number, callback?: () => void) => {
    if (callback) {
      if (msecs === 0) secure.removeListener("timeout", callback);
      else secure.once("timeout", callback);
    }
    raw.setTimeout(msecs);
    return secure;
  };
}

/**
 * Node reads a TLSSocket's addresses from the handle below it, which for a wrapped stream has
 * none; answer with the simulated TCP socket's, as a TLSSocket over a real one would.
 */
function simulatedAddresses(secure: tls.TLSSocket, raw: Socket): void {
  const from = (get: () => unknown) => ({ get, configurable: true, enumerable: true });
  Object.defineProperties(secure, {
    remoteAddress: from(() => raw.remoteAddress),
    remotePort: from(() => raw.remotePort),
    remoteFamily: from(() => raw.remoteFamily),
    localAddress: from(() => raw.localAddress),
    localPort: from(() => raw.localPort),
  });
  secure.address = () => raw.address() as ReturnType<tls.TLSSocket["address"]>;
}

/** The simulated TCP socket under a server-side TLSSocket (Node's TLSWrap keeps its parent). */
function rawSocketOf(secure: tls.TLSSocket): Socket | undefined {
  const handle = (secure as unknown as { _handle?: { _parentWrap?: { stream?: unknown } } })
    ._handle;
  const raw = handle?._parentWrap?.stream;
  return raw instanceof Socket ? raw : undefined;
}

/**
 * A Node tls.Server (or https.Server) fed with the connections a simulated host accepts: each
 * facade socket is handed to the server exactly as Node's own listener would hand it a TCP
 * socket, and Node wraps it in a server-side TLSSocket.
 */
export class SimulatedSecureServer<S extends tls.Server = tls.Server> {
  /** The facade's TCP listener on the simulated host. */
  readonly listener: Server;

  constructor(
    /** Node's server: its 'secureConnection', 'tlsClientError', 'request' events are yours. */
    readonly server: S,
    netModule: NetModule,
  ) {
    const allowHalfOpen = (server as { allowHalfOpen?: boolean }).allowHalfOpen ?? false;
    this.listener = netModule.createServer({ allowHalfOpen }, (socket) => {
      server.emit("connection", socket); // Node wraps it in a TLSSocket, synchronously
      letTlsEndTheConnection(socket);
    });
    // First in line, so that https's own listener already sets virtual timeouts.
    server.prependListener("secureConnection", (secure: tls.TLSSocket) => {
      const raw = rawSocketOf(secure);
      if (raw === undefined) return;
      virtualTimeouts(secure, raw);
      simulatedAddresses(secure, raw);
    });
  }

  /** Listens on a TCP port of the simulated host; `callback` on 'listening'. */
  listen(port: number, callback?: () => void): this {
    this.listener.listen(port, callback);
    return this;
  }

  /** The simulated address and port, or null when not listening. */
  address(): ReturnType<Server["address"]> {
    return this.listener.address();
  }

  /** Stops accepting; `callback` once every accepted connection has closed. */
  close(callback?: (err?: Error) => void): this {
    this.listener.close(callback);
    return this;
  }
}

/**
 * A TLS server on a simulated host: Node's tls.createServer(options, onSecureConnection), fed by
 * the facade. Call `.listen(port)`.
 */
export function createTlsServer(
  netModule: NetModule,
  options: tls.TlsOptions,
  onSecureConnection?: (socket: tls.TLSSocket) => void,
): SimulatedSecureServer<tls.Server> {
  return new SimulatedSecureServer(tls.createServer(options, onSecureConnection), netModule);
}

/**
 * An HTTPS server on a simulated host: Node's https.createServer(options, onRequest), fed by
 * the facade. Call `.listen(443)`.
 */
export function createHttpsServer(
  netModule: NetModule,
  options: https.ServerOptions,
  onRequest?: Parameters<typeof https.createServer>[1],
): SimulatedSecureServer<https.Server> {
  const server = onRequest ? https.createServer(options, onRequest) : https.createServer(options);
  return new SimulatedSecureServer(server, netModule);
}

/**
 * An https.Agent whose connections are TLS over the simulated TCP of `netModule`'s host: pass it
 * as `agent` to https.request / https.get. Agent options (ca, keepAlive, maxSockets,
 * rejectUnauthorized, servername, ...) are Node's.
 */
export function httpsAgent(netModule: NetModule, options: https.AgentOptions = {}): https.Agent {
  const agent = new https.Agent(options);
  // The agent's connection factory is public API (agent.createConnection) but not in the types.
  Object.assign(agent, {
    createConnection: (o: tls.ConnectionOptions) =>
      connectTls(netModule, { ...o, host: o.host ?? "localhost", port: o.port ?? 443 }),
  });
  return agent;
}
