/**
 * A GFS-like cluster (Ghemawat, Gobioff, Leung, "The Google File System", SOSP 2003, §4.2 and
 * §4.5): chunkservers heartbeat their chunk lists over UDP to a main server, which keeps the table
 * of live chunkservers and where each chunk lives, and reports under-replicated chunks when one
 * dies. Chunks survive a crash on disk; a restarted chunkserver reports them again.
 */
import { installGlobalRoutes } from "../../net/global-routing.js";
import { Network } from "../../net/network.js";
import type { Node } from "../../net/node.js";
import { type Nanos, NS_PER_S } from "../../sim/time.js";
import { isTransportError } from "../../transport/errors.js";
import type { JsonValue } from "../rpc/framing.js";
import { type DetectorFactory, FixedTimeoutDetector, type Health } from "./detector.js";
import { HeartbeatMonitor, type MonitorEvent } from "./monitor.js";
import { HeartbeatSender } from "./sender.js";

export interface GfsOptions {
  /** Master seed (default 1). */
  seed?: number;
  /** Chunkservers cs1..csN (default 4). */
  chunkservers?: number;
  /** Chunks chunk-00.. (default 8), each placed on `replication` consecutive chunkservers. */
  chunks?: number;
  /** Replicas per chunk (default 3, as GFS). */
  replication?: number;
  /** Heartbeat interval (default 1 s) and jitter (default 0). */
  interval?: Nanos;
  jitter?: Nanos;
  /** Loss probability on each chunkserver's link (default 0). */
  loss?: number;
  /** Failure detector per chunkserver (default: suspect after 2.5 s, dead after 5 s of silence). */
  detector?: DetectorFactory;
  /** The main server's heartbeat port (default 9000). */
  port?: number;
}

/** One row of the main server's table. */
export interface ChunkserverRow {
  name: string;
  address: string;
  health: Health;
  chunks: string[];
  lastHeartbeat: Nanos;
}

/** A chunk with fewer live replicas than wanted. */
export interface UnderReplicated {
  chunk: string;
  /** Chunkservers not declared dead that report it. */
  live: string[];
  missing: number;
}

const byName = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });
const seconds = (t: Nanos) => (t / NS_PER_S).toFixed(3);

function chunkList(data: JsonValue | undefined): string[] {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return [];
  const chunks = data.chunks;
  return Array.isArray(chunks) ? chunks.filter((c): c is string => typeof c === "string") : [];
}

/** The main server: heartbeat monitor, chunk table and a log of what it noticed. */
export class GfsMain {
  /** One line per event, with the time in seconds. */
  readonly log: string[] = [];
  /** Every chunk ever reported, so a chunk with no live replica is still known. */
  private readonly known = new Set<string>();

  constructor(
    readonly node: Node,
    readonly monitor: HeartbeatMonitor,
    readonly replication: number,
  ) {
    monitor.onHeartbeat((_m, p) => {
      for (const c of chunkList(p.data)) this.known.add(c);
    });
    monitor.onEvent((e) => this.noticed(e));
  }

  /** Chunkservers ever heard from, by name, with their last reported chunks. */
  table(): ChunkserverRow[] {
    return this.monitor
      .peers()
      .map((p) => ({
        name: p.name,
        address: p.address,
        health: p.health,
        chunks: chunkList(p.data),
        lastHeartbeat: p.lastArrival,
      }))
      .sort((a, b) => byName(a.name, b.name));
  }

  /** Where each chunk lives: chunkservers not declared dead, by name; chunks in order. */
  locations(): Map<string, string[]> {
    const out = new Map<string, string[]>([...this.known].sort(byName).map((c) => [c, []]));
    for (const row of this.table()) {
      if (row.health === "dead") continue;
      for (const c of row.chunks) out.get(c)?.push(row.name);
    }
    return out;
  }

  /** Chunks with fewer than `replication` live replicas (GFS §4.3 re-replicates these). */
  underReplicated(): UnderReplicated[] {
    const out: UnderReplicated[] = [];
    for (const [chunk, live] of this.locations()) {
      if (live.length < this.replication) {
        out.push({ chunk, live, missing: this.replication - live.length });
      }
    }
    return out;
  }

