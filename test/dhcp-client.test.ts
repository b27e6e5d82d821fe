/**
 * The DHCP client against a hand-driven server on port 67, which answers with whatever the test
 * says: infinite leases, times out of order, replies for other transactions, garbage. The client
 * must take what is valid, ignore the rest, and never throw.
 */
import { describe, expect, it } from "vitest";
import { DhcpClient } from "../src/apps/dhcp/client.js";
import { Network } from "../src/net/network.js";
import { ms, sec } from "../src/sim/time.js";
import { TransportError } from "../src/transport/errors.js";
import { udp } from "../src/transport/udp.js";
import { parseIpv4Address } from "../src/wire/address.js";
import {
  BOOTP_REPLY,
  DHCP_FLAG_BROADCAST,
  DHCP_MESSAGE,
  type DhcpMessage,
  emitDhcp,
  emptyDhcpMessage,
  parseDhcp,
} from "../src/wire/dhcp.js";
import { ParseError } from "../src/wire/parse-error.js";

const v4 = (s: string) => parseIpv4Address(s) as number;

/** c (client) and srv (10.0.0.1/24, a scripted server) on switch s1. */
function scripted(answer: (req: DhcpMessage, reply: DhcpMessage) => Uint8Array | undefined) {
  const net = new Network({ seed: 5 });
  net.addSwitch("s1");
  net.addHost("c");
  net.addHost("srv");
  net.connect("c", "s1", { delay: ms(1) });
  net.connect("srv", "s1", { delay: ms(1), addresses: ["10.0.0.1/24", []] });
  const s = udp(net.node("srv")).bind(67);
  if (s instanceof TransportError) throw new Error(s.message);
  const iface = net.node("srv").interfaces[0]!;
  s.onMessage((m) => {
    const req = parseDhcp(m.data);
    if (req instanceof ParseError) return;
    const r = emptyDhcpMessage(BOOTP_REPLY);
    r.xid = req.xid;
    r.chaddr = req.chaddr;
    r.flags = DHCP_FLAG_BROADCAST;
    r.yiaddr = v4("10.0.0.50");
    r.options.serverId = v4("10.0.0.1");
    r.options.subnetMask = v4("255.255.255.0");
    r.options.messageType =
      req.options.messageType === DHCP_MESSAGE.DISCOVER ? DHCP_MESSAGE.OFFER : DHCP_MESSAGE.ACK;
    const bytes = answer(req, r);
    if (bytes !== undefined) s.send(bytes, 68, "255.255.255.255", { iface });
  });
  const client = new DhcpClient(net.node("c"), { startDelay: 0 });
  return { net, client };
}

describe("DHCP client", () => {
  it("takes an infinite lease (0xffffffff) and never renews it", () => {
    const { net, client } = scripted((_, r) => {
      r.options.leaseTime = 0xffffffff;
      return emitDhcp(r);
    });
    client.start();
    net.sim.runUntil(sec(10));
    expect(client.state).toBe("BOUND");
    expect(client.lease).toMatchObject({ t1: Infinity, t2: Infinity, expires: Infinity });
    expect(client.log.find((e) => e.kind === "bound")!.detail).toBe(
      "10.0.0.50/24 from 10.0.0.1 for ever",
    );
    expect(net.sim.runUntil(sec(100_000))).toBe("idle");
    expect(client.state).toBe("BOUND");
  });

  it("keeps T1 <= T2 <= expiry when the server sends them out of order", () => {
    const { net, client } = scripted((_, r) => {
      r.options.leaseTime = 100;
      r.options.renewalTime = 500;
      r.options.rebindingTime = 0xffffffff;
      return emitDhcp(r);
    });
    client.start();
    net.sim.runUntil(sec(10));
    const l = client.lease!;
    expect(l.t2).toBe(l.expires);
    expect(l.t1).toBe(l.t2);
    expect(l.expires - l.start).toBe(sec(100));
  });

  it("ignores replies for other transactions and malformed ones, counting the latter", () => {
    let garbage = true;
    const { net, client } = scripted((req, r) => {
      if (req.options.messageType === DHCP_MESSAGE.DISCOVER && garbage) {
        garbage = false;
        const other = { ...r, xid: (r.xid + 1) >>> 0 };
        const bytes = emitDhcp(r);
        bytes[240] = 0x35;
        bytes[241] = 0x07; // option 53 of length 7: malformed
        const s = udp(net.node("srv")).bind(0);
        if (s instanceof TransportError) throw new Error(s.message);
        s.send(emitDhcp(other), 68, "255.255.255.255", { iface: net.node("srv").interfaces[0]! });
        return bytes;
      }
      r.options.leaseTime = 60;
      return emitDhcp(r);
    });
    const drops: string[] = [];
    net.events.subscribe((e) => {
      if (e.kind === "drop" && e.reason === "bad-message") drops.push(e.node);
    });
    client.start();
    net.sim.runUntil(sec(30));
    expect(client.stats.malformed).toBe(1);
    expect(drops).toEqual(["c"]);
    expect(client.stats.offers).toBe(1); // only the retransmitted DISCOVER's offer counted
    expect(client.stats.retransmissions).toBe(1);
    expect(client.state).toBe("BOUND");
  });

  it("goes back to INIT after its REQUESTs go unanswered", () => {
    const { net, client } = scripted((req, r) =>
      req.options.messageType === DHCP_MESSAGE.DISCOVER ? emitDhcp(r) : undefined,
    );
    client.start();
    net.sim.runUntil(sec(200));
    const changes = client.log.filter((e) => e.kind === "state").map((e) => e.detail);
    expect(changes.slice(0, 5)).toEqual([
      "STOPPED -> INIT",
      "INIT -> SELECTING",
      "SELECTING -> REQUESTING",
      "REQUESTING -> INIT",
      "INIT -> SELECTING",
    ]);
    // One REQUEST and four retransmissions (4 + 8 + 16 + 32 s, each +-1 s), then the give-up.
    expect(client.stats.requests).toBeGreaterThanOrEqual(5);
    const gaveUp = client.log.find((e) => e.detail === "REQUESTING -> INIT")!;
    const asked = client.log.find((e) => e.detail === "SELECTING -> REQUESTING")!;
    const waited = (gaveUp.time - asked.time) / 1e9;
    expect(waited).toBeGreaterThanOrEqual(4 + 8 + 16 + 32 + 64 - 5);
    expect(waited).toBeLessThanOrEqual(4 + 8 + 16 + 32 + 64 + 5);
  });
});
