/**
 * Following the routing tables: the path a packet from one node to an address would take right
 * now, hop by hop through longest-prefix matches, stopping at a missing route, a link or node
 * that is down, or a loop. "route exists" assertions and the CLI's path display use it.
 */
import type { Node } from "../net/node.js";
import { parseIpv4Address, parseIpv6Address } from "../wire/address.js";
import { ParseError } from "../wire/parse-error.js";
import { neighbours } from "./build.js";

/** The path found, or where it broke. */
export interface PathResult {
  ok: boolean;
  /** Node names from the source on. */
  path: string[];
  /** Why there is no path. */
  reason?: string;
}

/** Follows the routing tables from `from` toward `dst` (an address literal). */
export function followRoutes(from: Node, dst: string): PathResult {
  const v6 = dst.includes(":");
  const a4 = v6 ? undefined : parseIpv4Address(dst);
  const a6 = v6 ? parseIpv6Address(dst) : undefined;
  if (a4 instanceof ParseError || a6 instanceof ParseError) {
    return { ok: false, path: [from.name], reason: `bad address ${dst}` };
  }
  const owns = (n: Node) =>
    n.interfaces.some((i) =>
      a6 !== undefined
        ? i.v6.some((x) => x.address.equals(a6))
        : i.v4.some((x) => x.address === a4),
    );
  const path = [from.name];
  const broken = (reason: string): PathResult => ({ ok: false, path, reason });
  let node = from;
  const seen = new Set<Node>([from]);
  for (;;) {
    if (!node.up) return broken(`${node.name} is down`);
    if (owns(node)) return { ok: true, path };
    if (node !== from && !node.forwarding) return broken(`${node.name} does not forward`);
    const r = a6 !== undefined ? node.routes.lookup6(a6) : node.routes.lookup4(a4!);
    if (r === undefined) return broken(`${node.name} has no route to ${dst}`);
    if (!r.iface.operational) return broken(`${node.name}'s ${r.iface.name} is down`);
    const hop = r.via;
    const next = neighbours(node).find(({ local, peer }) => {
      if (local !== r.iface) return false;
      if (a6 !== undefined) {
        const h = (hop as typeof a6 | undefined) ?? a6;
        return peer.linkLocal.equals(h) || peer.v6.some((x) => x.address.equals(h));
      }
      const h = (hop as number | undefined) ?? a4!;
      return peer.v4.some((x) => x.address === h);
    });
    if (next === undefined) return broken(`${node.name}: next hop unreachable on ${r.iface.name}`);
    if (!next.peer.operational)
      return broken(`the link from ${node.name} to ${next.peer.owner.name} is down`);
    node = next.peer.owner;
    path.push(node.name);
    if (seen.has(node)) return broken(`routing loop at ${node.name}`);
    seen.add(node);
  }
}
