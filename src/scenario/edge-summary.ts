/**
 * What the edge of the network looks like at the end of a run, for the terminal, JSON and the
 * report: each DHCP client's lease, each NAT's behaviour, table and counters, and each host
 * clock's error; and the values the lease, nat and clock assertions check.
 */
import type { Network } from "../net/network.js";
import { formatIpv4 } from "../wire/address.js";
import { ParseError } from "../wire/parse-error.js";
import { Ipv4Prefix, parsePrefix } from "../wire/prefix.js";
import type { AssertionResult, CompiledAssertion } from "./assertions.js";
import type { EdgeState } from "./edge-build.js";
import { entryName, type NAT_COUNTERS } from "./edge-schema.js";
import type { ScenarioSpec } from "./schema.js";
import { formatDuration } from "./units.js";

/** A signed duration: "+1.2ms", "-19ms", "0s". */
export function formatOffset(ns: number): string {
  const r = Math.round(ns);
  return r === 0 ? "0s" : `${r > 0 ? "+" : "-"}${formatDuration(Math.abs(r))}`;
}

/** One line per lease, NAT and configured or adjusted clock. */
export function edgeSummary(net: Network, edge: EdgeState, spec: ScenarioSpec): string[] {
  const out: string[] = [];
  for (const [host, clients] of edge.dhcp) {
    for (const c of clients) {
      const l = c.lease;
      if (l === undefined) {
        out.push(`dhcp ${host} ${c.iface.name}: no lease (${c.state})`);
        continue;
      }
      const gw = l.router === undefined ? "no router" : `router ${formatIpv4(l.router)}`;
      const dns =
        l.dnsServers.length === 0 ? "" : `, dns ${l.dnsServers.map(formatIpv4).join(" ")}`;
      const left = Number.isFinite(l.expires)
        ? `, ${formatDuration(Math.max(0, l.expires - net.sim.now))} left`
        : "";
      out.push(
        `dhcp ${host} ${c.iface.name}: ${formatIpv4(l.address)}/${l.prefixLength} from ${formatIpv4(l.server)} (${gw}${dns}${left})`,
      );
    }
  }
  for (const [router, nat] of edge.nats) {
    const s = nat.settings;
    const c = nat.counters;
    const maps = nat.mappings();
    out.push(
      `nat ${router} ${nat.inside.name}->${nat.outside.name} public ${formatIpv4(nat.publicAddress)}: mapping ${s.mapping}, filtering ${s.filtering}; ${maps.length} mapping(s) live, ${c.created} created, ${c.filtered} filtered, ${c.tableFull} refused (table full)`,
    );
    for (const m of maps.slice(0, 8)) {
      out.push(
        `  ${m.protocol} ${m.internal} -> ${m.external}${m.remote === undefined ? "" : ` for ${m.remote}`}`,
      );
    }
    if (maps.length > 8) out.push(`  ... ${maps.length - 8} more`);
  }
  const configured = new Set(
    (spec.hosts ?? []).filter((h) => typeof h !== "string" && h.clock).map(entryName),
  );
  for (const n of net.nodes) {
    const k = n.clock;
    if (!configured.has(n.name) && k.frequencyPpm === 0 && k.error() === 0) continue;
    out.push(
      `clock ${n.name}: error ${formatOffset(k.error())} (drift ${k.driftPpm}ppm, correction ${Number(k.frequencyPpm.toFixed(3))}ppm)`,
    );
  }
  return out;
}

/** A NAT counter by its assertion name; undefined for a router without NAT. */
export function natCounter(
  edge: EdgeState,
  router: string,
  count: (typeof NAT_COUNTERS)[number],
): number | undefined {
  const nat = edge.nats.get(router);
  if (nat === undefined) return undefined;
  return count === "mappings" ? nat.mappings().length : nat.counters[count];
}

/** Checks that a host holds a DHCP lease (in the given network). */
export function evaluateLease(
  c: Extract<CompiledAssertion, { type: "lease" }>,
  edge: EdgeState,
): AssertionResult {
  const expected = c.within === undefined ? "a lease" : `a lease in ${c.within}`;
  const leases = (edge.dhcp.get(c.host) ?? []).flatMap((x) => (x.lease ? [x.lease] : []));
  const actual =
    leases.length === 0
      ? edge.dhcp.has(c.host)
        ? "no lease"
        : `${c.host} does not use DHCP`
      : leases.map((l) => `${formatIpv4(l.address)}/${l.prefixLength}`).join(", ");
  const net = c.within === undefined ? undefined : parsePrefix(c.within, { strict: false });
  const inside = (a: number) =>
    net === undefined ||
    (!(net instanceof ParseError) &&
      net instanceof Ipv4Prefix &&
      new Ipv4Prefix(net.address, net.length).contains(a));
  const passed = leases.some((l) => inside(l.address));
  return { label: c.label, passed, actual, expected };
}
