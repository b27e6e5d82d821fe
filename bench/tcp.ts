/**
 * TCP suite (issue 4): link utilization of one bulk flow, goodput under random loss against the
 * Mathis model for NewReno and CUBIC, Jain's fairness of 100 flows on one bottleneck, and the
 * wall time of a 100 MB transfer compared with ns-3 in the same run (bench/ns3/bulk.cc).
 */
import { installGlobalRoutes } from "../src/net/global-routing.js";
import { Network } from "../src/net/network.js";
import { ms, type Nanos, NS_PER_S, sec } from "../src/sim/time.js";
import { TransportError } from "../src/transport/errors.js";
import {
  type CongestionFactory,
  cubicFactory,
  newReno,
  type TcpConfig,
  tcp,
} from "../src/transport/tcp/index.js";
import type { Figure, Suite } from "./harness.js";
import { ns3Bulk } from "./ns3.js";

const SUITE = "tcp";
/** Payload of a full segment: MSS 1460 less 12 bytes of timestamp option. */
const SEGMENT = 1448;
const PORT = 5001;
/** Access links are fast and short, so the bottleneck alone shapes the flows. */
const ACCESS_BANDWIDTH = 10e9;
const ACCESS_DELAY = ms(0.5);

interface PathOptions {
  /** Bottleneck rate, bit/s. */
  bandwidth: number;
  /** Round-trip propagation delay. */
  rtt: Nanos;
  /** Bottleneck buffer in bandwidth-delay products (default 1). */
  buffers?: number;
  /** Random loss probability on the bottleneck (both directions). */
  loss?: number;
  seed?: number;
}

/** Sender "s" -- router "r" -- receiver "d"; r -> d is the bottleneck with a BDP of buffer. */
function dumbbell(o: PathOptions): Network {
  const net = new Network({ seed: o.seed ?? 1 });
  net.addHost("s");
  net.addRouter("r");
  net.addHost("d");
  net.connect("s", "r", {
    bandwidth: ACCESS_BANDWIDTH,
    delay: ACCESS_DELAY,
    queue: { packets: 100_000 },
    addresses: ["10.0.1.1/24", "10.0.1.2/24"],
  });
  const bdp = (o.bandwidth * (o.rtt / NS_PER_S)) / 8;
  net.connect("r", "d", {
    bandwidth: o.bandwidth,
    delay: o.rtt / 2 - ACCESS_DELAY,
    queue: { packets: 100_000, bytes: Math.max(3000, Math.round(bdp * (o.buffers ?? 1))) },
    ...(o.loss ? { impairments: { loss: o.loss } } : {}),
    addresses: ["10.0.2.1/24", "10.0.2.2/24"],
  });
  installGlobalRoutes(net);
  return net;
}

/** A flow that always has data to send; `received` counts what the receiver got. */
interface Flow {
  received: number;
  /** Bytes received at the start of the measurement window. */
  mark: number;
}

const FILLER = new Uint8Array(1 << 16);

/** Listens on d and starts `count` unbounded bulk flows s -> d, the i-th at `start(i)`. */
function bulkFlows(
  net: Network,
  count: number,
  config: Partial<TcpConfig>,
  start: (i: number) => Nanos = () => 0,
): Flow[] {
  const flows: Flow[] = [];
  const byPort = new Map<number, Flow>();
  const l = tcp(net.node("d")).listen(PORT, undefined, { ...config, backlog: count }, (c) => {
    const f = byPort.get(c.tuple.remotePort);
    if (f === undefined) throw new Error(`unexpected connection from port ${c.tuple.remotePort}`);
    c.onData((d) => {
      f.received += d.length;
    });
  });
  if (l instanceof TransportError) throw new Error(l.message);
  for (let i = 0; i < count; i++) {
    const flow: Flow = { received: 0, mark: 0 };
    flows.push(flow);
    const localPort = 20000 + i;
    byPort.set(localPort, flow);
    net.sim.at(start(i), () => {
      const c = tcp(net.node("s")).connect({ address: "10.0.2.2", port: PORT, localPort }, config);
      if (c instanceof TransportError) throw new Error(c.message);
      const pump = () => {
        while (c.write(FILLER) === FILLER.length);
      };
      c.onConnect(pump);
      c.onDrain(pump);
    });
  }
  return flows;
}

