/**
 * The MapReduce manager (Dean and Ghemawat, "MapReduce", OSDI 2004, §3.1-3.3) for a word count.
 * Workers connect over TCP and register; the manager then sends each idle worker one task as a
 * JSON RPC request and takes the response as the task's result. Heartbeats arrive over UDP at a
 * HeartbeatMonitor; its "dead" verdict removes the worker and puts its in-progress task back.
 *
 * Intermediate data lives on the manager: a map response carries the task's R partitions, and a
 * reduce request carries its partition from every map task. The paper keeps it on the mappers'
 * disks and so must re-run completed map tasks of a dead worker; here a completed map task stays
 * completed, which is simpler and enough for a simulated job of kilobytes.
 *
 * A worker declared dead stays dead for that registration: its late results are ignored, even
 * though its TCP connection may outlive the partition that silenced it. It returns only by
 * registering again (a restarted process does; so does one whose connection broke).
 */
import type { Node } from "../../net/node.js";
import { type Nanos, NS_PER_S } from "../../sim/time.js";
import { sockets } from "../../socket/sockets.js";
import { isTransportError } from "../../transport/errors.js";
import type { DetectorFactory } from "../heartbeat/detector.js";
import { HeartbeatMonitor, type MonitorEvent } from "../heartbeat/monitor.js";
import { RpcEndpoint, type RpcResult } from "../rpc/correlation.js";
import type { JsonValue } from "../rpc/framing.js";
import { streamChannel } from "./channel.js";
import { field, type Pair, parsePairs, reduceCounts, splitInput } from "./wordcount.js";

export interface ManagerOptions {
  /** The input text. */
  text: string;
  /** Map tasks M and reduce tasks R. */
  mapTasks: number;
  reduceTasks: number;
  /** TCP port for worker connections and UDP port for heartbeats. */
  rpcPort: number;
  heartbeatPort: number;
  /** Failure detector per worker. */
  detector: DetectorFactory;
  /** How long to wait for a task's result before giving the worker up (default 600 s). */
  taskTimeout?: Nanos;
}

type TaskState = "idle" | "in-progress" | "done";

interface Task {
  readonly kind: "map" | "reduce";
  readonly index: number;
  state: TaskState;
  worker: Registration | undefined;
  /** Times assigned, so the log tells a reassignment from a first assignment. */
  attempts: number;
}

/** One registration of a worker process: a connection, and whether we still trust it. */
interface Registration {
  readonly name: string;
  readonly rpc: RpcEndpoint;
  dead: boolean;
  task: Task | undefined;
}

const taskName = (t: Task) => `${t.kind}-${t.index}`;

export class MapReduceManager {
  /** One line per decision, each starting with the manager clock's reading in seconds. */
  readonly log: string[] = [];
  readonly monitor: HeartbeatMonitor;
  /** The final counts in word order, once the job is done. */
  output: Pair[] | undefined;
  /** Simulation (true) time at which the job finished: for reports, not the manager's view. */
  finishedAt: Nanos | undefined;
  /** Results that arrived from a registration already declared dead, and were dropped. */
  ignoredLateResults = 0;
  private readonly maps: Task[];
  private readonly reduces: Task[];
  private readonly inputs: string[];
  /** mapOutput[m][r]: map task m's pairs for partition r. */
  private readonly mapOutput: Pair[][][] = [];
  private readonly reduceOutput: Pair[][] = [];
  /** Live registrations in registration order: the order idle workers are chosen in. */
  private registrations: Registration[] = [];
  private readonly doneListeners: ((output: Pair[]) => void)[] = [];

  constructor(
    readonly node: Node,
    options: ManagerOptions,
  ) {
    const { mapTasks: m, reduceTasks: r } = options;
    if (!(Number.isInteger(m) && m >= 1 && Number.isInteger(r) && r >= 1)) {
      throw new RangeError("need at least one map task and one reduce task");
    }
    this.inputs = splitInput(options.text, m);
    const task = (kind: "map" | "reduce", index: number): Task => ({
      kind,
      index,
      state: "idle",
      worker: undefined,
      attempts: 0,
    });
    this.maps = Array.from({ length: m }, (_, i) => task("map", i));
    this.reduces = Array.from({ length: r }, (_, i) => task("reduce", i));
    const monitor = HeartbeatMonitor.listen(node, {
      port: options.heartbeatPort,
      detector: options.detector,
    });
    if (isTransportError(monitor)) throw new Error(`manager: ${monitor.message}`);
    this.monitor = monitor;
    monitor.onEvent((e) => this.onHeartbeatEvent(e));
    const listener = sockets(node).listen(options.rpcPort, (socket) => {
      const rpc = new RpcEndpoint(node.clock, streamChannel(socket), {
        timeout: options.taskTimeout ?? 600 * NS_PER_S,
      });
      rpc.handle("register", (params, reply) => {
        const name = field(params, "name");
        if (typeof name !== "string") return reply.fail("bad-register", "register needs a name");
        reply.ok(null);
        this.register(name, rpc);
      });
    });
    if (isTransportError(listener)) throw new Error(`manager: ${listener.message}`);
  }

  /** Calls `fn` with the output when the job completes. */
  onDone(fn: (output: Pair[]) => void): void {
    this.doneListeners.push(fn);
  }

