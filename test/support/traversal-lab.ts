/**
 * Two peers, each behind its own NAT of a chosen type (or none), and a rendezvous server on
 * the public side: alice 192.168.1.2 behind natA (203.0.113.2), bob 192.168.2.2 behind natB
 * (203.0.114.2), server 198.51.100.10, all joined by router "isp". Without a NAT a peer sits
 * on the public subnet itself (203.0.113.10 / 203.0.114.10). Static routes only.
 */
import { NAT_TYPES, Nat, type NatType } from "../../src/net/nat/index.js";
import { Network } from "../../src/net/network.js";
import type { Node } from "../../src/net/node.js";
import { ms } from "../../src/sim/time.js";

export type LabNatType = NatType | "none";
export const LAB_NAT_TYPES: LabNatType[] = [
  "none",
  "full-cone",
  "address-restricted",
  "port-restricted",
  "symmetric",
];
export const SERVER = "198.51.100.10";

export interface TraversalLab {
  net: Network;
  alice: Node;
  bob: Node;
  server: Node;
  nats: Nat[];
}

export function traversalLab(a: LabNatType, b: LabNatType, seed = 3): TraversalLab {
  const net = new Network({ seed });
  net.addRouter("isp");
  const server = net.addHost("server");
  net.connect("isp", "server", { delay: ms(5), addresses: ["198.51.100.1/24", `${SERVER}/24`] });
  net.route("server", "0.0.0.0/0", "198.51.100.1");
  const nats: Nat[] = [];
  const side = (name: string, type: LabNatType, net3: number, privateNet: number): Node => {
    const host = net.addHost(name);
    const isp = `203.0.${net3}.1`;
    if (type === "none") {
      net.connect(name, "isp", { delay: ms(5), addresses: [`203.0.${net3}.10/24`, `${isp}/24`] });
      net.route(name, "0.0.0.0/0", isp);
      return host;
    }
    const r = net.addRouter(`nat-${name}`);
    net.connect(host, r, {
      delay: ms(1),
      addresses: [`192.168.${privateNet}.2/24`, `192.168.${privateNet}.1/24`],
      ifnames: ["eth0", "inside"],
    });
    net.connect(r, "isp", {
      delay: ms(5),
      addresses: [`203.0.${net3}.2/24`, `${isp}/24`],
      ifnames: ["outside", `to-${name}`],
    });
    net.route(name, "0.0.0.0/0", `192.168.${privateNet}.1`);
    net.route(r, "0.0.0.0/0", isp);
    nats.push(new Nat(r, { inside: "inside", outside: "outside", ...NAT_TYPES[type] }));
    return host;
  };
  const alice = side("alice", a, 113, 1);
  const bob = side("bob", b, 114, 2);
  return { net, alice, bob, server, nats };
}
