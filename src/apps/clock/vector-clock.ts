/**
 * Vector clocks (Fidge 1988, Mattern 1989): one counter per process, as an immutable map from
 * process name to count (missing names count 0). a happened before b exactly when a's vector
 * is below b's in every entry and differs in one; otherwise two distinct events are concurrent.
 * Values are plain frozen objects with sorted keys, so they print, compare and serialize the
 * same on every run.
 */

/** A vector timestamp: process name -> events counted; absent means 0. */
export type VectorClock = Readonly<Record<string, number>>;

/** How two vector timestamps relate. */
export type VectorOrder = "before" | "after" | "equal" | "concurrent";

function build(entries: [string, number][]): VectorClock {
  entries.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const out: Record<string, number> = Object.create(null);
  for (const [k, v] of entries) if (v > 0) out[k] = v;
  return Object.freeze(out);
}

function get(v: VectorClock, name: string): number {
  return Object.hasOwn(v, name) ? v[name]! : 0;
}

/** The zero vector (no events yet). */
export function vectorClock(entries: Record<string, number> = {}): VectorClock {
  for (const [k, v] of Object.entries(entries)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`bad count ${v} for ${k}`);
  }
  return build(Object.entries(entries));
}

/** `v` with `name`'s entry incremented (an event at process `name`). */
export function vcIncrement(v: VectorClock, name: string): VectorClock {
  const entries = Object.entries(v).filter(([k]) => k !== name);
  entries.push([name, get(v, name) + 1]);
  return build(entries);
}

/** The entry-wise maximum: the least vector that is at or after both. */
export function vcMerge(a: VectorClock, b: VectorClock): VectorClock {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return build([...names].map((k) => [k, Math.max(get(a, k), get(b, k))]));
}

/** Compares two vector timestamps. */
export function vcCompare(a: VectorClock, b: VectorClock): VectorOrder {
  let less = false;
  let greater = false;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = get(a, k);
    const y = get(b, k);
    if (x < y) less = true;
    else if (x > y) greater = true;
  }
  if (less && greater) return "concurrent";
  if (less) return "before";
  if (greater) return "after";
  return "equal";
}

/** True when the event stamped `a` happened before the one stamped `b`. */
export function vcHappenedBefore(a: VectorClock, b: VectorClock): boolean {
  return vcCompare(a, b) === "before";
}

/** A process's vector clock: stamps local, send and receive events. */
export class VectorClockProcess {
  private v: VectorClock;

  constructor(
    /** The process's name, its entry in the vectors. */
    readonly name: string,
  ) {
    this.v = vectorClock();
  }

  /** The timestamp of the latest event. */
  get clock(): VectorClock {
    return this.v;
  }

  /** A local event: returns its timestamp. */
  tick(): VectorClock {
    this.v = vcIncrement(this.v, this.name);
    return this.v;
  }

  /** A send event: returns the timestamp to put in the message. */
  send(): VectorClock {
    return this.tick();
  }

  /** A receive event for a message stamped `stamp`: merge, then count the event. */
  receive(stamp: VectorClock): VectorClock {
    this.v = vcIncrement(vcMerge(this.v, stamp), this.name);
    return this.v;
  }
}
