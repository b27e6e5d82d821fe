export * from "./http/index.js";
export * from "./rip/rip.js";
export * from "./tools/ping.js";
export * from "./tools/traceroute.js";
