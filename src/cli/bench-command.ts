/**
 * `wirelab bench`: the benchmarks live in bench/ beside the sources and run through tsx, so in a
 * source checkout this runs `bench/run.ts` (exactly what `npm run bench` runs) with the same
 * arguments; an installed package has no bench/ and says to clone the repository instead.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { CliIo } from "./io.js";
import { PACKAGE_ROOT } from "./scenario-file.js";

/** Where `npm run bench` starts. */
export const BENCH_ENTRY = `${PACKAGE_ROOT}bench/run.ts`;

/** Runs the benchmark suites in a child process; resolves to its exit code. */
export function benchCommand(args: string[], io: CliIo): Promise<number> {
  if (!existsSync(BENCH_ENTRY)) {
    io.err(
      "wirelab bench: the benchmarks ship with the source, not the package: clone the repository, then run `npm ci && npm run bench`\n",
    );
    return Promise.resolve(2);
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", BENCH_ENTRY, ...args], {
      cwd: PACKAGE_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (b: Buffer) => io.out(b.toString()));
    child.stderr.on("data", (b: Buffer) => io.err(b.toString()));
    child.on("error", (e) => {
      io.err(`wirelab bench: ${e.message}; run \`npm run bench\` instead\n`);
      resolve(2);
    });
    child.on("close", (code) => resolve(code ?? 1));
  });
}
