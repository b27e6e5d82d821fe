/**
 * Network-layer figures: packets forwarded per wall-clock second through a chain of ten routers
 * (each hop: checksum check, longest-prefix match, TTL decrement with RFC 1624 update, a link
 * with serialization and propagation), and RIP convergence times in simulated seconds.
 */
import { startRip } from "../src/apps/rip/rip.js";
import { installGlobalRoutes } from "../src/net/global-routing.js";
import { Network } from "../src/net/network.js";
import { ms, NS_PER_S, sec, us } from "../src/sim/time.js";
import { parseIpv4Address } from "../src/wire/address.js";
import type { Figure, Suite } from "./harness.js";

function forwardingRate(packets: number): { perSecond: number; forwarded: number } {
  const net = new Network({ seed: 1 });
  net.addHost("src");
  net.addHost("dst");
  const routers = Array.from({ length: 10 }, (_, i) => net.addRouter(`r${i + 1}`));
  const link = { delay: us(100), bandwidth: 10e9, queue: { packets: 100_000 } };
  net.connect("src", routers[0]!, { ...link, addresses: ["10.0.0.1/24", "10.0.0.254/24"] });
  for (let i = 0; i < 9; i++) {
    net.connect(routers[i]!, routers[i + 1]!, {
      ...link,
      addresses: [`10.1.${i}.1/30`, `10.1.${i}.2/30`],
    });
  }
  net.connect(routers[9]!, "dst", { ...link, addresses: ["10.2.0.254/24", "10.2.0.1/24"] });
  installGlobalRoutes(net);
  const dst = parseIpv4Address("10.2.0.1") as number;
  const payload = new Uint8Array(1000);
  let received = 0;
  net.node("dst").ipv4.register(17, () => received++);
  const src = net.node("src");
  // One packet per microsecond of virtual time keeps every link busy but the queues short.
  for (let i = 0; i < packets; i++) {
    net.sim.at(i * 1000, () => src.ipv4.send({ dst, protocol: 17, payload }));
  }
  const t0 = performance.now();
  net.sim.run();
  const seconds = (performance.now() - t0) / 1000;
  if (received !== packets)
    throw new Error(`forwarding bench lost packets: ${received}/${packets}`);
  return { perSecond: (packets * 10) / seconds, forwarded: packets * 10 };
}

/** RIP on a five-router ring: start-up convergence and re-convergence after a link failure. */
function ripConvergence(): { startup: number; afterFailure: number; afterSilentFailure: number } {
  const build = () => {
    const net = new Network({ seed: 99 });
    for (let i = 1; i <= 5; i++) net.addRouter(`r${i}`);
    for (let i = 1; i <= 5; i++) {
      net.connect(`r${i}`, `r${(i % 5) + 1}`, {
        delay: ms(2),
        addresses: [`10.0.${i}.1/24`, `10.0.${i}.2/24`],
      });
    }
    const rip = startRip(net.nodes);
    const last = () => Math.max(...rip.map((d) => d.stats.lastChange));
    return { net, last };
  };
  const a = build();
  a.net.sim.runUntil(sec(60));
  const startup = a.last() / NS_PER_S;
  a.net.setLinkUp("r2-r3", false);
  a.net.sim.runUntil(sec(300));
  const afterFailure = (a.last() - sec(60)) / NS_PER_S;
  const b = build();
  b.net.sim.runUntil(sec(60));
  b.net.partition(["r2"], ["r3"]);
  b.net.sim.runUntil(sec(700));
  const afterSilentFailure = (b.last() - sec(60)) / NS_PER_S;
  return { startup, afterFailure, afterSilentFailure };
}

export const netSuite: Suite = {
  name: "net",
  description: "forwarding through 10 routers; RIP convergence (simulated time)",
  run() {
    let best = 0;
    for (let r = 0; r < 3; r++) best = Math.max(best, forwardingRate(50_000).perSecond);
    const rip = ripConvergence();
    const figures: Figure[] = [
      {
        suite: "net",
        name: "packets forwarded/s, 10-router chain",
        value: best,
        unit: "pkt/s",
        note: "1000-byte UDP datagrams, each forwarded by 10 routers; counted per forwarding",
      },
      {
        suite: "net",
        name: "RIP start-up convergence, 5-router ring",
        value: rip.startup,
        unit: "s simulated",
      },
      {
        suite: "net",
        name: "RIP re-convergence, link down",
        value: rip.afterFailure,
        unit: "s simulated",
        note: "carrier loss; the detour waits for a neighbour's periodic update (<= 30 s)",
      },
      {
        suite: "net",
        name: "RIP re-convergence, silent failure",
        value: rip.afterSilentFailure,
        unit: "s simulated",
        note: "no carrier loss: detected by the 180 s route timeout",
      },
    ];
    return figures;
  },
};
