/**
 * A sequence diagram as SVG: a lifeline per column, a slanted arrow per packet from its send time
 * to its receive time (the slope is the one-way delay), a red cross where a packet was lost,
 * orange for retransmissions, purple for duplicates, and a time axis on the left.
 *
 * Time runs down but not strictly linearly: consecutive instants are at least a label's height
 * apart (so back-to-back packets stay readable) and an idle stretch (an RTO, say) is capped and
 * marked with a break, so a one-second timeout does not flatten ten-millisecond arrows.
 */
import type { SequenceArrow, SequenceModel } from "./sequence.js";
import { el, escapeXml, extent, num, textEl } from "./svg.js";

export const SEQUENCE_COLOURS: Record<SequenceArrow["kind"], string> = {
  normal: "#333333",
  lost: "#c00000",
  retransmission: "#d55e00",
  duplicate: "#8e44ad",
};

const LEFT = 100;
const TOP = 50;
const MIN_GAP = 16;
const MAX_GAP = 70;
/** Pixels for the typical one-way delay, so arrows have a visible slant. */
const DELAY_PX = 48;

export function renderSequenceSvg(model: SequenceModel): string {
  const longest = extent(model.arrows.map((a) => a.label.length + 18))?.[1] ?? 0;
  const gap = Math.min(520, Math.max(240, longest * 6.2 + 20));
  const colX = new Map(model.columns.map((c, i) => [c, LEFT + 40 + i * gap]));
  const width = LEFT + 80 + Math.max(1, model.columns.length - 1) * gap;
  const delays = model.arrows
    .filter((a) => a.receiveTime !== undefined)
    .map((a) => a.receiveTime! - a.sendTime)
    .sort((a, b) => a - b);
  const median = delays[Math.floor(delays.length / 2)] ?? 0;
  const scale = median > 0 ? DELAY_PX / median : 0;
  const times = [
    ...new Set(
      model.arrows.flatMap((a) => [a.sendTime, a.receiveTime ?? a.lost?.time ?? a.sendTime]),
    ),
  ].sort((a, b) => a - b);
  // y of each instant; `breaks` are the idle stretches drawn shorter than scale.
  const ys: number[] = [];
  const breaks: number[] = [];
  let y = TOP + 20;
  times.forEach((t, i) => {
    if (i > 0) {
      const want = (t - times[i - 1]!) * scale;
      if (want > MAX_GAP) breaks.push(y + MAX_GAP / 2);
      y += Math.min(MAX_GAP, Math.max(MIN_GAP, want));
    }
    ys.push(y);
  });
  const height = y + 40;
  const yAt = (t: number): number => {
    // Piecewise-linear between known instants (a drop time is always one of them).
    let lo = 0;
    let hi = times.length - 1;
    if (times.length === 0) return TOP + 20;
    if (t <= times[0]!) return ys[0]!;
    if (t >= times[hi]!) return ys[hi]!;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! <= t) lo = mid;
      else hi = mid;
    }
    const f = (t - times[lo]!) / (times[hi]! - times[lo]!);
    return ys[lo]! + f * (ys[hi]! - ys[lo]!);
  };

  const parts: string[] = [el("rect", { x: 0, y: 0, width, height, fill: "#ffffff" })];
  parts.push(
    el(
      "defs",
      {},
      Object.entries(SEQUENCE_COLOURS)
        .map(([k, c]) => marker(k, c))
        .join(""),
    ),
  );
  for (const [name, x] of colX) {
    parts.push(
      textEl(
        { class: "column", x, y: TOP - 16, "text-anchor": "middle", "font-weight": "bold" },
        name,
      ),
    );
    parts.push(
      el("line", {
        class: "lifeline",
        x1: x,
        y1: TOP,
        x2: x,
        y2: height - 20,
        stroke: "#999",
        "stroke-dasharray": "4 3",
      }),
    );
  }
  // Time axis: a tick and a label at every send time.
  const axis: string[] = [
    el("line", { x1: LEFT, y1: TOP, x2: LEFT, y2: height - 20, stroke: "#333" }),
  ];
  for (const t of new Set(model.arrows.map((a) => a.sendTime))) {
    const ty = yAt(t);
    axis.push(el("line", { x1: LEFT - 4, y1: ty, x2: LEFT, y2: ty, stroke: "#333" }));
    axis.push(
      textEl({ x: LEFT - 8, y: ty + 3, "text-anchor": "end" }, `${(t / 1e6).toFixed(3)} ms`),
    );
  }
  for (const by of breaks)
    axis.push(textEl({ class: "break", x: LEFT - 4, y: by + 4, "font-size": 14 }, "≈"));
  parts.push(el("g", { class: "time-axis", "font-size": 10 }, axis.join("")));
  for (const a of model.arrows) parts.push(arrow(a, colX, yAt, median, gap));
  return el(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      width,
      height,
      viewBox: `0 0 ${num(width)} ${num(height)}`,
      "font-family": "sans-serif",
      "font-size": 11,
    },
    parts.join(""),
  );
}

