/**
 * HTTP/1.1 for wirelab: messages and their serializers, an incremental parser with smuggling
 * defences and limits, and URLs. Transport-independent: servers and clients feed it bytes.
 */

export * from "./client.js";
export * from "./content-type.js";
export * from "./curl.js";
export * from "./date.js";
export * from "./headers.js";
export * from "./http-error.js";
export * from "./limits.js";
export * from "./message.js";
export * from "./parse-all.js";
export * from "./parser.js";
export * from "./server.js";
export * from "./status.js";
export * from "./url.js";
export * from "./what-is-my-address.js";
