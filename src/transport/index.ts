export * from "./errors.js";
export * from "./ports.js";
export * from "./udp.js";
