/**
 * The LAN the DHCP tests share: clients c1..cN with no address on switch s1, router r1 serving
 * DHCP on its LAN side (10.0.0.1/24), and beyond r1 a host h9 (10.0.9.53) that answers DNS for
 * "lab." and pings.
 *
 *   c1 ┐
 *   c2 ┼ s1 ── r1 ── h9
 *   c3 ┘
 */

import { DhcpClient } from "../../src/apps/dhcp/client.js";
import type { DhcpClientOptions } from "../../src/apps/dhcp/client-types.js";
import { type DhcpServerOptions, startDhcpServer } from "../../src/apps/dhcp/server.js";
import { serveZones } from "../../src/apps/dns/authoritative.js";
import { zone } from "../../src/apps/dns/zone-builder.js";
import { Network } from "../../src/net/network.js";
import { ms } from "../../src/sim/time.js";
import { TransportError } from "../../src/transport/errors.js";

export function dhcpLan(
  clients: number,
  server: Partial<DhcpServerOptions> = {},
  client: DhcpClientOptions = {},
  seed = 7,
) {
  const net = new Network({ seed });
  net.addSwitch("s1");
  net.addRouter("r1");
  net.addHost("h9");
  net.connect("r1", "s1", { delay: ms(1), addresses: ["10.0.0.1/24", []] });
  net.connect("r1", "h9", { delay: ms(2), addresses: ["10.0.9.1/24", "10.0.9.53/24"] });
  net.route("h9", "0.0.0.0/0", "10.0.9.1");
  const names = Array.from({ length: clients }, (_, i) => `c${i + 1}`);
  for (const n of names) {
    net.addHost(n);
    net.connect(n, "s1", { delay: ms(1) });
  }
  const lab = zone("lab.", { ttl: 60 })
    .soa({ mname: "ns", rname: "hostmaster", serial: 1, minimum: 60 })
    .ns("@", "ns")
    .a("ns", "10.0.9.53")
    .a("www", "10.0.9.80")
    .build();
  const dns = serveZones(net.node("h9"), [lab]);
  if (dns instanceof TransportError) throw new Error(dns.message);
  const dhcp = startDhcpServer(net.node("r1"), {
    iface: "eth0",
    range: ["10.0.0.100", "10.0.0.199"],
    router: "10.0.0.1",
    dnsServers: ["10.0.9.53"],
    ...server,
  });
  const dhcpClients = names.map((n) => new DhcpClient(net.node(n), client));
  return { net, dhcp, clients: dhcpClients };
}
