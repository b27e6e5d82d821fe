/**
 * `wirelab run <scenario>`: loads a scenario (a file or a built-in name), runs it with a progress
 * bar on a terminal, prints the report (or JSON), writes captures and the report directory when
 * asked, and with --check-determinism runs it again and compares the packet traces.
 * Exit code: 0 when every assertion holds, 1 when one fails or the runs differ.
 */
import { TraceFingerprint } from "../scenario/fingerprint.js";
import { type RunOptions, ScenarioRun } from "../scenario/run.js";
import { DURATION_SYNTAX, describeValue, parseDuration } from "../scenario/units.js";
import { NetworkCapture } from "../trace/capture.js";
import { packetFields } from "../trace/packet-fields.js";
import { type PacketFilter, parsePacketFilter } from "../trace/packet-filter.js";
import { FilteredTrace, hostAddresses } from "../trace/packet-trace.js";
import { ParseError } from "../wire/parse-error.js";
import { checkDeterminism, type DeterminismReport } from "./determinism.js";
import { type CliIo, UsageError } from "./io.js";
import { ProgressBar } from "./progress.js";
import { TraceLog, writePcap, writeReport } from "./report.js";
import { runJson, runText } from "./run-text.js";
import { formatErrors, readScenario } from "./scenario-file.js";

/** The options of `run`, as commander hands them over (strings until parsed here). */
export interface RunFlags {
  seed?: string;
  until?: string;
  pcap?: string;
  report?: string;
  json?: boolean;
  checkDeterminism?: boolean;
  progress?: boolean;
  traceFilter?: string;
}

/** Parses --seed: an integer 0..2^32-1. */
export function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!/^\d+$/.test(text) || v > 0xffffffff) {
    throw new UsageError(
      `--seed: expected an integer from 0 to 4294967295, found ${describeValue(text)}`,
    );
  }
  return v;
}

/** Parses a duration option such as --until 30s. */
export function parseTimeOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = parseDuration(text);
  if (typeof v !== "number")
    throw new UsageError(`${name}: expected ${DURATION_SYNTAX}, found ${describeValue(text)}`);
  return v;
}

/** Runs the command; returns the exit code. */
export function runCommand(arg: string, flags: RunFlags, io: CliIo): number {
  const scenario = readScenario(arg);
  const options: RunOptions = { seed: parseSeed(flags.seed) ?? scenario.spec.seed ?? 1 };
  const until = parseTimeOption("--until", flags.until);
  if (until !== undefined) options.until = until;
  const run = ScenarioRun.create(scenario, options);
  if (Array.isArray(run)) throw new UsageError(formatErrors(run));

  let filter: PacketFilter | undefined;
  if (flags.traceFilter !== undefined) {
    const f = parsePacketFilter(flags.traceFilter, hostAddresses(run.net));
    if (f instanceof ParseError) throw new UsageError(`--trace-filter: ${f.detail}`);
    filter = f;
  }
  // The filter narrows the capture too, unless it picks event kinds (a capture sees the wire).
  const narrow = filter !== undefined && !filter.choosesKinds ? filter : undefined;
  const capture =
    flags.pcap === undefined
      ? undefined
      : new NetworkCapture(
          run.net,
          narrow === undefined ? {} : { accept: (e) => narrow.matches(packetFields(e)) },
        );
  const filtered = filter === undefined ? undefined : new FilteredTrace(run.net, filter);
  const trace = flags.report !== undefined ? new TraceLog(run.net) : undefined;
  const print = flags.checkDeterminism ? new TraceFingerprint(run.net) : undefined;
  const bar =
    io.errIsTTY && flags.progress !== false
      ? new ProgressBar(io.err, run.limited ? undefined : run.end, io.columns)
      : undefined;
  const result = run.runToEnd(bar && ((r) => bar.update(r.net.sim.now, r.net.sim.eventsExecuted)));
  bar?.done();
  capture?.stop();
  trace?.stop();
  print?.stop();
  filtered?.stop();

  let determinism: DeterminismReport | undefined;
  if (print !== undefined) determinism = checkDeterminism(scenario, options, print);
  const text = runText(result);
  if (filtered !== undefined) text.push("", ...filteredText(filtered));
  if (determinism !== undefined) text.push(determinism.text);
  const files: string[] = [];
  if (capture !== undefined) files.push(...writePcap(flags.pcap!, capture));
  const json = {
    ...(runJson(result) as object),
    ...(determinism && { determinism }),
    ...(filtered && {
      trace: { filter: filtered.filter.text, matched: filtered.seen, lines: filtered.lines },
    }),
    files,
  };
  if (trace !== undefined) files.push(...writeReport(flags.report!, result, text, json, trace));
  if (flags.json) io.out(`${JSON.stringify(json, null, 2)}\n`);
  else {
    if (files.length > 0) text.push(`wrote ${files.join(", ")}`);
    io.out(`${text.join("\n")}\n`);
  }
  return result.passed && determinism?.identical !== false ? 0 : 1;
}

/** The --trace-filter section of the text output. */
function filteredText(t: FilteredTrace): string[] {
  const head = `packet trace (filter "${t.filter.text}"): ${t.seen} events`;
  const cut = t.seen > t.lines.length ? [`... ${t.seen - t.lines.length} more not shown`] : [];
  return [head, ...t.lines, ...cut];
}
