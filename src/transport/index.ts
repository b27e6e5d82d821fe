export * from "./errors.js";
export * from "./ports.js";
export * from "./tcp/index.js";
export * from "./udp.js";
