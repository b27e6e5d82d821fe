/**
 * Builds and runs the ns-3 side of a comparison (bench/ns3/*.cc) when Debian's libns3-dev is
 * installed; returns undefined otherwise, so the suite still reports wirelab's own figures.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const HERE = dirname(new URL(import.meta.url).pathname);
const CACHE = resolve(HERE, "../node_modules/.cache/wirelab-bench");

/** Compiles bench/ns3/<name>.cc against the named ns-3 modules (`-lns3-<module>`), once. */
function build(name: string, modules: string[] = ["core"]): string | undefined {
  const source = join(HERE, "ns3", `${name}.cc`);
  const binary = join(CACHE, `ns3-${name}`);
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  let cflags: string[];
  try {
    cflags = execFileSync("pkg-config", ["--cflags", "ns3-core"], { encoding: "utf8" })
      .trim()
      .split(/\s+/)
      .filter(Boolean);
  } catch {
    return undefined;
  }
  mkdirSync(CACHE, { recursive: true });
  const libs = modules.map((m) => `-lns3-${m}`);
  try {
    execFileSync("g++", ["-O2", "-std=c++17", source, "-o", binary, ...cflags, ...libs], {
      stdio: "pipe",
    });
  } catch (e) {
    process.stderr.write(`ns-3 comparison: build of ${name}.cc failed: ${String(e)}\n`);
    return undefined;
  }
  return binary;
}

/** ns-3 events per second in the hold model, or undefined when ns-3 is not available. */
export async function ns3Hold(pending: number, events: number): Promise<number | undefined> {
  const binary = build("hold");
  if (binary === undefined) return undefined;
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const out = execFileSync(binary, [String(pending), String(events)], { encoding: "utf8" });
    best = Math.max(best, Number(out.trim()));
  }
  return best;
}

/** One ns-3 run of bench/ns3/bulk.cc: wall seconds of Simulator::Run, simulated completion. */
export interface Ns3BulkRun {
  wall: number;
  simulated: number;
}

/**
 * The ns-3 side of the TCP speed figure (best of three runs of bench/ns3/bulk.cc), or undefined
 * when ns-3 is not available. Needs the TCP/IP modules, each named on the link line: Debian's
 * pkg-config files pull in libgsl without its CBLAS, which does not link.
 */
export async function ns3Bulk(bytes: number): Promise<Ns3BulkRun | undefined> {
  const modules = ["applications", "internet", "point-to-point", "traffic-control", "bridge"];
  const binary = build("bulk", [...modules, "stats", "network", "core"]);
  if (binary === undefined) return undefined;
  let best: Ns3BulkRun | undefined;
  for (let r = 0; r < 3; r++) {
    const [wall, simulated, received] = execFileSync(binary, [String(bytes)], { encoding: "utf8" })
      .trim()
      .split(/\s+/)
      .map(Number);
    if (received !== bytes)
      throw new Error(`ns-3 bulk run delivered ${received} of ${bytes} bytes`);
    if (best === undefined || wall! < best.wall) best = { wall: wall!, simulated: simulated! };
  }
  return best;
}
