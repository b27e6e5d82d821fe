/** Node-only parts: the Node-shaped socket facades and writing captures to files. */
export * from "./socket/node/dgram.js";
export * from "./socket/node/net.js";
export * from "./socket/node/pump.js";
export * from "./socket/node/test-ca.js";
export * from "./socket/node/tls.js";
export * from "./trace/pcap-file.js";
