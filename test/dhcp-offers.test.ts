/**
 * A DHCP client on a LAN with two servers (RFC 2131 §3.1 steps 2-3): it collects their offers,
 * takes one, and the other server gets its address back, at once when it sees the REQUEST naming
 * the chosen server, or when its offer times out if that REQUEST never reaches it.
 */
import { describe, expect, it } from "vitest";
import type { DhcpClientOptions } from "../src/apps/dhcp/client-types.js";
import { startDhcpServer } from "../src/apps/dhcp/server.js";
import type { RulePacket } from "../src/net/faults.js";
import { ms, sec } from "../src/sim/time.js";
import { parseIpv4Address } from "../src/wire/address.js";
import { DHCP_MESSAGE, parseDhcp } from "../src/wire/dhcp.js";
import { ETHERTYPE_IPV4, parseEthernet } from "../src/wire/ethernet.js";
import { parseIpv4 } from "../src/wire/ipv4.js";
import { ParseError } from "../src/wire/parse-error.js";
import { parseUdp } from "../src/wire/udp.js";
import { dhcpLan } from "./support/dhcp-lan.js";

const v4 = (s: string) => parseIpv4Address(s) as number;

/** The DHCP LAN (server r1, 10.0.0.100-199, 1 ms away) plus server srv2 (10.0.0.200-209, 3 ms). */
function twoServers(client: DhcpClientOptions) {
  const lan = dhcpLan(1, {}, { startDelay: 0, ...client });
  lan.net.addHost("srv2");
  lan.net.connect("srv2", "s1", { delay: ms(3), addresses: ["10.0.0.2/24", []] });
  const srv2 = startDhcpServer(lan.net.node("srv2"), {
    iface: "eth0",
    range: ["10.0.0.200", "10.0.0.209"],
    router: "10.0.0.1",
  });
  return { ...lan, srv2, c: lan.clients[0]! };
}

/** The DHCP message type in a frame, if it carries one. */
function dhcpType(frame: Uint8Array): number | undefined {
  const f = parseEthernet(frame);
  if (f instanceof ParseError || f.etherType !== ETHERTYPE_IPV4) return undefined;
  const ip = parseIpv4(f.payload);
  if (ip instanceof ParseError || ip.protocol !== 17) return undefined;
  const u = parseUdp(ip.payload);
  if (u instanceof ParseError || u.dstPort !== 67) return undefined;
  const m = parseDhcp(u.payload);
  return m instanceof ParseError ? undefined : m.options.messageType;
}

describe("DHCP client choosing among offers", () => {
  it("collects both servers' offers, takes the first, and the other frees its offer on the REQUEST", () => {
    const { net, dhcp, srv2, c } = twoServers({ offerWindow: ms(500) });
    c.start();
    net.sim.runUntil(sec(20));
    expect(c.state).toBe("BOUND");
    expect(c.address).toBe("10.0.0.100");
    expect(c.lease!.server).toBe(v4("10.0.0.1"));
    expect(c.stats.offers).toBe(2);
    expect(c.log.find((e) => e.kind === "selected")!.detail).toBe(
      "10.0.0.100 from 10.0.0.1: the first of 2 offers",
    );
    // The REQUEST waited for the window: 500 ms after the first offer arrived.
    const firstOffer = c.log.find((e) => e.kind === "receive" && e.detail.startsWith("OFFER"))!;
    const requested = c.log.find((e) => e.detail === "SELECTING -> REQUESTING")!;
    expect(requested.time - firstOffer.time).toBe(ms(500));
    // srv2 offered .200 and gave it back when the broadcast REQUEST named r1 (§3.1 step 3).
    expect(srv2.log.find((e) => e.kind === "offer")).toMatchObject({ address: "10.0.0.200" });
    expect(srv2.log.find((e) => e.kind === "ignored")!.detail).toBe("chose server 10.0.0.1");
    expect(srv2.pool.holder(v4("10.0.0.200"))).toBeUndefined();
    expect(srv2.stats.acks).toBe(0);
    expect(dhcp.stats.acks).toBe(1);
  });

  it("lets the other server's offer time out when the REQUEST never reaches it", () => {
    const { net, srv2, c } = twoServers({});
    const lost = net.faults.add({
      name: "REQUESTs to srv2 lost",
      decide: (p: RulePacket) =>
        p.to === "srv2" && dhcpType(p.packet) === DHCP_MESSAGE.REQUEST ? "drop" : "pass",
    });
    c.start();
    net.sim.runUntil(sec(20));
    expect(c.address).toBe("10.0.0.100");
    expect(lost.dropped).toBe(1);
    // Default: the first offer is taken at once; srv2's arrives in REQUESTING and is not counted.
    expect(c.stats.offers).toBe(1);
    const offer = srv2.log.find((e) => e.kind === "offer")!;
    expect(srv2.pool.holder(v4("10.0.0.200"))?.state).toBe("offered");
    net.sim.runUntil(offer.time + sec(61));
    // The offer was reserved for offerTime (60 s by default), then returned to the pool.
    const expired = srv2.log.find((e) => e.kind === "expire")!;
    expect(expired).toMatchObject({ address: "10.0.0.200", detail: "offered ended" });
    expect(expired.time - offer.time).toBe(srv2.offerTime);
    expect(srv2.pool.holder(v4("10.0.0.200"))).toBeUndefined();
    expect(srv2.pool.firstFree()).toBe(v4("10.0.0.200"));
  });

  it("prefers the offer of the address it had before when told to", () => {
    // previousAddress .205 (srv2's range): INIT-REBOOT goes unanswered (neither server has a
    // record, §4.3.2), so the client falls back to INIT and DISCOVERs asking for .205; r1 offers
    // .100 first, srv2 offers .205 3 ms later.
    const pick = (offerChoice: "first" | "previous") => {
      const { net, c } = twoServers({
        previousAddress: "10.0.0.205",
        offerWindow: sec(1),
        offerChoice,
      });
      c.start();
      net.sim.runUntil(sec(300));
      return { address: c.address, selected: c.log.find((e) => e.kind === "selected")!.detail };
    };
    expect(pick("previous")).toEqual({
      address: "10.0.0.205",
      selected: "10.0.0.205 from 10.0.0.2: its previous address of 2 offers",
    });
    expect(pick("first")).toEqual({
      address: "10.0.0.100",
      selected: "10.0.0.100 from 10.0.0.1: the first of 2 offers",
    });
  });
});
