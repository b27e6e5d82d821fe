/** Node-only helpers: writing captures to files. */
export * from "./trace/pcap-file.js";