/** Mean goodput (bit/s) of each flow between `from` and `to` (simulated ns). */
function goodputs(net: Network, flows: Flow[], from: Nanos, to: Nanos): number[] {
  net.sim.runUntil(from);
  for (const f of flows) f.mark = f.received;
  net.sim.runUntil(to);
  const seconds = (to - from) / NS_PER_S;
  return flows.map((f) => ((f.received - f.mark) * 8) / seconds);
}

/** Buffers large enough that the receive window never limits these paths. */
const BIG_BUFFERS: Partial<TcpConfig> = { sendBufferSize: 1 << 24, receiveBufferSize: 1 << 24 };

function utilization(): Figure {
  const bandwidth = 10e6;
  const net = dumbbell({ bandwidth, rtt: ms(50) });
  const flows = bulkFlows(net, 1, BIG_BUFFERS);
  const [g] = goodputs(net, flows, sec(10), sec(70));
  return {
    suite: SUITE,
    name: "utilization, 10 Mbit/s 50 ms, 1 BDP buffer",
    value: (100 * g!) / bandwidth,
    unit: "% of link",
    target: 95,
    note: `goodput ${(g! / 1e6).toFixed(2)} Mbit/s from 10 s to 70 s; payload ceiling 96.5 % (40 B headers + 12 B timestamps per 1500 B)`,
  };
}

/** MSS/RTT * sqrt(3/2) / sqrt(p), in bit/s. */
function mathis(rtt: Nanos, p: number): number {
  return ((SEGMENT * 8) / (rtt / NS_PER_S)) * Math.sqrt(1.5 / p);
}

/** Loss events wanted per run, so the sawtooth average settles. */
const LOSS_EVENTS = 400;

function lossResponse(): Figure[] {
  const figures: Figure[] = [];
  const settings = [
    { bandwidth: 10e6, rtt: ms(50), label: "10M/50ms" },
    { bandwidth: 100e6, rtt: ms(100), label: "100M/100ms" },
  ];
  const algorithms: [string, CongestionFactory][] = [
    ["newreno", newReno],
    ["cubic", cubicFactory],
  ];
  for (const s of settings) {
    for (const p of [0.001, 0.005, 0.01, 0.02]) {
      const model = mathis(s.rtt, p);
      // Long enough for LOSS_EVENTS losses at the model's rate (or the link's, if lower).
      const pps = Math.min(model, s.bandwidth) / 8 / SEGMENT;
      const warm = sec(10);
      const span = Math.max(sec(60), Math.round((LOSS_EVENTS / (p * pps)) * NS_PER_S));
      const got: Record<string, number> = {};
      for (const [name, congestion] of algorithms) {
        const net = dumbbell({ ...s, loss: p, seed: 7 });
        const flows = bulkFlows(net, 1, { ...BIG_BUFFERS, congestion });
        got[name] = goodputs(net, flows, warm, warm + span)[0]!;
      }
      const reno = got.newreno!;
      const cubic = got.cubic!;
      const pct = `${(p * 100).toFixed(1)} %`;
      const seconds = `${Math.round(span / NS_PER_S)} s`;
      figures.push({
        suite: SUITE,
        name: `loss ${s.label} p=${pct} NewReno/Mathis`,
        value: (100 * reno) / model,
        unit: "% of model",
        note: `NewReno ${(reno / 1e6).toFixed(2)} Mbit/s, model ${(model / 1e6).toFixed(2)} Mbit/s, ${seconds}; within +-30 %: ${Math.abs(reno / model - 1) <= 0.3 ? "yes" : "NO"}`,
      });
      figures.push({
        suite: SUITE,
        name: `loss ${s.label} p=${pct} CUBIC/Mathis`,
        value: (100 * cubic) / model,
        unit: "% of model",
        note: `CUBIC ${(cubic / 1e6).toFixed(2)} Mbit/s = ${(cubic / reno).toFixed(2)}x NewReno`,
      });
    }
  }
  return figures;
}

