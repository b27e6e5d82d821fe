/**
 * DHCP as Wireshark sees it: a capture of the server's LAN interface while three clients lease,
 * renew, and one is refused (NAK) and one releases. tshark must decode every DHCP message with
 * the types the stack sent, and find nothing malformed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DhcpClient } from "../src/apps/dhcp/client.js";
import { sec } from "../src/sim/time.js";
import { NetworkCapture } from "../src/trace/capture.js";
import { writeCaptureFile } from "../src/trace/pcap-file.js";
import { dhcpLan } from "./support/dhcp-lan.js";

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
const dir = mkdtempSync(join(tmpdir(), "wirelab-dhcp-tshark-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FILE = join(dir, "lan.pcap");
const pcap = run.capture.toPcaps().get(IFACE);
if (pcap === undefined) throw new Error(`no capture on ${IFACE}`);
writeCaptureFile(FILE, pcap);

const HAVE_TSHARK = spawnSync("tshark", ["--version"], { stdio: "ignore" }).status === 0;
// Skipped on a developer machine without tshark; under CI a missing tshark is a failure.
const SKIP_TSHARK = !HAVE_TSHARK && !process.env.CI;
if (SKIP_TSHARK) {
  console.warn("DHCP tshark tests skipped: tshark (Wireshark) is not installed; set CI to fail");
}

function tshark(...args: string[]): string {
  const r = spawnSync("tshark", ["-r", FILE, "-o", "udp.check_checksum:TRUE", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    env: { ...process.env, WIRESHARK_CONFIG_DIR: dir },
  });
  if (r.error !== undefined)
    throw new Error(`tshark could not run (required under CI): ${r.error}`);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe("a DHCP capture in tshark", () => {
  const itTshark = it.skipIf(SKIP_TSHARK);

  it("saw every kind of exchange", () => {
    expect(run.dhcp.stats).toMatchObject({ naks: 1, releases: 1 });
    expect(run.dhcp.stats.acks).toBeGreaterThan(4); // 4 leases and renewals
  });

  itTshark("decodes as DHCP with nothing malformed", () => {
    expect(tshark("-Y", "_ws.malformed || _ws.expert.severity == error").trim()).toBe("");
    const types = tshark("-Y", "dhcp", "-T", "fields", "-e", "dhcp.option.dhcp")
      .trim()
      .split("\n")
      .map(Number);
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
    const ack = tshark(
      "-Y",
      "dhcp.option.dhcp == 5",
      "-T",
      "fields",
      "-e",
      "dhcp.option.ip_address_lease_time",
      "-e",
      "dhcp.option.router",
      "-e",
      "dhcp.option.domain_name_server",
      "-e",
      "dhcp.option.subnet_mask",
    );
    expect(ack.split("\n")[0]).toBe("100\t10.0.0.1\t10.0.9.53\t255.255.255.0");
  });
});
