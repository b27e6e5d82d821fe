/**
 * Faults as rules, in the manner of turmoil: every packet leaving a link's transmitter passes
 * through an ordered list of rules, each answering pass, drop, deliver after an extra delay, or
 * hold (keep it until released). The first answer other than pass wins. Partitions, holds and
 * crashes are built on this, and every rule counts what it did so a test can assert that a
 * fault really fired. The fault log records when each fault was set and lifted.
 */
import type { Nanos } from "../sim/time.js";

/** A rule's answer for one packet. */
export type RuleVerdict = "pass" | "drop" | "hold" | { delay: Nanos };

/** What a rule sees of a packet. */
export interface RulePacket {
  /** Node sending onto the link, and node at its far end. */
  readonly from: string;
  readonly to: string;
  readonly link: string;
  /** Nodes owning the packet's IP source and destination addresses, when known. */
  readonly srcNode: string | undefined;
  readonly dstNode: string | undefined;
  readonly packet: Uint8Array;
}

export interface FaultRule {
  readonly name: string;
  decide(p: RulePacket): RuleVerdict;
}

/** One line of the fault log. */
export interface FaultLogEntry {
  time: Nanos;
  action: string;
  detail: string;
}

/** A held packet and how to let it go on. */
interface Held {
  rule: InstalledRule;
  resume: () => void;
}

/** A rule in the pipeline with its counters. */
export class InstalledRule {
  /** Packets this rule dropped, delayed or held. */
  dropped = 0;
  delayed = 0;
  held = 0;
  constructor(readonly rule: FaultRule) {}

  /** Packets on which the rule acted. */
  get fired(): number {
    return this.dropped + this.delayed + this.held;
  }
}

export class FaultRules {
  private readonly rules: InstalledRule[] = [];
  private readonly heldPackets: Held[] = [];
  readonly log: FaultLogEntry[] = [];

  constructor(private readonly now: () => Nanos) {}

  /** Rules in force, in order. */
  get active(): readonly InstalledRule[] {
    return this.rules;
  }

  /** True when no rule is installed (the channel's fast path). */
  get empty(): boolean {
    return this.rules.length === 0;
  }

  add(rule: FaultRule, action = "rule", detail = rule.name): InstalledRule {
    const r = new InstalledRule(rule);
    this.rules.push(r);
    this.record(action, detail);
    return r;
  }

  remove(r: InstalledRule, action = "remove", detail = r.rule.name): boolean {
    const i = this.rules.indexOf(r);
    if (i === -1) return false;
    this.rules.splice(i, 1);
    this.record(action, detail);
    return true;
  }

  /** Records a fault action that is not a rule (link down, crash...). */
  record(action: string, detail: string): void {
    this.log.push({ time: this.now(), action, detail });
  }

  /**
   * Runs the pipeline. Returns "drop", a delay in ns, "held" (the rule kept the packet and will
   * call `resume`), or undefined to pass.
   */
  judge(p: RulePacket, resume: () => void): "drop" | "held" | Nanos | undefined {
    for (const r of this.rules) {
      const v = r.rule.decide(p);
      if (v === "pass") continue;
      if (v === "drop") {
        r.dropped++;
        return "drop";
      }
      if (v === "hold") {
        r.held++;
        this.heldPackets.push({ rule: r, resume });
        return "held";
      }
      r.delayed++;
      return v.delay;
    }
    return undefined;
  }

  /** Packets held by `rule` (or by any rule) and not yet released. */
  heldCount(rule?: InstalledRule): number {
    return rule === undefined
      ? this.heldPackets.length
      : this.heldPackets.filter((h) => h.rule === rule).length;
  }

  /** Lets go of packets held by `rule` (or all), in the order they were held. */
  release(rule?: InstalledRule): number {
    const go: Held[] = [];
    for (let i = 0; i < this.heldPackets.length; ) {
      const h = this.heldPackets[i]!;
      if (rule === undefined || h.rule === rule) {
        go.push(h);
        this.heldPackets.splice(i, 1);
      } else i++;
    }
    for (const h of go) h.resume();
    return go.length;
  }
}

/** Drops packets between two groups of nodes, by the nodes owning their IP addresses. */
export function partitionRule(
  a: readonly string[],
  b: readonly string[],
  oneWay: boolean,
): FaultRule {
  const A = new Set(a);
  const B = new Set(b);
  const name = `partition ${a.join(",")} ${oneWay ? "->" : "<->"} ${b.join(",")}`;
  return {
    name,
    decide(p) {
      const s = p.srcNode ?? p.from;
      const d = p.dstNode ?? p.to;
      if (A.has(s) && B.has(d)) return "drop";
      if (!oneWay && B.has(s) && A.has(d)) return "drop";
      return "pass";
    },
  };
}

/** Holds every packet from or to the given nodes. */
export function holdRule(nodes: readonly string[]): FaultRule {
  const N = new Set(nodes);
  return {
    name: `hold ${nodes.join(",")}`,
    decide(p) {
      const s = p.srcNode ?? p.from;
      const d = p.dstNode ?? p.to;
      return N.has(s) || N.has(d) ? "hold" : "pass";
    },
  };
}
