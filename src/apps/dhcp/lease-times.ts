/**
 * A client's lease timing from an ACK: T1, T2 and expiry as absolute simulator times, made safe
 * against whatever a server sends (infinite leases, times out of order, times past the clock).
 */
import type { LocalTimer } from "../../sim/local-timer.js";
import { MAX_TIME, type Nanos, NS_PER_S } from "../../sim/time.js";
import type { DhcpMessage } from "../../wire/dhcp.js";
import type { DhcpLease } from "./client-types.js";

const SECOND = NS_PER_S;

/** RFC 2132 §9.2: a lease time of 0xffffffff means infinity. */
const INFINITE_LEASE = 0xffffffff;

function seconds(v: number): Nanos {
  return v === INFINITE_LEASE ? Number.POSITIVE_INFINITY : v * SECOND;
}

/**
 * T1, T2 and expiry from an ACK's options, as absolute times (infinite when they lie beyond the
 * simulator's clock). RFC 2131 §4.4.5: T1 and T2 default to 0.5 and 0.875 of the lease; they
 * are kept in order (T1 <= T2 <= expiry) whatever the server said.
 */
export function leaseTimes(
  o: DhcpMessage["options"],
  now: Nanos,
): Pick<DhcpLease, "t1" | "t2" | "expires"> {
  const lease = seconds(o.leaseTime ?? 3600);
  const at = (d: Nanos) => (now + d <= MAX_TIME ? now + d : Number.POSITIVE_INFINITY);
  const expires = at(lease);
  const t2 = Math.min(
    expires,
    at(o.rebindingTime !== undefined ? seconds(o.rebindingTime) : Math.round(lease * 0.875)),
  );
  const t1 = Math.min(
    t2,
    at(o.renewalTime !== undefined ? seconds(o.renewalTime) : Math.round(lease * 0.5)),
  );
  return { t1, t2, expires };
}

/** Half of a time left, with an hour standing in for half of forever. */
export function halfOf(left: Nanos): Nanos {
  return Number.isFinite(left) ? Math.floor(left / 2) : 3600 * SECOND;
}

/** Arms a timer for a finite time; an infinite one never fires. */
export function armAt(t: LocalTimer, at: Nanos): void {
  if (Number.isFinite(at)) t.setAt(at);
  else t.cancel();
}

export function formatSeconds(d: Nanos): string {
  return Number.isFinite(d) ? `${Math.round(d / SECOND)}s` : "ever";
}

export function sameConfig(a: DhcpLease, b: DhcpLease): boolean {
  return (
    a.address === b.address &&
    a.prefixLength === b.prefixLength &&
    a.router === b.router &&
    a.dnsServers.join() === b.dnsServers.join()
  );
}
