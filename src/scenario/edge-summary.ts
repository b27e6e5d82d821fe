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

/** A DHCP client's lease at the end (addresses as text, times in ns). */
export interface LeaseSnapshot {
  host: string;
  iface: string;
  state: string;
  /** "192.168.1.100/24"; undefined without a lease. */
  address?: string;
  server?: string;
  router?: string;
  dns?: string[];
  /** Time left on the lease (undefined for an infinite one). */
  left?: number;
}

/** A NAT at the end. */
export interface NatSnapshot {
  router: string;
  inside: string;
  outside: string;
  publicAddress: string;
  mapping: string;
  filtering: string;
  counters: Record<string, number>;
  mappings: { protocol: string; internal: string; external: string; remote?: string }[];
}

/** A host clock at the end: error = reading - true time (ns). */
export interface ClockSnapshot {
  node: string;
  error: number;
  driftPpm: number;
  correctionPpm: number;
}

/** The edge of the network at the end of a run. */
export interface EdgeSnapshot {
  leases: LeaseSnapshot[];
  nats: NatSnapshot[];
  clocks: ClockSnapshot[];
}

/** Leases, NATs, and the clocks that were configured or adjusted. */
export function edgeSnapshot(net: Network, edge: EdgeState, spec: ScenarioSpec): EdgeSnapshot {
  const leases: LeaseSnapshot[] = [];
  for (const [host, clients] of edge.dhcp) {
    for (const c of clients) {
      const l = c.lease;
      const base = { host, iface: c.iface.name, state: c.state };
      if (l === undefined) {
        leases.push(base);
        continue;
      }
      leases.push({
        ...base,
        address: `${formatIpv4(l.address)}/${l.prefixLength}`,
        server: formatIpv4(l.server),
        ...(l.router !== undefined && { router: formatIpv4(l.router) }),
        dns: l.dnsServers.map(formatIpv4),
        // The lease runs on the client's own clock.
        ...(Number.isFinite(l.expires) && {
          left: Math.max(0, l.expires - net.node(host).clock.monotonic()),
        }),
      });
    }
  }
  const nats: NatSnapshot[] = [...edge.nats].map(([router, nat]) => ({
    router,
    inside: nat.inside.name,
    outside: nat.outside.name,
    publicAddress: formatIpv4(nat.publicAddress),
    mapping: nat.settings.mapping,
    filtering: nat.settings.filtering,
    counters: { ...nat.counters },
    mappings: nat.mappings().map((m) => ({
      protocol: m.protocol,
      internal: m.internal,
      external: m.external,
      ...(m.remote !== undefined && { remote: m.remote }),
    })),
  }));
  const configured = new Set(
    (spec.hosts ?? []).filter((h) => typeof h !== "string" && h.clock).map(entryName),
  );
  const clocks: ClockSnapshot[] = net.nodes
    .filter((n) => configured.has(n.name) || n.clock.frequencyPpm !== 0 || n.clock.error() !== 0)
    .map((n) => ({
      node: n.name,
      error: n.clock.error(),
      driftPpm: n.clock.driftPpm,
      correctionPpm: n.clock.frequencyPpm,
    }));
  return { leases, nats, clocks };
}

/** One line per lease, NAT (and its first mappings) and clock. */
export function edgeLines(e: EdgeSnapshot): string[] {
  const out: string[] = [];
  for (const l of e.leases) {
    if (l.address === undefined) {
      out.push(`dhcp ${l.host} ${l.iface}: no lease (${l.state})`);
      continue;
    }
    const gw = l.router === undefined ? "no router" : `router ${l.router}`;
    const dns = l.dns?.length ? `, dns ${l.dns.join(" ")}` : "";
    const left = l.left === undefined ? "" : `, ${formatDuration(l.left)} left`;
    out.push(`dhcp ${l.host} ${l.iface}: ${l.address} from ${l.server} (${gw}${dns}${left})`);
  }
  for (const n of e.nats) {
    const c = n.counters;
    out.push(
      `nat ${n.router} ${n.inside}->${n.outside} public ${n.publicAddress}: mapping ${n.mapping}, filtering ${n.filtering}; ${n.mappings.length} mapping(s) live, ${c.created} created, ${c.filtered} filtered, ${c.tableFull} refused (table full)`,
    );
    for (const m of n.mappings.slice(0, 8)) {
      out.push(
        `  ${m.protocol} ${m.internal} -> ${m.external}${m.remote === undefined ? "" : ` for ${m.remote}`}`,
      );
    }
    if (n.mappings.length > 8) out.push(`  ... ${n.mappings.length - 8} more`);
  }
  for (const k of e.clocks) {
    out.push(
      `clock ${k.node}: error ${formatOffset(k.error)} (drift ${k.driftPpm}ppm, correction ${Number(k.correctionPpm.toFixed(3))}ppm)`,
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
