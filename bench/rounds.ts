/**
 * Repeated rounds of a suite, merged. On a shared machine the quiet and the loaded stretches
 * last tens of seconds, longer than one figure's timing windows, so a single run can fall
 * wholly inside a loaded stretch. Rounds spread each figure's windows over the whole run; the
 * merged figure keeps the best round and lists every round's value, so the spread stays visible.
 */
import type { Figure } from "./harness.js";

/** True when round `a` of a figure did better than round `b`. */
function better(a: Figure, b: Figure): boolean {
  return a.lowerIsBetter ? a.value < b.value : a.value > b.value;
}

/** Short form of a value for the list of rounds: three significant digits, M and k suffixes. */
export function shortValue(v: number): string {
  const [scaled, suffix] = v >= 1e6 ? [v / 1e6, " M"] : v >= 1e3 ? [v / 1e3, " k"] : [v, ""];
  return `${Number(scaled.toPrecision(3))}${suffix}`;
}

/**
 * Merges rounds of the same suite: for each figure (matched by suite and name, in the order
 * of their first appearance) the best round's figure, its note extended with all rounds'
 * values in the order they ran. A figure missing from some rounds keeps the rounds it has.
 */
export function mergeRounds(rounds: readonly (readonly Figure[])[]): Figure[] {
  const order: string[] = [];
  const seen = new Map<string, Figure[]>();
  for (const round of rounds) {
    for (const f of round) {
      const key = `${f.suite}\u0000${f.name}`;
      let list = seen.get(key);
      if (list === undefined) {
        list = [];
        seen.set(key, list);
        order.push(key);
      }
      list.push(f);
    }
  }
  return order.map((key) => {
    const list = seen.get(key)!;
    let best = list[0]!;
    for (const f of list) if (better(f, best)) best = f;
    if (list.length === 1) return best;
    const values = `${list.length} rounds: ${list.map((f) => shortValue(f.value)).join(", ")}`;
    return { ...best, note: best.note ? `${best.note}; ${values}` : values };
  });
}
