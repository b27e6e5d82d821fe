/**
 * A small internet with a DNS hierarchy, for tests, lessons and the demo: a root server, a TLD
 * server for com. and net., two servers for example.com, one for example.net, a recursive
 * resolver and a client, each on its own link to one core router. Zones are master-file text.
 */
import { installGlobalRoutes } from "../../net/global-routing.js";
import { Network } from "../../net/network.js";
import type { Node } from "../../net/node.js";
import type { Seed } from "../../sim/random.js";
import { ms, type Nanos } from "../../sim/time.js";
import { TransportError } from "../../transport/errors.js";
import { serveZones } from "./authoritative.js";
import { configureResolver } from "./resolv-conf.js";
import { RecursiveResolver, type ResolverOptions } from "./resolver.js";
import type { DnsServer } from "./server.js";
import type { Zone } from "./zone.js";
import { parseZone, ZoneParseError } from "./zone-text.js";

/** Addresses of the example's hosts. */
export const EXAMPLE_ADDRESSES = {
  resolver: "10.0.0.53",
  root: "10.0.1.53",
  tld: "10.0.2.53",
  ns1: "10.0.3.53",
  ns2: "10.0.4.53",
  nsnet: "10.0.5.53",
  client: "10.0.100.10",
} as const;

export type ExampleHost = keyof typeof EXAMPLE_ADDRESSES;

/** TXT strings enough to pass 1232 octets, so big.example.com. is truncated over UDP. */
const BIG_TXT = Array.from(
  { length: 12 },
  (_, i) => `big IN TXT "${String(i).padStart(2, "0")} ${"x".repeat(100)}"`,
).join("\n");

/** The zones, as master files (RFC 1035 §5), by origin. */
export const EXAMPLE_ZONES: Record<string, string> = {
  ".": `$ORIGIN .
$TTL 86400
@   IN SOA a.root-servers.net. nstld.verisign-grs.com. (
        2024010100 ; serial
        1800       ; refresh
        900        ; retry
        604800     ; expire
        86400 )    ; minimum
    IN NS a.root-servers.net.
a.root-servers.net.  IN A 10.0.1.53
com.                172800 IN NS a.gtld-servers.net.
net.                172800 IN NS a.gtld-servers.net.
a.gtld-servers.net. 172800 IN A 10.0.2.53
`,
  "com.": `$ORIGIN com.
$TTL 172800
@   IN SOA a.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 900
    IN NS a.gtld-servers.net.
example      IN NS ns1.example
example      IN NS ns2.example
ns1.example  IN A  10.0.3.53   ; glue
ns2.example  IN A  10.0.4.53   ; glue
`,
  "net.": `$ORIGIN net.
$TTL 172800
@   IN SOA a.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 900
    IN NS a.gtld-servers.net.
a.gtld-servers IN A 10.0.2.53
example      IN NS ns1.example
ns1.example  IN A  10.0.5.53   ; glue
`,
  "example.com.": `$ORIGIN example.com.
$TTL 300
@     IN SOA ns1 hostmaster ( 2024010101 7200 3600 1209600 60 )
      IN NS   ns1
      IN NS   ns2
      IN MX   10 mail
      IN TXT  "v=spf1 mx -all"
ns1   IN A    10.0.3.53
ns2   IN A    10.0.4.53
www   IN A    10.0.3.80
      IN AAAA 2001:db8:3::80
mail  IN A    10.0.3.25
web   IN CNAME www.example.net.
sub   IN NS   ns.sub
ns.sub IN A   10.0.3.54
${BIG_TXT}
`,
  "example.net.": `$ORIGIN example.net.
$TTL 300
@     IN SOA ns1 hostmaster 1 7200 3600 1209600 60
      IN NS  ns1
ns1   IN A   10.0.5.53
www   IN A   10.0.5.80
`,
};

/** Which host serves which zones. */
const SERVES: [ExampleHost, string[]][] = [
  ["root", ["."]],
  ["tld", ["com.", "net."]],
  ["ns1", ["example.com."]],
  ["ns2", ["example.com."]],
  ["nsnet", ["example.net."]],
];

export interface ExampleInternetOptions {
  seed?: Seed;
  /** Propagation delay of every link (default 5 ms). */
  delay?: Nanos;
  /** Resolver options besides the root hints. */
  resolver?: Omit<ResolverOptions, "rootHints">;
  /** Leave these authoritative servers unstarted (a test may start its own there). */
  skipServers?: ExampleHost[];
}

export interface ExampleInternet {
  net: Network;
  hosts: Record<ExampleHost, Node>;
  zones: Record<string, Zone>;
  /** The authoritative servers by host. */
  servers: Partial<Record<ExampleHost, DnsServer>>;
  resolver: RecursiveResolver;
}

/** Parses one of the example zones (they are known good: an error here is a bug). */
export function exampleZone(origin: string): Zone {
  const z = parseZone(EXAMPLE_ZONES[origin]!, { origin, file: `${origin}zone` });
  if (z instanceof ZoneParseError) throw new Error(z.message);
  return z;
}

/** Builds the example internet, with servers listening and the client's resolv.conf set. */
export function exampleInternet(options: ExampleInternetOptions = {}): ExampleInternet {
  const net = new Network({ seed: options.seed ?? 1 });
  const core = net.addRouter("core");
  const hosts = {} as Record<ExampleHost, Node>;
  const delay = options.delay ?? ms(5);
  for (const [name, address] of Object.entries(EXAMPLE_ADDRESSES) as [ExampleHost, string][]) {
    const host = net.addHost(name);
    hosts[name] = host;
    const gw = address.replace(/\.[0-9]+$/, ".1");
    net.connect(host, core, { delay, bandwidth: 100e6, addresses: [`${address}/24`, `${gw}/24`] });
    net.route(host, "0.0.0.0/0", gw);
  }
  installGlobalRoutes(net);
  const zones: Record<string, Zone> = {};
  for (const origin of Object.keys(EXAMPLE_ZONES)) zones[origin] = exampleZone(origin);
  const servers: Partial<Record<ExampleHost, DnsServer>> = {};
  for (const [host, origins] of SERVES) {
    if (options.skipServers?.includes(host)) continue;
    const s = serveZones(
      hosts[host],
      origins.map((o) => zones[o]!),
    );
    if (s instanceof TransportError) throw new Error(`${host}: ${s.message}`);
    servers[host] = s;
  }
  const resolver = new RecursiveResolver(hosts.resolver, {
    ...options.resolver,
    rootHints: [{ name: "a.root-servers.net.", addresses: [EXAMPLE_ADDRESSES.root] }],
  });
  const listening = resolver.listen();
  if (listening instanceof TransportError) throw new Error(`resolver: ${listening.message}`);
  configureResolver(hosts.client, {
    nameservers: [EXAMPLE_ADDRESSES.resolver],
    search: ["example.com"],
  });
  return { net, hosts, zones, servers, resolver };
}
