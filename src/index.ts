/**
 * wirelab: the Internet's protocols in a deterministic simulated internet. This entry point is
 * the engine and runs anywhere (Node or a browser); Node-only helpers live in "wirelab/node".
 */
export * from "./apps/index.js";
export * from "./net/index.js";
export * from "./sim/index.js";
export * from "./socket/index.js";
export * from "./trace/index.js";
export * from "./transport/index.js";
export * from "./wire/index.js";
