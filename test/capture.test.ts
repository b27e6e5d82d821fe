/**
 * The capture, end to end: a simulated h1 -- r1 -- h2 carries a ping, a UDP datagram and a TCP
 * three-way handshake with options; NetworkCapture writes a pcapng of every interface and a
 * pcap of one, and Wireshark's tshark must decode every field as written, checksums good.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ping } from "../src/apps/tools/ping.js";
import { installGlobalRoutes } from "../src/net/global-routing.js";
import { Network } from "../src/net/network.js";
import type { Node } from "../src/net/node.js";
import { ms, NS_PER_S } from "../src/sim/time.js";
import { NetworkCapture } from "../src/trace/capture.js";
import { LINKTYPE_RAW, type PcapFile, readPcap } from "../src/trace/pcap.js";
import { writeCaptureFile } from "../src/trace/pcap-file.js";
import { TransportError } from "../src/transport/errors.js";
import { udp } from "../src/transport/udp.js";
import { type Ipv4, parseIpv4Address } from "../src/wire/address.js";
import { getU16 } from "../src/wire/bytes.js";
import { ParseError } from "../src/wire/parse-error.js";
import { seq } from "../src/wire/seq.js";
import {
  emitTcp,
  parseTcp,
  TCP_FLAG_ACK,
  TCP_FLAG_SYN,
  TCP_PROTOCOL,
  type TcpRecord,
} from "../src/wire/tcp.js";
import { NOP_OPTION, SACK_PERMITTED_OPTION, type TcpOption } from "../src/wire/tcp-options.js";
import { scratchDir } from "./support/scratch-dir.js";
import { makeTshark, skipWithoutTshark, writeInterfacePcap } from "./support/tshark.js";

const DELAY = ms(1);
/** 1 Gbit/s: 8 ns per byte. */
const NS_PER_BYTE = 8;
const T_PING = NS_PER_S + 7;
const T_UDP = 2 * NS_PER_S + 11;
const T_TCP = 3 * NS_PER_S + 13;

function addr(text: string): Ipv4 {
  const a = parseIpv4Address(text);
  if (a instanceof ParseError) throw new Error(a.message);
  return a;
}
const H1 = addr("10.0.1.1");
const H2 = addr("10.0.2.1");

/** The handshake as written: SYN with Linux's option layout, SYN-ACK, ACK. */
const ts = (tsval: number, tsecr: number): TcpOption => ({ kind: "timestamps", tsval, tsecr });
const synOptions = (tsval: number, tsecr: number): TcpOption[] => [
  { kind: "mss", value: 1460 },
  SACK_PERMITTED_OPTION,
  ts(tsval, tsecr),
  NOP_OPTION,
  { kind: "window-scale", shift: 7 },
];
const segment = (r: Omit<TcpRecord, "checksum" | "urgentPointer" | "payload">): TcpRecord => ({
  ...r,
  checksum: 0,
  urgentPointer: 0,
  payload: new Uint8Array(0),
});
const SYN = segment({
  srcPort: 40001,
  dstPort: 80,
  seq: seq(0x12345678),
  ack: seq(0),
  flags: TCP_FLAG_SYN,
  window: 64240,
  options: synOptions(1000, 0),
});
const SYN_ACK = segment({
  srcPort: 80,
  dstPort: 40001,
  seq: seq(0xfedcba98),
  ack: seq(0x12345679),
  flags: TCP_FLAG_SYN | TCP_FLAG_ACK,
  window: 65160,
  options: synOptions(2000, 1000),
});
const ACK = segment({
  srcPort: 40001,
  dstPort: 80,
  seq: seq(0x12345679),
  ack: seq(0xfedcba99),
  flags: TCP_FLAG_ACK,
  window: 502,
  options: [NOP_OPTION, NOP_OPTION, ts(1001, 2000)],
});

/** Sends a segment with its checksum computed over the IPv4 pseudo-header. */
function sendTcp(node: Node, src: Ipv4, dst: Ipv4, r: TcpRecord): void {
  const payload = emitTcp(r, { family: 4, src, dst });
  expect(node.ipv4.send({ dst, src, protocol: TCP_PROTOCOL, payload })).toBe("sent");
}

