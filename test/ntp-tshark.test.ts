/**
 * NTP as Wireshark sees it: a client polling a server for a minute, captured on the client's
 * interface. tshark must decode every packet as NTP version 4 without complaint, and each
 * reply's origin timestamp must be the transmit timestamp of the request before it.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NtpClient } from "../src/apps/clock/ntp-client.js";
import { NtpServer } from "../src/apps/clock/ntp-server.js";
import { installGlobalRoutes } from "../src/net/global-routing.js";
import { Network } from "../src/net/network.js";
import { ms, sec } from "../src/sim/time.js";
import { NetworkCapture } from "../src/trace/capture.js";
import { TransportError } from "../src/transport/errors.js";
import { scratchDir } from "./support/scratch-dir.js";
import { makeTshark, skipWithoutTshark, writeInterfacePcap } from "./support/tshark.js";

const net = new Network({ seed: 2 });
const c = net.addHost("c");
const s = net.addHost("s");
net.connect(c, s, { delay: ms(10), addresses: ["10.0.0.1/24", "10.0.0.2/24"] });
installGlobalRoutes(net);
c.clock.configure({ offset: ms(40), driftPpm: 25 });
const capture = new NetworkCapture(net, { interfaces: ["c:eth0"] });
const server = NtpServer.start(s);
const client = NtpClient.start(c, { server: { address: "10.0.0.2" } });
if (server instanceof TransportError || client instanceof TransportError) throw new Error("bind");
net.sim.runUntil(sec(60));
capture.stop();

const dir = scratchDir("wirelab-ntp-tshark-");
const FILE = join(dir, "client.pcap");
writeInterfacePcap(capture, "c:eth0", FILE);

const SKIP_TSHARK = skipWithoutTshark("NTP tshark tests");
const tshark = makeTshark(dir);

describe("NTP in tshark", () => {
  it.skipIf(SKIP_TSHARK)("decodes requests and replies, origin matching transmit", () => {
    expect(tshark.frames(FILE, "_ws.malformed || _ws.expert.severity == error")).toEqual([]);
    const rows = tshark.fields(FILE, ["ntp.flags.vn", "ntp.flags.mode", "ntp.org", "ntp.xmt"]);
    // Four polls (0, 16, 32, 48 s), each a request and its reply.
    expect(rows.map((r) => `${r[0]} ${r[1]}`)).toEqual(Array(4).fill(["4 3", "4 4"]).flat());
    for (let i = 0; i < rows.length; i += 2) expect(rows[i + 1]![2]).toBe(rows[i]![3]);
    expect(rows[0]![3]).toMatch(/^Jan {2}1, 2026 00:00:00\.04/);
    expect(client.stats.accepted).toBe(4);
  });
});