function marker(kind: string, colour: string): string {
  return el(
    "marker",
    {
      id: `head-${kind}`,
      viewBox: "0 0 10 10",
      refX: 10,
      refY: 5,
      markerWidth: 8,
      markerHeight: 8,
      orient: "auto-start-reverse",
    },
    el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: colour }),
  );
}

function arrow(
  a: SequenceArrow,
  colX: Map<string, number>,
  yAt: (t: number) => number,
  median: number,
  gap: number,
): string {
  const x0 = colX.get(a.from);
  if (x0 === undefined) return "";
  const colour = SEQUENCE_COLOURS[a.kind];
  const y0 = yAt(a.sendTime);
  const x1Known = a.to === undefined ? undefined : colX.get(a.to);
  const suffix =
    a.kind === "normal"
      ? ""
      : a.kind === "lost"
        ? ` (lost${a.lost?.reason ? `: ${a.lost.reason}` : ""})`
        : ` (${a.kind})`;
  const title = `<title>${escapeXml(a.label + suffix)}</title>`;
  if (a.kind === "lost" && a.lost !== undefined) {
    // Where along the way: the drop node's column if it has one, else by time against the typical delay.
    const target = x1Known ?? x0 + gap;
    const dropCol = colX.get(a.lost.node);
    const f = median > 0 ? Math.min(0.8, Math.max(0.2, (a.lost.time - a.sendTime) / median)) : 0.5;
    const cx = dropCol !== undefined && dropCol !== x0 ? dropCol : x0 + f * (target - x0);
    const cy = Math.max(y0 + 8, yAt(a.lost.time));
    const s = 6;
    const cross = el(
      "g",
      { class: "loss", stroke: colour, "stroke-width": 2.5 },
      el("line", { x1: cx - s, y1: cy - s, x2: cx + s, y2: cy + s }) +
        el("line", { x1: cx - s, y1: cy + s, x2: cx + s, y2: cy - s }),
    );
    return el(
      "g",
      {},
      title +
        el("line", {
          class: `arrow ${a.kind}`,
          x1: x0,
          y1: y0,
          x2: cx,
          y2: cy,
          stroke: colour,
          "stroke-width": 1.5,
          "stroke-dasharray": "5 3",
        }) +
        cross +
        label(a, x0, y0, cx, cy, colour),
    );
  }
  if (x1Known === undefined || a.receiveTime === undefined) return "";
  const y1 = yAt(a.receiveTime);
  return el(
    "g",
    {},
    title +
      el("line", {
        class: `arrow ${a.kind}`,
        x1: x0,
        y1: y0,
        x2: x1Known,
        y2: y1,
        stroke: colour,
        "stroke-width": a.kind === "normal" ? 1.2 : 2,
        "marker-end": `url(#head-${a.kind})`,
      }) +
      label(a, x0, y0, x1Known, y1, colour),
  );
}

function label(
  a: SequenceArrow,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  colour: string,
): string {
  const note =
    a.kind === "retransmission"
      ? " (retransmission)"
      : a.kind === "duplicate"
        ? " (duplicate)"
        : "";
  // Centred on the arrow's first half, just above it, so it reads as belonging to the sender.
  const mx = x0 + (x1 - x0) * 0.5;
  const my = y0 + (y1 - y0) * 0.5 - 5;
  return textEl(
    { class: "label", x: mx, y: my, "text-anchor": "middle", fill: colour },
    a.label + note,
  );
}
