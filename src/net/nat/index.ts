/** Network address and port translation (RFC 3022) with RFC 4787 / 5382 / 5508 behaviours. */
export * from "./nat.js";
export * from "./nat-config.js";
export * from "./nat-rewrite.js";
export * from "./nat-table.js";
