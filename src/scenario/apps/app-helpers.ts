/** Small pieces the app kinds share: their two instance shapes, address owners, percentiles. */
import type { Node } from "../../net/node.js";
import { parseIpv4Address, parseIpv6Address } from "../../wire/address.js";
import { ParseError } from "../../wire/parse-error.js";
import type { AppContext, AppInstance } from "../registry.js";

/** What an app prints and the values it offers to assertions. */
type Report = Pick<AppInstance, "output" | "metrics">;

/** The instance of an app that serves until the run ends: it never finishes. */
export function serving(report: Report): AppInstance {
  return { finished: false, onDone: () => {}, output: report.output, metrics: report.metrics };
}

/** The instance of an app that ends when `task` does (a request, a tool's run). */
export function endsWith(
  task: { readonly finished: boolean; onDone(fn: () => void): void },
  report: Report,
): AppInstance {
  return {
    get finished() {
      return task.finished;
    },
    onDone: (fn) => task.onDone(() => fn()),
    output: report.output,
    metrics: report.metrics,
  };
}

/** The node that owns `address`, for the receiving end. */
export function ownerOf(ctx: AppContext, address: string): Node {
  const a = address.includes(":") ? parseIpv6Address(address) : parseIpv4Address(address);
  const n =
    a instanceof ParseError
      ? undefined
      : typeof a === "number"
        ? ctx.net.ownerOf4(a)
        : ctx.net.ownerOf6(a);
  if (n === undefined) throw new Error(`no node has address ${address}`);
  return n;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
