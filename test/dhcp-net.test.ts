/**
 * What a DHCP client needs from the layers below: sending out of an interface that has no IPv4
 * address yet (source 0.0.0.0, RFC 1122 §3.2.1.3), Ethernet broadcast for 255.255.255.255 with no
 * ARP, receiving limited broadcasts before any address is configured, and adding and removing an
 * address at run time with its connected route.
 */
import { describe, expect, it } from "vitest";
import { addIpv4Address, removeIpv4Address } from "../src/net/address-config.js";
import { Network } from "../src/net/network.js";
import type { PacketEvent } from "../src/net/packet-events.js";
import { ms } from "../src/sim/time.js";
import { TransportError } from "../src/transport/errors.js";
import { type UdpMessage, type UdpSocket, udp } from "../src/transport/udp.js";
import { parseIpv4Address } from "../src/wire/address.js";
import { ETHERTYPE_ARP, parseEthernet } from "../src/wire/ethernet.js";
import { parseIpv4 } from "../src/wire/ipv4.js";
import { MAC_BROADCAST } from "../src/wire/mac.js";
import { ParseError } from "../src/wire/parse-error.js";

const v4 = (s: string) => parseIpv4Address(s) as number;

function bind(s: UdpSocket | TransportError): UdpSocket {
  if (s instanceof TransportError) throw new Error(s.message);
  return s;
}

/** c (no address) and srv (10.0.0.1/24) on switch s1. */
function lan() {
  const net = new Network({ seed: 3 });
  net.addSwitch("s1");
  const c = net.addHost("c");
  const srv = net.addHost("srv");
  net.connect("c", "s1", { delay: ms(1) });
  net.connect("srv", "s1", { delay: ms(1), addresses: ["10.0.0.1/24", []] });
  const frames: PacketEvent[] = [];
  net.events.subscribe((e) => {
    // Frames as the hosts put them on their cables (the switch forwards copies).
    if (e.kind === "transmit" && e.framing === "ethernet" && e.node !== "s1") frames.push(e);
  });
  return { net, c, srv, frames };
}

describe("an interface with no IPv4 address on a switched LAN", () => {
  it("broadcasts from 0.0.0.0 without ARP and receives the broadcast answer", () => {
    const { net, c, srv, frames } = lan();
    const got: UdpMessage[] = [];
    const heard: UdpMessage[] = [];
    const server = bind(udp(srv).bind(67));
    server.onMessage((m) => {
      got.push(m);
      server.send(new Uint8Array([9]), 68, "255.255.255.255", { iface: srv.interfaces[0]! });
    });
    const client = bind(udp(c).bind(68));
    client.onMessage((m) => heard.push(m));
    expect(c.interfaces[0]!.ipv4).toBeUndefined();
    const err = client.send(new Uint8Array([1]), 67, "255.255.255.255", {
      iface: c.interfaces[0]!,
    });
    expect(err).toBeUndefined();
    net.sim.run();
    expect(got).toHaveLength(1);
    expect(got[0]!.from).toEqual({ address: "0.0.0.0", port: 68 });
    expect(got[0]!.to.address).toBe("255.255.255.255");
    expect(heard).toHaveLength(1);
    expect(heard[0]!.from.address).toBe("10.0.0.1");
    expect(heard[0]!.datagram).toBeDefined();
    // Two frames, both to ff:ff:ff:ff:ff:ff, neither of them ARP.
    const parsed = frames.map((f) => parseEthernet(f.packet));
    expect(parsed).toHaveLength(2);
    for (const f of parsed) {
      if (f instanceof ParseError) throw new Error(f.message);
      expect(f.dst).toBe(MAC_BROADCAST);
      expect(f.etherType).not.toBe(ETHERTYPE_ARP);
    }
    const ip = parseIpv4((parsed[0] as { payload: Uint8Array }).payload);
    expect(ip).toMatchObject({ src: 0, dst: 0xffffffff });
  });

  it("has no source for anything but a limited broadcast", () => {
    const { c } = lan();
    const client = bind(udp(c).bind(68));
    const err = client.send(new Uint8Array([1]), 67, "10.0.0.1", { iface: c.interfaces[0]! });
    expect(err?.code).toBe("ENETUNREACH");
  });

  it("adds and removes an address at run time with its connected route and owner", () => {
    const { net, c } = lan();
    const eth = c.interfaces[0]!;
    expect(addIpv4Address(eth, v4("10.0.0.7"), 24)).toBe(true);
    expect(addIpv4Address(eth, v4("10.0.0.7"), 24)).toBe(false);
    expect(c.routes.format4()).toEqual(["10.0.0.0/24 dev eth0 proto connected metric 0"]);
    expect(c.ipv4.isLocal(v4("10.0.0.7"))).toBe(true);
    expect(net.ownerOf4(v4("10.0.0.7"))).toBe(c);
    expect(removeIpv4Address(eth, v4("10.0.0.7"))).toBe(true);
    expect(removeIpv4Address(eth, v4("10.0.0.7"))).toBe(false);
    expect(c.routes.format4()).toEqual([]);
    expect(c.ipv4.isLocal(v4("10.0.0.7"))).toBe(false);
    expect(net.ownerOf4(v4("10.0.0.7"))).toBeUndefined();
    expect(eth.ipv4).toBeUndefined();
  });
});
