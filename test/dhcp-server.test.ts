/**
 * The DHCP server under pressure: an exhausted pool, conflicting and bogus requests (NAK, RFC
 * 2131 §4.3.2), DECLINE and RELEASE, and malformed messages that must be ignored, counted and
 * traced while it keeps serving. Hand-made messages come from a raw UDP socket on port 68.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DhcpClient } from "../src/apps/dhcp/client.js";
import type { Node } from "../src/net/node.js";
import type { PacketEvent } from "../src/net/packet-events.js";
import { sec } from "../src/sim/time.js";
import { TransportError } from "../src/transport/errors.js";
import { type UdpSocket, udp } from "../src/transport/udp.js";
import { parseIpv4Address } from "../src/wire/address.js";
import { fromHex, toHex } from "../src/wire/bytes.js";
import {
  BOOTP_REPLY,
  BOOTP_REQUEST,
  DHCP_FLAG_BROADCAST,
  DHCP_MESSAGE,
  type DhcpMessage,
  dhcpMessageName,
  emitDhcp,
  emptyDhcpMessage,
  parseDhcp,
} from "../src/wire/dhcp.js";
import { formatMac } from "../src/wire/mac.js";
import { ParseError } from "../src/wire/parse-error.js";
import { dhcpLan } from "./support/dhcp-lan.js";

const v4 = (s: string) => parseIpv4Address(s) as number;
const SERVER = v4("10.0.0.1");

/** A hand-driven client on `node`: sends what it is told, keeps what it hears. */
function raw(node: Node, mac: string) {
  const s = udp(node).bind(68);
  if (s instanceof TransportError) throw new Error(s.message);
  const socket: UdpSocket = s;
  const heard: DhcpMessage[] = [];
  socket.onMessage((m) => {
    const d = parseDhcp(m.data);
    // Replies to other clients are broadcast too: keep only ours.
    if (!(d instanceof ParseError) && toHex(d.chaddr) === mac) heard.push(d);
  });
  const iface = node.interfaces[0]!;
  return {
    heard,
    /** Names of the replies heard, e.g. ["OFFER", "NAK"]. */
    types: () => heard.map((m) => dhcpMessageName(m.options.messageType)),
    sendBytes(b: Uint8Array) {
      socket.send(b, 67, "255.255.255.255", { iface });
    },
    send(type: number, fill: (m: DhcpMessage) => void = () => {}) {
      const m = emptyDhcpMessage(BOOTP_REQUEST);
      m.chaddr = fromHex(mac);
      m.xid = 0x1234;
      m.flags = DHCP_FLAG_BROADCAST;
      m.options.messageType = type;
      fill(m);
      this.sendBytes(emitDhcp(m));
    },
  };
}

