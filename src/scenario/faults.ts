/**
 * The fault schedule: each entry becomes a simulator event at its time that calls the
 * network's fault API (link down/up, partition, repair, hold/release, crash/restart, a link's
 * delay or impairments). With the shortest-path oracle, routes are recomputed after every
 * change the oracle can see (links and nodes going down or up), as ns-3's global routing does.
 */

import type { InstalledRule } from "../net/faults.js";
import { installGlobalRoutes } from "../net/global-routing.js";
import type { Impairments } from "../net/impairments.js";
import type { Network } from "../net/network.js";
import type { Nanos } from "../sim/time.js";
import type { FaultSpec, RoutingSpec } from "./schema.js";

/** What the schedule did: how many entries ran, when the last ran, and what went wrong. */
export interface FaultState {
  applied: number;
  /** Time of the last fault carried out, or undefined when none has been. */
  lastAt: Nanos | undefined;
  warnings: string[];
}

/** Schedules every fault entry on the network's simulator. */
export function scheduleFaults(
  net: Network,
  faults: readonly FaultSpec[],
  routing: RoutingSpec | undefined,
): FaultState {
  const state: FaultState = { applied: 0, lastAt: undefined, warnings: [] };
  const named = new Map<string, InstalledRule[]>();
  const oracle =
    routing === undefined || (routing.mode === "shortest-path" && routing.recompute !== false);
  const metric = routing?.mode === "shortest-path" ? (routing.metric ?? "hops") : "hops";
  const recompute = () => {
    if (oracle) installGlobalRoutes(net, { metric });
  };

  const apply = (f: FaultSpec, index: number) => {
    try {
      if (f.linkDown !== undefined || f.linkUp !== undefined) {
        net.setLinkUp((f.linkDown ?? f.linkUp)!, f.linkUp !== undefined);
        recompute();
      } else if (f.partition !== undefined) {
        const [first, ...rest] = f.partition;
        const rules: InstalledRule[] = [];
        if (f.oneWay) for (const g of rest) rules.push(net.partitionOneWay(first!, g));
        else {
          for (let i = 0; i < f.partition.length; i++) {
            for (let j = i + 1; j < f.partition.length; j++) {
              rules.push(net.partition(f.partition[i]!, f.partition[j]!));
            }
          }
        }
        if (f.name !== undefined) named.set(f.name, rules);
      } else if (f.hold !== undefined) {
        const rule = net.hold(f.hold);
        if (f.name !== undefined) named.set(f.name, [rule]);
      } else if (f.repair !== undefined) {
        if (f.repair === "all") {
          net.repair();
          named.clear();
        } else {
          for (const r of named.get(f.repair) ?? []) net.repair(r);
          named.delete(f.repair);
        }
      } else if (f.release !== undefined) {
        for (const r of named.get(f.release) ?? []) net.release(r);
        named.delete(f.release);
      } else if (f.crash !== undefined || f.restart !== undefined) {
        if (f.crash !== undefined) net.crash(f.crash);
        else net.restart(f.restart!);
        recompute();
      } else if (f.setLink !== undefined) {
        const { link, delay, ...given } = f.setLink;
        if (delay !== undefined) net.setDelay(link, delay);
        const changes = Object.fromEntries(
          Object.entries(given).filter(([, v]) => v !== undefined),
        ) as Impairments;
        if (Object.keys(changes).length > 0) {
          const current = net.link(link).ab.impairments.current;
          net.setImpairments(link, { ...current, ...changes });
        }
        if (delay !== undefined && metric === "delay") recompute();
      }
      state.applied++;
      state.lastAt = net.sim.now;
    } catch (e) {
      state.warnings.push(`faults[${index}] at ${net.sim.now} ns: ${(e as Error).message}`);
    }
  };
  faults.forEach((f, i) => {
    net.sim.at(f.at, () => apply(f, i));
  });
  return state;
}