/** Runs the three exchanges and returns the capture and the echo identifier ping chose. */
function simulate() {
  const net = new Network({ seed: 5 });
  const h1 = net.addHost("h1");
  net.addRouter("r1");
  const h2 = net.addHost("h2");
  const link = { delay: DELAY, bandwidth: 1e9 };
  net.connect("h1", "r1", { ...link, addresses: ["10.0.1.1/24", "10.0.1.254/24"] });
  net.connect("r1", "h2", { ...link, addresses: ["10.0.2.254/24", "10.0.2.1/24"] });
  installGlobalRoutes(net);
  const capture = new NetworkCapture(net);

  // (a) ICMP echo request and reply.
  net.sim.at(T_PING, () => ping(h1, "10.0.2.1", { count: 1 }));
  // (b) a UDP datagram from h1:40000 to h2:9999.
  const server = udp(h2).bind(9999);
  const client = udp(h1).bind(40000);
  if (server instanceof TransportError || client instanceof TransportError) {
    throw new Error("bind failed");
  }
  const got: string[] = [];
  server.onMessage((m) => got.push(new TextDecoder().decode(m.data)));
  net.sim.at(T_UDP, () =>
    client.send(new TextEncoder().encode("hello, wirelab"), 9999, "10.0.2.1"),
  );
  // (c) the handshake: each side answers the segment it receives, as a TCP would.
  h2.ipv4.register(TCP_PROTOCOL, (d) => {
    const r = parseTcp(d.payload, { family: 4, src: d.src, dst: d.dst });
    if (!(r instanceof ParseError) && r.flags === TCP_FLAG_SYN) sendTcp(h2, H2, H1, SYN_ACK);
  });
  h1.ipv4.register(TCP_PROTOCOL, (d) => {
    const r = parseTcp(d.payload, { family: 4, src: d.src, dst: d.dst });
    if (!(r instanceof ParseError) && r.flags === (TCP_FLAG_SYN | TCP_FLAG_ACK)) {
      sendTcp(h1, H1, H2, ACK);
    }
  });
  net.sim.at(T_TCP, () => sendTcp(h1, H1, H2, SYN));
  net.sim.run();
  expect(got).toEqual(["hello, wirelab"]);
  return capture;
}

const capture = simulate();
const dir = scratchDir("wirelab-capture-");
const ALL = join(dir, "all.pcapng");
const R1_ETH1 = join(dir, "r1-eth1.pcap");
writeCaptureFile(ALL, capture.toPcapng());
const r1eth1 = writeInterfacePcap(capture, "r1:eth1", R1_ETH1);

/** ping's random identifier, read from the first captured packet (ICMP bytes 4-5). */
const first = readPcap(r1eth1) as PcapFile;
const ECHO_ID = getU16(first.records[0]!.data, 24);

/** "s.nnnnnnnnn", as tshark prints frame.time_epoch. */
const epoch = (t: number) => `${Math.floor(t / NS_PER_S)}.${String(t % NS_PER_S).padStart(9, "0")}`;

/**
 * Where a datagram of `bytes` sent at `t` is seen: out of the sender, into r1, out of r1 with the
 * TTL one lower, into the receiver. Returns [interface, time, ttl] rows and the arrival time.
 */
function hops(t: number, bytes: number, from: "h1" | "h2", ttl = 64) {
  const hop = DELAY + bytes * NS_PER_BYTE;
  const [a, b] = from === "h1" ? ["h1:eth0", "r1:eth0"] : ["h2:eth0", "r1:eth1"];
  const [c, d] = from === "h1" ? ["r1:eth1", "h2:eth0"] : ["r1:eth0", "h1:eth0"];
  const rows = [
    [a, epoch(t), `${ttl}`],
    [b, epoch(t + hop), `${ttl}`],
    [c, epoch(t + hop), `${ttl - 1}`],
    [d, epoch(t + 2 * hop), `${ttl - 1}`],
  ];
  return { rows, arrival: t + 2 * hop };
}

const SKIP_TSHARK = skipWithoutTshark("capture interop tests");

/** Checksums verified; raw sequence numbers, as written. */
const tshark = makeTshark(dir, [
  "ip.check_checksum:TRUE",
  "udp.check_checksum:TRUE",
  "tcp.check_checksum:TRUE",
  "tcp.relative_sequence_numbers:FALSE",
]);

/** The packets of `file` matching `filter`, as rows of the given fields. */
const fields = (file: string, filter: string, names: readonly string[]) =>
  tshark.fields(file, names, filter);

