/**
 * The error codes transport operations report, with the names POSIX and Node use, so the
 * Node-shaped facades can raise them unchanged. Inside the engine they are values, not throws.
 */
export type TransportErrorCode =
  /** The address and port are already bound. */
  | "EADDRINUSE"
  /** The address is not one of this node's. */
  | "EADDRNOTAVAIL"
  /** No ephemeral port is free. */
  | "EAGAIN"
  /** The peer refused: RST for TCP, ICMP port unreachable for UDP. */
  | "ECONNREFUSED"
  | "ECONNRESET"
  | "ETIMEDOUT"
  /** No route to the destination. */
  | "ENETUNREACH"
  | "EHOSTUNREACH"
  /** A datagram too big to send without fragmentation when DF is set, or beyond 65,507 bytes. */
  | "EMSGSIZE"
  /** The socket is closed. */
  | "EBADF"
  /** The node is down (crashed). */
  | "ENETDOWN"
  | "EINVAL";

/** A failed operation: its code and a sentence saying what happened. */
export class TransportError {
  readonly kind = "transport-error" as const;
  constructor(
    readonly code: TransportErrorCode,
    readonly message: string,
  ) {}
  toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

export function isTransportError(x: unknown): x is TransportError {
  return x instanceof TransportError;
}
