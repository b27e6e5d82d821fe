/**
 * Routes for a whole topology computed by an oracle that sees every node and link, as ns-3's
 * global routing does: Dijkstra from each node over the operational links, then, for every
 * subnet in the network, a route toward the nearest node attached to it. Ties break by node and
 * interface order, so the result is deterministic. Routes are installed with origin "global"
 * and replace earlier global routes; connected and static routes are left alone.
 */
import { Interface } from "./interface.js";
import type { Network } from "./network.js";
import type { Node } from "./node.js";
import { SwitchPort } from "./switch.js";

export interface GlobalRoutingOptions {
  /** Link cost: 1 per hop (default), or the link's propagation delay. */
  metric?: "hops" | "delay";
}

interface Hop {
  dist: number;
  /** The source's interface toward this node, and the neighbour's interface on that link. */
  out: Interface | undefined;
  peer: Interface | undefined;
}

/** The interfaces at the far end of `i`'s link: one peer, or every other station on a switch. */
function peersOf(i: Interface): Interface[] {
  const link = i.link;
  if (!link?.up) return [];
  const other = link.a === i ? link.b : link.a;
  if (other instanceof Interface) return [other];
  if (!(other instanceof SwitchPort) || !other.owner.up) return [];
  const out: Interface[] = [];
  for (const port of other.owner.ports) {
    const l = port.link;
    if (port === other || !l?.up) continue;
    const far = l.a === port ? l.b : l.a;
    if (far instanceof Interface) out.push(far);
  }
  return out;
}

/** Neighbours of `n` over operational links: [local iface, remote iface, cost]. */
function neighbours(n: Node, metric: "hops" | "delay"): [Interface, Interface, number][] {
  const out: [Interface, Interface, number][] = [];
  for (const i of n.interfaces) {
    if (!i.operational) continue;
    for (const peer of peersOf(i)) {
      if (!peer.up || !peer.owner.up) continue;
      out.push([i, peer, metric === "hops" ? 1 : Math.max(1, i.link!.delay)]);
    }
  }
  return out;
}

/** Shortest paths from `src` (a simple O(V^2) Dijkstra: topologies here have at most thousands). */
function shortestPaths(nodes: Node[], src: Node, metric: "hops" | "delay"): Map<Node, Hop> {
  const hops = new Map<Node, Hop>([[src, { dist: 0, out: undefined, peer: undefined }]]);
  const done = new Set<Node>();
  for (;;) {
    let best: Node | undefined;
    let bestDist = Number.POSITIVE_INFINITY;
    for (const n of nodes) {
      const h = hops.get(n);
      if (h && !done.has(n) && h.dist < bestDist) {
        best = n;
        bestDist = h.dist;
      }
    }
    if (best === undefined) return hops;
    done.add(best);
    // Only routers carry transit traffic; a host is a leaf even with two interfaces.
    if (best !== src && !best.forwarding) continue;
    const from = hops.get(best)!;
    for (const [local, peer, cost] of neighbours(best, metric)) {
      const next = peer.owner;
      const d = bestDist + cost;
      const known = hops.get(next);
      if (known === undefined || d < known.dist) {
        hops.set(next, {
          dist: d,
          out: best === src ? local : from.out,
          peer: best === src ? peer : from.peer,
        });
      }
    }
  }
}

/** Computes and installs global routes on every node; returns the number installed. */
export function installGlobalRoutes(net: Network, options: GlobalRoutingOptions = {}): number {
  const metric = options.metric ?? "hops";
  const nodes = net.nodes;
  let installed = 0;
  for (const src of nodes) {
    for (const r of src.routes.routes4()) if (r.origin === "global") src.routes.remove4(r.prefix);
    for (const r of src.routes.routes6()) if (r.origin === "global") src.routes.remove6(r.prefix);
    if (!src.up) continue;
    const paths = shortestPaths(nodes, src, metric);
    for (const dst of nodes) {
      if (dst === src) continue;
      const hop = paths.get(dst);
      if (!hop?.out || !hop.peer) continue;
      for (const iface of dst.interfaces) {
        for (const a of iface.v4) {
          const current = src.routes.v4.get(a.prefix);
          if (current && (current.origin !== "global" || current.metric <= hop.dist)) continue;
          const via = hop.peer.v4.find((x) =>
            hop.out!.v4.some((y) => y.prefix.contains(x.address)),
          );
          if (!via) continue;
          src.routes.add4({
            prefix: a.prefix,
            iface: hop.out,
            via: via.address,
            metric: hop.dist,
            origin: "global",
          });
          installed++;
        }
        for (const a of iface.v6) {
          const current = src.routes.v6.get(a.prefix);
          if (current && (current.origin !== "global" || current.metric <= hop.dist)) continue;
          // IPv6 next hops are the neighbour's link-local address (RFC 4861 §8).
          src.routes.add6({
            prefix: a.prefix,
            iface: hop.out,
            via: hop.peer.linkLocal,
            metric: hop.dist,
            origin: "global",
          });
          installed++;
        }
      }
    }
  }
  return installed;
}
