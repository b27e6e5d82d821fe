/**
 * What a DHCP lease changes on a host, and undoes when it ends: the address with its prefix and
 * connected route, a default route through the lease's router, and the lease's DNS servers at
 * the head of the node's resolver configuration (as dhclient rewrites /etc/resolv.conf).
 */
import { addIpv4Address, removeIpv4Address } from "../../net/address-config.js";
import type { Interface } from "../../net/interface.js";
import { formatIpv4, type Ipv4 } from "../../wire/address.js";
import { Ipv4Prefix } from "../../wire/prefix.js";
import { resolvConf } from "../dns/resolv-conf.js";

/** The configuration a lease carries. */
export interface DhcpLeaseParameters {
  address: Ipv4;
  prefixLength: number;
  router: Ipv4 | undefined;
  dnsServers: Ipv4[];
}

/** What was actually changed, so that exactly that can be undone. */
export interface AppliedDhcpLease {
  readonly iface: Interface;
  readonly address: Ipv4;
  readonly router: Ipv4 | undefined;
  /** Name servers this lease added to the resolver configuration. */
  readonly nameservers: string[];
}

const DEFAULT_ROUTE = new Ipv4Prefix(0, 0);

/** Prefix length from a contiguous netmask; undefined when the mask has holes. */
export function netmaskLength(mask: number): number | undefined {
  const inv = ~mask >>> 0;
  if ((inv & (inv + 1)) !== 0) return undefined;
  return 32 - Math.log2(inv + 1);
}

/** Applies a lease's parameters to `iface` and its node. */
export function applyDhcpLease(iface: Interface, p: DhcpLeaseParameters): AppliedDhcpLease {
  const node = iface.owner;
  addIpv4Address(iface, p.address, p.prefixLength);
  const prefix = new Ipv4Prefix(p.address, p.prefixLength);
  let router: Ipv4 | undefined;
  if (p.router !== undefined && prefix.contains(p.router) && p.router !== p.address) {
    node.routes.add4({ prefix: DEFAULT_ROUTE, iface, via: p.router, metric: 0, origin: "dhcp" });
    router = p.router;
  }
  const conf = resolvConf(node);
  const added = p.dnsServers.map(formatIpv4).filter((s) => !conf.nameservers.includes(s));
  conf.nameservers.unshift(...added);
  return { iface, address: p.address, router, nameservers: added };
}

/** Undoes `applyDhcpLease`. */
export function removeDhcpLease(a: AppliedDhcpLease): void {
  const node = a.iface.owner;
  if (a.router !== undefined) {
    const r = node.routes.v4.get(DEFAULT_ROUTE);
    if (r?.origin === "dhcp" && r.iface === a.iface) node.routes.remove4(DEFAULT_ROUTE, "dhcp");
  }
  removeIpv4Address(a.iface, a.address);
  const conf = resolvConf(node);
  conf.nameservers = conf.nameservers.filter((s) => !a.nameservers.includes(s));
}
