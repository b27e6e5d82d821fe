/**
 * Heartbeats over UDP and failure detection: the heartbeat datagram, a sender, a monitor,
 * fixed-timeout and phi accrual detectors, and a GFS-like example built from them.
 */
export * from "./detector.js";
export * from "./gfs-example.js";
export * from "./message.js";
export * from "./monitor.js";
export * from "./phi-accrual.js";
export * from "./sender.js";
