/**
 * Assertions checked at the end of a run: a metric of an app (or of the network) compared with
 * a value written in the metric's unit ("loss below 10%", "rtt.max below 50ms"), or a route
 * that must exist along the routing tables. Compiling checks the metric and the values' units
 * up front, so a typo fails at load time with a position rather than after a long run.
 */

import type { NAT_COUNTERS } from "./edge-schema.js";
import type { MetricKind, MetricSpec, MetricValue } from "./registry.js";
import { type AssertionSpec, COMPARATORS } from "./schema.js";
import {
  DURATION_SYNTAX,
  describeValue,
  formatDuration,
  formatRatio,
  parseDuration,
  parseRatio,
  RATIO_SYNTAX,
} from "./units.js";

/** Metrics of the network as a whole, usable without `app`. */
export const NETWORK_METRICS: Record<string, MetricSpec> = {
  "routing.convergence": {
    kind: "duration",
    description:
      "Time from the last topology fault (or the start) to the last routing table change (distance-vector); 0 for an oracle.",
  },
  "routing.changes": { kind: "count", description: "Route changes made by routing daemons." },
  "faults.applied": { kind: "count", description: "Fault schedule entries carried out." },
};

type Comparator = (typeof COMPARATORS)[number];
type NatCounter = (typeof NAT_COUNTERS)[number];

const WORDS: Record<Comparator, string> = {
  below: "below",
  above: "above",
  atMost: "at most",
  atLeast: "at least",
  equals: "equal to",
};

/** An assertion ready to evaluate. */
export type CompiledAssertion =
  | {
      type: "metric";
      label: string;
      app: string | undefined;
      metric: string;
      kind: MetricKind;
      comparisons: { op: Comparator; value: number | boolean }[];
    }
  | { type: "route"; label: string; from: string; to: string; hops: number | undefined }
  | { type: "lease"; label: string; host: string; within: string | undefined }
  | {
      type: "nat";
      label: string;
      router: string;
      count: NatCounter;
      comparisons: { op: Comparator; value: number | boolean }[];
    }
  | {
      type: "clock";
      label: string;
      host: string;
      comparisons: { op: Comparator; value: number | boolean }[];
    };

/** A compile error: the field (relative to the assertion) and the message. */
export interface AssertionError {
  field: string;
  message: string;
}

/** Parses an assertion value in a metric's unit; a string saying what was expected otherwise. */
function parseValue(kind: MetricKind, v: unknown): number | boolean | string {
  switch (kind) {
    case "duration": {
      const d = parseDuration(v);
      return typeof d === "number" ? d : `expected ${DURATION_SYNTAX}`;
    }
    case "ratio": {
      const r = parseRatio(v);
      return typeof r === "number" ? r : `expected ${RATIO_SYNTAX}`;
    }
    case "count":
      return typeof v === "number" ? v : "expected a number";
    case "boolean":
      return typeof v === "boolean" ? v : "expected true or false";
  }
}

/**
 * Compiles one assertion; `metricsOf(app)` gives the metrics of a named app (undefined when no
 * app has that name).
 */
