/**
 * Running a scenario: build the network, schedule the faults and the apps' start times, run the
 * simulator in fixed slices of virtual time (so a caller can show progress between slices
 * without changing what happens) until the stop condition, then collect the apps' output and
 * metrics and check the assertions. Nothing here reads the wall clock.
 */
import type { RipDaemon } from "../apps/rip/rip.js";
import type { FaultLogEntry } from "../net/faults.js";
import type { Network } from "../net/network.js";
import { type Nanos, NS_PER_MS, NS_PER_S } from "../sim/time.js";
import { formatIpv4 } from "../wire/address.js";
import {
  type AssertionResult,
  type CompiledAssertion,
  compileAssertion,
  evaluateMetric,
} from "./assertions.js";
import { buildNetwork } from "./build.js";
import { appNames, isAddress } from "./check.js";
import type { EdgeState } from "./edge-build.js";
import {
  type EdgeSnapshot,
  edgeLines,
  edgeSnapshot,
  evaluateLease,
  natCounter,
} from "./edge-summary.js";
import { type FaultState, scheduleFaults } from "./faults.js";
import type { Scenario } from "./load.js";
import type { AppContext, AppInstance, MetricKind, MetricValue } from "./registry.js";
import { followRoutes } from "./routes.js";
import type { ScenarioError } from "./source.js";

/** How long a scenario without `stop.until` may run at most: one simulated hour. */
export const DEFAULT_LIMIT: Nanos = 3600 * NS_PER_S;

/** Overrides from the command line. */
export interface RunOptions {
  seed?: number;
  /** Stop at this time (replaces `stop.until`). */
  until?: Nanos;
}

/** One app's outcome. */
export interface AppResult {
  name: string;
  kind: string;
  /** "h1 -> h2" */
  description: string;
  at: Nanos;
  started: boolean;
  finished: boolean;
  output: string[];
  metrics: Record<string, MetricValue>;
  /** The unit of each metric, to format it. */
  kinds: Record<string, MetricKind>;
}

/** Why the run stopped. */
export type StopReason = "until" | "apps-done" | "idle" | "limit";

/** Everything a run produced. */
export interface RunResult {
  name: string;
  file: string;
  seed: number;
  stopReason: StopReason;
  endTime: Nanos;
  events: number;
  topology: string[];
  apps: AppResult[];
  faults: FaultLogEntry[];
  routing: { mode: string; convergence: Nanos; changes: number };
  /** DHCP leases, NAT tables and host clocks at the end, one line each (edge-summary.ts). */
  edge: string[];
  /** The same as data. */
  edgeState: EdgeSnapshot;
  warnings: string[];
  assertions: AssertionResult[];
  passed: boolean;
}

interface Started {
  name: string;
  at: Nanos;
  instance: AppInstance | undefined;
  error: string | undefined;
}

/** One line per node: its kind, name, and each interface's addresses with prefix lengths. */
export function describeTopology(net: Network): string[] {
  return net.nodes.map((n) => {
    const ifaces = n.interfaces.map((i) => {
      const a = [
        ...i.v4.map((x) => `${formatIpv4(x.address)}/${x.prefix.length}`),
        ...i.v6.map((x) => `${x.address.toString()}/${x.prefix.length}`),
      ];
      return `${i.name}=${a.join(",") || "-"}`;
    });
    return `${n.kind} ${n.name}: ${ifaces.join(" ")}`;
  });
}

/** A scenario being run. */
export class ScenarioRun {
  readonly net: Network;
  readonly seed: number;
  /** The last instant the run may reach. */
  readonly end: Nanos;
  private readonly rip: RipDaemon[];
  private readonly edge: EdgeState;
  private readonly faults: FaultState;
  private readonly apps: Started[];
  private readonly slice: Nanos;
  private stopReason: StopReason | undefined;
  /** True when no stop time was given, so `end` is DEFAULT_LIMIT. */
  readonly limited: boolean;
  private finiteLeft: number;

  /** Builds the network and schedules everything; errors carry positions in the file. */
  static create(s: Scenario, options: RunOptions = {}): ScenarioRun | ScenarioError[] {
    const seed = options.seed ?? s.spec.seed ?? 1;
    const built = buildNetwork(s, seed);
    if (Array.isArray(built)) return built;
    return new ScenarioRun(s, seed, built.net, built.rip, built.edge, options);
  }

  private constructor(
    readonly scenario: Scenario,
    seed: number,
    net: Network,
    rip: RipDaemon[],
    edge: EdgeState,
    options: RunOptions,
  ) {
    this.seed = seed;
    this.net = net;
    this.rip = rip;
    this.edge = edge;
    const spec = scenario.spec;
    const until = options.until ?? spec.stop?.until;
    this.end = until ?? DEFAULT_LIMIT;
    this.limited = until === undefined;
    // Slices of 1/1000 of the run (at least 1 ms): fine enough for a progress bar.
    this.slice = Math.max(NS_PER_MS, Math.ceil(this.end / 1000));
    this.faults = scheduleFaults(net, spec.faults ?? [], spec.routing);
    const whenDone = spec.stop?.whenAppsDone ?? until === undefined;
    const list = spec.apps ?? [];
    const names = appNames(list);
    const finite = list.filter((a) => scenario.registry.get(a.kind)?.finite).length;
    // Without apps that end by themselves, only the time limit (or idleness) stops the run.
    this.finiteLeft = whenDone && finite > 0 ? finite : Number.POSITIVE_INFINITY;
    this.apps = list.map((a, i) => {
      const entry: Started = {
        name: names[i]!,
        at: a.at ?? 0,
        instance: undefined,
        error: undefined,
      };
      const def = scenario.registry.get(a.kind)!;
      net.sim.at(entry.at, () => {
        try {
          entry.instance = def.start(this.context(entry.name), a);
        } catch (e) {
          entry.error = (e as Error).message;
          if (def.finite) this.appDone();
          return;
        }
        if (def.finite) entry.instance.onDone(() => this.appDone());
      });
      return entry;
    });
  }

