/**
 * A supernode overlay on a real simulated LAN: supernodes sn1..snS and peers p1..pN as hosts on
 * one Ethernet switch (10.0.0.0/24, 1 ms links), each running the overlay over JSON-in-UDP on
 * port 4000, each peer with a replicated store. Used by tests and as a worked example.
 */
import { Network } from "../../net/network.js";
import { NS_PER_MS } from "../../sim/time.js";
import { OverlayPeer } from "./overlay-peer.js";
import { ReplicatedStore } from "./storage.js";
import { Supernode } from "./supernode.js";
import { UdpOverlayTransport } from "./udp-transport.js";

/** Options of the example. */
export interface SupernodeExampleOptions {
  seed?: number;
  supernodes?: number;
  peers?: number;
  /** Copies per stored item (default 3). */
  k?: number;
  /** Loss on every link (default 0). */
  loss?: number;
  /** Names of peers behind a NAT (not directly reachable). */
  natted?: readonly string[];
}

/** The built example: run `net.sim`, crash hosts, call peers. */
export interface SupernodeExample {
  net: Network;
  supernodes: Supernode[];
  peers: OverlayPeer[];
  stores: ReplicatedStore[];
  /** The peer named `name`. */
  peer(name: string): OverlayPeer;
  store(name: string): ReplicatedStore;
}

/** The overlay's UDP port. */
export const OVERLAY_PORT = 4000;

/**
 * Builds the LAN and starts every process; peer pI logs in at I x 10 ms to supernode
 * ((I-1) mod S) + 1, so logins spread over the supernodes.
 */
export function supernodeExample(options: SupernodeExampleOptions = {}): SupernodeExample {
  const s = options.supernodes ?? 2;
  const n = options.peers ?? 8;
  if (s < 1 || n < 1 || s + n > 250) throw new RangeError("need 1..250 hosts in all");
  const net = new Network({ seed: options.seed ?? 1 });
  net.addSwitch("lan");
  const link = { delay: NS_PER_MS, bandwidth: 100e6, impairments: { loss: options.loss ?? 0 } };
  const ip = (i: number) => `10.0.0.${i}`;
  const snNames = Array.from({ length: s }, (_, i) => `sn${i + 1}`);
  const peerNames = Array.from({ length: n }, (_, i) => `p${i + 1}`);
  [...snNames, ...peerNames].forEach((name, i) => {
    net.addHost(name);
    net.connect(name, "lan", { ...link, addresses: [`${ip(i + 1)}/24`, []] });
  });
  const snAddresses = snNames.map((_, i) => `${ip(i + 1)}:${OVERLAY_PORT}`);
  const supernodes = snNames.map((name, i) => {
    const t = new UdpOverlayTransport(net.node(name), net.sim, ip(i + 1), OVERLAY_PORT);
    return new Supernode(t, { others: snAddresses.filter((_, j) => j !== i) });
  });
  const natted = new Set(options.natted ?? []);
  const peers: OverlayPeer[] = [];
  const stores: ReplicatedStore[] = [];
  peerNames.forEach((name, i) => {
    const t = new UdpOverlayTransport(net.node(name), net.sim, ip(s + i + 1), OVERLAY_PORT);
    const p = new OverlayPeer(t, name, {
      supernodes: snAddresses,
      first: i % s,
      direct: !natted.has(name),
    });
    peers.push(p);
    stores.push(new ReplicatedStore(p, { k: options.k ?? 3 }));
    // The example's script (not a program on the host) starts the peers at true instants.
    net.sim.at((i + 1) * 10 * NS_PER_MS, () => p.login());
  });
  const find = <T>(list: T[], name: string): T => {
    const i = peerNames.indexOf(name);
    if (i < 0) throw new Error(`no peer "${name}"`);
    return list[i]!;
  };
  return {
    net,
    supernodes,
    peers,
    stores,
    peer: (name) => find(peers, name),
    store: (name) => find(stores, name),
  };
}
