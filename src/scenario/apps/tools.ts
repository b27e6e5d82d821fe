/**
 * ping and traceroute as scenario apps: thin wrappers over the tools in src/apps/tools that
 * resolve node names to addresses and expose the tools' figures as metrics (loss, round-trip
 * times, hops reached) for assertions.
 */
import { z } from "zod";
import { ping } from "../../apps/tools/ping.js";
import { traceroute } from "../../apps/tools/traceroute.js";
import { NS_PER_MS } from "../../sim/time.js";
import { type AppInstance, defineApp } from "../registry.js";
import { units } from "../units.js";
import { endsWith } from "./app-helpers.js";

const family = z
  .union([z.literal(4), z.literal(6)])
  .optional()
  .meta({ description: "Address family when `to` is a node name (default 4)." });

const endpoints = {
  from: z.string().meta({ description: "The host or router that runs the tool." }),
  to: z.string().meta({ description: "A node name or an IPv4/IPv6 address." }),
  family,
};

/** Adapts a tool run (output lines, finished flag, onDone) to an app instance. */
function instance(
  run: { output: string[]; finished: boolean; onDone(fn: () => void): void },
  metrics: () => ReturnType<AppInstance["metrics"]>,
): AppInstance {
  return endsWith(run, { output: () => run.output, metrics });
}

const ms = (x: number): number => Math.round(x * NS_PER_MS);

/** `ping`: ICMP echo from one node to another, iputils-style output. */
export const pingApp = defineApp({
  kind: "ping",
  description: "ICMP echo requests from one node to another, with iputils-style output.",
  fields: {
    ...endpoints,
    count: z.number().int().min(1).max(1_000_000).optional().meta({ description: "Default 4." }),
    interval: units.duration("Default 1s.").optional(),
    size: z
      .number()
      .int()
      .min(0)
      .max(65_000)
      .optional()
      .meta({ description: "Data bytes (default 56)." }),
    ttl: z.number().int().min(1).max(255).optional(),
    wait: units.duration("Wait for the last reply (default 2s).").optional(),
  },
  refs: { from: "node", to: "target" },
  finite: true,
  metrics: {
    transmitted: { kind: "count", description: "Echo requests sent." },
    received: { kind: "count", description: "Echo replies received." },
    errors: { kind: "count", description: "ICMP errors received." },
    loss: { kind: "ratio", description: "Requests without a reply." },
    "rtt.min": { kind: "duration", description: "Smallest round-trip time." },
    "rtt.avg": { kind: "duration", description: "Mean round-trip time." },
    "rtt.max": { kind: "duration", description: "Largest round-trip time." },
    "rtt.mdev": { kind: "duration", description: "Mean deviation of round-trip times." },
    finished: { kind: "boolean", description: "The run completed." },
    unreachable: {
      kind: "boolean",
      description: "No route to the target at the start, so nothing was sent (exit code 2).",
    },
  },
  describe: (s) => `${s.from} -> ${s.to}`,
  start(ctx, s) {
    const run = ping(ctx.node(s.from), ctx.address(s.to, s.family), {
      ...(s.count !== undefined && { count: s.count }),
      ...(s.interval !== undefined && { interval: s.interval }),
      ...(s.size !== undefined && { size: s.size }),
      ...(s.ttl !== undefined && { ttl: s.ttl }),
      ...(s.wait !== undefined && { wait: s.wait }),
    });
    return instance(run, () => {
      const st = run.stats;
      const any = st.rtts.length > 0;
      return {
        transmitted: st.transmitted,
        received: st.received,
        errors: st.errors,
        loss: st.transmitted === 0 ? undefined : (st.transmitted - st.received) / st.transmitted,
        "rtt.min": any ? ms(Math.min(...st.rtts)) : undefined,
        "rtt.avg": any ? ms(st.rtts.reduce((a, b) => a + b, 0) / st.rtts.length) : undefined,
        "rtt.max": any ? ms(Math.max(...st.rtts)) : undefined,
        "rtt.mdev": any && run.finished ? ms(st.mdev) : undefined,
        finished: run.finished,
        unreachable: run.unreachable,
      };
    });
  },
});

/** `traceroute`: UDP probes with rising TTL, `traceroute -n`-style output. */
export const tracerouteApp = defineApp({
  kind: "traceroute",
  description: "UDP probes with increasing TTL, with traceroute -n style output.",
  fields: {
    ...endpoints,
    maxHops: z.number().int().min(1).max(255).optional().meta({ description: "Default 30." }),
    probes: z
      .number()
      .int()
      .min(1)
      .max(10)
      .optional()
      .meta({ description: "Per hop (default 3)." }),
    wait: units.duration("Per probe (default 5s).").optional(),
    size: z.number().int().min(28).max(65_000).optional(),
    port: z.number().int().min(1).max(65_535).optional(),
  },
  refs: { from: "node", to: "target" },
  finite: true,
  metrics: {
    hops: { kind: "count", description: "Hops listed (the destination's included when reached)." },
    reached: { kind: "boolean", description: "The destination answered." },
    timeouts: { kind: "count", description: "Probes without an answer." },
    finished: { kind: "boolean", description: "The run completed." },
  },
  describe: (s) => `${s.from} -> ${s.to}`,
  start(ctx, s) {
    const run = traceroute(ctx.node(s.from), ctx.address(s.to, s.family), {
      ...(s.maxHops !== undefined && { maxHops: s.maxHops }),
      ...(s.probes !== undefined && { probes: s.probes }),
      ...(s.wait !== undefined && { wait: s.wait }),
      ...(s.size !== undefined && { size: s.size }),
      ...(s.port !== undefined && { port: s.port }),
    });
    return instance(run, () => ({
      hops: run.hops.length,
      reached: run.reached,
      timeouts: run.hops.reduce((n, h) => n + h.probes.filter((p) => p === undefined).length, 0),
      finished: run.finished,
    }));
  },
});
