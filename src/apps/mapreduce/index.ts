/**
 * MapReduce word count over the simulated network: JSON RPC over TCP for tasks, heartbeats over
 * UDP for liveness, and the StreamSocket-to-ByteChannel adapter the RPC runs on.
 */
export * from "./channel.js";
export * from "./example.js";
export * from "./manager.js";
export * from "./wordcount.js";
export * from "./worker.js";
