/**
 * NetworkCapture: which events land on which interface, bytes copied at the moment of capture
 * (each hop shows its own TTL), filters, snaplen, time order, and both output formats read back.
 */
import { describe, expect, it } from "vitest";
import { ping } from "../apps/tools/ping.js";
import { installGlobalRoutes } from "../net/global-routing.js";
import { Network } from "../net/network.js";
import { type PacketEvent, PacketEventBus } from "../net/packet-events.js";
import { ms } from "../sim/time.js";
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, parseEthernet } from "../wire/ethernet.js";
import { ParseError } from "../wire/parse-error.js";
import { NetworkCapture } from "./capture.js";
import { LINKTYPE_ETHERNET, LINKTYPE_RAW, type PcapFile, readPcap } from "./pcap.js";
import { PCAPNG_EPB, PCAPNG_IDB, PCAPNG_SHB } from "./pcapng.js";

/** h1 -- r1 -- h2 over raw-IP links of 1 ms at 1 Gbit/s (84 bytes serialize in 672 ns). */
function line(): Network {
  const net = new Network({ seed: 3 });
  net.addHost("h1");
  net.addRouter("r1");
  net.addHost("h2");
  net.connect("h1", "r1", { delay: ms(1), addresses: ["10.0.1.1/24", "10.0.1.254/24"] });
  net.connect("r1", "h2", { delay: ms(1), addresses: ["10.0.2.254/24", "10.0.2.1/24"] });
  installGlobalRoutes(net);
  return net;
}

/** One echo from h1 to h2, captured with `options`. */
function pingOnce(options: ConstructorParameters<typeof NetworkCapture>[1] = {}) {
  const net = line();
  const capture = new NetworkCapture(net, options);
  const run = ping(net.node("h1"), "10.0.2.1", { count: 1 });
  net.sim.run();
  expect(run.stats.received).toBe(1);
  return { net, capture };
}

function pcap(bytes: Uint8Array | undefined): PcapFile {
  expect(bytes).toBeDefined();
  const f = readPcap(bytes!);
  if (f instanceof ParseError) throw new Error(f.message);
  return f;
}

/** (time, TTL, ICMP type) of each raw-IP record. */
const ttls = (f: PcapFile) => f.records.map((r) => [r.time, r.data[8], r.data[20]]);

/** A minimal pcapng walk for assertions: interface names and link types, then packets. */
function walkPcapng(bytes: Uint8Array) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const interfaces: [string, number][] = [];
  const packets: { iface: number; time: number; caplen: number; len: number }[] = [];
  expect(dv.getUint32(0, true)).toBe(PCAPNG_SHB);
  for (let o = 0; o < bytes.length; o += dv.getUint32(o + 4, true)) {
    const type = dv.getUint32(o, true);
    if (type === PCAPNG_IDB) {
      // The first option is if_name (code 2): its length, then the UTF-8 text.
      expect(dv.getUint16(o + 16, true)).toBe(2);
      const n = dv.getUint16(o + 18, true);
      const name = new TextDecoder().decode(bytes.subarray(o + 20, o + 20 + n));
      interfaces.push([name, dv.getUint16(o + 8, true)]);
    } else if (type === PCAPNG_EPB) {
      const time = dv.getUint32(o + 12, true) * 2 ** 32 + dv.getUint32(o + 16, true);
      const caplen = dv.getUint32(o + 20, true);
      packets.push({
        iface: dv.getUint32(o + 8, true),
        time,
        caplen,
        len: dv.getUint32(o + 24, true),
      });
    }
  }
  return { interfaces, packets };
}

