/**
 * Loading a scenario: YAML text -> document with positions (the `yaml` package's Document and
 * LineCounter) -> schema validation -> reference checks. Every stage reports all of its problems
 * at once, as values; nothing here reads files (the CLI does), so it runs in a browser too.
 */
import { LineCounter, parseDocument } from "yaml";
import { defaultRegistry } from "./apps/index.js";
import { checkScenario } from "./check.js";
import { issuesToErrors, type ZodSchemaInternals } from "./issues.js";
import type { AppRegistry } from "./registry.js";
import { buildScenarioSchema, type ScenarioSpec } from "./schema.js";
import { type ScenarioError, YamlSource } from "./source.js";
import { describeValue } from "./units.js";

/** A scenario that passed every check. */
export interface Scenario {
  /** The file name given to `loadScenario`, for messages. */
  file: string;
  spec: ScenarioSpec;
  /** The document, to place errors found later (while building the network). */
  source: YamlSource;
  registry: AppRegistry;
}

/** A scenario, or every problem found in it. */
export type LoadResult = { ok: true; scenario: Scenario } | { ok: false; errors: ScenarioError[] };

const schemas = new WeakMap<AppRegistry, ReturnType<typeof buildScenarioSchema>>();

/** The scenario schema for a registry (built once per registry). */
export function scenarioSchema(registry: AppRegistry): ReturnType<typeof buildScenarioSchema> {
  let s = schemas.get(registry);
  if (s === undefined) {
    s = buildScenarioSchema(registry);
    schemas.set(registry, s);
  }
  return s;
}

/** Parses and validates scenario text; `file` names it in errors. */
export function loadScenario(
  text: string,
  file: string,
  registry: AppRegistry = defaultRegistry(),
): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source = new YamlSource(file, doc, lines);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        file,
        ...source.position(e.pos[0]),
        path: "",
        message: `YAML syntax: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
      })),
    };
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return {
      ok: false,
      errors: [
        {
          file,
          ...source.locate([]),
          path: "",
          message: `expected a map of scenario fields (hosts, links, apps...), found ${describeValue(data ?? undefined)}`,
        },
      ],
    };
  }
  const schema = scenarioSchema(registry);
  const parsed = schema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    const internals = schema as unknown as ZodSchemaInternals;
    return {
      ok: false,
      errors: sortErrors(issuesToErrors(parsed.error.issues, data, source, internals)),
    };
  }
  const errors = checkScenario(parsed.data, source, registry);
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };
  return { ok: true, scenario: { file, spec: parsed.data, source, registry } };
}

/** Errors in file order (stable for equal positions). */
function sortErrors(errors: ScenarioError[]): ScenarioError[] {
  return errors
    .map((e, i) => ({ e, i }))
    .sort((x, y) => x.e.line - y.e.line || x.e.column - y.e.column || x.i - y.i)
    .map((x) => x.e);
}
