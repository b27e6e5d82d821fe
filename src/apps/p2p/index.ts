/**
 * Peer-to-peer: a Skype-like overlay with supernodes (login, directory, lookup, hop-by-hop
 * relay, keepalives), replicated storage with repair, a Kademlia DHT, and a client/server
 * against swarming comparison; protocols run over real UDP or an in-simulator message bus.
 */
export * from "./dht-measure.js";
export * from "./example.js";
export * from "./file-distribution.js";
export * from "./ids.js";
export * from "./kademlia.js";
export * from "./lookup.js";
export * from "./overlay-peer.js";
export * from "./peer-rpc.js";
export * from "./rendezvous-server.js";
export * from "./routing-table.js";
export * from "./storage.js";
export * from "./stun.js";
export * from "./supernode.js";
export * from "./swarm.js";
export * from "./transport.js";
export * from "./traversal-messages.js";
export * from "./traversal-peer.js";
export * from "./udp-transport.js";
