/**
 * A sequence diagram for the terminal: node names as columns, one row per packet at its send
 * time, arrows drawn "|---->|" or "|<----|", an "X" where a packet was lost, and the label after
 * the lanes (labels are long; inside the arrow they would force very wide columns).
 */
import type { SequenceArrow, SequenceModel } from "./sequence.js";

export interface SequenceTextOptions {
  /** Target width of the time column plus the lanes (labels come after); default 60. */
  width?: number;
}

/** Characters before the first lane: the send time in ms, right-aligned, then two spaces. */
const PREFIX = 12;

export function renderSequenceText(
  model: SequenceModel,
  options: SequenceTextOptions = {},
): string {
  const width = options.width ?? 60;
  const n = model.columns.length;
  const gap = n > 1 ? Math.max(8, Math.floor((width - PREFIX - 1) / (n - 1))) : 8;
  const lanes = PREFIX + (n - 1) * gap + 1;
  const col = new Map(model.columns.map((c, i) => [c, PREFIX + i * gap]));
  const header = Array.from({ length: lanes }, () => " ");
  write(header, 0, "time (ms)");
  model.columns.forEach((c, i) => {
    // Only the last name may run past its lane.
    const name = i === n - 1 ? c : c.slice(0, Math.max(1, gap - 1));
    while (header.length < PREFIX + i * gap + name.length) header.push(" ");
    write(header, PREFIX + i * gap, name);
  });
  const out = [header.join("").trimEnd()];
  for (const a of model.arrows) {
    const row = Array.from({ length: lanes }, () => " ");
    write(row, 0, (a.sendTime / 1e6).toFixed(3).padStart(PREFIX - 2));
    for (const x of col.values()) row[x] = "|";
    drawArrow(row, a, col, gap);
    out.push(`${row.join("")}  ${a.label}${suffix(a)}`);
  }
  return `${out.join("\n")}\n`;
}

function suffix(a: SequenceArrow): string {
  if (a.kind === "lost") {
    const why = a.lost?.reason === undefined ? "" : `: ${a.lost.reason}`;
    return `${a.retransmission ? " (retransmission)" : ""} (lost${why})`;
  }
  if (a.kind === "retransmission") return " (retransmission)";
  if (a.kind === "duplicate") return " (duplicate)";
  return "";
}

function write(row: string[], at: number, text: string): void {
  for (let i = 0; i < text.length && at + i < row.length; i++) row[at + i] = text[i]!;
}

function drawArrow(row: string[], a: SequenceArrow, col: Map<string, number>, gap: number): void {
  const x0 = col.get(a.from);
  if (x0 === undefined) return;
  const x1 = a.to === undefined ? undefined : col.get(a.to);
  if (x1 === x0) return;
  const lanesEnd = row.length - 1;
  // Direction of travel; a loss whose destination is unknown heads towards the nearer side.
  const dir = x1 !== undefined ? Math.sign(x1 - x0) : x0 + gap <= lanesEnd ? 1 : -1;
  if (a.kind === "lost") {
    // The cross sits just before the column where it was dropped, else half way.
    const dropCol = a.lost === undefined ? undefined : col.get(a.lost.node);
    const target = x1 ?? x0 + dir * gap;
    let cross =
      dropCol !== undefined && dropCol !== x0 ? dropCol - dir : x0 + Math.trunc((target - x0) / 2);
    // The drop may lie behind the sender (a column on the other side) or on it: draw a short
    // stub then, so the loop below always moves toward the cross and ends inside the row.
    if ((cross - x0) * dir <= 0) cross = x0 + dir * Math.max(1, Math.trunc(gap / 2));
    cross = Math.min(Math.max(cross, 0), lanesEnd);
    for (let x = x0 + dir; (cross - x) * dir > 0; x += dir) row[x] = "-";
    row[cross] = "X";
    return;
  }
  if (x1 === undefined) return;
  for (let x = x0 + dir; (x1 - dir - x) * dir > 0; x += dir) row[x] = "-";
  row[x1 - dir] = dir > 0 ? ">" : "<";
}
