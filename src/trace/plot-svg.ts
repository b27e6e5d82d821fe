/**
 * Line plots as standalone SVG for time series (cwnd and ssthresh, srtt and RTO, goodput,
 * queue length): axes with ticks at round values (1, 2 or 5 times a power of ten), one polyline
 * per series, and a legend. Pure: returns the SVG text.
 */
import { el, escapeXml, extent, num, textEl } from "./svg.js";

export interface PlotSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  unit?: string;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

/** Colours distinguishable by most colour-blind readers (Okabe-Ito). */
export const PLOT_COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"];

export interface Ticks {
  /** Axis range, widened to whole steps. */
  min: number;
  max: number;
  step: number;
  values: number[];
}

/**
 * Round tick values covering [lo, hi] with about `count` intervals. The step is 1, 2 or 5 times
 * a power of ten, so labels read "0, 20, 40" and not "0, 17.3, 34.6".
 */
export function niceTicks(lo: number, hi: number, count = 5): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return niceTicks(0, 1, count);
  if (hi < lo) return niceTicks(hi, lo, count);
  if (hi === lo)
    return niceTicks(
      lo - (lo === 0 ? 0 : Math.abs(lo) / 2),
      hi + (hi === 0 ? 1 : Math.abs(hi) / 2),
      count,
    );
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const values: number[] = [];
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  // Multiply rather than accumulate, and round, so 0.1 + 0.2 noise never reaches a label.
  for (let i = 0; min + i * step <= max + step * 1e-9; i++)
    values.push(Number((min + i * step).toFixed(digits)));
  return { min: Number(min.toFixed(digits)), max: Number(max.toFixed(digits)), step, values };
}

/** A tick label: no trailing float noise, thousands kept compact ("1.5k", "2M"). */
export function formatTick(v: number, step: number): string {
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  const abs = Math.abs(v);
  if (abs >= 1e6 && step >= 1e5)
    return `${Number((v / 1e6).toFixed(Math.max(0, 6 - Math.floor(Math.log10(step)))))}M`;
  if (abs >= 1e4 && step >= 100)
    return `${Number((v / 1e3).toFixed(Math.max(0, 3 - Math.floor(Math.log10(step)))))}k`;
  return v.toFixed(digits);
}

const MARGIN = { left: 64, right: 16, top: 36, bottom: 48 };

export function plotSvg(series: readonly PlotSeries[], options: PlotOptions): string {
  const w = options.width ?? 640;
  const h = options.height ?? 320;
  const pw = w - MARGIN.left - MARGIN.right;
  const ph = h - MARGIN.top - MARGIN.bottom;
  const all = series
    .flatMap((s) => s.points)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const [x0, x1] = extent(xs) ?? [0, 1];
  const [y0, y1] = extent(ys) ?? [0, 1];
  const xt = niceTicks(x0, x1);
  // Quantities plotted here are sizes and times: start the y axis at zero so heights compare.
  const yt = niceTicks(Math.min(0, y0), y1);
  const sx = (x: number) => MARGIN.left + ((x - xt.min) / (xt.max - xt.min)) * pw;
  const sy = (y: number) => MARGIN.top + ph - ((y - yt.min) / (yt.max - yt.min)) * ph;
  const parts: string[] = [];
  parts.push(el("rect", { x: 0, y: 0, width: w, height: h, fill: "#ffffff" }));
  parts.push(
    textEl({ x: w / 2, y: 20, "text-anchor": "middle", "font-weight": "bold" }, options.title),
  );
  const grid: string[] = [];
  for (const v of xt.values) {
    const x = sx(v);
    grid.push(
      el("line", {
        class: "tick",
        x1: x,
        y1: MARGIN.top + ph,
        x2: x,
        y2: MARGIN.top + ph + 5,
        stroke: "#333",
      }),
    );
    grid.push(el("line", { x1: x, y1: MARGIN.top, x2: x, y2: MARGIN.top + ph, stroke: "#eee" }));
    grid.push(
      textEl(
        { class: "xtick", x, y: MARGIN.top + ph + 18, "text-anchor": "middle" },
        formatTick(v, xt.step),
      ),
    );
  }
  for (const v of yt.values) {
    const y = sy(v);
    grid.push(
      el("line", {
        class: "tick",
        x1: MARGIN.left - 5,
        y1: y,
        x2: MARGIN.left,
        y2: y,
        stroke: "#333",
      }),
    );
    grid.push(el("line", { x1: MARGIN.left, y1: y, x2: MARGIN.left + pw, y2: y, stroke: "#eee" }));
    grid.push(
      textEl(
        { class: "ytick", x: MARGIN.left - 8, y: y + 4, "text-anchor": "end" },
        formatTick(v, yt.step),
      ),
    );
  }
  parts.push(el("g", { "font-size": 11 }, grid.join("")));
  parts.push(
    el("line", {
      x1: MARGIN.left,
      y1: MARGIN.top + ph,
      x2: MARGIN.left + pw,
      y2: MARGIN.top + ph,
      stroke: "#333",
    }),
  );
  parts.push(
    el("line", {
      x1: MARGIN.left,
      y1: MARGIN.top,
      x2: MARGIN.left,
      y2: MARGIN.top + ph,
      stroke: "#333",
    }),
  );
  parts.push(
    textEl({ x: MARGIN.left + pw / 2, y: h - 10, "text-anchor": "middle" }, options.xLabel),
  );
  const yx = 16;
  const yy = MARGIN.top + ph / 2;
  parts.push(
    textEl(
      { x: yx, y: yy, "text-anchor": "middle", transform: `rotate(-90 ${num(yx)} ${num(yy)})` },
      options.yLabel,
    ),
  );
  series.forEach((s, i) => {
    const colour = PLOT_COLOURS[i % PLOT_COLOURS.length]!;
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length === 0) return;
    const d = pts.map(([x, y]) => `${num(sx(x))},${num(sy(y))}`).join(" ");
    parts.push(
      el(
        "polyline",
        { class: "series", points: d, fill: "none", stroke: colour, "stroke-width": 1.5 },
        `<title>${escapeXml(s.name)}</title>`,
      ),
    );
  });
  const legend = series.map((s, i) => {
    const y = MARGIN.top + 8 + i * 16;
    const x = MARGIN.left + pw - 150;
    const colour = PLOT_COLOURS[i % PLOT_COLOURS.length]!;
    const name = s.unit === undefined ? s.name : `${s.name} (${s.unit})`;
    return (
      el("rect", { x, y: y - 8, width: 12, height: 4, fill: colour }) +
      textEl({ x: x + 18, y: y - 2 }, name)
    );
  });
  if (all.length === 0)
    parts.push(textEl({ x: w / 2, y: h / 2, "text-anchor": "middle", fill: "#888" }, "no data"));
  parts.push(el("g", { class: "legend", "font-size": 11 }, legend.join("")));
  return el(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      width: w,
      height: h,
      viewBox: `0 0 ${w} ${h}`,
      "font-family": "sans-serif",
      "font-size": 12,
    },
    parts.join(""),
  );
}
