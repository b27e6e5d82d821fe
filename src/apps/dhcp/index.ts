/**
 * DHCP (RFC 2131): a server leasing addresses from a pool on a LAN interface, and a client that
 * acquires, renews, rebinds and releases a lease and configures its host from it.
 */
export * from "./address-check.js";
export * from "./client.js";
export * from "./client-types.js";
export * from "./lease-config.js";
export * from "./lease-pool.js";
export * from "./server.js";