function fairness(): Figure {
  const n = 100;
  const bandwidth = 100e6;
  const net = dumbbell({ bandwidth, rtt: ms(50), seed: 3 });
  // Starts spread over the first second, so the flows do not leave slow start in lockstep.
  const flows = bulkFlows(net, n, BIG_BUFFERS, (i) => ms(i * 10));
  const g = goodputs(net, flows, sec(20), sec(80));
  const sum = g.reduce((a, b) => a + b, 0);
  const squares = g.reduce((a, b) => a + b * b, 0);
  const jain = (sum * sum) / (n * squares);
  return {
    suite: SUITE,
    name: "fairness, 100 flows on 100 Mbit/s 50 ms",
    value: jain,
    unit: "Jain index",
    target: 0.9,
    note: `J = ${jain.toFixed(4)}; total ${(sum / 1e6).toFixed(1)} Mbit/s; per flow ${(Math.min(...g) / 1e6).toFixed(2)}..${(Math.max(...g) / 1e6).toFixed(2)} Mbit/s, 20 s to 80 s`,
  };
}

const SPEED_BYTES = 100_000_000;

/** 100 MB over two 100 Mbit/s, 10 ms hops with NewReno; wall seconds and completion time. */
function wirelabBulk(): { wall: number; simulated: number } {
  const net = new Network({ seed: 1 });
  net.addHost("s");
  net.addRouter("r");
  net.addHost("d");
  const link = { bandwidth: 100e6, delay: ms(10) };
  net.connect("s", "r", { ...link, addresses: ["10.0.1.1/24", "10.0.1.2/24"] });
  net.connect("r", "d", { ...link, addresses: ["10.0.2.1/24", "10.0.2.2/24"] });
  installGlobalRoutes(net);
  let received = 0;
  let doneAt = -1;
  const l = tcp(net.node("d")).listen(PORT, undefined, { congestion: newReno }, (c) => {
    c.onData((d) => {
      received += d.length;
      if (received >= SPEED_BYTES) {
        doneAt = net.sim.now;
        net.sim.stop();
      }
    });
  });
  if (l instanceof TransportError) throw new Error(l.message);
  const c = tcp(net.node("s")).connect(
    { address: "10.0.2.2", port: PORT },
    { congestion: newReno },
  );
  if (c instanceof TransportError) throw new Error(c.message);
  let written = 0;
  const pump = () => {
    while (written < SPEED_BYTES) {
      const k = c.write(FILLER.subarray(0, Math.min(FILLER.length, SPEED_BYTES - written)));
      written += k;
      if (k === 0) return;
    }
  };
  c.onConnect(pump);
  c.onDrain(pump);
  const t0 = performance.now();
  net.sim.run();
  const wall = (performance.now() - t0) / 1000;
  if (doneAt < 0) throw new Error(`speed run stalled at ${received} bytes`);
  return { wall, simulated: doneAt / NS_PER_S };
}

async function speed(): Promise<Figure[]> {
  let best = { wall: Number.POSITIVE_INFINITY, simulated: 0 };
  for (let r = 0; r < 3; r++) {
    const run = wirelabBulk();
    if (run.wall < best.wall) best = run;
  }
  const ns3 = await ns3Bulk(SPEED_BYTES);
  const mine: Figure = {
    suite: SUITE,
    name: "100 MB bulk, 2 hops 100 Mbit/s, wall",
    value: best.wall,
    unit: "s",
    lowerIsBetter: true,
    note: `finished at ${best.simulated.toFixed(2)} s simulated; best of 3`,
  };
  if (ns3 === undefined) {
    mine.note += "; ns-3 comparison skipped (libns3-dev not installed)";
    return [mine];
  }
  mine.target = ns3.wall;
  mine.note += `; target is ns-3's wall time`;
  return [
    mine,
    {
      suite: SUITE,
      name: "100 MB bulk, 2 hops 100 Mbit/s, ns-3 wall",
      value: ns3.wall,
      unit: "s",
      lowerIsBetter: true,
      note: `ns-3.37 TcpNewReno, finished at ${ns3.simulated.toFixed(2)} s simulated; best of 3`,
    },
    {
      suite: SUITE,
      name: "100 MB bulk, wirelab / ns-3 wall time",
      value: best.wall / ns3.wall,
      unit: "x",
      target: 1,
      lowerIsBetter: true,
      note: `wirelab takes ${(best.wall / ns3.wall).toFixed(3)}x ns-3's wall time`,
    },
  ];
}

export const tcpSuite: Suite = {
  name: SUITE,
  description:
    "bulk TCP: utilization, goodput under loss vs the Mathis model, 100-flow fairness, speed vs ns-3",
  async run() {
    return [utilization(), ...lossResponse(), fairness(), ...(await speed())];
  },
};
