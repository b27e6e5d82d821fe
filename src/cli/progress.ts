/**
 * A progress bar for long runs, on stderr and only on a terminal: simulated time against the
 * run's end, events per second of wall time, and an estimate of the wall time left. It reads the
 * wall clock, which is why it lives in cli/ and never feeds anything back into the simulation.
 */
import { formatDuration } from "../scenario/units.js";
import type { Nanos } from "../sim/time.js";

/** Redraws at most this often (ms of wall time), and only once a run has lasted this long. */
const REDRAW_MS = 100;
const SHOW_AFTER_MS = 300;

/** A one-line bar redrawn in place with a carriage return. */
export class ProgressBar {
  private readonly started: number;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly write: (s: string) => void,
    /** The run's end in virtual time; undefined when it ends on a condition (no bar or ETA). */
    private readonly total: Nanos | undefined,
    private readonly columns = 80,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.started = clock();
  }

  /** Shows the state after a slice of the run: virtual time reached, events run so far. */
  update(now: Nanos, events: number): void {
    const wall = this.clock();
    const elapsed = wall - this.started;
    if (elapsed < SHOW_AFTER_MS || wall - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = wall;
    this.drawn = true;
    this.write(`\r${this.line(now, events, elapsed)}\x1b[K`);
  }

  /** The text of the bar, e.g. "[#####-----] 42s / 160s  1.2M ev/s  ETA 3s". */
  line(now: Nanos, events: number, elapsedMs: number): string {
    const rate = elapsedMs > 0 ? (events / elapsedMs) * 1000 : 0;
    if (this.total === undefined)
      return `${formatDuration(now)} simulated  ${formatRate(rate)} ev/s`;
    const fraction = this.total > 0 ? Math.min(1, now / this.total) : 0;
    const eta = fraction > 0 ? ((1 - fraction) / fraction) * elapsedMs : undefined;
    const tail = `${formatDuration(now)} / ${formatDuration(this.total)}  ${formatRate(rate)} ev/s  ETA ${eta === undefined ? "?" : formatDuration(Math.round(eta * 1e6))}`;
    const width = Math.max(10, Math.min(40, this.columns - tail.length - 4));
    const full = Math.round(fraction * width);
    return `[${"#".repeat(full)}${"-".repeat(width - full)}] ${tail}`;
  }

  /** Clears the bar (if it was drawn) so the next output starts on a clean line. */
  done(): void {
    if (this.drawn) this.write("\r\x1b[K");
  }
}

function formatRate(r: number): string {
  if (r >= 1e6) return `${(r / 1e6).toFixed(1)}M`;
  if (r >= 1e3) return `${(r / 1e3).toFixed(1)}k`;
  return r.toFixed(0);
}
