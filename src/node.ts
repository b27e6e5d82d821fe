/**
 * Node-only parts: the Node-shaped socket facades, writing captures to files, and loading the
 * geolocation data packages from disk.
 */
export {
  attribution as geoAttribution,
  GeoDataMissingError,
  loadGeoDatabase,
  readGeoCsv,
} from "./cli/geo-data.js";
export * from "./socket/node/dgram.js";
export * from "./socket/node/net.js";
export * from "./socket/node/pump.js";
export * from "./socket/node/test-ca.js";
export * from "./socket/node/tls.js";
export * from "./trace/pcap-file.js";
