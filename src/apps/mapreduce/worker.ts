/**
 * A MapReduce worker process: it connects to the manager over TCP, registers, then serves "map"
 * and "reduce" requests on that connection, answering each after a simulated processing time so
 * a crash can land mid-task. Beside it a HeartbeatSender tells the manager over UDP that the
 * process lives. A crash kills the process with its timers; a restart boots a new one (an init
 * system), which registers afresh.
 */
import type { Node } from "../../net/node.js";
import { type Nanos, NS_PER_S } from "../../sim/time.js";
import { sockets } from "../../socket/sockets.js";
import { isTransportError } from "../../transport/errors.js";
import type { Endpoint } from "../../transport/udp.js";
import { HeartbeatSender } from "../heartbeat/sender.js";
import { RpcEndpoint, type RpcReply } from "../rpc/correlation.js";
import type { JsonValue } from "../rpc/framing.js";
import { streamChannel } from "./channel.js";
import { field, mapWords, parsePairs, reduceCounts } from "./wordcount.js";

/** How long a task takes: by kind and input size (characters for map, pairs for reduce). */
export type TaskTime = (kind: "map" | "reduce", size: number) => Nanos;

/** Default: 1 s per task plus 100 µs per unit of input, so tasks last seconds, not instants. */
export const defaultTaskTime: TaskTime = (_kind, size) => NS_PER_S + size * 100_000;

export interface WorkerOptions {
  /** The manager's RPC (TCP) endpoint. */
  manager: Endpoint;
  /** The manager's heartbeat (UDP) endpoint. */
  heartbeat: Endpoint;
  /** Heartbeat interval (default 0.5 s). */
  interval?: Nanos;
  taskTime?: TaskTime;
  /** Wait before reconnecting after the connection fails or closes (default 1 s). */
  retry?: Nanos;
}

/** A worker node's process manager: boots the worker now and after every restart. */
export class MapReduceWorker {
  /** Processes started: 1 at boot, +1 per restart. */
  boots = 0;
  /** Tasks finished and answered, over every boot. */
  tasksDone = 0;
  private rpc: RpcEndpoint | undefined;
  private timers: { cancel(): void }[] = [];
  /** The current process's heartbeat sender (undefined while crashed). */
  sender: HeartbeatSender | undefined;

  constructor(
    readonly node: Node,
    private readonly options: WorkerOptions,
  ) {
    node.onUpDown((up) => {
      if (up) this.boot();
      else this.die();
    });
  }

  get name(): string {
    return this.node.name;
  }

  boot(): void {
    this.boots++;
    const s = HeartbeatSender.start(this.node, {
      to: this.options.heartbeat,
      interval: this.options.interval ?? NS_PER_S / 2,
    });
    if (isTransportError(s)) throw new Error(`${this.name}: ${s.message}`);
    this.sender = s;
    this.connect();
  }

  /** The process is gone: its pending work and connection state vanish with it. */
  private die(): void {
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.rpc = undefined;
    this.sender = undefined;
  }

  private connect(): void {
    if (!this.node.up) return;
    const boot = this.boots;
    const socket = sockets(this.node).connect(this.options.manager);
    if (isTransportError(socket)) return this.retryLater(boot);
    const rpc = new RpcEndpoint(this.node.clock, streamChannel(socket), {
      timeout: 600 * NS_PER_S,
    });
    this.rpc = rpc;
    rpc.handle("map", (p, reply) => this.work("map", p, reply));
    rpc.handle("reduce", (p, reply) => this.work("reduce", p, reply));
    // A lost connection (manager gone, or TCP gave up during a partition): register again.
    rpc.onClose(() => {
      if (this.rpc === rpc) this.retryLater(boot);
    });
    rpc.request("register", { name: this.name }, (r) => {
      if (!r.ok && this.rpc === rpc) rpc.close(`register failed: ${r.error}`);
    });
  }

  private retryLater(boot: number): void {
    this.rpc = undefined;
    const t = this.node.clock.timer(() => {
      if (this.boots === boot && this.node.up) this.connect();
    });
    t.set(this.options.retry ?? NS_PER_S);
    this.timers.push(t);
  }

  /** Computes now, answers after the simulated processing time (unless the process dies first). */
  private work(kind: "map" | "reduce", params: JsonValue | undefined, reply: RpcReply): void {
    let result: JsonValue;
    let size: number;
    if (kind === "map") {
      const text = field(params, "text");
      const r = field(params, "partitions");
      if (typeof text !== "string" || typeof r !== "number" || !(r >= 1)) {
        return reply.fail("bad-task", "map needs text and partitions");
      }
      result = { partitions: mapWords(text, r) };
      size = text.length;
    } else {
      const pairs = parsePairs(field(params, "pairs"));
      if (pairs === undefined) return reply.fail("bad-task", "reduce needs pairs");
      result = { counts: reduceCounts(pairs) };
      size = pairs.length;
    }
    // Computing takes true time (the processor does the work; no clock times it), unlike the
    // retry wait above, which is a sleep on the host's clock.
    const t = this.node.sim.timer(() => {
      this.timers = this.timers.filter((x) => x !== t);
      this.tasksDone++;
      reply.ok(result);
    });
    t.set((this.options.taskTime ?? defaultTaskTime)(kind, size));
    this.timers.push(t);
  }
}
