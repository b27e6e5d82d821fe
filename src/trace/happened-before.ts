/**
 * Orders events stamped with vector clocks by happened-before: a linear extension of the
 * causal partial order (every event after all the events that happened before it), and the
 * pairs of events that are concurrent. Among events whose causes are all placed, the earliest
 * (by time, then node name, then input position) goes next, so the order is deterministic and,
 * for a trace whose times are consistent with causality, simply the time order.
 */
import { type VectorClock, vcCompare } from "../apps/clock/vector-clock.js";

/** What the ordering needs of an event. */
export interface CausalEvent {
  /** Process (node) where the event happened. */
  readonly node: string;
  /** When it happened, by any clock the caller likes (simulation time, a local reading). */
  readonly time: number;
  readonly clock: VectorClock;
}

export interface CausalOrder<E extends CausalEvent> {
  /** Every event once, each after all the events that happened before it. */
  order: E[];
  /** Pairs of concurrent events, each pair in `order`'s order, pairs sorted by that order. */
  concurrent: [E, E][];
}

/** Orders `events` by happened-before (O(n^2) comparisons: for traces, not hot paths). */
export function orderByHappenedBefore<E extends CausalEvent>(events: readonly E[]): CausalOrder<E> {
  const n = events.length;
  // waiting[j]: events that happened before j and are not placed yet; succ[i]: events after i.
  const waiting = new Array<number>(n).fill(0);
  const succ: number[][] = events.map(() => []);
  const concurrentWith: boolean[][] = events.map(() => new Array<boolean>(n).fill(false));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const c = vcCompare(events[i]!.clock, events[j]!.clock);
      if (c === "before") {
        succ[i]!.push(j);
        waiting[j]!++;
      } else if (c === "after") {
        succ[j]!.push(i);
        waiting[i]!++;
      } else if (c === "concurrent") {
        concurrentWith[i]![j] = true;
        concurrentWith[j]![i] = true;
      }
    }
  }
  const earlier = (a: number, b: number): boolean => {
    const x = events[a]!;
    const y = events[b]!;
    if (x.time !== y.time) return x.time < y.time;
    if (x.node !== y.node) return x.node < y.node;
    return a < b;
  };
  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (waiting[i] === 0) ready.push(i);
  const placed: number[] = [];
  while (ready.length > 0) {
    let k = 0;
    for (let r = 1; r < ready.length; r++) if (earlier(ready[r]!, ready[k]!)) k = r;
    const next = ready.splice(k, 1)[0]!;
    placed.push(next);
    for (const j of succ[next]!) if (--waiting[j]! === 0) ready.push(j);
  }
  // Equal vectors are neither before nor after each other, so every event gets placed.
  const order = placed.map((i) => events[i]!);
  const concurrent: [E, E][] = [];
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      if (concurrentWith[placed[a]!]![placed[b]!]) concurrent.push([order[a]!, order[b]!]);
    }
  }
  return { order, concurrent };
}
