import { describe, expect, it } from "vitest";
import { ms } from "../sim/time.js";
import { formatIpv4, parseIpv4Address } from "../wire/address.js";
import type { Icmpv4Record } from "../wire/icmpv4.js";
import { installGlobalRoutes } from "./global-routing.js";
import { Network } from "./network.js";
import type { PacketEvent } from "./packet-events.js";

const ip = (s: string) => parseIpv4Address(s) as number;

/** h1 -- r1 -- r2 -- r3 -- h2, /30 subnets, 5 ms per hop. */
function chain(): Network {
  const net = new Network({ seed: 7 });
  for (const h of ["h1", "h2"]) net.addHost(h);
  for (const r of ["r1", "r2", "r3"]) net.addRouter(r);
  net.connect("h1", "r1", { delay: ms(5), addresses: ["10.0.1.1/30", "10.0.1.2/30"] });
  net.connect("r1", "r2", { delay: ms(5), addresses: ["10.0.2.1/30", "10.0.2.2/30"] });
  net.connect("r2", "r3", { delay: ms(5), addresses: ["10.0.3.1/30", "10.0.3.2/30"] });
  net.connect("r3", "h2", { delay: ms(5), addresses: ["10.0.4.1/30", "10.0.4.2/30"] });
  installGlobalRoutes(net);
  return net;
}

function collect(net: Network, node: string): { msg: Icmpv4Record; from: string; at: number }[] {
  const got: { msg: Icmpv4Record; from: string; at: number }[] = [];
  net
    .node(node)
    .ipv4.onIcmp((msg, d) => got.push({ msg, from: formatIpv4(d.src), at: net.sim.now }));
  return got;
}

describe("IPv4 forwarding", () => {
  it("forwards an echo request over four hops and the reply comes back after 2 x 20 ms", () => {
    const net = chain();
    const got = collect(net, "h1");
    const h1 = net.node("h1");
    const data = new TextEncoder().encode("ping!");
    expect(
      h1.ipv4.sendIcmp(ip("10.0.4.2"), {
        type: "echo-request",
        checksum: 0,
        identifier: 7,
        sequence: 1,
        data,
      }),
    ).toBe("sent");
    net.sim.run();
    expect(got).toHaveLength(1);
    expect(got[0]!.from).toBe("10.0.4.2");
    expect(got[0]!.msg).toMatchObject({ type: "echo-reply", identifier: 7, sequence: 1 });
    // 4 links x 5 ms each way, plus serialization of 33 bytes at 1 Gbit/s (264 ns) per link.
    expect(got[0]!.at).toBe(2 * 4 * (ms(5) + 264));
  });

  it("sends time exceeded from the router where the TTL runs out", () => {
    const net = chain();
    const got = collect(net, "h1");
    const data = new Uint8Array(8);
    net
      .node("h1")
      .ipv4.sendIcmp(
        ip("10.0.4.2"),
        { type: "echo-request", checksum: 0, identifier: 1, sequence: 1, data },
        { ttl: 2 },
      );
    net.sim.run();
    expect(got.map((g) => [g.from, g.msg.type])).toEqual([["10.0.2.2", "time-exceeded"]]);
  });

  it("answers an unroutable destination with net unreachable, and a UDP datagram to a closed port with port unreachable", () => {
    const net = chain();
    const got = collect(net, "h1");
    expect(
      net.node("h1").ipv4.sendIcmp(ip("192.0.2.9"), {
        type: "echo-request",
        checksum: 0,
        identifier: 1,
        sequence: 1,
        data: new Uint8Array(0),
      }),
    ).toBe("no-route");
    net.route("h1", "0.0.0.0/0", "10.0.1.2");
    net.node("h1").ipv4.sendIcmp(ip("192.0.2.9"), {
      type: "echo-request",
      checksum: 0,
      identifier: 1,
      sequence: 1,
      data: new Uint8Array(0),
    });
    net.node("h1").ipv4.send({ dst: ip("10.0.4.2"), protocol: 17, payload: new Uint8Array(12) });
    net.sim.run();
    expect(got.map((g) => [g.from, g.msg.type, (g.msg as { code: number }).code])).toEqual([
      ["10.0.1.2", "destination-unreachable", 0],
      ["10.0.4.2", "destination-unreachable", 3],
    ]);
  });

  it("traces every hop and drops when a link goes down", () => {
    const net = chain();
    const events: PacketEvent[] = [];
    net.events.subscribe((e) => events.push(e));
    net.setLinkUp("r2-r3", false);
    net.node("h1").ipv4.sendIcmp(ip("10.0.4.2"), {
      type: "echo-request",
      checksum: 0,
      identifier: 1,
      sequence: 1,
      data: new Uint8Array(0),
    });
    net.sim.run();
    const drops = events.filter((e) => e.kind === "drop");
    expect(drops.map((e) => [e.node, e.reason])).toEqual([["r2", "link-down"]]);
    expect(events.filter((e) => e.kind === "forward").map((e) => e.node)).toEqual(["r1", "r1"]);
    expect(net.faults.log.map((l) => l.action)).toEqual(["link-down"]);
  });
});
