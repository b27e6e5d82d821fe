/**
 * Addresses configured while the simulation runs (a DHCP lease), as `ip addr add` and
 * `ip addr del` do: the address with its prefix, the connected route that follows from it, the
 * node's set of local addresses, and the network's record of who owns which address.
 */
import type { Ipv4 } from "../wire/address.js";
import type { Interface } from "./interface.js";

/** Adds `address`/`length` to `iface` with its connected route; false if already there. */
export function addIpv4Address(iface: Interface, address: Ipv4, length: number): boolean {
  if (iface.v4.some((a) => a.address === address >>> 0)) return false;
  const node = iface.owner;
  const a = iface.addIpv4(address, length);
  node.routes.add4({ prefix: a.prefix, iface, metric: 0, origin: "connected" });
  node.ipv4.refreshAddresses();
  node.ctx.addressChanged?.(node, a.address, true);
  return true;
}

/**
 * Removes `address` from `iface`, and its connected route unless another address of the
 * interface is on the same subnet; false when the interface did not have it.
 */
export function removeIpv4Address(iface: Interface, address: Ipv4): boolean {
  const a = iface.v4.find((x) => x.address === address >>> 0);
  if (a === undefined) return false;
  const node = iface.owner;
  iface.removeIpv4(address);
  const p = a.prefix;
  if (!iface.v4.some((x) => x.prefix.address === p.address && x.prefix.length === p.length)) {
    const r = node.routes.v4.get(p);
    if (r?.iface === iface && r.origin === "connected") {
      node.routes.remove4(p, "connected");
    }
  }
  node.ipv4.refreshAddresses();
  node.ctx.addressChanged?.(node, a.address, false);
  return true;
}
