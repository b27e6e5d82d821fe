/**
 * How a scenario run reads in a terminal: the topology with its addresses, each app's output
 * under a header, DHCP leases, NAT tables and host clocks at the end, the fault log, routing convergence, the assertions with pass or FAIL, and a
 * closing line saying why the run stopped.
 */
import { formatMetric } from "../scenario/assertions.js";
import type { RunResult, StopReason } from "../scenario/run.js";
import { formatDuration } from "../scenario/units.js";
import { formatTime } from "../sim/time.js";

const WHY: Record<StopReason, string> = {
  until: "the stop time",
  "apps-done": "every app finished",
  idle: "nothing left to do",
  limit: "the 1h limit for runs without stop.until",
};

/** The run's report as lines of text. */
export function runText(r: RunResult): string[] {
  const out: string[] = [`scenario ${r.name} (${r.file}), seed ${r.seed}`];
  for (const t of r.topology) out.push(`  ${t}`);
  for (const a of r.apps) {
    out.push("", `== ${a.name}: ${a.kind} ${a.description} (starts at ${formatDuration(a.at)})`);
    if (!a.started) out.push("(not started before the run ended)");
    out.push(...a.output);
  }
  if (r.edge.length > 0) {
    out.push("", "leases, NATs and clocks at the end:");
    for (const e of r.edge) out.push(`  ${e}`);
  }
  if (r.faults.length > 0) {
    out.push("", "faults:");
    for (const f of r.faults)
      out.push(`  ${formatTime(f.time)}  ${f.action.padEnd(12)} ${f.detail}`);
  }
  for (const w of r.warnings) out.push(`warning: ${w}`);
  if (r.routing.mode === "distance-vector") {
    out.push(
      "",
      `routing: distance-vector (RIP), ${r.routing.changes} route changes, last ${formatDuration(r.routing.convergence)} after ${r.faults.length > 0 ? "the last fault" : "the start"}`,
    );
  }
  if (r.assertions.length > 0) {
    out.push("", "assertions:");
    for (const a of r.assertions) {
      out.push(
        a.passed
          ? `  pass  ${a.label}: ${a.actual} (${a.expected})`
          : `  FAIL  ${a.label}: ${a.actual} (expected ${a.expected})`,
      );
    }
  }
  const passed = r.assertions.filter((a) => a.passed).length;
  const n = r.assertions.length;
  out.push(
    "",
    `stopped at ${formatTime(r.endTime)} s (${WHY[r.stopReason]}) after ${r.events} events; ${n === 0 ? "no assertions" : `${passed} of ${n} assertions passed`}`,
  );
  return out;
}

/** The result as JSON-ready data: times in ns, metrics with their formatted values too. */
export function runJson(r: RunResult): unknown {
  return {
    ...r,
    apps: r.apps.map((a) => ({
      ...a,
      formatted: Object.fromEntries(
        Object.entries(a.metrics).map(([k, v]) => [k, formatMetric(a.kinds[k] ?? "count", v)]),
      ),
    })),
  };
}
