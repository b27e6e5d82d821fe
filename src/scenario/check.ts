/**
 * The checks a schema cannot make: every name a scenario uses (nodes in links, apps, routes,
 * faults and assertions; links in faults; apps in assertions) must exist, names must be unique,
 * switch ports take no address, and assertion values must fit their metric's unit. All problems
 * are collected, each with the position of the offending field.
 */
import { ParseError } from "../wire/parse-error.js";
import { parsePrefix } from "../wire/prefix.js";
import { compileAssertion } from "./assertions.js";
import { entryName } from "./edge-schema.js";
import { suggest } from "./issues.js";
import type { AppRegistry, AppSpec } from "./registry.js";
import type { ScenarioSpec } from "./schema.js";
import type { FieldPath, ScenarioError, YamlSource } from "./source.js";

const SECTIONS = [
  ["hosts", "host"],
  ["routers", "router"],
  ["switches", "switch"],
] as const;

/** The names apps go by: their `name`, or "<kind>-<n>" counting per kind from 1. */
export function appNames(apps: readonly AppSpec[]): string[] {
  const count = new Map<string, number>();
  return apps.map((a) => {
    const n = (count.get(a.kind) ?? 0) + 1;
    count.set(a.kind, n);
    return a.name ?? `${a.kind}-${n}`;
  });
}

/** The name a link goes by: its `name`, or "a-b" from its ends (as Network.connect names it). */
export function linkName(l: {
  name?: string | undefined;
  between: readonly [string, string];
}): string {
  return l.name ?? `${l.between[0]}-${l.between[1]}`;
}

/** True when `s` is an IPv4 or IPv6 address literal. */
export function isAddress(s: string): boolean {
  return !s.includes("/") && !(parsePrefix(s) instanceof ParseError);
}

