/**
 * A lossy TCP transfer as Wireshark sees it: 2 MB over a link dropping 2 % of packets, captured
 * on the sender's interface. tshark must find nothing malformed, and the frames it flags as
 * retransmissions must be exactly the segments the stack sent again.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { installGlobalRoutes } from "../src/net/global-routing.js";
import { Network } from "../src/net/network.js";
import { ms } from "../src/sim/time.js";
import { NetworkCapture } from "../src/trace/capture.js";
import { TransportError } from "../src/transport/errors.js";
import { type TcpConnection, tcp } from "../src/transport/tcp/index.js";
import { parseIpv4 } from "../src/wire/ipv4.js";
import { ParseError } from "../src/wire/parse-error.js";
import { type SeqNumber, seqAdd, seqGt, seqLt } from "../src/wire/seq.js";
import { parseTcp, TCP_FLAG_FIN, TCP_FLAG_SYN, TCP_PROTOCOL } from "../src/wire/tcp.js";
import { scratchDir } from "./support/scratch-dir.js";
import { makeTshark, skipWithoutTshark, writeInterfacePcap } from "./support/tshark.js";

const BYTES = 2_000_000;
const LOSS = 0.02;
const SENDER_IFACE = "s:eth0";

/** A data-carrying segment the sender put on the wire, numbered as a frame of its capture. */
interface Sent {
  frame: number;
  seq: number;
  /** Sent before, in part or whole (its sequence range starts below the highest sent so far). */
  again: boolean;
}

/**
 * s -- r -- d with 2 % loss on r -- d, a 2 MB transfer s -> d, a capture of s:eth0, and the
 * sender's segments as the packet events show them.
 */
function simulate() {
  const net = new Network({ seed: 11 });
  net.addHost("s");
  net.addRouter("r");
  net.addHost("d");
  net.connect("s", "r", {
    bandwidth: 100e6,
    delay: ms(1),
    addresses: ["10.0.1.1/24", "10.0.1.2/24"],
  });
  net.connect("r", "d", {
    bandwidth: 10e6,
    delay: ms(10),
    impairments: { loss: LOSS },
    addresses: ["10.0.2.1/24", "10.0.2.2/24"],
  });
  installGlobalRoutes(net);
  const capture = new NetworkCapture(net, { interfaces: [SENDER_IFACE] });

  // Every frame on s:eth0, in capture order; data segments sent by s with their history.
  const sent: Sent[] = [];
  let frames = 0;
  let highest: SeqNumber | undefined;
  net.events.subscribe((e) => {
    if (e.node !== "s" || e.iface !== "eth0") return;
    if (e.kind !== "transmit" && e.kind !== "deliver") return;
    frames++;
    if (e.kind !== "transmit") return;
    const ip = parseIpv4(e.packet);
    if (ip instanceof ParseError || ip.protocol !== TCP_PROTOCOL) return;
    const t = parseTcp(ip.payload);
    if (t instanceof ParseError) return;
    const length =
      t.payload.length + (t.flags & TCP_FLAG_SYN ? 1 : 0) + (t.flags & TCP_FLAG_FIN ? 1 : 0);
    if (length === 0) return;
    const again = highest !== undefined && seqLt(t.seq, highest);
    sent.push({ frame: frames, seq: t.seq, again });
    const end = seqAdd(t.seq, length);
    if (highest === undefined || seqGt(end, highest)) highest = end;
  });

  let received = 0;
  const l = tcp(net.node("d")).listen(5001, undefined, {}, (c) => {
    c.onData((d) => {
      received += d.length;
    });
    c.onEnd(() => c.end());
  });
  if (l instanceof TransportError) throw new Error(l.message);
  const c = tcp(net.node("s")).connect({ address: "10.0.2.2", port: 5001 });
  if (c instanceof TransportError) throw new Error(c.message);
  const client: TcpConnection = c;
  const chunk = new Uint8Array(65536).fill(0x5a);
  let written = 0;
  const pump = () => {
    while (written < BYTES) {
      const k = client.write(chunk.subarray(0, Math.min(chunk.length, BYTES - written)));
      written += k;
      if (k === 0) return;
    }
    client.end();
  };
  client.onConnect(pump);
  client.onDrain(pump);
  net.sim.run();
  capture.stop();
  return { capture, sent, frames, received, client };
}

const run = simulate();
const dir = scratchDir("wirelab-tcp-tshark-");
const FILE = join(dir, "sender.pcap");
writeInterfacePcap(run.capture, SENDER_IFACE, FILE);

const SKIP_TSHARK = skipWithoutTshark("TCP tshark tests");

/** Sequence analysis on, raw sequence numbers, checksums verified. */
const tshark = makeTshark(dir, [
  "tcp.analyze_sequence_numbers:TRUE",
  "tcp.relative_sequence_numbers:FALSE",
  "tcp.check_checksum:TRUE",
  "ip.check_checksum:TRUE",
]);

describe("a lossy TCP transfer in tshark", () => {
  const itTshark = it.skipIf(SKIP_TSHARK);

  it("delivers everything, with losses to recover from", () => {
    expect(run.received).toBe(BYTES);
    expect(run.client.stats.retransmits).toBeGreaterThan(10);
    // The events' own account agrees with the stack's counter.
    expect(run.sent.filter((s) => s.again).length).toBe(run.client.stats.retransmits);
    expect(run.capture.interfaces.map((i) => i.name)).toEqual([SENDER_IFACE]);
    expect(run.capture.count).toBe(run.frames);
  });

  itTshark("finds no malformed packets or other errors", () => {
    const out = tshark.run(FILE, "-q", "-z", "expert,error");
    expect(out).not.toMatch(/Errors|Malformed|Bad checksum/);
    expect(out.trim()).toBe("");
    expect(tshark.frames(FILE, "_ws.malformed || _ws.expert.severity == error")).toEqual([]);
  });

  itTshark("flags as retransmissions exactly the segments sent again", () => {
    const rows = tshark.fields(FILE, [
      "frame.number",
      "tcp.seq",
      "tcp.analysis.retransmission",
      "tcp.analysis.fast_retransmission",
      "tcp.analysis.spurious_retransmission",
      "tcp.analysis.out_of_order",
    ]);
    expect(rows.length).toBe(run.frames);
    // tshark calls a segment below the highest sequence number "out-of-order" instead of a
    // retransmission when it follows the highest one within its reordering threshold (about an
    // RTT). On the sender's own interface nothing is reordered, so those are retransmissions too.
    const flagged = rows
      .filter(([, , retx, fast, spurious, outOfOrder]) => retx || fast || spurious || outOfOrder)
      .map(([frame, sequence]) => ({ frame: Number(frame), seq: Number(sequence) }));
    const again = run.sent.filter((s) => s.again).map((s) => ({ frame: s.frame, seq: s.seq }));
    expect(again.length).toBeGreaterThan(10);
    expect(flagged).toEqual(again);
    // Most are recognised as retransmissions outright, at least one of them as a fast one.
    expect(rows.filter(([, , retx]) => retx).length).toBeGreaterThan(again.length / 2);
    expect(rows.filter(([, , , fast]) => fast).length).toBeGreaterThan(0);
  });
});
