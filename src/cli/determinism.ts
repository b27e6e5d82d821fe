/**
 * `--check-determinism`: runs a scenario a second time with the same seed and compares the
 * packet traces (time, interface and bytes of every packet put on a wire). When they differ it
 * runs once more to describe the first packet that differs in both runs, tcpdump-style.
 */
import type { PacketEvent } from "../net/packet-events.js";
import { TraceFingerprint } from "../scenario/fingerprint.js";
import type { Scenario } from "../scenario/load.js";
import { type RunOptions, ScenarioRun } from "../scenario/run.js";
import { formatTime } from "../sim/time.js";
import { summarizeFrame, summarizeIp } from "../trace/summary.js";

/** The outcome of a comparison. */
export interface DeterminismReport {
  identical: boolean;
  /** One line (or three, when the runs differ) for the terminal. */
  text: string;
}

function describe(e: PacketEvent | undefined): string {
  if (e === undefined) return "(no packet: the run ended)";
  const what = e.framing === "ethernet" ? summarizeFrame(e.packet) : summarizeIp(e.packet);
  return `${formatTime(e.time)} ${e.node}:${e.iface ?? ""} ${what}`;
}

/**
 * Runs `s` and records its trace, keeping the first packet that differs from `reference` (or,
 * without one, the packet at index `keep`).
 */
function fingerprintRun(
  s: Scenario,
  options: RunOptions,
  reference?: TraceFingerprint,
  keep?: number,
): { print: TraceFingerprint; event: PacketEvent | undefined } {
  const run = ScenarioRun.create(s, options);
  if (Array.isArray(run)) throw new Error("the scenario built once but not twice");
  const print = new TraceFingerprint(run.net);
  let event: PacketEvent | undefined;
  print.onTransmit = (e, i, hash) => {
    if (event !== undefined) return;
    const differs =
      reference !== undefined
        ? reference.hashes[i] !== hash || reference.times[i] !== e.time
        : i === keep;
    if (differs) event = { ...e, packet: e.packet.slice() };
  };
  run.runToEnd();
  print.stop();
  return { print, event };
}

/** Compares a finished run's fingerprint with a fresh run of the same scenario and seed. */
export function checkDeterminism(
  s: Scenario,
  options: RunOptions,
  first: TraceFingerprint,
): DeterminismReport {
  const second = fingerprintRun(s, options, first);
  const i = TraceFingerprint.firstDifference(first, second.print);
  if (i === -1) {
    return {
      identical: true,
      text: `determinism: a second run with seed ${options.seed} put the same ${first.count} packets on the wires (trace hash ${first.digest})`,
    };
  }
  // The second run kept its first differing packet; the first run's is found by replaying it.
  const ours = fingerprintRun(s, options, undefined, i).event;
  const theirs = second.event;
  return {
    identical: false,
    text: [
      `determinism: the runs differ at packet #${i + 1} (of ${first.count} and ${second.print.count}):`,
      `  first run (replayed): ${describe(ours)}`,
      `  second run:           ${describe(theirs)}`,
    ].join("\n"),
  };
}
