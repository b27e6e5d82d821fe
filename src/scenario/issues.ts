/**
 * Turns zod's validation issues into scenario errors people can act on: each names the field's
 * path and its place in the file, says what was expected and what was found, suggests the
 * nearest known field for a misspelt one, and picks the branch that was meant in a union.
 */
import type { z } from "zod";
import type { FieldPath, ScenarioError, YamlSource } from "./source.js";
import { describeValue } from "./units.js";

type Issue = z.core.$ZodIssue;

/** The parts of zod's internal schema definitions that the key lookup walks. */
interface Def {
  type: string;
  shape?: Record<string, Schema>;
  element?: Schema;
  innerType?: Schema;
  in?: Schema;
  options?: Schema[];
  items?: Schema[];
  discriminator?: string;
  values?: unknown[];
}
interface Schema {
  _zod: { def: Def };
}

/** The value at `path` in `data`. */
function valueAt(data: unknown, path: FieldPath): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function unwrap(s: Schema, data: unknown): Schema {
  for (;;) {
    const d = s._zod.def;
    if (d.innerType !== undefined) s = d.innerType;
    else if (d.type === "pipe" && d.in !== undefined) s = d.in;
    else if (d.type === "union" && d.options !== undefined) {
      const disc = d.discriminator;
      const wanted = disc !== undefined ? valueAt(data, [disc]) : undefined;
      const pick = d.options.find((o) => {
        const od = unwrap(o, data)._zod.def;
        if (od.type !== "object") return false;
        if (disc === undefined) return true;
        return od.shape?.[disc]?._zod.def.values?.includes(wanted) ?? false;
      });
      if (pick === undefined) return s;
      s = pick;
    } else return s;
  }
}

/** The schema at `path` (following the data through unions), when it can be found. */
function schemaAt(root: Schema, path: FieldPath, data: unknown): Schema | undefined {
  let s = unwrap(root, data);
  let v = data;
  for (const seg of path) {
    const d = s._zod.def;
    let next: Schema | undefined;
    if (d.type === "object") next = d.shape?.[String(seg)];
    else if (d.type === "array") next = d.element;
    else if (d.type === "tuple") next = d.items?.[Number(seg)];
    if (next === undefined) return undefined;
    v = valueAt(v, [seg]);
    s = unwrap(next, v);
  }
  return s;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The closest of `known` to `word`, if close enough to be a typo. */
export function suggest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = distance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return bestD <= Math.max(1, Math.ceil(word.length / 3)) ? best : undefined;
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  array: "a list",
  tuple: "a list",
  object: "a map",
};

/** What an issue at the root of a union branch expected, as a phrase. */
function expectation(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      return TYPE_NAMES[issue.expected] ?? issue.expected;
    case "invalid_value":
      return issue.values.map((v) => JSON.stringify(v)).join(" or ");
    default:
      return issue.message.replace(/^expected /, "").replace(/, found .*$/, "");
  }
}

/** True when an issue says the value was of the wrong type (for a literal too). */
function wrongType(i: Issue): boolean {
  if (i.code === "invalid_type") return true;
  return i.code === "invalid_value" && !i.values.some((v) => typeof v === typeof i.input);
}

/** How well a failed union branch matched: deeper failures mean the branch was the one meant. */
function rank(branch: Issue[]): number {
  if (branch.some((i) => i.path.length > 0)) return 3;
  if (branch.every(wrongType)) return 0;
  if (branch.every((i) => wrongType(i) || i.code === "invalid_value")) return 1;
  return 2;
}

/** One explained problem: the field, the message, and whether it is about the key itself. */
export interface Explained {
  path: FieldPath;
  message: string;
  key: boolean;
}

/** Converts zod issues about `data` into scenario errors placed in `source`. */
export function issuesToErrors(
  issues: readonly Issue[],
  data: unknown,
  source: YamlSource,
  schema: Schema,
): ScenarioError[] {
  return explainIssues(issues, data, schema).map((e) => source.error(e.path, e.message, e.key));
}

/** Explains zod issues about `data`: what was expected and what was found, per field. */
export function explainIssues(
  issues: readonly Issue[],
  data: unknown,
  schema: Schema,
  prefix: FieldPath = [],
): Explained[] {
  const out: Explained[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const found = describeValue(valueAt(data, path));
    const at = (message: string) => out.push({ path, message, key: false });
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = Object.keys(schemaAt(schema, path, data)?._zod.def.shape ?? {});
        for (const k of issue.keys) {
          const near = suggest(k, known);
          const hint = near
            ? `did you mean "${near}"?`
            : known.length > 0
              ? `expected one of ${known.join(", ")}`
              : "not allowed here";
          out.push({ path: [...path, k], message: `unknown field "${k}": ${hint}`, key: true });
        }
        break;
      }
      case "invalid_type":
        at(`expected ${expectation(issue)}, found ${found}`);
        break;
      case "invalid_value":
        at(
          `expected ${issue.values.length > 1 ? "one of " : ""}${issue.values.map((v) => JSON.stringify(v)).join(", ")}, found ${found}`,
        );
        break;
      case "too_small":
      case "too_big": {
        const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
        const more = issue.code === "too_small" ? "at least" : "at most";
        const what =
          issue.origin === "array"
            ? `${more} ${bound} item${Number(bound) === 1 ? "" : "s"}`
            : issue.origin === "string"
              ? `${more} ${bound} character${Number(bound) === 1 ? "" : "s"}`
              : `a number ${issue.code === "too_small" ? (issue.inclusive ? ">=" : ">") : issue.inclusive ? "<=" : "<"} ${bound}`;
        at(`expected ${what}, found ${found}`);
        break;
      }
      case "invalid_union": {
        if (issue.errors.length === 0) {
          // A discriminated union whose discriminator matched nothing.
          const options = (issue as { options?: unknown[] }).options ?? [];
          const v = valueAt(data, path);
          const near = typeof v === "string" ? suggest(v, options.map(String)) : undefined;
          at(
            `expected one of ${options.map((o) => JSON.stringify(o)).join(", ")}, found ${found}${near ? ` (did you mean "${near}"?)` : ""}`,
          );
          break;
        }
        const best = Math.max(...issue.errors.map((b) => rank(b as Issue[])));
        const branches = issue.errors.filter((b) => rank(b as Issue[]) === best) as Issue[][];
        if (best === 3 || branches.length === 1) {
          out.push(...explainIssues(branches[0]!, data, schema, path));
        } else {
          at(
            `expected ${branches.flatMap((b) => b.map(expectation)).join(", or ")}, found ${found}`,
          );
        }
        break;
      }
      default: {
        const m = issue.message;
        at(m.startsWith("expected ") && !m.includes(", found ") ? `${m}, found ${found}` : m);
      }
    }
  }
  return out;
}

/** The view of a zod schema that `explainIssues` needs (any zod schema, cast). */
export type { Schema as ZodSchemaInternals };