  private noticed(e: MonitorEvent): void {
    const t = seconds(e.time);
    const n = this.monitor.peer(e.peer);
    const chunks = chunkList(n?.data).length;
    if (e.kind === "joined") this.log.push(`${t} ${e.peer} joined with ${chunks} chunks`);
    else if (e.kind === "suspect") {
      this.log.push(`${t} ${e.peer} suspect (silent ${seconds(e.silence)} s)`);
    } else if (e.kind === "alive-again") {
      this.log.push(`${t} ${e.peer} alive again with ${chunks} chunks; ${this.report()}`);
    } else this.log.push(`${t} ${e.peer} dead (silent ${seconds(e.silence)} s); ${this.report()}`);
  }

  /** The under-replication report as one line. */
  report(): string {
    const u = this.underReplicated();
    if (u.length === 0) return "all chunks fully replicated";
    const items = u.map(
      (x) => `${x.chunk} ${x.live.length}/${this.replication} [${x.live.join(",")}]`,
    );
    return `under-replicated: ${items.join(", ")}`;
  }
}

/** A chunkserver: its chunks (kept across crashes, as on disk) and its heartbeat process. */
export class Chunkserver {
  sender: HeartbeatSender | undefined;
  /** Processes started: 1 at boot, +1 per restart. */
  boots = 0;

  constructor(
    readonly node: Node,
    readonly chunks: string[],
    private readonly start: () => HeartbeatSender,
  ) {
    // An init system: the chunkserver process starts again when the node restarts.
    node.onUpDown((up) => {
      if (up) this.boot();
    });
  }

  get name(): string {
    return this.node.name;
  }

  boot(): void {
    this.boots++;
    this.sender = this.start();
  }
}

/** A built cluster: run `net.sim`, crash or partition nodes, read `main`. */
export interface GfsExample {
  net: Network;
  main: GfsMain;
  chunkservers: Chunkserver[];
}

/**
 * Builds the cluster: main and chunkservers cs1..csN each on their own link to a router r
 * (1 ms, 100 Mbit/s), main at 10.0.0.1, csI at 10.0.I.1; chunk i on cs(i+1)..cs(i+R) (mod N).
 * Every chunkserver starts heartbeating at time 0.
 */
export function gfsExample(options: GfsOptions = {}): GfsExample {
  const n = options.chunkservers ?? 4;
  const chunkCount = options.chunks ?? 8;
  const replication = options.replication ?? 3;
  const port = options.port ?? 9000;
  if (!(n >= 1 && n <= 254 && replication >= 1 && replication <= n)) {
    throw new RangeError("need 1..254 chunkservers and 1 <= replication <= chunkservers");
  }
  const net = new Network({ seed: options.seed ?? 1 });
  const link = { delay: NS_PER_S / 1000, bandwidth: 100e6 };
  const main = net.addHost("main");
  net.addRouter("r");
  net.connect("main", "r", { ...link, addresses: ["10.0.0.1/30", "10.0.0.2/30"] });
  const names = Array.from({ length: n }, (_, i) => `cs${i + 1}`);
  names.forEach((name, i) => {
    net.addHost(name);
    net.connect(name, "r", {
      ...link,
      addresses: [`10.0.${i + 1}.1/30`, `10.0.${i + 1}.2/30`],
      impairments: { loss: options.loss ?? 0 },
    });
  });
  installGlobalRoutes(net);

  const detector =
    options.detector ??
    (() => new FixedTimeoutDetector({ timeout: 5 * NS_PER_S, suspectAfter: 2.5 * NS_PER_S }));
  const monitor = HeartbeatMonitor.listen(main, { port, detector });
  if (isTransportError(monitor)) throw new Error(`main: ${monitor.message}`);
  const gfsMain = new GfsMain(main, monitor, replication);

  const held: string[][] = names.map(() => []);
  for (let c = 0; c < chunkCount; c++) {
    const chunk = `chunk-${String(c).padStart(2, "0")}`;
    for (let k = 0; k < replication; k++) held[(c + k) % n]!.push(chunk);
  }
  const chunkservers = names.map((name, i) => {
    const chunks = held[i]!;
    const cs = new Chunkserver(net.node(name), chunks, () => {
      const s = HeartbeatSender.start(net.node(name), {
        to: { address: "10.0.0.1", port },
        interval: options.interval ?? NS_PER_S,
        jitter: options.jitter ?? 0,
        data: () => ({ chunks }),
      });
      if (isTransportError(s)) throw new Error(`${name}: ${s.message}`);
      return s;
    });
    cs.boot();
    return cs;
  });
  return { net, main: gfsMain, chunkservers };
}
