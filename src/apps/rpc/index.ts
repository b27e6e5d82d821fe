/**
 * JSON messages on byte streams: framing (length-prefixed or JSON Lines), the RPC envelope,
 * request/response correlation over any duplex channel, and an in-memory channel for tests.
 */
export * from "./correlation.js";
export * from "./envelope.js";
export * from "./framing.js";
export * from "./memory-channel.js";
