/**
 * What the command-line-shaped tools share: an output transcript, a finished flag with
 * completion listeners, and the parsing of a target address of either family.
 */
import {
  type Ipv4,
  type Ipv6Address,
  parseIpv4Address,
  parseIpv6Address,
} from "../../wire/address.js";
import { ParseError } from "../../wire/parse-error.js";

/** A tool run in progress or finished; its lines read like the real tool's output. */
export class ToolRun {
  readonly output: string[] = [];
  finished = false;
  private readonly doneListeners: ((run: this) => void)[] = [];

  /** Calls `fn` once the run has finished (at once if it already has). */
  onDone(fn: (run: this) => void): void {
    if (this.finished) fn(this);
    else this.doneListeners.push(fn);
  }

  /** The whole transcript as text. */
  get text(): string {
    return `${this.output.join("\n")}\n`;
  }

  /** Marks the run finished and tells the listeners; later calls do nothing. */
  protected complete(): void {
    if (this.finished) return;
    this.finished = true;
    for (const fn of this.doneListeners) fn(this);
  }
}

/** A target address: IPv6 when the text has a colon, IPv4 otherwise. */
export type Target = { family: 4; address: Ipv4 } | { family: 6; address: Ipv6Address };

/** Parses a tool's target; throws an error quoting the text and naming the tool. */
export function parseTarget(tool: string, text: string): Target {
  if (text.includes(":")) {
    const a = parseIpv6Address(text);
    if (a instanceof ParseError) throw new Error(`${tool}: ${text}: ${a.detail}`);
    return { family: 6, address: a };
  }
  const a = parseIpv4Address(text);
  if (a instanceof ParseError) throw new Error(`${tool}: ${text}: ${a.detail}`);
  return { family: 4, address: a };
}
