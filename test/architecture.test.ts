/**
 * The layering rules of docs/ARCHITECTURE.md, checked on the source text:
 * a layer imports only from itself and the layers below it; the engine (sim..apps) imports
 * nothing from Node or npm and never reads ambient time or randomness.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");

/** Layers in order; a layer may import only layers at or before its own position. */
const ENGINE = ["sim", "wire", "net", "transport", "socket", "apps"] as const;
const EDGES = ["scenario", "trace", "cli"] as const;
const RANK: Record<string, number> = {};
ENGINE.forEach((l, i) => {
  RANK[l] = i;
});
// The edges sit above the whole engine; among themselves: scenario < trace < cli.
EDGES.forEach((l, i) => {
  RANK[l] = ENGINE.length + i;
});

/** Directories inside an engine layer that may touch Node (the Node facades). */
const NODE_ALLOWED = [/^socket\/node\//];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

function imports(text: string): string[] {
  const specs: string[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) specs.push((m[1] ?? m[2])!);
  return specs;
}

/** Package entry points at the top of src/: the portable engine and the Node-only helpers. */
const ENTRY_POINTS = ["index.ts", "node.ts"];

/** Ambient time and randomness, banned in the engine. */
const AMBIENT =
  /\b(Math\.random|Date\.now|performance\.now|setTimeout|setInterval|setImmediate|new Date\(\))/;

/** Reading simulation (true) time, which no program on a host can see. */
const SIM_NOW = /\bsim\.now\b/;

/**
 * Application files that may read `sim.now`, how many times, and why: outside observers and
 * records kept for tests and reports, never a program's own decisions (those use `node.clock`).
 * Counts are exact, so a new reading has to be argued for here.
 */
const SIM_NOW_ALLOWED: Record<string, { count?: number; why: string }> = {
  "apps/clock/ntp-client.ts": { count: 2, why: "samples and updates record true time for plots" },
  "apps/clock/cristian.ts": { count: 1, why: "samples record true time for plots" },
  "apps/clock/berkeley.ts": { count: 2, why: "rounds and adjustments record true time" },
  "apps/mapreduce/manager.ts": { count: 1, why: "finishedAt: reports time the job in true time" },
  "apps/rip/rip.ts": { count: 1, why: "stats.lastChange: tests measure convergence in true time" },
  "apps/p2p/dht-measure.ts": { count: 2, why: "the measurement driver is an outside observer" },
  "apps/p2p/file-distribution.ts": { count: 2, why: "an outside stopwatch on the distribution" },
  // No count: the DHCP client and server are being moved onto node.clock separately.
};

/** Lines of `text` that read simulation time (comments ignored). */
function simNowLines(text: string): number[] {
  const out: number[] = [];
  text.split("\n").forEach((line, i) => {
    if (SIM_NOW.test(line.replace(/\/\/.*$/, ""))) out.push(i + 1);
  });
  return out;
}

const files = sourceFiles(SRC).map((path) => ({
  path,
  rel: relative(SRC, path),
  layer: relative(SRC, path).split("/")[0]!,
  text: readFileSync(path, "utf8"),
}));

describe("architecture", () => {
  it("has source files in known layers only", () => {
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      if (ENTRY_POINTS.includes(f.rel)) continue;
      expect(RANK[f.layer], `${f.rel} is not in a known layer`).toBeDefined();
    }
  });

  it("never imports upward", () => {
    const violations: string[] = [];
    for (const f of files) {
      if (ENTRY_POINTS.includes(f.rel)) continue;
      for (const spec of imports(f.text)) {
        if (!spec.startsWith(".")) continue;
        const target = relative(SRC, resolve(join(SRC, f.rel, ".."), spec)).split("/")[0]!;
        if (RANK[target] !== undefined && RANK[target]! > RANK[f.layer]!) {
          violations.push(`${f.rel} imports ${spec} (${f.layer} -> ${target})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it("keeps the engine free of Node and npm imports", () => {
    const violations: string[] = [];
    for (const f of files) {
      if (!(ENGINE as readonly string[]).includes(f.layer)) continue;
      if (NODE_ALLOWED.some((re) => re.test(f.rel))) continue;
      for (const spec of imports(f.text)) {
        if (!spec.startsWith(".")) violations.push(`${f.rel} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("uses no ambient time or randomness in the engine", () => {
    const violations: string[] = [];
    for (const f of files) {
      if (!(ENGINE as readonly string[]).includes(f.layer)) continue;
      if (NODE_ALLOWED.some((re) => re.test(f.rel))) continue;
      f.text.split("\n").forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, "");
        if (AMBIENT.test(code)) violations.push(`${f.rel}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(violations).toEqual([]);
  });

  it("keeps applications on their host's clock: sim.now only in allowed observer code", () => {
    const violations: string[] = [];
    for (const f of files) {
      if (f.layer !== "apps") continue;
      const lines = simNowLines(f.text);
      const allowed = SIM_NOW_ALLOWED[f.rel];
      if (allowed === undefined) {
        for (const n of lines) violations.push(`${f.rel}:${n} reads sim.now; use node.clock`);
      } else if (allowed.count !== undefined && lines.length !== allowed.count) {
        violations.push(`${f.rel}: ${lines.length} sim.now readings, ${allowed.count} allowed`);
      }
    }
    expect(violations).toEqual([]);
    // Every allowed file still exists (a stale entry would hide a future one).
    for (const rel of Object.keys(SIM_NOW_ALLOWED)) {
      expect(files.some((f) => f.rel === rel)).toBe(true);
    }
  });

  it("keeps the package's main entry (src/index.ts) free of Node: nothing it reaches imports node:", () => {
    const byPath = new Map(files.map((f) => [f.path, f]));
    const seen = new Set<string>();
    const offenders: string[] = [];
    const visit = (path: string) => {
      if (seen.has(path)) return;
      seen.add(path);
      const f = byPath.get(path);
      if (!f) return;
      for (const spec of imports(f.text)) {
        if (spec.startsWith("node:")) offenders.push(`${f.rel} imports ${spec}`);
        else if (spec.startsWith("."))
          visit(resolve(join(path, ".."), spec.replace(/\.js$/, ".ts")));
      }
    };
    visit(join(SRC, "index.ts"));
    expect(seen.size).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });

  it("detects a violation when one is planted (the checks can fail)", () => {
    expect(imports('import { x } from "node:fs";\nexport * from "../net/a.js";')).toEqual([
      "node:fs",
      "../net/a.js",
    ]);
    expect(imports('const m = await import("../apps/x.js");')).toEqual(["../apps/x.js"]);
    expect(AMBIENT.test("const r = Math.random();")).toBe(true);
    expect(AMBIENT.test("sim.after(10, fn)")).toBe(false);
    expect(
      simNowLines("const t = this.node.sim.now;\n// sim.now in a comment\nclock.now()"),
    ).toEqual([1]);
    expect(simNowLines("const t = node.clock.monotonic();")).toEqual([]);
  });
});
