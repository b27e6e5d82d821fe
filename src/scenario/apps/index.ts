/**
 * The apps a scenario can start today, and the default registry holding them. A new app kind
 * (DNS, HTTP, TCP bulk transfer, MapReduce, heartbeats) registers here with its own schema piece;
 * so do the edge-of-network ones (DHCP, what-is-my-address, clock sync, NAT traversal).
 */
import { type AppDefinition, AppRegistry } from "../registry.js";
import { berkeleyApp, cristianApp, ntpClientApp, ntpServerApp } from "./clock.js";
import { dhcpServerApp } from "./dhcp.js";
import { fileDistributionApp } from "./distribution.js";
import { dnsLookupApp, dnsResolverApp, dnsServerApp } from "./dns.js";
import { httpGetApp, httpServerApp } from "./http.js";
import { mapReduceApp } from "./mapreduce.js";
import { p2pSupernodesApp } from "./p2p.js";
import { tcpBulkApp } from "./tcp.js";
import { pingApp, tracerouteApp } from "./tools.js";
import { p2pRendezvousApp, p2pTraversalPeerApp } from "./traversal.js";
import { udpEchoApp, udpStreamApp } from "./udp.js";
import { whatIsMyIpGetApp, whatIsMyIpServerApp } from "./whatismyip.js";

/** Built-in app kinds, in the order the JSON Schema lists them. */
export const BUILTIN_APPS: readonly AppDefinition[] = [
  pingApp,
  tracerouteApp,
  udpStreamApp,
  udpEchoApp,
  tcpBulkApp,
  dnsServerApp,
  dnsResolverApp,
  dnsLookupApp,
  httpServerApp,
  httpGetApp,
  mapReduceApp,
  p2pSupernodesApp,
  fileDistributionApp,
  dhcpServerApp,
  whatIsMyIpServerApp,
  whatIsMyIpGetApp,
  ntpServerApp,
  ntpClientApp,
  cristianApp,
  berkeleyApp,
  p2pRendezvousApp,
  p2pTraversalPeerApp,
];

let shared: AppRegistry | undefined;

/** The registry of built-in apps (one shared instance, so its schema is built once). */
export function defaultRegistry(): AppRegistry {
  shared ??= new AppRegistry(BUILTIN_APPS);
  return shared;
}
