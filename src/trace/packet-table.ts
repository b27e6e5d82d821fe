/**
 * The report's packet trace: an HTML table of packet events (as trace.txt lists them) with a
 * filter box. The filter runs in the page through an inline script built from the very source
 * of parseFilterExpression and matchFilter, so the browser and `wirelab run --trace-filter`
 * accept the same expressions and pick the same packets. Without scripts every row shows.
 */
import type { PacketEvent } from "../net/packet-events.js";
import { formatTime } from "../sim/time.js";
import type { PacketFields } from "./packet-fields.js";
import { matchFilter, parseFilterExpression } from "./packet-filter.js";
import { summarizeFrame, summarizeIp } from "./summary.js";
import { escapeXml } from "./svg.js";
import "./tcp-summary.js";

/** One table row: what is shown and what the filter looks at. */
export interface PacketRow {
  time: string;
  where: string;
  event: string;
  summary: string;
  fields: PacketFields;
}

/** A row for an event and its fields. */
export function packetRow(e: PacketEvent, fields: PacketFields): PacketRow {
  return {
    time: formatTime(e.time),
    where: `${e.node}:${e.iface ?? ""}`,
    event: e.kind === "drop" ? `drop (${e.reason ?? "?"})` : e.kind,
    summary: e.framing === "ethernet" ? summarizeFrame(e.packet) : summarizeIp(e.packet),
    fields,
  };
}

/** The order fields travel in, to keep the embedded data compact. */
const FIELD_ORDER = [
  "node",
  "iface",
  "kind",
  "reason",
  "family",
  "src",
  "dst",
  "protocol",
  "sport",
  "dport",
] as const;

/** JSON safe inside a <script> element: no "<" can close it. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c");

export interface PacketTableOptions {
  /** Node names and their addresses, for `host NAME`. */
  hosts: Record<string, string[]>;
  /** Events in the run, when more than the rows (the table keeps the first ones). */
  total?: number;
  /** Quick picks: a label and the expression it fills in (one per TCP connection, say). */
  presets?: readonly { label: string; expression: string }[];
}

/** The table, the filter box and the script, as an HTML fragment. */
export function packetTableHtml(rows: readonly PacketRow[], options: PacketTableOptions): string {
  const h = escapeXml;
  const presets = options.presets ?? [];
  const more =
    options.total !== undefined && options.total > rows.length
      ? ` (the first ${rows.length} of ${options.total} events)`
      : "";
  const body = rows.map(
    (r, i) =>
      `<tr data-i="${i}"${r.fields.kind === "drop" ? ' class="drop"' : ""}><td>${h(r.time)}</td><td>${h(r.where)}</td><td>${h(r.event)}</td><td>${h(r.summary)}</td></tr>`,
  );
  const data = {
    hosts: options.hosts,
    fields: FIELD_ORDER,
    rows: rows.map((r) => FIELD_ORDER.map((k) => r.fields[k])),
  };
  return [
    '<div class="packet-filter">',
    '<label>Filter <input id="pf" type="text" size="60" spellcheck="false" placeholder="host h1 and tcp port 80"></label>',
    presets.length === 0
      ? ""
      : `<select id="pc"><option value="">connection...</option>${presets.map((p) => `<option value="${h(p.expression)}">${h(p.label)}</option>`).join("")}</select>`,
    `<span id="pm">${rows.length} events${h(more)}</span>`,
    "</div>",
    '<p class="hint">Terms: host, src, dst, port, tcp, udp, icmp, icmp6, arp, ip, ip6, conn A:P B:P, node, kind, reason; combine with and, or, not, ( ).</p>',
    '<table id="pt">',
    "<tr><th>time (s)</th><th>where</th><th>event</th><th>packet</th></tr>",
    ...body,
    "</table>",
    `<script type="application/json" id="pd">${scriptJson(data)}</script>`,
    "<script>",
    // Bundlers may wrap functions in a name-keeping helper; give it a harmless definition.
    "var __name = function (f) { return f; };",
    parseFilterExpression.toString(),
    matchFilter.toString(),
    FILTER_PAGE_SCRIPT,
    "</script>",
  ].join("\n");
}

/** Wires the input to the table: parse on every keystroke, hide the rows that do not match. */
const FILTER_PAGE_SCRIPT = `(function () {
  var data = JSON.parse(document.getElementById("pd").textContent);
  var rows = data.rows.map(function (v) {
    var f = {};
    data.fields.forEach(function (k, i) { f[k] = v[i]; });
    return f;
  });
  var trs = document.querySelectorAll("#pt tr[data-i]");
  var input = document.getElementById("pf");
  var message = document.getElementById("pm");
  var pick = document.getElementById("pc");
  function apply() {
    var r = parseFilterExpression(input.value, data.hosts);
    if (!r.ok) {
      message.textContent = "at column " + (r.at + 1) + ": " + r.message;
      message.className = "fail";
      return;
    }
    var shown = 0;
    for (var i = 0; i < trs.length; i++) {
      var ok = matchFilter(r.node, rows[i]);
      trs[i].style.display = ok ? "" : "none";
      if (ok) shown++;
    }
    message.textContent = shown + " of " + trs.length + " events";
    message.className = "";
  }
  input.addEventListener("input", apply);
  if (pick) pick.addEventListener("change", function () { input.value = pick.value; apply(); });
})();`;
