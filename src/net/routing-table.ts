/**
 * A node's routing tables, one per family, over the longest-prefix-match tries. Each route names
 * its interface, an optional gateway, a metric and who installed it; a route from a more trusted
 * origin (lower administrative distance, as in Cisco and FRR) is never replaced by a less trusted
 * one for the same prefix.
 */
import { formatIpv4, type Ipv4, type Ipv6Address } from "../wire/address.js";
import type { Ipv4Prefix, Ipv6Prefix } from "../wire/prefix.js";
import type { Interface } from "./interface.js";
import { Ipv4Table, Ipv6Table } from "./prefix-trie.js";

/** Who installed a route. */
export type RouteOrigin = "connected" | "static" | "global" | "rip" | "dhcp";

/** Administrative distance: lower wins. */
const DISTANCE: Record<RouteOrigin, number> = {
  connected: 0,
  static: 1,
  /** A lease's default route: as a static one (Linux installs it with proto dhcp). */
  dhcp: 1,
  global: 110,
  rip: 120,
};

export interface Route4 {
  prefix: Ipv4Prefix;
  iface: Interface;
  /** Next hop; absent for a directly connected destination. */
  via?: Ipv4;
  metric: number;
  origin: RouteOrigin;
}

export interface Route6 {
  prefix: Ipv6Prefix;
  iface: Interface;
  via?: Ipv6Address;
  metric: number;
  origin: RouteOrigin;
}

export class RoutingTable {
  readonly v4 = new Ipv4Table<Route4>();
  readonly v6 = new Ipv6Table<Route6>();

  /** Adds a route unless a more trusted one holds the prefix; returns whether it was installed. */
  add4(route: Route4): boolean {
    const old = this.v4.get(route.prefix);
    if (old && DISTANCE[old.origin] < DISTANCE[route.origin]) return false;
    this.v4.insert(route.prefix, route);
    return true;
  }

  add6(route: Route6): boolean {
    const old = this.v6.get(route.prefix);
    if (old && DISTANCE[old.origin] < DISTANCE[route.origin]) return false;
    this.v6.insert(route.prefix, route);
    return true;
  }

  /** Removes the route for a prefix if `origin` (when given) installed it. */
  remove4(prefix: Ipv4Prefix, origin?: RouteOrigin): boolean {
    const old = this.v4.get(prefix);
    if (!old || (origin !== undefined && old.origin !== origin)) return false;
    return this.v4.delete(prefix);
  }

  remove6(prefix: Ipv6Prefix, origin?: RouteOrigin): boolean {
    const old = this.v6.get(prefix);
    if (!old || (origin !== undefined && old.origin !== origin)) return false;
    return this.v6.delete(prefix);
  }

  lookup4(dst: Ipv4): Route4 | undefined {
    return this.v4.lookup(dst);
  }

  lookup6(dst: Ipv6Address): Route6 | undefined {
    return this.v6.lookup(dst);
  }

  /** Every IPv4 route, most specific last, like `ip route` prints them. */
  routes4(): Route4[] {
    return this.v4.entries().map((e) => e.value);
  }

  /** Every IPv6 route, most specific last. */
  routes6(): Route6[] {
    return this.v6.entries().map((e) => e.value);
  }

  /** Lines shaped like Linux `ip route`. */
  format4(): string[] {
    return this.routes4().map((r) => {
      const dst = r.prefix.length === 0 ? "default" : r.prefix.toString();
      const via = r.via === undefined ? "" : ` via ${formatIpv4(r.via)}`;
      return `${dst}${via} dev ${r.iface.name} proto ${r.origin} metric ${r.metric}`;
    });
  }
}
