/**
 * An HTTP header (or trailer) section: an ordered list of [name, value] field lines that keeps
 * each name's original case, with case-insensitive lookups (RFC 9110 §5.1). Lists are short, so
 * lookups scan a parallel array of lower-cased names rather than maintain a map.
 */

import { trimOws } from "./syntax.js";

/** One field line: the name as received or given, and its value with OWS trimmed. */
export type HeaderEntry = [name: string, value: string];

/** Ordered header fields with case-insensitive `get`/`getAll`. */
export class HttpHeaders implements Iterable<HeaderEntry> {
  private readonly list: HeaderEntry[] = [];
  private readonly lower: string[] = [];

  constructor(init?: Iterable<readonly [string, string]>) {
    if (init) for (const [name, value] of init) this.append(name, value);
  }

  /** Number of field lines. */
  get size(): number {
    return this.list.length;
  }

  /** The field lines in order; do not mutate, use `append`/`set`/`delete`. */
  entries(): readonly HeaderEntry[] {
    return this.list;
  }

  /**
   * All values of `name` combined with ", " (RFC 9110 §5.3), or undefined when absent.
   * Set-Cookie cannot be combined that way (RFC 9110 §5.3): use `getAll` for it.
   */
  get(name: string): string | undefined {
    const key = name.toLowerCase();
    let out: string | undefined;
    for (let i = 0; i < this.lower.length; i++) {
      if (this.lower[i] !== key) continue;
      const v = this.list[i]![1];
      out = out === undefined ? v : `${out}, ${v}`;
    }
    return out;
  }

  /** The value of each field line named `name`, in order. */
  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const out: string[] = [];
    for (let i = 0; i < this.lower.length; i++) {
      if (this.lower[i] === key) out.push(this.list[i]![1]);
    }
    return out;
  }

  /** Number of field lines named `name`. */
  count(name: string): number {
    const key = name.toLowerCase();
    let n = 0;
    for (const l of this.lower) if (l === key) n++;
    return n;
  }

  has(name: string): boolean {
    return this.lower.includes(name.toLowerCase());
  }

  /** Adds a field line at the end. */
  append(name: string, value: string): this {
    this.list.push([name, value]);
    this.lower.push(name.toLowerCase());
    return this;
  }

  /** Replaces every line named `name` by one line, where the first was (or at the end). */
  set(name: string, value: string): this {
    const key = name.toLowerCase();
    const at = this.lower.indexOf(key);
    if (at < 0) return this.append(name, value);
    this.delete(name);
    this.list.splice(at, 0, [name, value]);
    this.lower.splice(at, 0, key);
    return this;
  }

  /** Removes every line named `name`; true when there was one. */
  delete(name: string): boolean {
    const key = name.toLowerCase();
    let w = 0;
    for (let r = 0; r < this.list.length; r++) {
      if (this.lower[r] === key) continue;
      this.list[w] = this.list[r]!;
      this.lower[w] = this.lower[r]!;
      w++;
    }
    const removed = w < this.list.length;
    this.list.length = w;
    this.lower.length = w;
    return removed;
  }

  /**
   * The elements of a comma-separated list field (RFC 9110 §5.6.1) across all its lines,
   * trimmed and lower-cased, empty elements dropped: for Connection, Transfer-Encoding.
   */
  tokens(name: string): string[] {
    const out: string[] = [];
    for (const v of this.getAll(name)) {
      for (const part of v.split(",")) {
        const t = trimOws(part).toLowerCase();
        if (t.length > 0) out.push(t);
      }
    }
    return out;
  }

  /** True when the list field `name` holds `token` (case-insensitive). */
  hasToken(name: string, token: string): boolean {
    return this.tokens(name).includes(token.toLowerCase());
  }

  [Symbol.iterator](): Iterator<HeaderEntry> {
    return this.list[Symbol.iterator]();
  }

  /** The lines as plain pairs, for tests and logs. */
  toJSON(): [string, string][] {
    return this.list.map(([n, v]) => [n, v]);
  }
}
