import { describe, expect, it } from "vitest";
import { installGlobalRoutes } from "../../net/global-routing.js";
import { Network } from "../../net/network.js";
import { ms } from "../../sim/time.js";
import { ping } from "./ping.js";
import { traceroute } from "./traceroute.js";

/** h1 -- r1 -- r2 -- r3 -- h2, 5 ms per link, 100 Mbit/s. */
function chain(opts: { loss?: number } = {}): Network {
  const net = new Network({ seed: 11 });
  net.addHost("h1");
  net.addHost("h2");
  for (const r of ["r1", "r2", "r3"]) net.addRouter(r);
  const link = { delay: ms(5), bandwidth: 100e6 };
  net.connect("h1", "r1", { ...link, addresses: ["10.0.1.1/30", "10.0.1.2/30"] });
  net.connect("r1", "r2", {
    ...link,
    addresses: ["10.0.2.1/30", "10.0.2.2/30"],
    impairments: { loss: opts.loss ?? 0 },
  });
  net.connect("r2", "r3", { ...link, addresses: ["10.0.3.1/30", "10.0.3.2/30"] });
  net.connect("r3", "h2", { ...link, addresses: ["10.0.4.1/30", "10.0.4.2/30"] });
  installGlobalRoutes(net);
  return net;
}

describe("ping", () => {
  it("prints replies and statistics shaped like iputils ping", () => {
    const net = chain();
    const run = ping(net.node("h1"), "10.0.4.2", { count: 3 });
    net.sim.run();
    expect(run.finished).toBe(true);
    // 84-byte datagrams: 6.72 us serialization per link at 100 Mbit/s, 8 link crossings.
    expect(run.text).toBe(
      [
        "PING 10.0.4.2 (10.0.4.2) 56(84) bytes of data.",
        "64 bytes from 10.0.4.2: icmp_seq=1 ttl=61 time=40.1 ms",
        "64 bytes from 10.0.4.2: icmp_seq=2 ttl=61 time=40.1 ms",
        "64 bytes from 10.0.4.2: icmp_seq=3 ttl=61 time=40.1 ms",
        "",
        "--- 10.0.4.2 ping statistics ---",
        "3 packets transmitted, 3 received, 0% packet loss, time 2000ms",
        "rtt min/avg/max/mdev = 40.054/40.054/40.054/0.000 ms",
        "",
      ].join("\n"),
    );
  });

  it("cannot start without a route, and keeps going when the route goes away mid-run", () => {
    const net = new Network({ seed: 11 });
    net.addHost("lonely");
    const none = ping(net.node("lonely"), "192.0.2.1", { count: 3 });
    net.sim.run();
    // As iputils: the connect() probe fails, so neither header nor statistics are printed.
    expect(none.text).toBe("ping: connect: Network is unreachable\n");
    expect(none.unreachable).toBe(true);
    expect(none.stats.transmitted).toBe(0);

    const chained = chain();
    const h1 = chained.node("h1");
    const run = ping(h1, "10.0.4.2", { count: 3 });
    // After the first reply, h1 loses every route that leads to h2.
    chained.sim.at(ms(500), () => {
      for (const r of h1.routes.routes4()) {
        if (r.prefix.contains(0x0a000402)) h1.routes.remove4(r.prefix);
      }
    });
    chained.sim.run();
    expect(run.unreachable).toBe(false);
    expect(run.output.slice(1, 4)).toEqual([
      "64 bytes from 10.0.4.2: icmp_seq=1 ttl=61 time=40.1 ms",
      "ping: sendmsg: Network is unreachable",
      "ping: sendmsg: Network is unreachable",
    ]);
    expect(run.output).toContain(
      "3 packets transmitted, 1 received, +2 errors, 66.6667% packet loss, time 2000ms",
    );
  });

  it("counts losses on a lossy link and reports errors from routers", () => {
    const net = chain({ loss: 0.3 });
    const run = ping(net.node("h1"), "10.0.4.2", { count: 50, interval: ms(100) });
    net.sim.run();
    // Two crossings of the lossy link: about 1 - 0.7^2 = 51% lost.
    expect(run.stats.transmitted).toBe(50);
    expect(run.stats.received).toBeGreaterThan(12);
    expect(run.stats.received).toBeLessThan(38);
    expect(run.output.at(-2)).toMatch(
      /^50 packets transmitted, \d+ received, \d+% packet loss, time 4900ms$/,
    );

    const net2 = chain();
    const ttl = ping(net2.node("h1"), "10.0.4.2", { count: 1, ttl: 2 });
    net2.sim.run();
    expect(ttl.output[1]).toBe("From 10.0.2.2 icmp_seq=1 Time to live exceeded");
    expect(ttl.output).toContain(
      "1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms",
    );
  });
});

