/**
 * The word-count job's pure parts: splitting the input, the map and reduce functions, the
 * partition function, and the JSON shapes tasks and results travel in. No I/O, so the test can
 * compute the expected answer with the same tokenizer and nothing else.
 */
import type { JsonValue } from "../rpc/framing.js";

/** A word and its count, as carried in JSON. */
export type Pair = [string, number];

/** Words: maximal runs of ASCII letters and digits, lower-cased. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/** Counts every word of `text` in one pass: the reference the distributed job must match. */
export function localWordCount(text: string): Pair[] {
  const counts = new Map<string, number>();
  for (const w of words(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return sortPairs([...counts]);
}

/** Pairs in word order (code-unit order, so the result does not depend on locale). */
export function sortPairs(pairs: Pair[]): Pair[] {
  return pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * Splits the input into `m` pieces on line boundaries, so no word is cut in two; piece i gets
 * lines [i*L/m, (i+1)*L/m). Pieces may be empty when there are fewer lines than tasks.
 */
export function splitInput(text: string, m: number): string[] {
  const lines = text.split("\n");
  const out: string[] = [];
  for (let i = 0; i < m; i++) {
    const from = Math.floor((i * lines.length) / m);
    const to = Math.floor(((i + 1) * lines.length) / m);
    out.push(lines.slice(from, to).join("\n"));
  }
  return out;
}

/**
 * The reduce partition of a word: FNV-1a (32 bit) of its UTF-16 code units, mod `r`. A fixed
 * hash rather than a language one, so partitions are the same on every run and machine.
 */
export function partitionOf(word: string, r: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    h ^= word.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % r;
}

/** Map: counts the words of one input piece, grouped into `r` partitions (a combiner built in). */
export function mapWords(text: string, r: number): Pair[][] {
  const parts = Array.from({ length: r }, () => new Map<string, number>());
  for (const w of words(text)) {
    const p = parts[partitionOf(w, r)]!;
    p.set(w, (p.get(w) ?? 0) + 1);
  }
  return parts.map((p) => sortPairs([...p]));
}

/** Reduce: sums the counts of each word across the pairs of every map task. */
export function reduceCounts(pairs: readonly Pair[]): Pair[] {
  const sums = new Map<string, number>();
  for (const [w, n] of pairs) sums.set(w, (sums.get(w) ?? 0) + n);
  return sortPairs([...sums]);
}

/** Reads a list of pairs from JSON; undefined when the shape is wrong (a wire boundary). */
export function parsePairs(v: JsonValue | undefined): Pair[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: Pair[] = [];
  for (const x of v) {
    if (!Array.isArray(x) || x.length !== 2) return undefined;
    const [w, n] = x;
    if (typeof w !== "string" || typeof n !== "number" || !Number.isInteger(n)) return undefined;
    out.push([w, n]);
  }
  return out;
}

/** Reads one member of a JSON object. */
export function field(v: JsonValue | undefined, key: string): JsonValue | undefined {
  if (v === null || v === undefined || typeof v !== "object" || Array.isArray(v)) return undefined;
  return v[key];
}