/** Checks references and uniqueness; returns every problem found. */
export function checkScenario(
  spec: ScenarioSpec,
  source: YamlSource,
  registry: AppRegistry,
): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const err = (path: FieldPath, message: string): void => {
    errors.push(source.error(path, message));
  };
  const kinds = new Map<string, "host" | "router" | "switch">();
  for (const [section, kind] of SECTIONS) {
    (spec[section] ?? []).forEach((entry, i) => {
      const n = entryName(entry);
      const other = kinds.get(n);
      if (other !== undefined) err([section, i], `duplicate node name "${n}": already a ${other}`);
      else kinds.set(n, kind);
    });
  }
  const known = [...kinds.keys()];

  /** Checks a node reference; `ip` nodes exclude switches. */
  const node = (path: FieldPath, name: string, ip = true) => {
    const k = kinds.get(name);
    if (k === undefined) {
      const near = suggest(name, known);
      err(
        path,
        `unknown node "${name}": ${near ? `did you mean "${near}"?` : `expected one of ${known.join(", ") || "(no nodes defined)"}`}`,
      );
    } else if (ip && k === "switch") {
      err(path, `expected a host or router, found switch "${name}"`);
    }
  };
  const target = (path: FieldPath, t: string) => {
    if (!isAddress(t)) node(path, t);
  };

  const links = new Map<string, number>();
  (spec.links ?? []).forEach((l, i) => {
    for (const [j, n] of l.between.entries()) node(["links", i, "between", j], n, false);
    const [a, b] = l.between;
    if (a === b) err(["links", i, "between"], `expected two different nodes, found "${a}" twice`);
    else if (kinds.get(a) === "switch" && kinds.get(b) === "switch") {
      err(["links", i, "between"], "cannot join two switches (there is no spanning tree)");
    }
    const name = linkName(l);
    const prev = links.get(name);
    if (prev !== undefined) {
      err(["links", i], `duplicate link name "${name}" (links[${prev}] has it): give one a name`);
    } else links.set(name, i);
    l.addresses?.forEach((end, j) => {
      const k = kinds.get(l.between[j]!);
      if (end === "dhcp" && k !== undefined && k !== "host") {
        err(
          ["links", i, "addresses", j],
          `expected a host to lease an address by DHCP, found ${k} "${l.between[j]}"`,
        );
      }
      const isSwitch = kinds.get(l.between[j]!) === "switch";
      if (isSwitch && end !== "auto" && !(Array.isArray(end) && end.length === 0)) {
        err(["links", i, "addresses", j], `expected "auto" for a switch port (it has no address)`);
      }
    });
  });
  const linkNames = [...links.keys()];
  const link = (path: FieldPath, name: string) => {
    if (links.has(name)) return;
    const near = suggest(name, linkNames);
    err(
      path,
      `unknown link "${name}": ${near ? `did you mean "${near}"?` : `expected one of ${linkNames.join(", ") || "(no links)"}`}`,
    );
  };

  const routing = spec.routing;
  (routing?.routes ?? []).forEach((r, i) => {
    node(["routing", "routes", i, "node"], r.node);
    target(["routing", "routes", i, "via"], r.via);
  });
  if (routing?.mode === "distance-vector") {
    for (const [i, r] of (routing.routers ?? []).entries()) node(["routing", "routers", i], r);
  }

  const apps = spec.apps ?? [];
  const names = appNames(apps);
  const appIndex = new Map<string, number>();
  apps.forEach((a, i) => {
    const name = names[i]!;
    if (appIndex.has(name)) err(["apps", i, "name"], `duplicate app name "${name}"`);
    else appIndex.set(name, i);
    const def = registry.get(a.kind);
    for (const [field, ref] of Object.entries(def?.refs ?? {})) {
      const v = a[field];
      // A field may name one node or list several (a job's workers, a swarm's peers).
      const each: [FieldPath, unknown][] = Array.isArray(v)
        ? v.map((x, j) => [["apps", i, field, j], x])
        : [[["apps", i, field], v]];
      for (const [path, x] of each) {
        if (typeof x !== "string") continue;
        if (ref === "node") node(path, x);
        else target(path, x);
      }
    }
  });

  const named = new Map<string, "partition" | "hold">();
  (spec.faults ?? []).forEach((f, i) => {
    const p = (field: string, ...rest: (string | number)[]) => ["faults", i, field, ...rest];
    if (f.linkDown !== undefined) link(p("linkDown"), f.linkDown);
    if (f.linkUp !== undefined) link(p("linkUp"), f.linkUp);
    if (f.setLink !== undefined) link(p("setLink", "link"), f.setLink.link);
    for (const [j, g] of (f.partition ?? []).entries()) {
      for (const [k, n] of g.entries()) node(p("partition", j, k), n);
    }
    for (const [j, n] of (f.hold ?? []).entries()) node(p("hold", j), n);
    if (f.crash !== undefined) node(p("crash"), f.crash);
    if (f.restart !== undefined) node(p("restart"), f.restart);
    if (f.name !== undefined) {
      if (f.partition === undefined && f.hold === undefined) {
        err(p("name"), "only a partition or a hold can be named (to repair or release it)");
      } else if (named.has(f.name)) err(p("name"), `duplicate fault name "${f.name}"`);
      else named.set(f.name, f.partition !== undefined ? "partition" : "hold");
    }
    if (f.repair !== undefined && f.repair !== "all" && !named.has(f.repair)) {
      err(
        p("repair"),
        `expected "all" or the name of an earlier partition or hold, found "${f.repair}"`,
      );
    }
    if (f.release !== undefined && named.get(f.release) !== "hold") {
      err(p("release"), `expected the name of an earlier hold, found "${f.release}"`);
    }
  });

  const natRouters = new Set(
    (spec.routers ?? []).flatMap((r) => (typeof r !== "string" && r.nat ? [r.name] : [])),
  );
  (spec.assert ?? []).forEach((a, i) => {
    if (a.lease !== undefined) node(["assert", i, "lease", "host"], a.lease.host);
    if (a.clock !== undefined) node(["assert", i, "clock", "host"], a.clock.host);
    if (a.nat !== undefined && !natRouters.has(a.nat.router)) {
      const path = ["assert", i, "nat", "router"];
      if (kinds.has(a.nat.router))
        err(path, `${a.nat.router} has no nat (give its router entry one)`);
      else node(path, a.nat.router);
    }
    if (a.route !== undefined) {
      node(["assert", i, "route", "from"], a.route.from);
      target(["assert", i, "route", "to"], a.route.to);
      return;
    }
    const c = compileAssertion(a, (name) => {
      const j = appIndex.get(name);
      return j === undefined ? undefined : registry.get(apps[j]!.kind)?.metrics;
    });
    if ("field" in c) {
      const near = c.field === "app" ? suggest(a.app ?? "", [...appIndex.keys()]) : undefined;
      err(["assert", i, c.field], near ? `${c.message}: did you mean "${near}"?` : c.message);
    }
  });
  return errors;
}