describe("DHCP server", () => {
  it("makes no offer from an exhausted pool, visibly, while the client backs off", () => {
    const { net, dhcp, clients } = dhcpLan(3, { range: ["10.0.0.100", "10.0.0.101"] });
    for (const c of clients) c.start();
    net.sim.runUntil(sec(120));
    const bound = clients.filter((c) => c.state === "BOUND");
    expect(bound.map((c) => c.address).sort()).toEqual(["10.0.0.100", "10.0.0.101"]);
    const starved = clients.find((c) => c.state !== "BOUND")!;
    expect(starved.state).toBe("SELECTING");
    expect(starved.address).toBeUndefined();
    expect(dhcp.stats.noOffer).toBe(starved.stats.discovers);
    const noOffer = dhcp.log.filter((e) => e.kind === "no-offer");
    expect(noOffer[0]!.detail).toBe("pool of 2 exhausted: no offer");
    const mac = starved.node.interfaces[0]!.mac;
    expect(noOffer[0]!.client).toBe(formatMac(mac));
    // RFC 2131 §4.1: 4, 8, 16, 32 s (+-1 s) between DISCOVERs.
    const sends = starved.log.filter((e) => e.kind === "send").map((e) => e.time / 1e9);
    const gaps = sends.slice(1).map((t, i) => t - sends[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    [4, 8, 16, 32].forEach((base, i) => {
      expect(Math.abs(gaps[i]! - base)).toBeLessThanOrEqual(1);
    });
    expect(new Set(gaps.map((g) => g % 1)).size).toBeGreaterThan(1); // randomized
  });

  it("NAKs a reboot request for an address leased to another client, which then starts over", () => {
    const { net, dhcp, clients } = dhcpLan(1);
    const c1 = clients[0]!.start();
    net.sim.runUntil(sec(20));
    expect(c1.address).toBe("10.0.0.100");
    net.addHost("c2");
    net.connect("c2", "s1");
    const c2 = new DhcpClient(net.node("c2"), { previousAddress: "10.0.0.100" }).start();
    net.sim.runUntil(sec(60));
    expect(c2.stats.naks).toBe(1);
    expect(c2.log.filter((e) => e.kind === "state").map((e) => e.detail)).toEqual([
      "STOPPED -> INIT-REBOOT",
      "INIT-REBOOT -> REBOOTING",
      "REBOOTING -> INIT",
      "INIT -> SELECTING",
      "SELECTING -> REQUESTING",
      "REQUESTING -> CHECKING", // RFC 5227 ARP probing of the acknowledged address
      "CHECKING -> BOUND",
    ]);
    expect(c2.address).toBe("10.0.0.101");
    expect(c1.address).toBe("10.0.0.100");
    const nak = dhcp.log.find((e) => e.kind === "nak")!;
    expect(nak).toMatchObject({
      address: "10.0.0.100",
      detail: "INIT-REBOOT: leased to another client",
    });
  });

  it("NAKs requests for addresses not offered or not on its subnet, and stays silent without a record", () => {
    const { net, dhcp } = dhcpLan(1);
    const r = raw(net.node("c1"), "020000aa0001");
    r.send(DHCP_MESSAGE.REQUEST, (m) => {
      m.options.serverId = SERVER;
      m.options.requestedAddress = v4("10.0.0.150");
    });
    net.sim.runUntil(sec(1));
    r.send(DHCP_MESSAGE.REQUEST, (m) => {
      m.options.requestedAddress = v4("192.168.5.5");
    });
    net.sim.runUntil(sec(2));
    r.send(DHCP_MESSAGE.REQUEST, (m) => {
      m.options.requestedAddress = v4("10.0.0.150");
    });
    net.sim.runUntil(sec(3));
    expect(r.types()).toEqual(["NAK", "NAK"]);
    expect(r.heard[0]).toMatchObject({ op: BOOTP_REPLY, xid: 0x1234, yiaddr: 0, ciaddr: 0 });
    expect(r.heard[0]!.options.serverId).toBe(SERVER);
    expect(dhcp.log.filter((e) => e.kind === "nak").map((e) => e.detail)).toEqual([
      "address was not offered to this client",
      "INIT-REBOOT: not on subnet 10.0.0.0/24",
    ]);
    expect(dhcp.log.at(-1)).toMatchObject({
      kind: "ignored",
      detail: "INIT-REBOOT: no record of this client",
    });
  });

  it("frees a released address for another client", () => {
    const { net, dhcp, clients } = dhcpLan(2, { range: ["10.0.0.100", "10.0.0.100"] });
    const [c1, c2] = clients as [(typeof clients)[0], (typeof clients)[0]];
    c1.start();
    net.sim.runUntil(sec(15));
    expect(c1.address).toBe("10.0.0.100");
    c2.start();
    net.sim.runUntil(sec(40));
    expect(c2.state).toBe("SELECTING");
    expect(dhcp.stats.noOffer).toBeGreaterThan(0);
    c1.release();
    expect(c1.state).toBe("STOPPED");
    expect(c1.node.interfaces[0]!.ipv4).toBeUndefined();
    expect(c1.node.routes.format4()).toEqual([]);
    net.sim.runUntil(sec(120));
    expect(dhcp.log.find((e) => e.kind === "release")).toMatchObject({ address: "10.0.0.100" });
    expect(c2.address).toBe("10.0.0.100");
    expect(c1.log.at(-1)!.detail).toBe("BOUND -> STOPPED");
  });

  it("keeps a declined address out of the pool", () => {
    const { net, dhcp, clients } = dhcpLan(1, { range: ["10.0.0.100", "10.0.0.101"] });
    net.addHost("x");
    net.connect("x", "s1");
    const r = raw(net.node("x"), "020000aa0002");
    r.send(DHCP_MESSAGE.DISCOVER);
    net.sim.runUntil(sec(1));
    const offered = r.heard[0]!.yiaddr;
    r.send(DHCP_MESSAGE.REQUEST, (m) => {
      m.options.serverId = SERVER;
      m.options.requestedAddress = offered;
    });
    net.sim.runUntil(sec(2));
    r.send(DHCP_MESSAGE.DECLINE, (m) => {
      m.options.serverId = SERVER;
      m.options.requestedAddress = offered;
    });
    net.sim.runUntil(sec(3));
    expect(r.types()).toEqual(["OFFER", "ACK"]);
    expect(dhcp.log.find((e) => e.kind === "decline")?.address).toBe("10.0.0.100");
    clients[0]!.start();
    net.sim.runUntil(sec(30));
    expect(clients[0]!.address).toBe("10.0.0.101");
    expect(dhcp.describe()[0]).toMatch(/^10\.0\.0\.100 declined /);
  });

  it("ignores, counts and traces malformed messages, and keeps serving", () => {
    const { net, dhcp, clients } = dhcpLan(1);
    const drops: PacketEvent[] = [];
    net.events.subscribe((e) => {
      if (e.kind === "drop" && e.reason === "bad-message") drops.push(e);
    });
    net.addHost("x");
    net.connect("x", "s1");
    const r = raw(net.node("x"), "020000aa0003");
    const good = emptyDhcpMessage(BOOTP_REQUEST);
    good.options.messageType = DHCP_MESSAGE.DISCOVER;
    const bytes = emitDhcp(good);
    const badCookie = bytes.slice();
    badCookie[239] = 0;
    const badOption = bytes.slice();
    badOption.set([53, 9], 240);
    r.sendBytes(bytes.subarray(0, 100)); // truncated
    r.sendBytes(badCookie);
    r.sendBytes(badOption);
    r.sendBytes(new Uint8Array(300).fill(0xff));
    const reply = emptyDhcpMessage(BOOTP_REPLY);
    reply.options.messageType = DHCP_MESSAGE.OFFER;
    r.sendBytes(emitDhcp(reply)); // well formed, but not a request
    clients[0]!.start();
    net.sim.runUntil(sec(30));
    expect(dhcp.stats.malformed).toBe(4);
    expect(dhcp.stats.ignored).toBe(1);
    expect(drops).toHaveLength(4);
    expect(drops.every((d) => d.node === "r1" && d.iface === "eth0")).toBe(true);
    expect(dhcp.log.filter((e) => e.kind === "malformed").map((e) => e.detail)).toEqual([
      "from 0.0.0.0:68: dhcp: truncated header at byte 0: need 240 byte(s), have 100",
      "from 0.0.0.0:68: dhcp: unsupported cookie at byte 236: no DHCP magic cookie (plain BOOTP)",
      "from 0.0.0.0:68: dhcp: invalid options.53 at byte 240: length 9, expected 1",
      "from 0.0.0.0:68: dhcp: invalid op at byte 0: op 255 is neither BOOTREQUEST (1) nor BOOTREPLY (2)",
    ]);
    expect(clients[0]!.state).toBe("BOUND");
    expect(r.heard).toEqual([]);
  });

  it("survives any sequence of well-formed client messages and still leases (property)", () => {
    const interesting = ["0.0.0.0", "10.0.0.1", "10.0.0.100", "10.0.0.101", "10.0.0.255"]
      .concat(["10.0.0.199", "10.0.0.200", "192.168.1.1", "255.255.255.255"])
      .map(v4);
    const address = fc.constantFrom(...interesting);
    const message = fc.record({
      type: fc.integer({ min: 0, max: 10 }),
      mac: fc.constantFrom("020000bb0001", "020000bb0002", "020000bb0003"),
      ciaddr: address,
      giaddr: fc.constantFrom(0, 0, 0, v4("10.0.0.1"), v4("10.0.0.77")),
      requested: fc.option(address, { nil: undefined }),
      server: fc.option(fc.constantFrom(SERVER, v4("10.0.0.2")), { nil: undefined }),
      clientId: fc.option(fc.uint8Array({ minLength: 2, maxLength: 4 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 60 }), (msgs) => {
        const { net, dhcp, clients } = dhcpLan(1, { offerTime: sec(5) }, {}, 11);
        net.addHost("x");
        net.connect("x", "s1");
        const r = raw(net.node("x"), "020000bb0001");
        msgs.forEach((m, i) => {
          net.sim.at(sec(0.1 * i), () => {
            const d = emptyDhcpMessage(BOOTP_REQUEST);
            d.chaddr = fromHex(m.mac);
            d.xid = i;
            d.ciaddr = m.ciaddr;
            d.giaddr = m.giaddr;
            if (m.type > 0) d.options.messageType = m.type;
            if (m.requested !== undefined) d.options.requestedAddress = m.requested;
            if (m.server !== undefined) d.options.serverId = m.server;
            if (m.clientId !== undefined) d.options.clientId = m.clientId;
            r.sendBytes(emitDhcp(d));
          });
        });
        clients[0]!.start();
        net.sim.runUntil(sec(60));
        expect(dhcp.stats.received).toBeGreaterThanOrEqual(msgs.length);
        expect(dhcp.stats.malformed).toBe(0);
        expect(clients[0]!.state).toBe("BOUND");
        // No address is ever leased to two clients.
        const bound = dhcp.pool.leases().filter((l) => l.state === "bound");
        expect(new Set(bound.map((l) => l.client)).size).toBe(bound.length);
      }),
      { numRuns: 60, seed: 5 },
    );
  });
});