describe("traceroute", () => {
  it("lists each hop with three RTTs and stops at the destination", () => {
    const net = chain();
    const run = traceroute(net.node("h1"), "10.0.4.2");
    net.sim.run();
    expect(run.reached).toBe(true);
    expect(run.text).toBe(
      [
        "traceroute to 10.0.4.2 (10.0.4.2), 30 hops max, 60 byte packets",
        // Hop 1: 5 ms each way, 60-byte probe (4.80 us) and 88-byte answer (7.04 us) at 100 Mbit/s.
        " 1  10.0.1.2  10.012 ms  10.012 ms  10.012 ms",
        " 2  10.0.2.2  20.024 ms  20.024 ms  20.024 ms",
        " 3  10.0.3.2  30.036 ms  30.036 ms  30.036 ms",
        " 4  10.0.4.2  40.047 ms  40.047 ms  40.047 ms",
        "",
      ].join("\n"),
    );
  });

  it("marks unreachable answers and prints * for probes that get no answer", () => {
    const net = chain();
    net.setLinkUp("r2-r3", false);
    const run = traceroute(net.node("h1"), "10.0.4.2", { maxHops: 4, wait: ms(500) });
    net.sim.run();
    expect(run.reached).toBe(false);
    // r2 answers TTL 2 with time exceeded, then TTL 3 with host unreachable: traceroute stops.
    expect(run.output.slice(1)).toEqual([
      " 1  10.0.1.2  10.012 ms  10.012 ms  10.012 ms",
      " 2  10.0.2.2  20.024 ms  20.024 ms  20.024 ms",
      " 3  10.0.2.2  20.024 ms !H  20.024 ms !H  20.024 ms !H",
    ]);
    // A router that drops silently (a partition) gives stars.
    const net2 = chain();
    net2.partition(["h1"], ["r3", "h2"]);
    const run2 = traceroute(net2.node("h1"), "10.0.4.2", { maxHops: 4, wait: ms(500) });
    net2.sim.run();
    expect(run2.output.slice(3)).toEqual([" 3  * * *", " 4  * * *"]);
    expect(net2.faults.active[0]!.dropped).toBeGreaterThan(0);
  });
});

describe("ping on a duplicating link", () => {
  it("marks second replies (DUP!) and counts them apart, as iputils does", () => {
    const net = new Network({ seed: 3 });
    net.addHost("a");
    net.addHost("b");
    net.connect("a", "b", {
      delay: ms(1),
      addresses: ["10.9.0.1/24", "10.9.0.2/24"],
      impairments: { duplicate: 1 },
    });
    const run = ping(net.node("a"), "10.9.0.2", { count: 2 });
    net.sim.run();
    // Request and reply are each duplicated: four replies per request, three of them DUP!.
    expect(run.output.filter((l) => l.includes("icmp_seq=1"))).toHaveLength(4);
    expect(run.output.filter((l) => l.endsWith("(DUP!)"))).toHaveLength(6);
    expect(run.stats).toMatchObject({ received: 2, duplicates: 6 });
    expect(run.output).toContain(
      "2 packets transmitted, 2 received, +6 duplicates, 0% packet loss, time 1000ms",
    );
  });
});