  private appDone(): void {
    if (--this.finiteLeft === 0) {
      this.stopReason = "apps-done";
      this.net.sim.stop();
    }
  }

  /** The context apps start with. */
  context(name: string): AppContext {
    const net = this.net;
    return {
      net,
      name,
      node: (n) => net.node(n),
      address(target, family) {
        if (isAddress(target)) return target;
        const node = net.node(target);
        for (const i of node.interfaces) {
          if (family === 6 && i.v6[0] !== undefined) return i.v6[0].address.toString();
          if (family !== 6 && i.v4[0] !== undefined) return formatIpv4(i.v4[0].address);
        }
        throw new Error(`${target} has no IPv${family === 6 ? 6 : 4} address`);
      },
    };
  }

  /** True once the run has reached its stop condition. */
  get done(): boolean {
    return this.stopReason !== undefined;
  }

  /** Runs one slice of virtual time; returns false once the run is done. */
  step(): boolean {
    if (this.stopReason !== undefined) return false;
    const sim = this.net.sim;
    // With nothing left to happen, a run without a stop time is over; one with a stop time
    // lets the clock run on to it (an idle network is still a network at that time).
    if (sim.pending === 0 && this.limited) {
      this.stopReason = "idle";
      return false;
    }
    const r = sim.runUntil(Math.min(this.end, sim.now + this.slice));
    if (this.stopReason === undefined && r !== "stopped" && sim.now >= this.end) {
      this.stopReason = this.limited ? "limit" : "until";
    }
    return this.stopReason === undefined;
  }

  /** Runs to the end, calling `onSlice` between slices. */
  runToEnd(onSlice?: (run: ScenarioRun) => void): RunResult {
    while (this.step()) onSlice?.(this);
    return this.finish();
  }

  /** Collects outputs and metrics and checks the assertions. */
  finish(): RunResult {
    const spec = this.scenario.spec;
    const registry = this.scenario.registry;
    const list = spec.apps ?? [];
    const apps: AppResult[] = this.apps.map((a, i) => {
      const s = list[i]!;
      const def = registry.get(s.kind)!;
      const inst = a.instance;
      return {
        name: a.name,
        kind: s.kind,
        description: def.describe(s),
        at: a.at,
        started: inst !== undefined || a.error !== undefined,
        finished: inst?.finished ?? a.error !== undefined,
        output: a.error !== undefined ? [`${s.kind}: ${a.error}`] : (inst?.output() ?? []),
        metrics: inst?.metrics() ?? {},
        kinds: Object.fromEntries(Object.entries(def.metrics).map(([k, m]) => [k, m.kind])),
      };
    });
    const last = Math.max(0, ...this.rip.map((d) => d.stats.lastChange));
    const since = this.faults.lastAt ?? 0;
    const routing = {
      mode: spec.routing?.mode ?? "shortest-path",
      convergence: last > since ? last - since : 0,
      changes: this.rip.reduce((n, d) => n + d.stats.changes, 0),
    };
    const network: Record<string, MetricValue> = {
      "routing.convergence": routing.convergence,
      "routing.changes": routing.changes,
      "faults.applied": this.faults.applied,
    };
    const edgeState = edgeSnapshot(this.net, this.edge, spec);
    const byName = new Map(apps.map((a) => [a.name, a]));
    const assertions = (spec.assert ?? []).map((a) => {
      const c = compileAssertion(a, (name) => {
        const app = byName.get(name);
        return app === undefined ? undefined : registry.get(app.kind)?.metrics;
      });
      return this.evaluate(c as CompiledAssertion, byName, network);
    });
    return {
      name: spec.name ?? this.scenario.file,
      file: this.scenario.file,
      seed: this.seed,
      stopReason: this.stopReason ?? "until",
      endTime: this.net.sim.now,
      events: this.net.sim.eventsExecuted,
      topology: describeTopology(this.net),
      apps,
      faults: [...this.net.faults.log],
      routing,
      edge: edgeLines(edgeState),
      edgeState,
      warnings: [...this.faults.warnings],
      assertions,
      passed: assertions.every((a) => a.passed),
    };
  }

  private evaluate(
    c: CompiledAssertion,
    apps: Map<string, AppResult>,
    network: Record<string, MetricValue>,
  ): AssertionResult {
    if (c.type === "metric") {
      const v = c.app === undefined ? network[c.metric] : apps.get(c.app)?.metrics[c.metric];
      return evaluateMetric(c, v);
    }
    if (c.type === "nat") return evaluateMetric(c, natCounter(this.edge, c.router, c.count));
    if (c.type === "clock") {
      return evaluateMetric(c, Math.abs(Math.round(this.net.node(c.host).clock.error())));
    }
    if (c.type === "lease") return evaluateLease(c, this.edge);
    const expected = c.hops === undefined ? "a path" : `a path of ${c.hops} hops`;
    let dst: string;
    try {
      dst = this.context("assert").address(c.to);
    } catch (e) {
      return { label: c.label, passed: false, actual: (e as Error).message, expected };
    }
    const p = followRoutes(this.net.node(c.from), dst);
    const hops = p.path.length - 1;
    return {
      label: c.label,
      passed: p.ok && (c.hops === undefined || hops === c.hops),
      actual: p.ok ? `${p.path.join(" ")} (${hops} hops)` : `none: ${p.reason}`,
      expected,
    };
  }
}
