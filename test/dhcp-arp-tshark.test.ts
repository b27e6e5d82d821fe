/**
 * Address conflict detection as Wireshark sees it: a capture of the client's cable while it
 * probes a squatted address, declines it, then probes, binds and announces another. tshark must
 * call the probes probes and the announcements announcements (RFC 5227), decode the DECLINE,
 * and find nothing malformed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ms, sec } from "../src/sim/time.js";
import { NetworkCapture } from "../src/trace/capture.js";
import { writeCaptureFile } from "../src/trace/pcap-file.js";
import { formatMac } from "../src/wire/mac.js";
import { dhcpLan } from "./support/dhcp-lan.js";

const IFACE = "c1:eth0";

function simulate() {
  const { net, dhcp, clients } = dhcpLan(1, {}, { startDelay: 0 });
  net.addHost("squat");
  net.connect("squat", "s1", { delay: ms(1), addresses: ["10.0.0.100/24", []] });
  const capture = new NetworkCapture(net, { interfaces: [IFACE] });
  const c = clients[0]!.start();
  net.sim.runUntil(sec(40));
  capture.stop();
  const mac = (n: string) => formatMac(net.node(n).interfaces[0]!.mac);
  return { capture, dhcp, c, clientMac: mac("c1"), squatMac: mac("squat") };
}

const run = simulate();
const dir = mkdtempSync(join(tmpdir(), "wirelab-dhcp-arp-tshark-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FILE = join(dir, "client.pcap");
const pcap = run.capture.toPcaps().get(IFACE);
if (pcap === undefined) throw new Error(`no capture on ${IFACE}`);
writeCaptureFile(FILE, pcap);

const HAVE_TSHARK = spawnSync("tshark", ["--version"], { stdio: "ignore" }).status === 0;
// Skipped on a developer machine without tshark; under CI a missing tshark is a failure.
const SKIP_TSHARK = !HAVE_TSHARK && !process.env.CI;
if (SKIP_TSHARK) {
  console.warn(
    "DHCP ARP tshark tests skipped: tshark (Wireshark) is not installed; set CI to fail",
  );
}

function tshark(...args: string[]): string[] {
  const r = spawnSync("tshark", ["-r", FILE, "-o", "udp.check_checksum:TRUE", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    env: { ...process.env, WIRESHARK_CONFIG_DIR: dir },
  });
  if (r.error !== undefined)
    throw new Error(`tshark could not run (required under CI): ${r.error}`);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split("\n").filter((l) => l !== "");
}

const fields = (filter: string, ...names: string[]) =>
  tshark("-Y", filter, "-T", "fields", ...names.flatMap((n) => ["-e", n]));

describe("conflict detection in tshark", () => {
  const itTshark = it.skipIf(SKIP_TSHARK);

  it("declined the squatted address and bound the next", () => {
    expect(run.c.address).toBe("10.0.0.101");
    expect(run.dhcp.stats.declines).toBe(1);
  });

  itTshark("decodes probes, the squatter's reply, the DECLINE and announcements", () => {
    expect(tshark("-Y", "_ws.malformed || _ws.expert.severity == error")).toEqual([]);
    const who = ["eth.src", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4"];
    const c = run.clientMac;
    const zero = "00:00:00:00:00:00";
    // One probe for .100 (answered at once), then three for .101; all from 0.0.0.0.
    expect(fields("arp.isprobe", ...who)).toEqual([
      `${c}\t0.0.0.0\t${zero}\t10.0.0.100`,
      `${c}\t0.0.0.0\t${zero}\t10.0.0.101`,
      `${c}\t0.0.0.0\t${zero}\t10.0.0.101`,
      `${c}\t0.0.0.0\t${zero}\t10.0.0.101`,
    ]);
    expect(fields("arp.isannouncement", ...who)).toEqual([
      `${c}\t10.0.0.101\t${zero}\t10.0.0.101`,
      `${c}\t10.0.0.101\t${zero}\t10.0.0.101`,
    ]);
    expect(fields("arp.opcode == 2", ...who)).toEqual([
      `${run.squatMac}\t10.0.0.100\t${c}\t0.0.0.0`,
    ]);
    expect(
      fields(
        "dhcp.option.dhcp == 4",
        "ip.src",
        "ip.dst",
        "dhcp.option.requested_ip_address",
        "dhcp.option.dhcp_server_id",
      ),
    ).toEqual(["0.0.0.0\t255.255.255.255\t10.0.0.100\t10.0.0.1"]);
    // The client ARPs for nothing else while it has no address.
    expect(fields(`arp && eth.src == ${c}`, "frame.number")).toHaveLength(6);
  });
});
