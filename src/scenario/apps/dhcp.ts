/**
 * `dhcp-server`: a DHCP server (RFC 2131, src/apps/dhcp) on a router's LAN interface, leasing
 * addresses from a range to the hosts whose link address is "dhcp". By default it serves the
 * router's first interface on a switch and hands out the router itself as the gateway.
 */
import { z } from "zod";
import { startDhcpServer } from "../../apps/dhcp/server.js";
import { Interface } from "../../net/interface.js";
import type { Node } from "../../net/node.js";
import { SwitchPort } from "../../net/switch.js";
import { formatIpv4 } from "../../wire/address.js";
import { ifaceFacing } from "../edge-build.js";
import { defineApp } from "../registry.js";
import { formatDuration, units } from "../units.js";
import { serving } from "./app-helpers.js";

const ipv4 = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,3}){3}$/, 'expected an IPv4 address such as "192.168.1.100"');

/** The interface on a switch (a LAN), else the first one. */
function lanInterface(node: Node): Interface | undefined {
  const onSwitch = node.interfaces.find((i) => {
    const l = i.link;
    return l !== undefined && (l.a instanceof SwitchPort || l.b instanceof SwitchPort);
  });
  return onSwitch ?? node.interfaces[0];
}

export const dhcpServerApp = defineApp({
  kind: "dhcp-server",
  description: "A DHCP server leasing addresses from a range on a LAN interface (RFC 2131).",
  fields: {
    on: z.string().meta({ description: "The router (or host) serving." }),
    iface: z.string().optional().meta({
      description: "The LAN: an interface name, or the switch or link it is on (default: its LAN).",
    }),
    range: z
      .tuple([ipv4, ipv4])
      .meta({ description: "First and last address leased, in the interface's subnet." }),
    leaseTime: units.duration("How long a lease lasts (default 1h).").optional(),
    router: z
      .string()
      .optional()
      .meta({ description: 'Gateway handed out: an address, or "none" (default: the server).' }),
    dns: z
      .array(z.string())
      .optional()
      .meta({ description: "DNS servers handed out: node names or addresses." }),
  },
  refs: { on: "node", dns: "target" },
  finite: false,
  metrics: {
    leases: { kind: "count", description: "Addresses bound at the end." },
    acks: { kind: "count", description: "ACKs sent (first leases and renewals)." },
    offers: { kind: "count", description: "OFFERs sent." },
    naks: { kind: "count", description: "NAKs sent." },
    noOffer: { kind: "count", description: "DISCOVERs left unanswered: the pool was empty." },
    malformed: { kind: "count", description: "Messages that could not be parsed." },
  },
  describe: (s) => `on ${s.on} ${s.range[0]}-${s.range[1]}`,
  start(ctx, s) {
    const node = ctx.node(s.on);
    const iface = s.iface === undefined ? lanInterface(node) : ifaceFacing(node, s.iface);
    if (!(iface instanceof Interface)) throw new Error(`${s.on} has no interface`);
    const own = iface.ipv4;
    if (own === undefined) throw new Error(`${s.on} ${iface.name} has no IPv4 address`);
    const router = s.router === "none" ? undefined : (s.router ?? formatIpv4(own));
    const server = startDhcpServer(node, {
      iface: iface.name,
      range: s.range,
      ...(s.leaseTime !== undefined && { leaseTime: s.leaseTime }),
      ...(router !== undefined && { router }),
      ...(s.dns !== undefined && { dnsServers: s.dns.map((d) => ctx.address(d)) }),
    });
    const head = `dhcp-server on ${s.on} ${iface.name} (${formatIpv4(own)}): pool ${s.range[0]}-${s.range[1]}, lease ${formatDuration(server.leaseTime)}`;
    return serving({
      output: () => [
        head,
        ...server.log
          .filter((e) => e.kind === "ack" || e.kind === "nak" || e.kind === "no-offer")
          .map((e) =>
            `  ${formatDuration(e.time)} ${e.kind.toUpperCase()} ${e.address ?? ""} ${e.client ?? ""}`.trimEnd(),
          ),
        ...server.describe().map((l) => `  lease ${l}`),
      ],
      metrics: () => ({
        leases: server.pool.leases().filter((l) => l.state === "bound").length,
        acks: server.stats.acks,
        offers: server.stats.offers,
        naks: server.stats.naks,
        noOffer: server.stats.noOffer,
        malformed: server.stats.malformed,
      }),
    });
  },
});
