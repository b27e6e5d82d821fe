/**
 * DHCP as Wireshark sees it: a capture of the server's LAN interface while three clients lease,
 * renew, and one is refused (NAK) and one releases. tshark must decode every DHCP message with
 * the types the stack sent, and find nothing malformed.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DhcpClient } from "../src/apps/dhcp/client.js";
import { sec } from "../src/sim/time.js";
import { NetworkCapture } from "../src/trace/capture.js";
import { dhcpLan } from "./support/dhcp-lan.js";
import { scratchDir } from "./support/scratch-dir.js";
import { makeTshark, skipWithoutTshark, writeInterfacePcap } from "./support/tshark.js";

const IFACE = "r1:eth0";

function simulate() {
  const { net, dhcp, clients } = dhcpLan(3, { leaseTime: sec(100) });
  const capture = new NetworkCapture(net, { interfaces: [IFACE] });
  for (const c of clients) c.start();
  net.sim.runUntil(sec(30));
  net.addHost("late");
  net.connect("late", "s1");
  // Asks for an address another client holds: NAK, then a fresh lease.
  new DhcpClient(net.node("late"), { previousAddress: clients[0]!.address! }).start();
  net.sim.runUntil(sec(90));
  clients[1]!.release();
  net.sim.runUntil(sec(100));
  capture.stop();
  return { capture, dhcp };
}

const run = simulate();
const dir = scratchDir("wirelab-dhcp-tshark-");
const FILE = join(dir, "lan.pcap");
writeInterfacePcap(run.capture, IFACE, FILE);

const SKIP_TSHARK = skipWithoutTshark("DHCP tshark tests");
const tshark = makeTshark(dir, ["udp.check_checksum:TRUE"]);

describe("a DHCP capture in tshark", () => {
  const itTshark = it.skipIf(SKIP_TSHARK);

  it("saw every kind of exchange", () => {
    expect(run.dhcp.stats).toMatchObject({ naks: 1, releases: 1 });
    expect(run.dhcp.stats.acks).toBeGreaterThan(4); // 4 leases and renewals
  });

  itTshark("decodes as DHCP with nothing malformed", () => {
    expect(tshark.frames(FILE, "_ws.malformed || _ws.expert.severity == error")).toEqual([]);
    const types = tshark.fields(FILE, ["dhcp.option.dhcp"], "dhcp").map((row) => Number(row[0]));
    // Every DHCP datagram on the server's cable, in order: 1 DISCOVER ... 7 RELEASE.
    expect(new Set(types)).toEqual(new Set([1, 2, 3, 5, 6, 7]));
    const s = run.dhcp.stats;
    const count = (t: number) => types.filter((x) => x === t).length;
    expect(count(2)).toBe(s.offers);
    expect(count(5)).toBe(s.acks);
    expect(count(6)).toBe(s.naks);
    expect(count(7)).toBe(s.releases);
    expect(count(1) + count(3) + count(7)).toBe(s.received);
    // The replies carry the lease's options.
    const ackOptions = [
      "dhcp.option.ip_address_lease_time",
      "dhcp.option.router",
      "dhcp.option.domain_name_server",
      "dhcp.option.subnet_mask",
    ];
    const ack = tshark.fields(FILE, ackOptions, "dhcp.option.dhcp == 5");
    expect(ack[0]).toEqual(["100", "10.0.0.1", "10.0.9.53", "255.255.255.0"]);
  });
});
