/**
 * The JSON Schema of scenario files, generated from the zod schema (`npm run schema` writes it to
 * scenarios/schema.json). Editors that speak the YAML language server complete and check fields
 * with it when a file starts with `# yaml-language-server: $schema=./schema.json`.
 */
import { z } from "zod";
import { defaultRegistry } from "./apps/index.js";
import { scenarioSchema } from "./load.js";
import type { AppRegistry } from "./registry.js";

/** The JSON Schema (draft 2020-12) of scenario files for a registry's app kinds. */
export function scenarioJsonSchema(
  registry: AppRegistry = defaultRegistry(),
): Record<string, unknown> {
  return z.toJSONSchema(scenarioSchema(registry), {
    io: "input",
    unrepresentable: "any",
  }) as Record<string, unknown>;
}

/**
 * JSON text laid out as the project's formatter (biome) lays it out: objects one key per line,
 * arrays of plain values on one line when they fit in 100 columns.
 */
export function formatJson(value: unknown, indent = "", column = indent.length): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const flat = value.every((v) => v === null || typeof v !== "object");
    const oneLine = `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
    if (flat && column + oneLine.length + 1 <= 100) return oneLine;
    return `[\n${value.map((v) => `${inner}${formatJson(v, inner)}`).join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const lines = entries.map(([k, v]) => {
      const head = `${inner}${JSON.stringify(k)}: `;
      return `${head}${formatJson(v, inner, head.length)}`;
    });
    return `{\n${lines.join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}
