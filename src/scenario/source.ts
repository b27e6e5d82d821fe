/**
 * Where things are in a scenario file: the parsed YAML document with its line counter, able to
 * turn a field path (["links", 2, "delay"]) into a line and column, and the error type every
 * stage reports with (file, line, column, field path, message), formatted like a compiler's.
 */
import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter } from "yaml";

/** A path into the scenario's data, as zod reports it. */
export type FieldPath = readonly PropertyKey[];

/** One problem in a scenario file. */
export interface ScenarioError {
  file: string;
  /** 1-based line and column; 0 when the problem has no place in the file. */
  line: number;
  column: number;
  /** The field, e.g. "links[2].delay"; empty for the file as a whole. */
  path: string;
  /** What was expected and what was found. */
  message: string;
}

/** "links[2].delay" from ["links", 2, "delay"]. */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const s = String(seg);
      out += /^[A-Za-z_$][\w$-]*$/.test(s)
        ? `${out === "" ? "" : "."}${s}`
        : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}

/** "file:line:col: path: message", the shape editors and terminals link to. */
export function formatScenarioError(e: ScenarioError): string {
  const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
  return `${where}: ${e.path === "" ? "" : `${e.path}: `}${e.message}`;
}

/** A YAML document with positions. */
export class YamlSource {
  constructor(
    readonly file: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Line and column of a byte offset. */
  position(offset: number): { line: number; column: number } {
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  /**
   * Position of the value at `path`, or with `key` set of the key naming its last segment; when
   * the path runs past what the file has (a missing field), the nearest existing ancestor's.
   */
  locate(path: FieldPath, key = false): { line: number; column: number } {
    let node: unknown = this.doc.contents;
    let at = 0;
    const start = (n: unknown) => {
      const r = (n as { range?: [number, number, number] } | null)?.range;
      if (r) at = r[0];
    };
    start(node);
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
        );
        if (!pair) break;
        if (last && key) {
          start(pair.key);
          break;
        }
        // An empty value ("delay:") has no node of its own: point at the key.
        if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) {
          start(pair.key);
          node = pair.value;
          if (pair.value === null) break;
          continue;
        }
        node = pair.value;
        start(node);
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg];
        if (item === undefined) break;
        node = item;
        start(node);
      } else break;
    }
    return this.position(at);
  }

  /** An error at `path` (at its key with `key` set). */
  error(path: FieldPath, message: string, key = false): ScenarioError {
    return { file: this.file, ...this.locate(path, key), path: formatPath(path), message };
  }
}