/** Checksum status values of this tshark (`tshark -G values`): 0 bad, 1 good, 2 unverified. */
const GOOD = "1";
const IP_COLUMNS = ["frame.interface_name", "frame.time_epoch", "ip.ttl", "ip.src", "ip.dst"];
IP_COLUMNS.push("ip.checksum.status", "frame.encap_type");
/** The IP columns of each hop: addresses, good header checksum, raw IP (WTAP_ENCAP_RAW_IP 7). */
const ipRows = (h: ReturnType<typeof hops>, src: string, dst: string) =>
  h.rows.map((r) => [...r, src, dst, GOOD, "7"]);

describe("capture of a simulated network, decoded by tshark", () => {
  const itTshark = it.skipIf(SKIP_TSHARK);

  it("records every hop of every packet, and one interface's pcap reads back", () => {
    expect(capture.interfaces.map((c) => [c.name, c.linkType, c.packets])).toEqual([
      ["h1:eth0", LINKTYPE_RAW, 6],
      ["r1:eth0", LINKTYPE_RAW, 6],
      ["r1:eth1", LINKTYPE_RAW, 6],
      ["h2:eth0", LINKTYPE_RAW, 6],
    ]);
    expect(capture.count).toBe(24);
    expect(first.linkType).toBe(LINKTYPE_RAW);
    expect(first.records.map((r) => r.data[8])).toEqual([63, 64, 63, 63, 64, 63]);
  });

  itTshark("ICMP echo request and reply: addresses, TTL per hop, type, id, seq, ns times", () => {
    const cols = [...IP_COLUMNS, "icmp.type", "icmp.code", "icmp.ident", "icmp.seq"];
    cols.push("icmp.checksum.status", "data.len");
    const request = hops(T_PING, 84, "h1");
    const reply = hops(request.arrival, 84, "h2");
    const icmp = (type: string) => [type, "0", `${ECHO_ID}`, "1", GOOD, "56"];
    expect(fields(ALL, "icmp", cols)).toEqual([
      ...ipRows(request, "10.0.1.1", "10.0.2.1").map((r) => [...r, ...icmp("8")]),
      ...ipRows(reply, "10.0.2.1", "10.0.1.1").map((r) => [...r, ...icmp("0")]),
    ]);
  });

  itTshark("UDP datagram: ports, length, checksum, payload", () => {
    const cols = [...IP_COLUMNS, "udp.srcport", "udp.dstport", "udp.length"];
    cols.push("udp.checksum.status", "data.data");
    const payload = Buffer.from("hello, wirelab").toString("hex");
    const udpCols = ["40000", "9999", "22", GOOD, payload];
    expect(fields(ALL, "udp", cols)).toEqual(
      ipRows(hops(T_UDP, 42, "h1"), "10.0.1.1", "10.0.2.1").map((r) => [...r, ...udpCols]),
    );
  });

  itTshark("TCP handshake: ports, seq/ack, flags, window, every option, checksum", () => {
    const cols = [...IP_COLUMNS, "tcp.srcport", "tcp.dstport", "tcp.seq", "tcp.ack"];
    cols.push("tcp.flags", "tcp.window_size_value", "tcp.hdr_len", "tcp.options.mss_val");
    cols.push("tcp.options.wscale.shift", "tcp.options.sack_perm");
    cols.push("tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr");
    cols.push("tcp.checksum.status", "tcp.len");
    const syn = hops(T_TCP, 60, "h1");
    const synAck = hops(syn.arrival, 60, "h2");
    const ack = hops(synAck.arrival, 52, "h1");
    // sack_perm prints the option's bytes (kind 4, length 2).
    const synCols = ["40001", "80", "305419896", "0", "0x0002", "64240", "40"];
    synCols.push("1460", "7", "0402", "1000", "0", GOOD, "0");
    const synAckCols = ["80", "40001", "4275878552", "305419897", "0x0012", "65160", "40"];
    synAckCols.push("1460", "7", "0402", "2000", "1000", GOOD, "0");
    const ackCols = ["40001", "80", "305419897", "4275878553", "0x0010", "502", "32"];
    ackCols.push("", "", "", "1001", "2000", GOOD, "0");
    expect(fields(ALL, "tcp", cols)).toEqual([
      ...ipRows(syn, "10.0.1.1", "10.0.2.1").map((r) => [...r, ...synCols]),
      ...ipRows(synAck, "10.0.2.1", "10.0.1.1").map((r) => [...r, ...synAckCols]),
      ...ipRows(ack, "10.0.1.1", "10.0.2.1").map((r) => [...r, ...ackCols]),
    ]);
  });

  itTshark("the SYN in full (-V): options in order, checksums correct, interface named", () => {
    const out = tshark.run(ALL, "-V", "-Y", "tcp.flags == 0x002 && frame.interface_id == 0");
    const lines = [
      "on interface h1:eth0, id 0",
      "Interface description: link h1-r1",
      "Epoch Time: 3.000000013 seconds",
      "Time to Live: 64",
      "[Header checksum status: Good]",
      "Sequence Number: 305419896",
      "Flags: 0x002 (SYN)",
      "[Checksum Status: Good]",
      "Options: (20 bytes), Maximum segment size, SACK permitted, Timestamps, " +
        "No-Operation (NOP), Window scale",
      "TCP Option - Maximum segment size: 1460 bytes",
      "TCP Option - SACK permitted",
      "TCP Option - Timestamps: TSval 1000, TSecr 0",
      "TCP Option - Window scale: 7 (multiply by 128)",
    ];
    for (const l of lines) expect(out).toContain(l);
    expect(out.match(/^Frame \d+:/gm)).toHaveLength(1);
  });

  itTshark("the classic pcap of r1:eth1: each packet once, with the TTL r1 sent or got", () => {
    const cols = ["frame.time_epoch", "frame.protocols", "ip.src", "ip.ttl", "ip.checksum.status"];
    const ping = hops(T_PING, 84, "h1");
    const pong = hops(ping.arrival, 84, "h2");
    const syn = hops(T_TCP, 60, "h1");
    const synAck = hops(syn.arrival, 60, "h2");
    const ack = hops(synAck.arrival, 52, "h1");
    // Row 2 of a path from h1 is r1:eth1 sending; row 1 of a path from h2 is r1:eth1 receiving.
    const at = (h: ReturnType<typeof hops>, i: number) => h.rows[i]![1]!;
    expect(fields(R1_ETH1, "frame", cols)).toEqual([
      [at(ping, 2), "raw:ip:icmp:data", "10.0.1.1", "63", GOOD],
      [at(pong, 1), "raw:ip:icmp:data", "10.0.2.1", "64", GOOD],
      [at(hops(T_UDP, 42, "h1"), 2), "raw:ip:udp:data", "10.0.1.1", "63", GOOD],
      [at(syn, 2), "raw:ip:tcp", "10.0.1.1", "63", GOOD],
      [at(synAck, 1), "raw:ip:tcp", "10.0.2.1", "64", GOOD],
      [at(ack, 2), "raw:ip:tcp", "10.0.1.1", "63", GOOD],
    ]);
  });

  itTshark("expert analysis finds no malformed packet, bad checksum or warning", () => {
    for (const file of [ALL, R1_ETH1]) {
      expect(tshark.run(file, "-q", "-z", "expert,warn").trim()).toBe("");
    }
    // Only the chat of a handshake on one interface; the merged file adds notes because it holds
    // each packet once per interface, which TCP analysis calls retransmissions.
    const one = tshark.run(R1_ETH1, "-q", "-z", "expert");
    expect(one).not.toMatch(/Errors|Warns|Notes|Malformed|Bad checksum/);
    expect(one).toMatch(/Connection establish request \(SYN\)/);
  });

  itTshark("the checks can fail: a flipped checksum bit is reported bad", () => {
    const bytes = r1eth1.slice();
    const f = readPcap(bytes) as PcapFile;
    const syn = f.records[3]!.data; // a view into `bytes`
    syn[20 + 16] = syn[20 + 16]! ^ 0x01; // TCP checksum, high byte
    const bad = join(dir, "bad.pcap");
    writeCaptureFile(bad, bytes);
    expect(fields(bad, "tcp", ["tcp.flags", "tcp.checksum.status"])).toEqual([
      ["0x0002", "0"], // bad
      ["0x0012", GOOD],
      ["0x0010", GOOD],
    ]);
    expect(tshark.run(bad, "-q", "-z", "expert,error")).toMatch(/Bad checksum/);
  });
});
