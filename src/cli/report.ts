/**
 * Files a run leaves behind: packet captures (one pcapng, or a classic pcap per interface in a
 * directory) and the report directory: the text summary, the result as JSON, the packet trace
 * (every packet put on a wire or dropped, tcpdump-style) and the fault log as text and JSON.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import type { Network } from "../net/network.js";
import type { PacketEvent } from "../net/packet-events.js";
import type { RunResult } from "../scenario/run.js";
import { formatTime } from "../sim/time.js";
import type { NetworkCapture } from "../trace/capture.js";
import { htmlReport } from "../trace/html-report.js";
import { traceLine } from "../trace/packet-trace.js";
import { writeCaptureFile } from "../trace/pcap-file.js";
import { sequenceDiagram } from "../trace/sequence.js";
import { renderSequenceSvg } from "../trace/sequence-svg.js";
import { renderSequenceText } from "../trace/sequence-text.js";

/** How many packet events the report's sequence diagram keeps (the first ones). */
const DIAGRAM_EVENTS = 3000;

/** A packet trace as text lines, from construction until `stop()`. */
export class TraceLog {
  readonly lines: string[] = [];
  /** The first packet events, with copied bytes, for the report's sequence diagram. */
  readonly events: PacketEvent[] = [];
  private readonly unsubscribe: () => void;

  constructor(net: Network) {
    this.unsubscribe = net.events.subscribe((e) => {
      // Copy now: routers rewrite TTLs in place as the packet travels on.
      if (this.events.length < DIAGRAM_EVENTS) this.events.push({ ...e, packet: e.packet.slice() });
      if (e.kind !== "transmit" && e.kind !== "drop") return;
      this.lines.push(traceLine(e));
    });
  }

  stop(): void {
    this.unsubscribe();
  }
}

/** True when `path` names a directory (existing, or ending in "/", or without an extension). */
export function isDirectoryPath(path: string): boolean {
  if (existsSync(path)) return statSync(path).isDirectory();
  return path.endsWith("/") || extname(path) === "";
}

/** Writes a capture; returns the files written. */
export function writePcap(path: string, capture: NetworkCapture): string[] {
  if (isDirectoryPath(path)) {
    mkdirSync(path, { recursive: true });
    const files: string[] = [];
    for (const [name, bytes] of capture.toPcaps()) {
      const file = join(path, `${name.replace(":", "-")}.pcap`);
      writeCaptureFile(file, bytes);
      files.push(file);
    }
    return files;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeCaptureFile(path, capture.toPcapng());
  return [path];
}

/** Writes the report directory; returns the files written. */
export function writeReport(
  dir: string,
  result: RunResult,
  summary: readonly string[],
  json: unknown,
  trace: TraceLog,
): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ["summary.txt", `${summary.join("\n")}\n`],
    ["result.json", `${JSON.stringify(json, null, 2)}\n`],
    ["trace.txt", trace.lines.length > 0 ? `${trace.lines.join("\n")}\n` : ""],
    [
      "faults.txt",
      result.faults.map((f) => `${formatTime(f.time)}  ${f.action}  ${f.detail}\n`).join(""),
    ],
    ["faults.json", `${JSON.stringify(result.faults, null, 2)}\n`],
    ["report.html", htmlPage(result, summary, trace)],
  ];
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}

/** The self-contained HTML report: summary, assertions, topology, sequence diagram, faults. */
function htmlPage(result: RunResult, summary: readonly string[], trace: TraceLog): string {
  const model = sequenceDiagram(trace.events);
  const shown = { ...model, arrows: model.arrows.slice(0, 400) };
  const cut = model.arrows.length > shown.arrows.length || trace.events.length >= DIAGRAM_EVENTS;
  return htmlReport({
    title: `wirelab: ${result.name} (seed ${result.seed})`,
    summary: [...summary],
    assertions: result.assertions,
    topology: result.topology,
    diagrams: [
      {
        title: cut ? "Packets between hosts (the first ones)" : "Packets between hosts",
        svg: renderSequenceSvg(shown),
        text: renderSequenceText(shown, { width: 60 }),
      },
    ],
    faults: result.faults,
  });
}
