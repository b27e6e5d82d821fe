/**
 * A ready-made cluster for the word count: a manager and workers w1..wN, each host on its own
 * link to a router r (1 ms, 100 Mbit/s), manager at 10.0.0.1, wI at 10.0.I.1. Workers boot at
 * time 0; the job ends when `manager.output` is set.
 */
import { installGlobalRoutes } from "../../net/global-routing.js";
import { Network } from "../../net/network.js";
import { type Nanos, NS_PER_S } from "../../sim/time.js";
import { type DetectorFactory, FixedTimeoutDetector } from "../heartbeat/detector.js";
import { MapReduceManager } from "./manager.js";
import { MapReduceWorker, type TaskTime } from "./worker.js";

export interface MapReduceExampleOptions {
  text: string;
  /** Master seed (default 1). */
  seed?: number;
  /** Workers (default 3), map tasks (default 6), reduce tasks (default 3). */
  workers?: number;
  mapTasks?: number;
  reduceTasks?: number;
  /** Loss probability on every link (default 0). */
  loss?: number;
  /** Heartbeat interval (default 0.5 s). */
  interval?: Nanos;
  /** Failure detector (default: suspect after 1 s, dead after 2 s of silence). */
  detector?: DetectorFactory;
  taskTime?: TaskTime;
}

export interface MapReduceExample {
  net: Network;
  manager: MapReduceManager;
  workers: MapReduceWorker[];
}

export const RPC_PORT = 6000;
export const HEARTBEAT_PORT = 6001;

export function mapReduceExample(options: MapReduceExampleOptions): MapReduceExample {
  const n = options.workers ?? 3;
  if (!(Number.isInteger(n) && n >= 1 && n <= 254)) throw new RangeError("need 1..254 workers");
  const net = new Network({ seed: options.seed ?? 1 });
  const link = {
    delay: NS_PER_S / 1000,
    bandwidth: 100e6,
    impairments: { loss: options.loss ?? 0 },
  };
  net.addHost("manager");
  net.addRouter("r");
  net.connect("manager", "r", { ...link, addresses: ["10.0.0.1/30", "10.0.0.2/30"] });
  const names = Array.from({ length: n }, (_, i) => `w${i + 1}`);
  names.forEach((name, i) => {
    net.addHost(name);
    net.connect(name, "r", { ...link, addresses: [`10.0.${i + 1}.1/30`, `10.0.${i + 1}.2/30`] });
  });
  installGlobalRoutes(net);

  const manager = new MapReduceManager(net.node("manager"), {
    text: options.text,
    mapTasks: options.mapTasks ?? 6,
    reduceTasks: options.reduceTasks ?? 3,
    rpcPort: RPC_PORT,
    heartbeatPort: HEARTBEAT_PORT,
    detector:
      options.detector ??
      (() => new FixedTimeoutDetector({ timeout: 2 * NS_PER_S, suspectAfter: NS_PER_S })),
  });
  const workers = names.map((name) => {
    const w = new MapReduceWorker(net.node(name), {
      manager: { address: "10.0.0.1", port: RPC_PORT },
      heartbeat: { address: "10.0.0.1", port: HEARTBEAT_PORT },
      ...(options.interval === undefined ? {} : { interval: options.interval }),
      ...(options.taskTime === undefined ? {} : { taskTime: options.taskTime }),
    });
    w.boot();
    return w;
  });
  return { net, manager, workers };
}
