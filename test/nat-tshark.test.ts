/**
 * The NAT's rewriting as Wireshark sees it: UDP (with and without a checksum, and fragmented),
 * a TCP transfer, ping, traceroute's ICMP errors (with their quoted datagrams) and hairpinned
 * packets, captured on both sides of the NAT. tshark must find no bad IP, UDP, TCP or ICMP checksum anywhere,
 * inner headers included, and the outside capture must hold no private address.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ping } from "../src/apps/tools/ping.js";
import { traceroute } from "../src/apps/tools/traceroute.js";
import { sec } from "../src/sim/time.js";
import { sockets } from "../src/socket/index.js";
import { NetworkCapture } from "../src/trace/capture.js";
import { writeCaptureFile } from "../src/trace/pcap-file.js";
import { TransportError } from "../src/transport/errors.js";
import { natLab, PUBLIC, S1, udpOn } from "./support/nat-lab.js";
import { scratchDir } from "./support/scratch-dir.js";
import { makeTshark, skipWithoutTshark } from "./support/tshark.js";

function simulate() {
  const lab = natLab({ filtering: "endpoint-independent" });
  const capture = new NetworkCapture(lab.net, { interfaces: ["nat:inside", "nat:outside"] });
  const h1 = udpOn(lab.h1, 5000);
  const h2 = udpOn(lab.h2, 6000);
  const s = udpOn(lab.s1, 7000);
  h1.send("hello", S1, 7000);
  h2.send("hi", S1, 7000);
  lab.net.sim.runUntil(sec(1));
  s.send("reply", PUBLIC, 5000);
  h1.send("hairpin", PUBLIC, 6000);
  // A datagram without a checksum (RFC 768 allows it over IPv4).
  h1.socket.udp.send(new Uint8Array([1, 2, 3]), 7000, S1, {});
  // A datagram fragmented by h1, reassembled and translated by the NAT, fragmented again.
  h1.socket.send(new Uint8Array(4000).fill(7), { address: S1, port: 7000 });
  ping(lab.h1, S1, { count: 2 });
  traceroute(lab.h2, S1, { probes: 1 });
  sockets(lab.s1).listen(80, (c) => c.onEnd(() => c.end()));
  const c = sockets(lab.h1).connect({ address: S1, port: 80 });
  if (c instanceof TransportError) throw new Error(c.message);
  c.onConnect(() => {
    c.write(new Uint8Array(200_000).fill(0x42));
    c.end();
  });
  lab.net.sim.runUntil(sec(30));
  capture.stop();
  return { lab, capture };
}

const run = simulate();
const dir = scratchDir("wirelab-nat-tshark-");
const files = new Map<string, string>();
for (const [name, bytes] of run.capture.toPcaps()) {
  const f = join(dir, `${name.replace(":", "-")}.pcap`);
  writeCaptureFile(f, bytes);
  files.set(name, f);
}

const SKIP_TSHARK = skipWithoutTshark("NAT tshark tests");
const tshark = makeTshark(dir, [
  "ip.check_checksum:TRUE",
  "udp.check_checksum:TRUE",
  "tcp.check_checksum:TRUE",
]);

describe("a capture on both sides of the NAT", () => {
  const itTshark = it.skipIf(SKIP_TSHARK);

  it("saw traffic on both sides, hairpin and ICMP errors included", () => {
    expect([...files.keys()].sort()).toEqual(["nat:inside", "nat:outside"]);
    expect(run.lab.nat.counters.hairpinned).toBe(1);
    expect(run.lab.nat.counters.icmpErrors).toBeGreaterThanOrEqual(2);
  });

  itTshark("has no bad checksum, outer or inner, and no malformed packet", () => {
    for (const f of files.values()) {
      expect(tshark.fields(f, ["frame.number"]).length).toBeGreaterThan(100);
      const bad = tshark.frames(
        f,
        'ip.checksum.status == "Bad" || udp.checksum.status == "Bad" || tcp.checksum.status == "Bad" || icmp.checksum.status == "Bad" || _ws.malformed || _ws.expert.severity == error',
      );
      expect(bad).toEqual([]);
      // The ICMP errors are there, with their quoted headers decoded.
      const quoted = tshark.fields(f, ["ip.src"], "icmp.type == 11 || icmp.type == 3");
      expect(quoted.length).toBeGreaterThan(0);
      // Two sources a row: the error's own, then the quoted datagram's.
      for (const [src] of quoted) expect(src!.split(",")).toHaveLength(2);
    }
  });

  itTshark("shows only the public address outside", () => {
    expect(tshark.frames(files.get("nat:outside")!, "ip.addr == 192.168.1.0/24")).toEqual([]);
    const inside = tshark.frames(files.get("nat:inside")!, `ip.src == ${PUBLIC} && udp`);
    expect(inside.length).toBeGreaterThan(0);
  });
});
