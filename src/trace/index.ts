// The browser-safe part of trace; pcap-file.ts (node:fs) is exported from "wirelab/node".
export * from "./capture.js";
export * from "./happened-before.js";
export * from "./html-report.js";
export * from "./pcap.js";
export * from "./pcapng.js";
export * from "./plot-svg.js";
export * from "./sequence.js";
export * from "./sequence-svg.js";
export * from "./sequence-text.js";
export * from "./summary.js";
export * from "./svg.js";
export * from "./tcp-plots.js";
