/**
 * A home network behind a NAT, for NAT tests: h1 and h2 on a LAN (192.168.1.0/24) behind router
 * "nat" (inside 192.168.1.1, outside 203.0.113.2), an ISP router "isp", and two servers s1
 * (198.51.100.10) and s2 (198.51.101.20). Only static routes: the ISP knows nothing of
 * 192.168.1.0/24, as on the real Internet.
 */
import { Nat, type NatBehaviourOptions } from "../../src/net/nat/index.js";
import { Network } from "../../src/net/network.js";
import type { Node } from "../../src/net/node.js";
import type { PacketEvent } from "../../src/net/packet-events.js";
import { ms, sec } from "../../src/sim/time.js";
import { type DatagramSocket, sockets } from "../../src/socket/index.js";
import { TransportError } from "../../src/transport/errors.js";
import type { UdpMessage } from "../../src/transport/udp.js";
import { emitIpv4, type Ipv4Record } from "../../src/wire/ipv4.js";

export const PUBLIC = "203.0.113.2";
export const S1 = "198.51.100.10";
export const S2 = "198.51.101.20";

export interface NatLab {
  net: Network;
  nat: Nat;
  h1: Node;
  h2: Node;
  s1: Node;
  s2: Node;
  /** Drop events, in order. */
  drops: PacketEvent[];
}

export function natLab(options: NatBehaviourOptions = {}, seed = 7): NatLab {
  const net = new Network({ seed });
  net.addSwitch("lan");
  const [h1, h2, s1, s2] = ["h1", "h2", "s1", "s2"].map((n) => net.addHost(n)) as [
    Node,
    Node,
    Node,
    Node,
  ];
  const router = net.addRouter("nat");
  net.addRouter("isp");
  const link = { delay: ms(1), bandwidth: 100e6 };
  net.connect("h1", "lan", { ...link, addresses: ["192.168.1.2/24", []] });
  net.connect("h2", "lan", { ...link, addresses: ["192.168.1.3/24", []] });
  net.connect("nat", "lan", {
    ...link,
    addresses: ["192.168.1.1/24", []],
    ifnames: ["inside", "x"],
  });
  net.connect("nat", "isp", {
    ...link,
    delay: ms(5),
    addresses: [`${PUBLIC}/24`, "203.0.113.1/24"],
    ifnames: ["outside", "eth0"],
  });
  net.connect("isp", "s1", { ...link, addresses: ["198.51.100.1/24", `${S1}/24`] });
  net.connect("isp", "s2", { ...link, addresses: ["198.51.101.1/24", `${S2}/24`] });
  for (const h of ["h1", "h2"]) net.route(h, "0.0.0.0/0", "192.168.1.1");
  net.route("nat", "0.0.0.0/0", "203.0.113.1");
  net.route("s1", "0.0.0.0/0", "198.51.100.1");
  net.route("s2", "0.0.0.0/0", "198.51.101.1");
  const nat = new Nat(router, { inside: "inside", outside: "outside", ...options });
  const drops: PacketEvent[] = [];
  net.events.subscribe((e) => {
    if (e.kind === "drop") drops.push(e);
  });
  return { net, nat, h1, h2, s1, s2, drops };
}

/** A UDP socket that records what it receives as "from-address:port text". */
export interface Udp {
  socket: DatagramSocket;
  got: string[];
  errors: string[];
  send(text: string, address: string, port: number): void;
}

export function udpOn(node: Node, port: number): Udp {
  const s = sockets(node).bind(port);
  if (s instanceof TransportError) throw new Error(s.message);
  const got: string[] = [];
  const errors: string[] = [];
  s.onMessage((m: UdpMessage) => {
    got.push(`${m.from.address}:${m.from.port} ${new TextDecoder().decode(m.data)}`);
  });
  s.onError((e) => errors.push(e.code));
  return {
    socket: s,
    got,
    errors,
    send(text, address, port) {
      const err = s.send(new TextEncoder().encode(text), { address, port });
      if (err) throw new Error(err.message);
    },
  };
}

/** h1:5000 has sent "open" to s1:7000 and a second has passed: the NAT holds that mapping. */
export function openUdpMapping(lab: NatLab): { h1: Udp; s: Udp } {
  const h1 = udpOn(lab.h1, 5000);
  const s = udpOn(lab.s1, 7000);
  h1.send("open", S1, 7000);
  lab.net.sim.runUntil(sec(1));
  return { h1, s };
}

/** The bytes of an IPv4 datagram, optionless, TTL 64; the rest as given. */
export function ipv4Datagram(
  r: Pick<Ipv4Record, "protocol" | "src" | "dst" | "payload"> & Partial<Ipv4Record>,
): Uint8Array {
  return emitIpv4({
    dscp: 0,
    ecn: 0,
    identification: 1,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    headerChecksum: 0,
    options: [],
    ...r,
  });
}