export function compileAssertion(
  a: AssertionSpec,
  metricsOf: (app: string) => Record<string, MetricSpec> | undefined,
): CompiledAssertion | AssertionError {
  if (a.route !== undefined) {
    const r = a.route;
    return {
      type: "route",
      label: a.name ?? `route ${r.from} -> ${r.to}`,
      from: r.from,
      to: r.to,
      hops: r.hops,
    };
  }
  if (a.lease !== undefined) {
    const l = a.lease;
    return {
      type: "lease",
      label: a.name ?? `${l.host} has a DHCP lease${l.in === undefined ? "" : ` in ${l.in}`}`,
      host: l.host,
      within: l.in,
    };
  }
  if (a.nat !== undefined) {
    const count = a.nat.count ?? "mappings";
    const c = compileComparisons(a, "count", `nat ${count}`);
    if ("field" in c) return c;
    const label = a.name ?? `${a.nat.router} NAT ${count}`;
    return { type: "nat", label, router: a.nat.router, count, comparisons: c };
  }
  if (a.clock !== undefined) {
    const c = compileComparisons(a, "duration", "clock error");
    if ("field" in c) return c;
    const label = a.name ?? `${a.clock.host} clock error`;
    return { type: "clock", label, host: a.clock.host, comparisons: c };
  }
  const metric = a.metric!;
  let specs: Record<string, MetricSpec> = NETWORK_METRICS;
  if (a.app !== undefined) {
    const m = metricsOf(a.app);
    if (m === undefined) return { field: "app", message: `unknown app "${a.app}"` };
    specs = m;
  }
  const spec = specs[metric];
  if (spec === undefined) {
    const owner = a.app === undefined ? "the network (without app)" : `app "${a.app}"`;
    return {
      field: "metric",
      message: `unknown metric "${metric}" of ${owner}: expected one of ${Object.keys(specs).join(", ")}`,
    };
  }
  const comparisons = compileComparisons(a, spec.kind, metric);
  if ("field" in comparisons) return comparisons;
  return {
    type: "metric",
    label: a.name ?? (a.app === undefined ? metric : `${a.app} ${metric}`),
    app: a.app,
    metric,
    kind: spec.kind,
    comparisons,
  };
}

/** The comparisons of an assertion, parsed in the unit of what they compare. */
function compileComparisons(
  a: AssertionSpec,
  kind: MetricKind,
  what: string,
): { op: Comparator; value: number | boolean }[] | AssertionError {
  const comparisons: { op: Comparator; value: number | boolean }[] = [];
  for (const op of COMPARATORS) {
    const raw = a[op];
    if (raw === undefined) continue;
    if (kind === "boolean" && op !== "equals") {
      return { field: op, message: `${what} is true or false: compare it with equals` };
    }
    const v = parseValue(kind, raw);
    if (typeof v === "string") {
      return { field: op, message: `${v} (${what} is a ${kind}), found ${describeValue(raw)}` };
    }
    comparisons.push({ op, value: v });
  }
  return comparisons;
}

/** How a metric value reads in a report. */
export function formatMetric(kind: MetricKind, v: MetricValue): string {
  if (v === undefined) return "no value";
  if (typeof v === "boolean") return String(v);
  if (kind === "duration") return formatDuration(v);
  if (kind === "ratio") return formatRatio(v);
  return String(Number(v.toFixed(3)));
}

/** The outcome of one assertion. */
export interface AssertionResult {
  label: string;
  passed: boolean;
  /** The value found, formatted ("12%", "40.05ms", "h1 r1 r2 h2"). */
  actual: string;
  /** What was required ("below 30%"). */
  expected: string;
}

/** Checks a metric assertion (or a NAT counter or clock error) against a value. */
export function evaluateMetric(
  a: Extract<CompiledAssertion, { type: "metric" | "nat" | "clock" }>,
  v: MetricValue,
): AssertionResult {
  const expected = a.comparisons
    .map(
      (c) =>
        `${WORDS[c.op]} ${formatMetric(a.type === "metric" ? a.kind : a.type === "nat" ? "count" : "duration", c.value)}`,
    )
    .join(" and ");
  const passed =
    v !== undefined &&
    a.comparisons.every((c) => {
      if (c.op === "equals") return v === c.value;
      if (typeof v !== "number" || typeof c.value !== "number") return false;
      if (c.op === "below") return v < c.value;
      if (c.op === "above") return v > c.value;
      if (c.op === "atMost") return v <= c.value;
      return v >= c.value;
    });
  const kind = a.type === "metric" ? a.kind : a.type === "nat" ? "count" : "duration";
  return { label: a.label, passed, actual: formatMetric(kind, v), expected };
}
