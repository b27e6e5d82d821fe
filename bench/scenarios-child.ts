/**
 * One measurement in a fresh process, for bench/scenarios.ts: loads and runs one built-in
 * scenario (no capture, no report) and prints one JSON line with the wall times and the
 * process's peak resident set size. With `--baseline` it loads the same modules and runs
 * nothing, which gives the memory every run starts from.
 */
import { readFileSync } from "node:fs";
import { loadScenario } from "../src/scenario/load.js";
import { ScenarioRun } from "../src/scenario/run.js";

const [file, flag] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write("usage: scenarios-child.ts <scenario.yaml> [--baseline]\n");
  process.exit(2);
}
const t0 = performance.now();
const loaded = loadScenario(readFileSync(file, "utf8"), file);
if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
let events = 0;
let simulated = 0;
let passed = true;
const t1 = performance.now();
if (flag !== "--baseline") {
  const run = ScenarioRun.create(loaded.scenario);
  if (Array.isArray(run)) throw new Error(run.map((e) => e.message).join("\n"));
  const r = run.runToEnd();
  events = run.net.sim.eventsExecuted;
  simulated = r.endTime;
  passed = r.passed;
}
const t2 = performance.now();
process.stdout.write(
  `${JSON.stringify({
    loadMs: t1 - t0,
    runMs: t2 - t1,
    events,
    simulatedNs: simulated,
    passed,
    // maxRSS is in KiB (getrusage's ru_maxrss on Linux).
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    heapUsedBytes: process.memoryUsage().heapUsed,
  })}\n`,
);
