/**
 * Port bookkeeping for one protocol on one node: bindings keyed by (local address, port) where
 * address 0 is the wildcard, conflict rules as Linux applies them without SO_REUSEADDR, and
 * ephemeral ports drawn from Linux's default range 32768-60999 starting at a seeded random
 * offset (RFC 6056 §3.3.1 style: sequential from a random start).
 */
import type { RandomStream } from "../sim/random.js";

export const EPHEMERAL_LOW = 32768;
export const EPHEMERAL_HIGH = 60999;

/** A key for a local endpoint: the address as a string ("" for any) and the port. */
export function endpointKey(addr: string, port: number): string {
  return `${addr}|${port}`;
}

export class PortTable<T> {
  private readonly byKey = new Map<string, T>();
  /** Count of bindings per port, to check wildcard conflicts quickly. */
  private readonly perPort = new Map<number, number>();
  private next: number;

  constructor(rng: RandomStream) {
    this.next = EPHEMERAL_LOW + rng.nextInt(EPHEMERAL_HIGH - EPHEMERAL_LOW + 1);
  }

  /** True when binding (addr, port) would conflict with an existing binding. */
  conflicts(addr: string, port: number): boolean {
    if (addr === "") return (this.perPort.get(port) ?? 0) > 0;
    return this.byKey.has(endpointKey(addr, port)) || this.byKey.has(endpointKey("", port));
  }

  bind(addr: string, port: number, value: T): boolean {
    if (this.conflicts(addr, port)) return false;
    this.byKey.set(endpointKey(addr, port), value);
    this.perPort.set(port, (this.perPort.get(port) ?? 0) + 1);
    return true;
  }

  unbind(addr: string, port: number): void {
    if (this.byKey.delete(endpointKey(addr, port))) {
      const n = (this.perPort.get(port) ?? 1) - 1;
      if (n === 0) this.perPort.delete(port);
      else this.perPort.set(port, n);
    }
  }

  /** The binding for a packet to (addr, port): exact address first, then the wildcard. */
  lookup(addr: string, port: number): T | undefined {
    return this.byKey.get(endpointKey(addr, port)) ?? this.byKey.get(endpointKey("", port));
  }

  /** A free ephemeral port for `addr`, or undefined when the range is exhausted. */
  ephemeral(addr: string): number | undefined {
    const span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
    for (let i = 0; i < span; i++) {
      const port = this.next;
      this.next = port === EPHEMERAL_HIGH ? EPHEMERAL_LOW : port + 1;
      if (!this.conflicts(addr, port)) return port;
    }
    return undefined;
  }

  clear(): void {
    this.byKey.clear();
    this.perPort.clear();
  }
}
