/**
 * A DHCP server's address pool and lease table: a range of addresses, who holds each one and
 * until when, and the address each client last had, so a returning client gets it back when it
 * is free (RFC 2131 §4.3.1). Pure bookkeeping: the server owns time and timers.
 */
import type { Nanos } from "../../sim/time.js";
import { formatIpv4, type Ipv4 } from "../../wire/address.js";

/** Offered: reserved while the client decides. Bound: leased. Declined: in use by someone unknown. */
export type DhcpLeaseState = "offered" | "bound" | "declined";

export interface DhcpPoolLease {
  readonly address: Ipv4;
  /** Client key: client identifier, else hardware type and address (RFC 2131 §4.2). */
  readonly client: string;
  state: DhcpLeaseState;
  /** When the lease (or offer, or decline hold) ends. */
  expires: Nanos;
}

export class DhcpLeasePool {
  private readonly byAddress = new Map<Ipv4, DhcpPoolLease>();
  private readonly byClient = new Map<string, DhcpPoolLease>();
  /** The address each client held last, kept after its lease ends. */
  private readonly previous = new Map<string, Ipv4>();

  constructor(
    /** First and last address of the range, inclusive. */
    readonly first: Ipv4,
    readonly last: Ipv4,
    /** Addresses in the range never to lease (the server's own, for instance). */
    private readonly excluded: ReadonlySet<Ipv4> = new Set(),
  ) {
    if (last < first)
      throw new RangeError(`pool ${formatIpv4(first)}-${formatIpv4(last)} is empty`);
  }

  /** Addresses the pool can lease. */
  get size(): number {
    let n = this.last - this.first + 1;
    for (const a of this.excluded) if (this.inRange(a)) n--;
    return n;
  }

  inRange(a: Ipv4): boolean {
    return a >= this.first && a <= this.last;
  }

  /** True when the pool may lease `a`. */
  leasable(a: Ipv4): boolean {
    return this.inRange(a) && !this.excluded.has(a);
  }

  /** The lease on an address, if any. */
  holder(a: Ipv4): DhcpPoolLease | undefined {
    return this.byAddress.get(a);
  }

  /** The client's current lease or offer, if any. */
  leaseOf(client: string): DhcpPoolLease | undefined {
    return this.byClient.get(client);
  }

  /** The address the client held last, if it is still free. */
  previousFree(client: string): Ipv4 | undefined {
    const a = this.previous.get(client);
    return a !== undefined && this.byAddress.get(a) === undefined ? a : undefined;
  }

  /** The lowest free address, or undefined when the pool is exhausted. */
  firstFree(): Ipv4 | undefined {
    for (let a = this.first; a <= this.last; a++) {
      if (!this.excluded.has(a) && !this.byAddress.has(a)) return a;
    }
    return undefined;
  }

  /** Gives `address` to `client` in `state`, ending the client's lease on any other address. */
  set(address: Ipv4, client: string, state: DhcpLeaseState, expires: Nanos): DhcpPoolLease {
    const old = this.byClient.get(client);
    if (old !== undefined && old.address !== address) this.free(old.address);
    // The address's previous holder loses it; its client index goes only if it pointed here (a
    // declined hold is no client's lease, and that client may hold another address meanwhile).
    const other = this.byAddress.get(address);
    if (other !== undefined && this.byClient.get(other.client) === other) {
      this.byClient.delete(other.client);
    }
    const lease: DhcpPoolLease = { address, client, state, expires };
    this.byAddress.set(address, lease);
    // A declined address belongs to nobody we know; it does not count as the client's lease.
    if (state !== "declined") this.byClient.set(client, lease);
    else if (this.byClient.get(client)?.address === address) this.byClient.delete(client);
    return lease;
  }

  /** Frees an address; returns the lease it had. */
  free(address: Ipv4): DhcpPoolLease | undefined {
    const l = this.byAddress.get(address);
    if (l === undefined) return undefined;
    this.byAddress.delete(address);
    if (this.byClient.get(l.client) === l) this.byClient.delete(l.client);
    if (l.state === "bound") this.previous.set(l.client, address);
    return l;
  }

  /** Every lease, offer and decline hold, in address order. */
  leases(): DhcpPoolLease[] {
    return [...this.byAddress.values()].sort((a, b) => a.address - b.address);
  }
}
