/**
 * Builds the network a scenario describes: nodes, links with their parameters (defaults merged
 * in), addresses (explicit or planned), static routes (a gateway may be a neighbour's name), then
 * the routing mode: the shortest-path oracle, RIP on the routers, or static routes only (hosts
 * get a default route via their first neighbouring router unless told otherwise).
 */
import { RipDaemon } from "../apps/rip/rip.js";
import { installGlobalRoutes } from "../net/global-routing.js";
import { Interface } from "../net/interface.js";
import type { PointToPointLink } from "../net/link.js";
import type { ConnectOptions } from "../net/network.js";
import { Network } from "../net/network.js";
import type { Node } from "../net/node.js";
import { SwitchPort } from "../net/switch.js";
import { formatIpv4 } from "../wire/address.js";
import { planAddresses } from "./addressing.js";
import { linkName } from "./check.js";
import {
  configureClocks,
  dhcpEnds,
  type EdgeState,
  startDhcpClients,
  startNats,
} from "./edge-build.js";
import { entryName } from "./edge-schema.js";
import type { Scenario } from "./load.js";
import type { LinkParams } from "./schema.js";
import type { FieldPath, ScenarioError } from "./source.js";

/** A built network and what the runner needs to know about it. */
export interface BuiltNetwork {
  net: Network;
  /** RIP daemons, in distance-vector mode. */
  rip: RipDaemon[];
  /** DHCP clients and NATs. */
  edge: EdgeState;
}

/** The nodes reachable in one hop from `node` (through a switch too), with their interfaces. */
export function neighbours(node: Node): { local: Interface; peer: Interface }[] {
  const out: { local: Interface; peer: Interface }[] = [];
  for (const local of node.interfaces) {
    const link = local.link;
    if (link === undefined) continue;
    const other = link.a === local ? link.b : link.a;
    if (other instanceof Interface) out.push({ local, peer: other });
    else if (other instanceof SwitchPort) {
      for (const port of other.owner.ports) {
        const l = port.link;
        if (port === other || l === undefined) continue;
        const far = l.a === port ? l.b : l.a;
        if (far instanceof Interface) out.push({ local, peer: far });
      }
    }
  }
  return out;
}

/** The address of neighbour `via` that `node` reaches it by, of the given family. */
function gatewayOf(node: Node, via: string, v6: boolean): string | undefined {
  for (const { peer } of neighbours(node)) {
    if (peer.owner.name !== via) continue;
    if (!v6 && peer.v4[0] !== undefined) return formatIpv4(peer.v4[0].address);
    if (v6 && peer.v6[0] !== undefined) return peer.v6[0].address.toString();
  }
  return undefined;
}

/** Link options from scenario parameters, the link's own over the defaults. */
function linkOptions(d: LinkParams | undefined, l: LinkParams): ConnectOptions {
  const o: ConnectOptions = {};
  const bandwidth = l.bandwidth ?? d?.bandwidth;
  const delay = l.delay ?? d?.delay;
  const mtu = l.mtu ?? d?.mtu;
  if (bandwidth !== undefined) o.bandwidth = bandwidth;
  if (delay !== undefined) o.delay = delay;
  if (mtu !== undefined) o.mtu = mtu;
  const q = { ...d?.queue, ...l.queue };
  if (Object.keys(q).length > 0) {
    o.queue = {
      ...(q.packets !== undefined && { packets: q.packets }),
      ...(q.bytes !== undefined && { bytes: q.bytes }),
      ...(q.aqm === "codel" && { aqm: "codel" as const }),
      ...(q.target !== undefined && { target: q.target }),
      ...(q.interval !== undefined && { interval: q.interval }),
    };
  }
  const i = { ...d?.impairments, ...l.impairments };
  if (Object.keys(i).length > 0) o.impairments = i;
  return o;
}

