/**
 * Wall time and peak memory of every built-in scenario (scenarios/*.yaml). Each run is a child
 * process of its own, so the peak resident set size (getrusage's maxRSS) is that scenario's and
 * no other's; the child loads the same modules as `wirelab run`, without capture or report. A
 * baseline child that loads everything and runs nothing shows the memory every run starts from.
 * Wall time is the best of three runs of the simulation alone (building the network included).
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Figure, Suite } from "./harness.js";

const DIR = resolve(import.meta.dirname, "../scenarios");
const CHILD = resolve(import.meta.dirname, "scenarios-child.ts");
const REPEATS = 3;

interface ChildResult {
  loadMs: number;
  runMs: number;
  events: number;
  simulatedNs: number;
  passed: boolean;
  maxRssBytes: number;
  heapUsedBytes: number;
}

/** Runs the child under the same loader (tsx) as this process. */
function child(file: string, baseline = false): ChildResult {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, CHILD, file, ...(baseline ? ["--baseline"] : [])],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`${file}: child exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as ChildResult;
}

const MiB = 2 ** 20;

export const scenariosSuite: Suite = {
  name: "scenarios",
  description: `wall time (best of ${REPEATS}) and peak RSS of each built-in scenario, one process per run`,
  run() {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith(".yaml"))
      .sort();
    const figures: Figure[] = [];
    const base = child(join(DIR, files[0]!), true);
    figures.push({
      suite: "scenarios",
      name: "baseline: modules loaded, nothing run",
      value: base.maxRssBytes / MiB,
      unit: "MiB peak RSS",
      lowerIsBetter: true,
    });
    for (const f of files) {
      const runs = Array.from({ length: REPEATS }, () => child(join(DIR, f)));
      const best = runs.reduce((a, b) => (b.runMs < a.runMs ? b : a));
      const peak = Math.max(...runs.map((r) => r.maxRssBytes));
      const name = f.replace(/\.yaml$/, "");
      const note = `${best.events.toLocaleString("en")} events, ${(best.simulatedNs / 1e9).toFixed(1)} s simulated${best.passed ? "" : ", ASSERTIONS FAILED"}`;
      figures.push(
        {
          suite: "scenarios",
          name: `${name} wall`,
          value: best.runMs,
          unit: "ms",
          lowerIsBetter: true,
          note,
        },
        {
          suite: "scenarios",
          name: `${name} peak RSS`,
          value: peak / MiB,
          unit: "MiB",
          lowerIsBetter: true,
        },
      );
    }
    return figures;
  },
};
