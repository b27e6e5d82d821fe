/**
 * DNS apps for scenarios: `dns-server`, an authoritative server with zones written inline in
 * master-file syntax; `dns-resolver`, a recursive resolver that starts its walks at the given
 * root servers; and `dns-lookup`, a getaddrinfo-style lookup from a node through a resolver,
 * with the answer, the error code and the time it took as metrics.
 */
import { z } from "zod";
import {
  configureResolver,
  type DnsServer,
  lookup,
  parseZone,
  serveZones,
  startResolver,
  type Zone,
  ZoneParseError,
} from "../../apps/dns/index.js";
import { NS_PER_S } from "../../sim/time.js";
import { TransportError } from "../../transport/errors.js";
import { type AppContext, defineApp, type MetricValue } from "../registry.js";
import { formatDuration } from "../units.js";
import { endsWith, serving } from "./app-helpers.js";

/** Points `from`'s resolv.conf at `resolver` (a node name or an address), when given. */
export function useResolver(ctx: AppContext, from: string, resolver: string | undefined): void {
  if (resolver !== undefined) {
    configureResolver(ctx.node(from), {
      nameservers: [ctx.address(resolver)],
      timeout: 2 * NS_PER_S,
      attempts: 3,
    });
  }
}

/** `dns-server`: authoritative answers from inline zones. */
export const dnsServerApp = defineApp({
  kind: "dns-server",
  description: "An authoritative DNS server with zones written inline (master-file syntax).",
  fields: {
    on: z.string().meta({ description: "The node running the server." }),
    zones: z
      .array(
        z
          .object({
            origin: z
              .string()
              .min(1)
              .meta({ description: 'The zone\'s name, e.g. "example.com."' }),
            text: z.string().meta({ description: "The zone in master-file syntax (RFC 1035 §5)." }),
          })
          .strict(),
      )
      .min(1),
  },
  refs: { on: "node" },
  finite: false,
  metrics: { queries: { kind: "count", description: "Queries answered." } },
  describe: (s) => `on ${s.on}: ${s.zones.map((z) => z.origin).join(" ")}`,
  start(ctx, s) {
    const zones: Zone[] = [];
    for (const z of s.zones) {
      const zone = parseZone(z.text, { origin: z.origin, file: `zone ${z.origin}` });
      if (zone instanceof ZoneParseError) throw new Error(zone.message);
      zones.push(zone);
    }
    const srv = serveZones(ctx.node(s.on), zones);
    if (srv instanceof TransportError) throw new Error(`${srv.code}: ${srv.message}`);
    const lines = [`dns-server on ${s.on}: ${zones.length} zone(s)`];
    return serving({ output: () => lines, metrics: () => ({ queries: queriesOf(srv) }) });
  },
});

function queriesOf(srv: DnsServer): number {
  return srv.stats.answered;
}

/** `dns-resolver`: a recursive resolver on a node. */
export const dnsResolverApp = defineApp({
  kind: "dns-resolver",
  description: "A recursive DNS resolver that starts its walks at the given root servers.",
  fields: {
    on: z.string().meta({ description: "The node running the resolver." }),
    roots: z
      .array(z.string())
      .min(1)
      .meta({ description: "Root servers: node names or addresses." }),
  },
  refs: { on: "node" },
  finite: false,
  metrics: {
    requests: { kind: "count", description: "Questions asked of the resolver." },
    queries: { kind: "count", description: "Queries the resolver sent upstream." },
  },
  describe: (s) => `on ${s.on}`,
  start(ctx, s) {
    const hints = s.roots.map((r, i) => ({
      name: `${String.fromCharCode(97 + (i % 26))}.root-servers.net.`,
      addresses: [ctx.address(r)],
    }));
    const resolver = startResolver(ctx.node(s.on), { rootHints: hints });
    if (resolver instanceof TransportError)
      throw new Error(`${resolver.code}: ${resolver.message}`);
    const lines = [`dns-resolver on ${s.on}, roots ${s.roots.join(" ")}`];
    return serving({
      output: () => lines,
      metrics: () => ({ requests: resolver.stats.requests, queries: resolver.stats.queries }),
    });
  },
});

/** `dns-lookup`: resolves a name from a node, as getaddrinfo does. */
export const dnsLookupApp = defineApp({
  kind: "dns-lookup",
  description: "Looks a name up from a node (getaddrinfo through its resolver).",
  fields: {
    from: z.string().meta({ description: "The node that asks." }),
    host: z.string().min(1).meta({ description: "The name to look up (`name` names the app)." }),
    resolver: z
      .string()
      .optional()
      .meta({ description: "The resolver to use (node or address); sets the node's resolv.conf." }),
    family: z.union([z.literal(0), z.literal(4), z.literal(6)]).optional(),
    expect: z
      .string()
      .optional()
      .meta({ description: "An address the answer must include (metric `matched`)." }),
  },
  refs: { from: "node", resolver: "target" },
  finite: true,
  metrics: {
    ok: { kind: "boolean", description: "The name resolved to at least one address." },
    answers: { kind: "count", description: "Addresses returned." },
    matched: { kind: "boolean", description: "The answer includes `expect`." },
    nxdomain: { kind: "boolean", description: "The name does not exist (ENOTFOUND)." },
    time: { kind: "duration", description: "From the question to the answer." },
    finished: { kind: "boolean", description: "The lookup ended." },
  },
  describe: (s) => `${s.from}: ${s.host}`,
  start(ctx, s) {
    useResolver(ctx, s.from, s.resolver);
    const sim = ctx.net.sim;
    const t0 = sim.now;
    const lines: string[] = [];
    let m: Record<string, MetricValue> = { finished: false };
    const req = lookup(
      ctx.node(s.from),
      s.host,
      s.family === undefined ? {} : { family: s.family },
      (r) => {
        const time = sim.now - t0;
        if (r.ok) {
          const addrs = r.addresses.map((a) => a.address);
          lines.push(`${s.host} -> ${addrs.join(" ")} in ${formatDuration(time)}`);
          m = {
            ok: true,
            answers: addrs.length,
            matched: s.expect === undefined ? undefined : addrs.includes(s.expect),
            nxdomain: false,
            time,
            finished: true,
          };
        } else {
          lines.push(`${s.host}: ${r.error.message} after ${formatDuration(time)}`);
          m = {
            ok: false,
            answers: 0,
            matched: s.expect === undefined ? undefined : false,
            nxdomain: r.error.code === "ENOTFOUND",
            time,
            finished: true,
          };
        }
      },
    );
    return endsWith(req, { output: () => lines, metrics: () => m });
  },
});