/** Builds the network of a scenario with the given seed; errors carry positions in the file. */
export function buildNetwork(s: Scenario, seed: number): BuiltNetwork | ScenarioError[] {
  const spec = s.spec;
  const errors: ScenarioError[] = [];
  const fail = (path: FieldPath, e: unknown) =>
    errors.push(s.source.error(path, e instanceof Error ? e.message : String(e)));
  const net = new Network({ seed });
  for (const h of spec.hosts ?? []) net.addHost(entryName(h));
  for (const r of spec.routers ?? []) net.addRouter(entryName(r));
  for (const w of spec.switches ?? []) net.addSwitch(w);

  const plan = planAddresses(spec);
  for (const e of plan.errors) errors.push(s.source.error(e.path, e.message));
  const links: PointToPointLink[] = [];
  (spec.links ?? []).forEach((l, i) => {
    try {
      links[i] = net.connect(l.between[0], l.between[1], {
        ...linkOptions(spec.defaults?.link, l),
        name: linkName(l),
        addresses: plan.ends[i]!,
        ...(l.ifnames !== undefined && { ifnames: l.ifnames }),
      });
    } catch (e) {
      fail(["links", i], e);
    }
  });
  if (errors.length > 0) return errors;
  configureClocks(net, spec, fail);
  const nats = startNats(net, spec, fail);
  if (errors.length > 0) return errors;
  const edge: EdgeState = { nats, dhcp: startDhcpClients(net, spec, links) };
  // A host that leases its address gets its default route from the lease.
  const leasing = dhcpEnds(spec);

  const routing = spec.routing ?? { mode: "shortest-path" as const };
  const withDefault = new Set<string>();
  (routing.routes ?? []).forEach((r, i) => {
    try {
      const node = net.node(r.node);
      const literal = /^[0-9.]+$/.test(r.via) || r.via.includes(":");
      // A default route through a neighbour by name covers both families it has addresses in.
      const families =
        r.to === "default" && !literal
          ? [false, true]
          : [r.via.includes(":") || r.to.includes(":")];
      let added = 0;
      for (const v6 of families) {
        const via = literal ? r.via : gatewayOf(node, r.via, v6);
        if (via === undefined) continue;
        net.route(node, r.to === "default" ? (v6 ? "::/0" : "0.0.0.0/0") : r.to, via, r.dev);
        added++;
      }
      if (added === 0) throw new Error(`${r.node} has no link to "${r.via}" to route through`);
      if (r.to === "default") withDefault.add(r.node);
    } catch (e) {
      fail(["routing", "routes", i], e);
    }
  });
  if (errors.length > 0) return errors;

  let rip: RipDaemon[] = [];
  if (routing.mode === "shortest-path") {
    installGlobalRoutes(net, { metric: routing.metric ?? "hops" });
  } else {
    if (routing.hostDefaults ?? true) {
      for (const h of net.nodes) {
        if (h.kind !== "host" || withDefault.has(h.name) || leasing.has(h.name)) continue;
        const gw = neighbours(h).find((n) => n.peer.owner.kind === "router");
        if (gw === undefined) continue;
        const v4 = gw.peer.v4[0];
        const v6 = gw.peer.v6[0];
        if (v4 !== undefined) net.route(h, "0.0.0.0/0", formatIpv4(v4.address));
        if (v6 !== undefined) net.route(h, "::/0", v6.address.toString());
      }
    }
    if (routing.mode === "distance-vector") {
      const names =
        routing.routers ?? net.nodes.filter((n) => n.kind === "router").map((n) => n.name);
      // Daemons start in the first event rather than now, so that captures and traces
      // attached after building see their first packets.
      rip = names.map(
        (n) =>
          new RipDaemon(net.node(n), {
            ...(routing.updateInterval !== undefined && { updateInterval: routing.updateInterval }),
            ...(routing.timeout !== undefined && { timeout: routing.timeout }),
            ...(routing.garbageCollection !== undefined && {
              garbageCollection: routing.garbageCollection,
            }),
          }),
      );
      const daemons = rip;
      net.sim.at(0, () => {
        for (const d of daemons) d.start();
      });
    }
  }
  return { net, rip, edge };
}