  /** Workers currently trusted, in registration order. */
  get liveWorkers(): string[] {
    return this.registrations.map((r) => r.name);
  }

  private note(line: string): void {
    // Stamped with the manager's own clock, as a real program's log is.
    this.log.push(`${(this.node.clock.now() / NS_PER_S).toFixed(3)} ${line}`);
  }

  private register(name: string, rpc: RpcEndpoint): void {
    // A second registration under the same name means the earlier process is gone (restarted).
    const old = this.registrations.find((r) => r.name === name);
    if (old !== undefined) this.declareDead(old, "registered again");
    const reg: Registration = { name, rpc, dead: false, task: undefined };
    this.registrations.push(reg);
    rpc.onClose((why) => {
      if (!reg.dead) this.declareDead(reg, `connection closed: ${why}`);
    });
    this.note(`${name} registered`);
    this.schedule();
  }

  private onHeartbeatEvent(e: MonitorEvent): void {
    if (e.kind === "dead") {
      const reg = this.registrations.find((r) => r.name === e.peer);
      const silent = (e.silence / NS_PER_S).toFixed(3);
      if (reg !== undefined) this.declareDead(reg, `no heartbeat for ${silent} s`);
    } else if (e.kind === "alive-again") {
      this.note(`${e.peer} heartbeats again (ignored until it registers again)`);
    }
  }

  /** Stops trusting a registration and puts its unfinished task back in the queue. */
  private declareDead(reg: Registration, why: string): void {
    if (reg.dead) return;
    reg.dead = true;
    this.registrations = this.registrations.filter((r) => r !== reg);
    this.note(`worker ${reg.name} dead (${why})`);
    const t = reg.task;
    reg.task = undefined;
    if (t !== undefined && t.state === "in-progress" && t.worker === reg) {
      t.state = "idle";
      t.worker = undefined;
      this.note(`reassigning ${taskName(t)} from ${reg.name}`);
    }
    this.schedule();
  }

  /** Hands idle tasks of the current phase to idle workers: lowest task to earliest worker. */
  private schedule(): void {
    if (this.output !== undefined) return;
    const mapsDone = this.maps.every((t) => t.state === "done");
    const tasks = mapsDone ? this.reduces : this.maps;
    for (const reg of this.registrations) {
      if (reg.task !== undefined) continue;
      const t = tasks.find((x) => x.state === "idle");
      if (t === undefined) return;
      this.assign(t, reg);
    }
  }

  private assign(t: Task, reg: Registration): void {
    t.state = "in-progress";
    t.worker = reg;
    t.attempts++;
    reg.task = t;
    const again = t.attempts > 1 ? ` (attempt ${t.attempts})` : "";
    this.note(`assigned ${taskName(t)} to ${reg.name}${again}`);
    const params: JsonValue =
      t.kind === "map"
        ? { task: t.index, text: this.inputs[t.index]!, partitions: this.reduces.length }
        : { task: t.index, pairs: this.mapOutput.flatMap((parts) => parts[t.index] ?? []) };
    const sent = reg.rpc.request(t.kind, params, (r) => this.result(t, reg, r));
    if (typeof sent !== "number") this.declareDead(reg, `cannot send: ${sent}`);
  }

  private result(t: Task, reg: Registration, r: RpcResult): void {
    if (reg.dead) {
      // Its task was given to someone else when it was declared dead; this answer is stale.
      if (r.ok) {
        this.ignoredLateResults++;
        this.note(`ignored late result of ${taskName(t)} from dead worker ${reg.name}`);
      }
      return;
    }
    reg.task = undefined;
    if (!r.ok) return this.declareDead(reg, `${taskName(t)} failed: ${r.error}`);
    if (!this.accept(t, r.result)) {
      t.state = "idle";
      t.worker = undefined;
      this.note(`malformed result of ${taskName(t)} from ${reg.name}; requeued`);
    } else {
      t.state = "done";
      this.note(`${reg.name} completed ${taskName(t)}`);
    }
    if (this.reduces.every((x) => x.state === "done")) this.finish();
    else this.schedule();
  }

  /** Stores a task's result; false when it is not the shape we asked for. */
  private accept(t: Task, result: JsonValue): boolean {
    if (t.kind === "reduce") {
      const counts = parsePairs(field(result, "counts"));
      if (counts === undefined) return false;
      this.reduceOutput[t.index] = counts;
      return true;
    }
    const parts = field(result, "partitions");
    if (!Array.isArray(parts) || parts.length !== this.reduces.length) return false;
    const parsed = parts.map((p) => parsePairs(p));
    if (parsed.some((p) => p === undefined)) return false;
    this.mapOutput[t.index] = parsed.map((p) => p ?? []);
    return true;
  }

  private finish(): void {
    // Partitions are disjoint by word, so summing again only merges and sorts them.
    const output = reduceCounts(this.reduceOutput.flat());
    this.output = output;
    // An observer's figure (reports compute the job's duration in true time), not the manager's.
    this.finishedAt = this.node.sim.now;
    this.note(`job done: ${output.length} distinct words`);
    for (const fn of this.doneListeners) fn(output);
  }
}
