/**
 * One self-contained HTML page per run: summary, assertions, topology, sequence diagrams, plots,
 * the packet trace and the fault log. Inline CSS, inline SVG and one inline script (the packet
 * filter), no external assets, so the file can be mailed, archived or opened offline and looks
 * the same everywhere; without scripts only the filter box does nothing.
 *
 * Every text field is escaped. The `svg` fields and `packets` are inserted as markup: pass what
 * renderSequenceSvg, plotSvg and packetTableHtml return (they escape their own text), never
 * unchecked input.
 */
import type { FaultLogEntry } from "../net/faults.js";
import type { AssertionResult } from "../scenario/assertions.js";
import { formatTime } from "../sim/time.js";
import { escapeXml } from "./svg.js";

export interface ReportFigure {
  title: string;
  svg: string;
  /** A caption or a text rendering shown under the figure (e.g. the terminal diagram). */
  text?: string;
}

export interface HtmlReportInput {
  title: string;
  /** Lines of the run summary (name, seed, stop reason, end time...). */
  summary?: readonly string[];
  assertions?: readonly AssertionResult[];
  /** One line per node, as describeTopology returns. */
  topology?: readonly string[];
  /** Sequence diagrams. */
  diagrams?: readonly ReportFigure[];
  plots?: readonly ReportFigure[];
  /** The packet trace table with its filter, as packetTableHtml returns it. */
  packets?: string;
  faults?: readonly FaultLogEntry[];
  /** Optional tail: anything else worth a section, as preformatted text. */
  notes?: readonly { title: string; lines: readonly string[] }[];
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
h1{font-size:1.6em;border-bottom:2px solid #0072b2;padding-bottom:.2em}
h2{font-size:1.2em;margin-top:2em;color:#0072b2}
h3{font-size:1em}
pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:.85em;line-height:1.35}
table{border-collapse:collapse;font-size:.9em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f0}
.pass{color:#116611;font-weight:bold}
.fail{color:#b00000;font-weight:bold}
figure{margin:1em 0;overflow-x:auto}
figcaption{font-weight:bold;margin-bottom:.4em}
.empty{color:#888;font-style:italic}
.packet-filter{position:sticky;top:0;background:#fff;padding:.4em 0;display:flex;gap:1em;align-items:center;flex-wrap:wrap}
.packet-filter input{font-family:ui-monospace,monospace;font-size:.95em}
.hint{color:#666;font-size:.85em;margin:.2em 0 .6em}
#pt{font-family:ui-monospace,monospace;font-size:.8em}
#pt td{white-space:nowrap;padding:.1em .5em}
#pt tr.drop td{color:#b00000}
`;

/** The report as one HTML string. */
export function htmlReport(input: HtmlReportInput): string {
  const h = escapeXml;
  const sections: string[] = [];
  if (input.summary !== undefined) sections.push(section("Summary", pre(input.summary)));
  if (input.assertions !== undefined)
    sections.push(section("Assertions", assertions(input.assertions)));
  if (input.topology !== undefined) sections.push(section("Topology", pre(input.topology)));
  if (input.diagrams !== undefined)
    sections.push(section("Sequence diagrams", figures(input.diagrams)));
  if (input.plots !== undefined) sections.push(section("Plots", figures(input.plots)));
  if (input.packets !== undefined) sections.push(section("Packet trace", input.packets));
  if (input.faults !== undefined) sections.push(section("Fault log", faults(input.faults)));
  for (const n of input.notes ?? []) sections.push(section(n.title, pre(n.lines)));
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(input.title)}</title>`,
    `<style>${CSS}</style>`,
    "</head>",
    "<body>",
    `<h1>${h(input.title)}</h1>`,
    ...sections,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

function section(title: string, body: string): string {
  return `<section>\n<h2>${escapeXml(title)}</h2>\n${body}\n</section>`;
}

function pre(lines: readonly string[]): string {
  if (lines.length === 0) return '<p class="empty">none</p>';
  return `<pre>${escapeXml(lines.join("\n"))}</pre>`;
}

function assertions(list: readonly AssertionResult[]): string {
  if (list.length === 0) return '<p class="empty">no assertions</p>';
  const passed = list.filter((a) => a.passed).length;
  const rows = list.map(
    (a) =>
      `<tr><td class="${a.passed ? "pass" : "fail"}">${a.passed ? "PASS" : "FAIL"}</td><td>${escapeXml(a.label)}</td><td>${escapeXml(a.actual)}</td><td>${escapeXml(a.expected)}</td></tr>`,
  );
  return [
    `<p>${passed} of ${list.length} passed</p>`,
    "<table>",
    "<tr><th>result</th><th>assertion</th><th>actual</th><th>expected</th></tr>",
    ...rows,
    "</table>",
  ].join("\n");
}

function figures(list: readonly ReportFigure[]): string {
  if (list.length === 0) return '<p class="empty">none</p>';
  return list
    .map((f) => {
      const text = f.text === undefined ? "" : `\n<pre>${escapeXml(f.text)}</pre>`;
      return `<figure>\n<figcaption>${escapeXml(f.title)}</figcaption>\n${stripProlog(f.svg)}${text}\n</figure>`;
    })
    .join("\n");
}

/** An XML declaration or doctype is not allowed inside HTML; inline SVG starts at <svg. */
function stripProlog(svg: string): string {
  const i = svg.indexOf("<svg");
  return i > 0 ? svg.slice(i) : svg;
}

function faults(list: readonly FaultLogEntry[]): string {
  if (list.length === 0) return '<p class="empty">no faults</p>';
  const rows = list.map(
    (f) =>
      `<tr><td>${escapeXml(formatTime(f.time))}</td><td>${escapeXml(f.action)}</td><td>${escapeXml(f.detail)}</td></tr>`,
  );
  return [
    "<table>",
    "<tr><th>time</th><th>action</th><th>detail</th></tr>",
    ...rows,
    "</table>",
  ].join("\n");
}
