/**
 * `npm run bench -- [suite...] [--rounds N] [--json]`: runs the named suites (all by default)
 * and prints a table, or with --json one JSON array of figures {suite, name, value, unit,
 * target}. With --rounds N each suite runs N times and each figure is its best round, every
 * round's value listed in its note (see rounds.ts).
 */
import { cpus, totalmem } from "node:os";
import { dnsSuite } from "./dns.js";
import type { Figure, Suite } from "./harness.js";
import { httpSuite } from "./http.js";
import { kernelSuite } from "./kernel.js";
import { lpmSuite } from "./lpm.js";
import { netSuite } from "./net.js";
import { p2pSuite } from "./p2p.js";
import { mergeRounds } from "./rounds.js";
import { scenariosSuite } from "./scenarios.js";
import { tcpSuite } from "./tcp.js";
import { wireSuite } from "./wire.js";

const SUITES: Suite[] = [
  kernelSuite,
  wireSuite,
  netSuite,
  lpmSuite,
  p2pSuite,
  tcpSuite,
  dnsSuite,
  httpSuite,
  scenariosSuite,
];

function format(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} k`;
  return v.toFixed(1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const roundsAt = args.indexOf("--rounds");
  const roundsText = roundsAt >= 0 ? args[roundsAt + 1] : "1";
  const rounds = Number(roundsText);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) {
    process.stderr.write(`--rounds needs a whole number 1..100, got "${roundsText ?? ""}"\n`);
    process.exit(2);
  }
  const names = args.filter(
    (a, i) => !a.startsWith("--") && !(roundsAt >= 0 && i === roundsAt + 1),
  );
  const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown suite(s): ${unknown.join(", ")}; known: ${SUITES.map((s) => s.name).join(", ")}\n`,
    );
    process.exit(2);
  }
  const chosen = names.length === 0 ? SUITES : SUITES.filter((s) => names.includes(s.name));
  if (!json) {
    const cpu = cpus()[0]?.model ?? "unknown CPU";
    process.stdout.write(
      `wirelab benchmarks on ${cpus().length} x ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n\n`,
    );
  }
  const all: Figure[] = [];
  for (const suite of chosen) {
    const runs: Figure[][] = [];
    for (let r = 0; r < rounds; r++) runs.push(await suite.run());
    const figures = mergeRounds(runs);
    all.push(...figures);
    if (json) continue;
    process.stdout.write(`${suite.name}: ${suite.description}\n`);
    for (const f of figures) {
      const target =
        f.target === undefined
          ? ""
          : `  target ${f.lowerIsBetter ? "<= " : ""}${format(f.target)} ${
              (f.lowerIsBetter ? f.value <= f.target : f.value >= f.target) ? "met" : "MISSED"
            }`;
      const note = f.note ? `  (${f.note})` : "";
      process.stdout.write(
        `  ${f.name.padEnd(40)} ${format(f.value).padStart(10)} ${f.unit}${target}${note}\n`,
      );
    }
    process.stdout.write("\n");
  }
  if (json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
}

await main();
