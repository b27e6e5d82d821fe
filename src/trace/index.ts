// The browser-safe part of trace; pcap-file.ts (node:fs) is exported from "wirelab/node".
export * from "./capture.js";
export * from "./pcap.js";
export * from "./pcapng.js";
export * from "./summary.js";
