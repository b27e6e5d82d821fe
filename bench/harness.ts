/**
 * Benchmark plumbing shared by every suite: timing loops and the one figure shape all suites
 * report, `{suite, name, value, unit, target}`. Benchmarks read the wall clock; tests never do.
 */

export interface Figure {
  suite: string;
  name: string;
  value: number;
  unit: string;
  /** The target, when it names one, in the same unit. */
  target?: number;
  /** True when smaller values are better (times, memory); the target is then a ceiling. */
  lowerIsBetter?: boolean;
  /** Free-form context: what was compared, the ratio to an alternative. */
  note?: string;
}

export interface Suite {
  name: string;
  description: string;
  run(): Promise<Figure[]> | Figure[];
}

/**
 * Runs `body(n)` with growing n until one call takes at least `minMs`, then repeats that
 * `repeats` times and returns the best rate in operations per second. `body` returns how many
 * operations it did (usually n).
 */
export function rate(body: (n: number) => number, minMs = 300, repeats = 3): number {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    body(n);
    const dt = performance.now() - t0;
    if (dt >= minMs / 4) break;
    n *= dt < 1 ? 16 : 2;
  }
  let best = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const ops = body(n);
    const dt = performance.now() - t0;
    best = Math.max(best, ops / (dt / 1000));
  }
  return best;
}

/** Keeps a value alive so the optimizer cannot drop the work that produced it. */
export let sink: unknown;
export function consume(x: unknown): void {
  sink = x;
}
