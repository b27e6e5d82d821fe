/**
 * What the CLI's commands talk to: two output streams and whether stderr is a terminal. `main`
 * takes one, so tests run commands in-process and read what they printed.
 */

/** The CLI's outputs. */
export interface CliIo {
  /** Standard output: results. */
  out(text: string): void;
  /** Standard error: errors and the progress bar. */
  err(text: string): void;
  /** True when stderr is a terminal (the progress bar is drawn only then). */
  errIsTTY: boolean;
  /** Terminal width for the progress bar (default 80). */
  columns?: number;
}

/** The process's real streams. */
export function processIo(): CliIo {
  return {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    errIsTTY: process.stderr.isTTY === true,
    columns: process.stderr.columns,
  };
}

/** Thrown by command code for bad input; `main` prints the message and exits with 2. */
export class UsageError extends Error {}
