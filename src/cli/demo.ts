/**
 * The built-in demo (`wirelab demo`): a small internet of two hosts and three routers with a
 * lossy link in the middle; it pings across it with every packet printed as it is put on a wire,
 * runs a traceroute, and writes the capture of every interface to a pcapng file.
 */
import { ping } from "../apps/tools/ping.js";
import { traceroute } from "../apps/tools/traceroute.js";
import { installGlobalRoutes } from "../net/global-routing.js";
import { Network } from "../net/network.js";
import { formatTime, ms } from "../sim/time.js";
import { NetworkCapture } from "../trace/capture.js";
import { summarizeFrame, summarizeIp } from "../trace/summary.js";

/** The default seed: one of the four pings is lost on the way, which is the point of the demo. */
export const DEMO_SEED = 2;

export interface DemoOptions {
  seed?: number;
  /** Saves the capture of every interface and returns where it went (nothing saved when unset). */
  write?: (capture: NetworkCapture) => string | undefined;
  out?: (line: string) => void;
}

/** Builds the demo network: h1 - r1 - r2 - r3 - h2, 5 ms links, 10% loss between r1 and r2. */
export function demoNetwork(seed = DEMO_SEED): Network {
  const net = new Network({ seed });
  net.addHost("h1");
  net.addHost("h2");
  for (const r of ["r1", "r2", "r3"]) net.addRouter(r);
  const link = { delay: ms(5), bandwidth: 100e6 };
  net.connect("h1", "r1", { ...link, addresses: ["10.0.1.1/24", "10.0.1.254/24"] });
  net.connect("r1", "r2", {
    ...link,
    addresses: ["10.0.2.1/30", "10.0.2.2/30"],
    impairments: { loss: 0.1 },
  });
  net.connect("r2", "r3", { ...link, addresses: ["10.0.3.1/30", "10.0.3.2/30"] });
  net.connect("r3", "h2", { ...link, addresses: ["10.0.4.254/24", "10.0.4.1/24"] });
  installGlobalRoutes(net);
  return net;
}

/** Runs the demo and returns the lines it printed. */
export function runDemo(options: DemoOptions = {}): string[] {
  const lines: string[] = [];
  const out = (l: string) => {
    lines.push(l);
    options.out?.(l);
  };
  const net = demoNetwork(options.seed ?? DEMO_SEED);
  // A capture copies every packet, so only take one when it will be saved.
  const capture = options.write !== undefined ? new NetworkCapture(net) : undefined;
  let transmitted = 0;
  let printing = true;
  net.events.subscribe((e) => {
    if (e.kind === "transmit") transmitted++;
    if (!printing) return;
    if (e.kind !== "transmit" && e.kind !== "drop") return;
    const what = e.framing === "ethernet" ? summarizeFrame(e.packet) : summarizeIp(e.packet);
    const where = `${e.node}:${e.iface ?? ""}`.padEnd(8);
    if (e.kind === "transmit") out(`${formatTime(e.time)}  ${where} > ${what}`);
    else out(`${formatTime(e.time)}  ${where} x DROPPED (${e.reason}): ${what}`);
  });
  out("wirelab demo: h1 -- r1 -- r2 -- r3 -- h2 (5 ms per link, 100 Mbit/s, 10% loss on r1-r2)");
  out("");
  out("$ ping -c 4 10.0.4.1   (every packet as it goes onto a wire)");
  const p = ping(net.node("h1"), "10.0.4.1", { count: 4 });
  net.sim.run();
  printing = false;
  out("");
  for (const l of p.output) out(l);
  out("");
  out("$ traceroute -n 10.0.4.1");
  const t = traceroute(net.node("h1"), "10.0.4.1", { wait: ms(500) });
  net.sim.run();
  for (const l of t.output) out(l);
  out("");
  capture?.stop();
  const file = capture !== undefined ? options.write?.(capture) : undefined;
  if (file) out(`capture of every interface written to ${file} (open it with Wireshark)`);
  out(
    `${net.sim.eventsExecuted} events simulated, ${transmitted} packets sent, virtual time ${formatTime(net.sim.now)} s`,
  );
  return lines;
}
