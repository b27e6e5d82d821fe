/**
 * DNS for the simulated internet: zones (master files and a builder), authoritative servers, a
 * recursive resolver with its cache, the stub resolver applications call, and dig. Every
 * asynchronous call returns a DnsRequest or takes a callback, never a promise (see request.ts).
 */
export * from "./authoritative.js";
export * from "./bailiwick.js";
export * from "./cache.js";
export * from "./dig.js";
export * from "./example-internet.js";
export * from "./exchange.js";
export * from "./iterate.js";
export * from "./names.js";
export * from "./request.js";
export * from "./resolv-conf.js";
export * from "./resolver.js";
export * from "./server.js";
export * from "./stub.js";
export * from "./tcp.js";
export * from "./transport.js";
export * from "./types.js";
export * from "./zone.js";
export * from "./zone-builder.js";
export * from "./zone-text.js";
