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
import { formatDuration } from "../scenario/units.js";
import { formatTime, NS_PER_MS } from "../sim/time.js";
import type { NetworkCapture } from "../trace/capture.js";
import { flowKey, GoodputMeter } from "../trace/goodput.js";
import { htmlReport, type ReportFigure } from "../trace/html-report.js";
import { packetFields } from "../trace/packet-fields.js";
import { type PacketRow, packetRow, packetTableHtml } from "../trace/packet-table.js";
import { hostAddresses, traceLine } from "../trace/packet-trace.js";
import { writeCaptureFile } from "../trace/pcap-file.js";
import { plotSvg } from "../trace/plot-svg.js";
import { QueueSampler } from "../trace/queue-series.js";
import { sequenceDiagram } from "../trace/sequence.js";
import { renderSequenceSvg } from "../trace/sequence-svg.js";
import { renderSequenceText } from "../trace/sequence-text.js";
import { type ObservedConnection, TcpConnectionLog } from "../trace/tcp-connections.js";
import { tcpSeriesPlots } from "../trace/tcp-plots.js";

/** How many packet events the report's sequence diagram keeps (the first ones). */
const DIAGRAM_EVENTS = 3000;
/** Rows of the report's packet table (the first transmissions and drops). */
const TABLE_ROWS = 5000;
/** Connections plotted, those that sent the most first. */
const PLOTTED_CONNECTIONS = 6;

/**
 * What a run's report needs, observed from construction until `stop()`: the packet trace as
 * text lines, the first events with copied bytes (sequence diagram), the packet table's rows,
 * the TCP connections (their time series), goodput per connection and queue lengths.
 */
export class TraceLog {
  readonly lines: string[] = [];
  /** The first packet events, with copied bytes, for the report's sequence diagram. */
  readonly events: PacketEvent[] = [];
  readonly rows: PacketRow[] = [];
  /** Transmissions and drops seen (the table keeps the first TABLE_ROWS). */
  traced = 0;
  readonly hosts: Record<string, string[]>;
  readonly connections: TcpConnectionLog;
  readonly goodput: GoodputMeter;
  readonly queues: QueueSampler;
  private readonly unsubscribe: () => void;

  constructor(net: Network) {
    this.hosts = hostAddresses(net);
    this.connections = new TcpConnectionLog(net);
    this.goodput = new GoodputMeter(net);
    this.queues = new QueueSampler(net);
    this.unsubscribe = net.events.subscribe((e) => {
      // Copy now: routers rewrite TTLs in place as the packet travels on.
      if (this.events.length < DIAGRAM_EVENTS) this.events.push({ ...e, packet: e.packet.slice() });
      if (e.kind !== "transmit" && e.kind !== "drop") return;
      this.lines.push(traceLine(e));
      this.traced++;
      if (this.rows.length < TABLE_ROWS) this.rows.push(packetRow(e, packetFields(e)));
    });
  }

  stop(): void {
    this.unsubscribe();
    this.connections.stop();
    this.goodput.stop();
    this.queues.stop();
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

/** The self-contained HTML report: summary, assertions, topology, diagrams, plots, packets, faults. */
function htmlPage(result: RunResult, summary: readonly string[], trace: TraceLog): string {
  const model = sequenceDiagram(trace.events);
  const shown = { ...model, arrows: model.arrows.slice(0, 400) };
  const cut = model.arrows.length > shown.arrows.length || trace.events.length >= DIAGRAM_EVENTS;
  return htmlReport({
    title: `wirelab: ${result.name} (seed ${result.seed})`,
    summary: [...summary],
    assertions: result.assertions,
    topology:
      result.edge.length === 0
        ? result.topology
        : [...result.topology, "", "At the end:", ...result.edge],
    diagrams: [
      {
        title: cut ? "Packets between hosts (the first ones)" : "Packets between hosts",
        svg: renderSequenceSvg(shown),
        text: renderSequenceText(shown, { width: 60 }),
      },
    ],
    plots: reportPlots(trace),
    packets: packetTableHtml(trace.rows, {
      hosts: trace.hosts,
      total: trace.traced,
      presets: connectionPresets(trace.connections.connections),
    }),
    faults: result.faults,
  });
}

/** The sending ends of the connections that carried data, most bytes first. */
function plottedConnections(list: readonly ObservedConnection[]): ObservedConnection[] {
  return list
    .filter((c) => c.conn.stats.bytesSent > 0 && c.conn.series.length >= 2)
    .sort((a, b) => b.conn.stats.bytesSent - a.conn.stats.bytesSent)
    .slice(0, PLOTTED_CONNECTIONS);
}

/**
 * Per connection: windows (cwnd, ssthresh, rwnd, in flight), srtt and RTO, and goodput at the
 * receiver; then the queue length of the busiest interfaces.
 */
export function reportPlots(trace: TraceLog): ReportFigure[] {
  const plots: ReportFigure[] = [];
  for (const c of plottedConnections(trace.connections.connections)) {
    plots.push(...tcpSeriesPlots(c.name, c.conn.series));
    const l = c.conn.local;
    const r = c.conn.remote;
    const key = flowKey(l.address, l.port, r.address, r.port);
    const span = trace.goodput.span(key);
    if (span === undefined) continue;
    const [from, to] = span;
    const bin = Math.max(NS_PER_MS, Math.ceil((to - from) / 50));
    const points = trace.goodput.series(key, from, to + 1, bin);
    const title = `${c.name}: goodput`;
    plots.push({
      title,
      svg: plotSvg([{ name: "goodput", unit: "Mbit/s", points }], {
        title,
        xLabel: "time (ms)",
        yLabel: "Mbit/s",
      }),
      text: `${trace.goodput.total(key)} new bytes delivered, in bins of ${formatDuration(bin)}`,
    });
  }
  const queues = trace.queues.busiest();
  if (queues.length > 0) {
    const title = "Output queue length (packets waiting), busiest interfaces";
    plots.push({
      title,
      svg: plotSvg(
        queues.map((q) => ({
          name: `${q.name} (${q.link})`,
          unit: "packets",
          points: q.times.map((t, i) => [t / 1e6, q.lengths[i]!] as [number, number]),
        })),
        { title, xLabel: "time (ms)", yLabel: "packets" },
      ),
      text: queues.map((q) => `${q.name}: at most ${q.max} packets queued`).join("\n"),
    });
  }
  return plots;
}

/** One filter preset per connection (its two ends, either direction), once per pair. */
function connectionPresets(
  list: readonly ObservedConnection[],
): { label: string; expression: string }[] {
  const seen = new Set<string>();
  const out: { label: string; expression: string }[] = [];
  for (const c of list) {
    const a = `${c.conn.local.address}:${c.conn.local.port}`;
    const b = `${c.conn.remote.address}:${c.conn.remote.port}`;
    const key = [a, b].sort().join(" ");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ label: `${a} - ${b}`, expression: `conn ${a} ${b}` });
  }
  return out;
}
