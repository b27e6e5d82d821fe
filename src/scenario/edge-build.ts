/**
 * The edge-of-network parts of building a scenario: host clocks configured from their entries,
 * a NAT on each router entry that asks for one, and a DHCP client on each link end whose address
 * is "dhcp". Interfaces are named the way people think of them: by name ("eth1"), by the link
 * they are on, or by the neighbour (node or switch) they face.
 */
import { type DhcpClient, startDhcpClient } from "../apps/dhcp/client.js";
import { Interface } from "../net/interface.js";
import { NAT_TYPES, Nat, type NatOptions } from "../net/nat/index.js";
import type { Network } from "../net/network.js";
import type { Node } from "../net/node.js";
import { SwitchPort } from "../net/switch.js";
import type { ScenarioSpec } from "./schema.js";
import type { FieldPath } from "./source.js";

/** What the edge parts of a built network hold, for assertions and summaries. */
export interface EdgeState {
  /** DHCP clients by host name (one per "dhcp" link end). */
  dhcp: Map<string, DhcpClient[]>;
  /** NATs by router name. */
  nats: Map<string, Nat>;
}

/** The interface of `node` called `ref`, on link `ref`, or facing neighbour `ref`. */
export function ifaceFacing(node: Node, ref: string): Interface {
  const byName = node.interfaces.find((i) => i.name === ref);
  if (byName !== undefined) return byName;
  for (const i of node.interfaces) {
    const link = i.link;
    if (link === undefined) continue;
    if (link.name === ref) return i;
    const far = link.a === i ? link.b : link.a;
    const owner =
      far instanceof Interface
        ? far.owner.name
        : far instanceof SwitchPort
          ? far.owner.name
          : undefined;
    if (owner === ref) return i;
  }
  const names = node.interfaces.map((i) => i.name).join(", ");
  throw new Error(
    `${node.name} has no interface "${ref}" and no link to "${ref}" (its interfaces: ${names || "none"})`,
  );
}

/** Configures each host's clock from its entry. */
export function configureClocks(
  net: Network,
  spec: ScenarioSpec,
  fail: (p: FieldPath, e: unknown) => void,
): void {
  (spec.hosts ?? []).forEach((h, i) => {
    if (typeof h === "string" || h.clock === undefined) return;
    const c = h.clock;
    try {
      net.node(h.name).clock.configure({
        ...(c.offset !== undefined && { offset: c.offset }),
        ...(c.driftPpm !== undefined && { driftPpm: c.driftPpm }),
        ...(c.steps !== undefined && { steps: c.steps }),
      });
    } catch (e) {
      fail(["hosts", i, "clock"], e);
    }
  });
}

/** Puts a NAT on each router entry that has one. */
export function startNats(
  net: Network,
  spec: ScenarioSpec,
  fail: (p: FieldPath, e: unknown) => void,
): Map<string, Nat> {
  const nats = new Map<string, Nat>();
  (spec.routers ?? []).forEach((r, i) => {
    if (typeof r === "string" || r.nat === undefined) return;
    const n = r.nat;
    const node = net.node(r.name);
    const side = (which: "inside" | "outside"): string | undefined => {
      try {
        return ifaceFacing(node, n[which]).name;
      } catch (e) {
        fail(["routers", i, "nat", which], e);
        return undefined;
      }
    };
    const inside = side("inside");
    const outside = side("outside");
    if (inside === undefined || outside === undefined) return;
    if (inside === outside) {
      fail(["routers", i, "nat", "outside"], new Error(`inside and outside are both ${inside}`));
      return;
    }
    const preset = n.type === undefined ? {} : NAT_TYPES[n.type];
    const t = n.timeouts;
    const options: NatOptions = {
      inside,
      outside,
      ...preset,
      ...(n.mapping !== undefined && { mapping: n.mapping }),
      ...(n.filtering !== undefined && { filtering: n.filtering }),
      ...(n.hairpinning !== undefined && { hairpinning: n.hairpinning }),
      ...(n.maxMappings !== undefined && { maxMappings: n.maxMappings }),
      ...(t?.udp !== undefined && { udpTimeout: t.udp }),
      ...(t?.tcpEstablished !== undefined && { tcpEstablishedTimeout: t.tcpEstablished }),
      ...(t?.tcpTransitory !== undefined && { tcpTransitoryTimeout: t.tcpTransitory }),
      ...(t?.icmp !== undefined && { icmpTimeout: t.icmp }),
    };
    try {
      nats.set(r.name, new Nat(node, options));
    } catch (e) {
      fail(["routers", i, "nat"], e);
    }
  });
  return nats;
}

/**
 * Starts a DHCP client on each link end whose address is "dhcp", in the first event (so that
 * captures attached after building see its DISCOVER).
 */
export function startDhcpClients(
  net: Network,
  spec: ScenarioSpec,
  links: readonly { a: unknown; b: unknown }[],
): Map<string, DhcpClient[]> {
  const clients = new Map<string, DhcpClient[]>();
  const starts: (() => void)[] = [];
  (spec.links ?? []).forEach((l, i) => {
    l.addresses?.forEach((end, j) => {
      const link = links[i];
      const iface = link === undefined ? undefined : j === 0 ? link.a : link.b;
      if (end !== "dhcp" || !(iface instanceof Interface)) return;
      const host = l.between[j]!;
      const list = clients.get(host) ?? [];
      clients.set(host, list);
      starts.push(() => {
        list.push(startDhcpClient(net.node(host), { iface: iface.name, hostName: host }));
      });
    });
  });
  if (starts.length > 0) {
    net.sim.at(0, () => {
      for (const s of starts) s();
    });
  }
  return clients;
}

/** Link ends that lease their address: "host:link index". */
export function dhcpEnds(spec: ScenarioSpec): Set<string> {
  const out = new Set<string>();
  for (const l of spec.links ?? []) {
    l.addresses?.forEach((end, j) => {
      if (end === "dhcp") out.add(l.between[j]!);
    });
  }
  return out;
}
