/**
 * `wirelab ping` and `wirelab traceroute`: the tools run inside a scenario's network (its
 * topology, routing and fault schedule, without its apps or assertions) or inside the default
 * small internet, and print what the real tools print. The options map onto the app's fields,
 * so they are validated by the same schema as a scenario file.
 */

import { defaultInternet } from "../scenario/default-internet.js";
import { entryName } from "../scenario/edge-schema.js";
import { type Explained, explainIssues, type ZodSchemaInternals } from "../scenario/issues.js";
import type { Scenario } from "../scenario/load.js";
import type { AppSpec } from "../scenario/registry.js";
import { DEFAULT_LIMIT, ScenarioRun } from "../scenario/run.js";
import { describeValue } from "../scenario/units.js";
import { NetworkCapture } from "../trace/capture.js";
import { type CliIo, UsageError } from "./io.js";
import { writePcap } from "./report.js";
import { parseSeed } from "./run-command.js";
import { formatErrors, readScenario } from "./scenario-file.js";

/** Options shared by the tools. */
export interface ToolFlags {
  scenario?: string;
  from?: string;
  at?: string;
  seed?: string;
  pcap?: string;
  /** The tool's own options, keyed by the app field they set (string values from the CLI). */
  fields: Record<string, string | undefined>;
}

/** Fields whose values are numbers (the rest stay strings: durations and names). */
const NUMERIC = new Set(["count", "size", "ttl", "maxHops", "probes", "port"]);

/** Runs `kind` ("ping" or "traceroute") toward `target`; returns the exit code. */
export function toolCommand(
  kind: "ping" | "traceroute",
  target: string | undefined,
  flags: ToolFlags,
  io: CliIo,
): number {
  const base: Scenario =
    flags.scenario !== undefined ? readScenario(flags.scenario) : defaultInternet();
  const hosts = (base.spec.hosts ?? []).map(entryName);
  const from = flags.from ?? hosts[0];
  if (from === undefined)
    throw new UsageError(`${kind}: the scenario has no hosts; say which node with --from`);
  const to = target ?? hosts.find((h) => h !== from);
  if (to === undefined) throw new UsageError(`${kind}: give a target (a node name or an address)`);
  const dv = base.spec.routing?.mode === "distance-vector";
  const raw: Record<string, unknown> = {
    kind,
    name: kind,
    from,
    to,
    at: flags.at ?? (dv ? "30s" : "0s"),
  };
  for (const [k, v] of Object.entries(flags.fields)) {
    if (v === undefined) continue;
    if (NUMERIC.has(k) && !/^\d+$/.test(v))
      throw new UsageError(`--${k}: expected a whole number, found ${describeValue(v)}`);
    raw[k] = NUMERIC.has(k) ? Number(v) : v;
  }
  const schema = base.registry.entrySchema();
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = explainIssues(
      parsed.error.issues,
      raw,
      schema as unknown as ZodSchemaInternals,
    );
    const option = (p: Explained) => (p.path[0] === "to" ? "target" : `--${String(p.path[0])}`);
    throw new UsageError(problems.map((p) => `${option(p)}: ${p.message}`).join("\n"));
  }
  const app: AppSpec = parsed.data;
  // Names must exist in this network: check them with the scenario checker's rules.
  const names = [...hosts, ...(base.spec.routers ?? []).map(entryName)];
  for (const [what, n] of [
    ["--from", from],
    ["target", to],
  ] as const) {
    const isName = !/^[0-9.]+$/.test(n) && !n.includes(":");
    if (isName && !names.includes(n)) {
      throw new UsageError(
        `${what}: unknown node "${n}" in ${base.file} (nodes: ${names.join(", ")})`,
      );
    }
  }
  const scenario: Scenario = {
    ...base,
    spec: {
      ...base.spec,
      apps: [app],
      assert: [],
      stop: { until: base.spec.stop?.until ?? DEFAULT_LIMIT, whenAppsDone: true },
    },
  };
  const seed = parseSeed(flags.seed);
  const run = ScenarioRun.create(scenario, seed !== undefined ? { seed } : {});
  if (Array.isArray(run)) throw new UsageError(formatErrors(run));
  const capture = flags.pcap !== undefined ? new NetworkCapture(run.net) : undefined;
  const result = run.runToEnd();
  capture?.stop();
  const r = result.apps[0]!;
  io.out(`${r.output.join("\n")}\n`);
  if (capture !== undefined) io.err(`wrote ${writePcap(flags.pcap!, capture).join(", ")}\n`);
  // As iputils: 0 with a reply, 1 without, 2 when it could not start (no route).
  if (kind === "ping") {
    if (r.metrics.unreachable === true) return 2;
    return Number(r.metrics.received ?? 0) > 0 ? 0 : 1;
  }
  return r.metrics.reached === true ? 0 : 1;
}
