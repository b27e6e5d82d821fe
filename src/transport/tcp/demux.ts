/**
 * The connection table of one node: connections by 4-tuple, found with a numeric hash of the
 * tuple's 32-bit words and chained buckets (a link in each connection), so a lookup allocates
 * nothing and compares numbers, never builds a string key. Also the small tuple helpers the
 * layer shares: the checksum pseudo-header and the local address as the port table's key.
 */
import { formatIpv4, type Ipv6Address } from "../../wire/address.js";
import type { PseudoHeader } from "../../wire/checksum.js";
import type { TcpConnection } from "./connection.js";
import { tupleHash } from "./isn.js";

/** A connection's 4-tuple: IPv4 addresses as numbers, IPv6 ones as `Ipv6Address`. */
export interface TcpTuple {
  readonly family: 4 | 6;
  /** IPv4 addresses (0 over IPv6). */
  readonly local4: number;
  readonly remote4: number;
  /** IPv6 addresses (undefined over IPv4). */
  readonly local6: Ipv6Address | undefined;
  readonly remote6: Ipv6Address | undefined;
  readonly localPort: number;
  readonly remotePort: number;
}

export class ConnectionTable {
  private readonly buckets = new Map<number, TcpConnection>();
  /** Words of the last tuple passed to `words` (read by ISN and timestamp hashing). */
  readonly scratch = new Uint32Array(9);
  /** Connections held. */
  size = 0;

  /** Writes the tuple's words (local address, remote address, ports) to `scratch`. */
  words(t: TcpTuple): number {
    if (t.family === 4) return this.words4(t.local4, t.remote4, t.localPort, t.remotePort);
    return this.words6(t.local6!, t.remote6!, t.localPort, t.remotePort);
  }

  /** Adds a connection (its tuple must be unique). */
  insert(conn: TcpConnection): void {
    conn.hash = tupleHash(this.scratch, this.words(conn.tuple));
    conn.nextInBucket = this.buckets.get(conn.hash);
    this.buckets.set(conn.hash, conn);
    this.size++;
  }

  /** Removes a connection; harmless if absent. */
  remove(conn: TcpConnection): void {
    let prev: TcpConnection | undefined;
    let c = this.buckets.get(conn.hash);
    while (c !== undefined && c !== conn) {
      prev = c;
      c = c.nextInBucket;
    }
    if (c === undefined) return;
    if (prev !== undefined) prev.nextInBucket = conn.nextInBucket;
    else if (conn.nextInBucket === undefined) this.buckets.delete(conn.hash);
    else this.buckets.set(conn.hash, conn.nextInBucket);
    conn.nextInBucket = undefined;
    this.size--;
  }

  /** The IPv4 connection with this tuple. */
  find4(local: number, remote: number, lport: number, rport: number): TcpConnection | undefined {
    const h = tupleHash(this.scratch, this.words4(local, remote, lport, rport));
    for (let c = this.buckets.get(h); c !== undefined; c = c.nextInBucket) {
      const t = c.tuple;
      if (
        t.family === 4 &&
        t.local4 === local &&
        t.remote4 === remote &&
        t.localPort === lport &&
        t.remotePort === rport
      ) {
        return c;
      }
    }
    return undefined;
  }

  /** The IPv6 connection with this tuple. */
  find6(
    local: Ipv6Address,
    remote: Ipv6Address,
    lport: number,
    rport: number,
  ): TcpConnection | undefined {
    const h = tupleHash(this.scratch, this.words6(local, remote, lport, rport));
    for (let c = this.buckets.get(h); c !== undefined; c = c.nextInBucket) {
      const t = c.tuple;
      if (
        t.family === 6 &&
        t.localPort === lport &&
        t.remotePort === rport &&
        t.local6!.equals(local) &&
        t.remote6!.equals(remote)
      ) {
        return c;
      }
    }
    return undefined;
  }

  /** Every connection, in bucket order (for a crash, which drops them all). */
  all(): TcpConnection[] {
    const out: TcpConnection[] = [];
    for (const head of this.buckets.values()) {
      for (let c: TcpConnection | undefined = head; c !== undefined; c = c.nextInBucket)
        out.push(c);
    }
    return out;
  }

  clear(): void {
    this.buckets.clear();
    this.size = 0;
  }

  private words4(local: number, remote: number, lport: number, rport: number): number {
    const w = this.scratch;
    w[0] = local;
    w[1] = remote;
    w[2] = (lport << 16) | rport;
    return 3;
  }

  private words6(l: Ipv6Address, r: Ipv6Address, lport: number, rport: number): number {
    const w = this.scratch;
    w[0] = l.w0;
    w[1] = l.w1;
    w[2] = l.w2;
    w[3] = l.w3;
    w[4] = r.w0;
    w[5] = r.w1;
    w[6] = r.w2;
    w[7] = r.w3;
    w[8] = (lport << 16) | rport;
    return 9;
  }
}

/** The local address as the port table keys it. */
export function localKey(t: TcpTuple): string {
  return t.family === 4 ? formatIpv4(t.local4) : t.local6!.toString();
}

/** The checksum pseudo-header of segments sent on this tuple. */
export function pseudoOf(t: TcpTuple): PseudoHeader {
  return t.family === 4
    ? { family: 4, src: t.local4, dst: t.remote4 }
    : { family: 6, src: t.local6!, dst: t.remote6! };
}

/** A tuple from its parts (IPv4 when the addresses are numbers). */
export function tupleOf(
  local: number | Ipv6Address,
  remote: number | Ipv6Address,
  localPort: number,
  remotePort: number,
): TcpTuple {
  if (typeof local === "number" && typeof remote === "number") {
    return {
      family: 4,
      local4: local,
      remote4: remote,
      local6: undefined,
      remote6: undefined,
      localPort,
      remotePort,
    };
  }
  return {
    family: 6,
    local4: 0,
    remote4: 0,
    local6: local as Ipv6Address,
    remote6: remote as Ipv6Address,
    localPort,
    remotePort,
  };
}