describe("NetworkCapture", () => {
  it("captures a packet leaving each interface and reaching the next, in time order", () => {
    const { capture } = pingOnce();
    expect(capture.interfaces.map((c) => [c.name, c.linkType, c.link, c.packets])).toEqual([
      ["h1:eth0", LINKTYPE_RAW, "h1-r1", 2],
      ["r1:eth0", LINKTYPE_RAW, "h1-r1", 2],
      ["r1:eth1", LINKTYPE_RAW, "r1-h2", 2],
      ["h2:eth0", LINKTYPE_RAW, "r1-h2", 2],
    ]);
    expect(capture.count).toBe(8);
    const { interfaces, packets } = walkPcapng(capture.toPcapng());
    expect(interfaces).toEqual(capture.interfaces.map((c) => [c.name, LINKTYPE_RAW]));
    // Request: out of h1, into r1, out of r1 (same instant), into h2; then the reply back.
    const hop = 1_000_672;
    expect(packets.map((p) => [p.iface, p.time])).toEqual([
      [0, 0],
      [1, hop],
      [2, hop],
      [3, 2 * hop],
      [3, 2 * hop],
      [2, 3 * hop],
      [1, 3 * hop],
      [0, 4 * hop],
    ]);
    expect(packets.every((p) => p.caplen === 84 && p.len === 84)).toBe(true);
  });

  it("copies the bytes at capture time: each hop shows the TTL it saw", () => {
    const pcaps = pingOnce().capture.toPcaps();
    expect([...pcaps.keys()]).toEqual(["h1:eth0", "r1:eth0", "r1:eth1", "h2:eth0"]);
    const hop = 1_000_672;
    // r1 decrements the TTL of the very buffer it received, after r1:eth0 captured it.
    expect(ttls(pcap(pcaps.get("h1:eth0")))).toEqual([
      [0, 64, 8],
      [4 * hop, 63, 0],
    ]);
    expect(ttls(pcap(pcaps.get("r1:eth0")))).toEqual([
      [hop, 64, 8],
      [3 * hop, 63, 0],
    ]);
    expect(ttls(pcap(pcaps.get("r1:eth1")))).toEqual([
      [hop, 63, 8],
      [3 * hop, 64, 0],
    ]);
    expect(ttls(pcap(pcaps.get("h2:eth0")))).toEqual([
      [2 * hop, 63, 8],
      [2 * hop, 64, 0],
    ]);
    const f = pcap(pcaps.get("r1:eth1"));
    expect(f).toMatchObject({ linkType: LINKTYPE_RAW, nanos: true, snaplen: 262144 });
  });

  it("filters by node, by node:iface, by bare interface name, and by their union", () => {
    const names = (o: ConstructorParameters<typeof NetworkCapture>[1]) =>
      pingOnce(o).capture.interfaces.map((c) => c.name);
    expect(names({ nodes: ["r1"] })).toEqual(["r1:eth0", "r1:eth1"]);
    expect(names({ interfaces: ["h2:eth0"] })).toEqual(["h2:eth0"]);
    expect(names({ interfaces: ["eth1"] })).toEqual(["r1:eth1"]);
    expect(names({ nodes: ["h1"], interfaces: ["h2:eth0"] })).toEqual(["h1:eth0", "h2:eth0"]);
    expect(names({ nodes: [] })).toEqual([]);
    expect(pingOnce({ nodes: ["nobody"] }).capture.count).toBe(0);
  });

  it("cuts packets to snaplen and keeps their original length", () => {
    const { capture } = pingOnce({ snaplen: 28, interfaces: ["h1:eth0"] });
    const f = pcap(capture.toPcaps().get("h1:eth0"));
    expect(f.snaplen).toBe(28);
    expect(f.records.map((r) => [r.data.length, r.originalLength])).toEqual([
      [28, 84],
      [28, 84],
    ]);
    const { packets } = walkPcapng(capture.toPcapng());
    expect(packets.map((p) => [p.caplen, p.len])).toEqual([
      [28, 84],
      [28, 84],
    ]);
    expect(() => new NetworkCapture(line(), { snaplen: 0 })).toThrow(RangeError);
  });

  it("sees a lost packet where it was sent but not where it would have arrived", () => {
    const net = line();
    net.setImpairments("r1-h2", { loss: 1 });
    const capture = new NetworkCapture(net);
    ping(net.node("h1"), "10.0.2.1", { count: 1 });
    net.sim.run();
    expect(capture.interfaces.map((c) => [c.name, c.packets])).toEqual([
      ["h1:eth0", 1],
      ["r1:eth0", 1],
      ["r1:eth1", 1],
    ]);
  });

  it("stops listening on stop() and keeps what it has", () => {
    const net = line();
    const capture = new NetworkCapture(net);
    ping(net.node("h1"), "10.0.2.1", { count: 2 });
    net.sim.runUntil(ms(500));
    expect(capture.count).toBe(8);
    capture.stop();
    expect(capture.capturing).toBe(false);
    net.sim.run();
    expect(capture.count).toBe(8);
    expect(pcap(capture.toPcaps().get("h2:eth0")).records).toHaveLength(2);
  });

  it("captures Ethernet frames, ARP included, on hosts and switch ports", () => {
    const net = new Network({ seed: 4 });
    net.addSwitch("s1");
    net.addHost("h1");
    net.addHost("h2");
    net.connect("h1", "s1", { delay: ms(1), addresses: ["10.0.0.1/24", []] });
    net.connect("h2", "s1", { delay: ms(1), addresses: ["10.0.0.2/24", []] });
    const capture = new NetworkCapture(net);
    ping(net.node("h1"), "10.0.0.2", { count: 1 });
    net.sim.run();
    expect(capture.interfaces.map((c) => [c.name, c.linkType])).toEqual([
      ["h1:eth0", LINKTYPE_ETHERNET],
      ["s1:port1", LINKTYPE_ETHERNET],
      ["s1:port2", LINKTYPE_ETHERNET],
      ["h2:eth0", LINKTYPE_ETHERNET],
    ]);
    const f = pcap(capture.toPcaps().get("h2:eth0"));
    expect(f.linkType).toBe(LINKTYPE_ETHERNET);
    const types = f.records.map((r) => {
      const eth = parseEthernet(r.data);
      if (eth instanceof ParseError) throw new Error(eth.message);
      return eth.etherType;
    });
    // ARP request in, ARP reply out, echo request in, echo reply out.
    expect(types).toEqual([ETHERTYPE_ARP, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV4]);
  });

  it("orders packets by time even when events arrive out of order, keeping ties stable", () => {
    const events = new PacketEventBus();
    const capture = new NetworkCapture({ events });
    const ev = (time: number, node: string, kind: PacketEvent["kind"], mark: number) =>
      events.emit({
        time,
        kind,
        node,
        iface: "eth0",
        packet: Uint8Array.of(0x45, mark),
        framing: "ip",
      });
    ev(30, "a", "transmit", 1);
    ev(10, "b", "deliver", 2);
    ev(10, "a", "deliver", 3);
    ev(20, "a", "drop", 4); // not seen by a capture
    ev(20, "a", "send", 5); // handed to the interface, not yet on the wire
    events.emit({ time: 5, kind: "deliver", node: "c", packet: Uint8Array.of(0), framing: "ip" });
    expect(capture.count).toBe(3);
    const { packets } = walkPcapng(capture.toPcapng());
    expect(packets.map((p) => [p.iface, p.time])).toEqual([
      [1, 10],
      [0, 10],
      [0, 30],
    ]);
    const a = pcap(capture.toPcaps().get("a:eth0"));
    expect(a.records.map((r) => [r.time, r.data[1]])).toEqual([
      [10, 3],
      [30, 1],
    ]);
  });
});
