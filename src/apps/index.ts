export * from "./dns/index.js";
export * from "./heartbeat/index.js";
export * from "./http/index.js";
export * from "./p2p/index.js";
export * from "./rip/rip.js";
export * from "./rpc/index.js";
export * from "./tools/ping.js";
export * from "./tools/traceroute.js";
