/**
 * Reading scenario files for the CLI: a path, or the name of a built-in scenario
 * ("loss-and-ping" for scenarios/loss-and-ping.yaml), loaded and validated; problems become a
 * UsageError whose text lists every error with its file, line, column and field.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadScenario, type Scenario } from "../scenario/load.js";
import { formatScenarioError, type ScenarioError } from "../scenario/source.js";
import { UsageError } from "./io.js";

/** The package's root directory (two levels above src/cli or dist/cli). */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Where the built-in scenarios live. */
export const SCENARIOS_DIR = `${PACKAGE_ROOT}scenarios`;

/** Names of the built-in scenarios. */
export function builtinScenarios(): string[] {
  if (!existsSync(SCENARIOS_DIR)) return [];
  return readdirSync(SCENARIOS_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
}

/** The file a scenario argument means: the path itself, or a built-in scenario's file. */
export function resolveScenario(arg: string): string {
  if (existsSync(arg)) return arg;
  const builtin = `${SCENARIOS_DIR}/${arg}.yaml`;
  if (!/[/\\]/.test(arg) && existsSync(builtin)) return builtin;
  const names = builtinScenarios();
  throw new UsageError(
    `cannot read scenario "${arg}": no such file${names.length > 0 ? ` (built-in scenarios: ${names.join(", ")})` : ""}`,
  );
}

/** Formats a list of scenario errors, one per line, with a count. */
export function formatErrors(errors: readonly ScenarioError[]): string {
  const n = errors.length;
  return `${errors.map(formatScenarioError).join("\n")}\n${n} error${n === 1 ? "" : "s"}`;
}

/** Reads and validates a scenario; throws a UsageError listing every problem. */
export function readScenario(arg: string): Scenario {
  const file = resolveScenario(arg);
  const r = loadScenario(readFileSync(file, "utf8"), arg === file ? file : `scenarios/${arg}.yaml`);
  if (!r.ok) throw new UsageError(formatErrors(r.errors));
  return r.scenario;
}
