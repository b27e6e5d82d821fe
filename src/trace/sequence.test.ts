/**
 * Sequence diagrams from a real run: h1 -- r1 -- h2, a TCP handshake, 100 bytes whose first
 * copy r1's link to h2 drops (a one-shot fault rule), the retransmission, and the ACKs.
 */
import { describe, expect, it } from "vitest";
import { ping } from "../apps/tools/ping.js";
import { installGlobalRoutes } from "../net/global-routing.js";
import { Network } from "../net/network.js";
import type { PacketEvent } from "../net/packet-events.js";
import { ms, sec } from "../sim/time.js";
import { TransportError } from "../transport/errors.js";
import { tcp } from "../transport/tcp/index.js";
import { parseIpv4Address } from "../wire/address.js";
import { emitIpv4 } from "../wire/ipv4.js";
import { emitUdp } from "../wire/udp.js";
import { sequenceDiagram } from "./sequence.js";
import { renderSequenceText } from "./sequence-text.js";

/** Runs the scenario and returns every packet event. */
function lossyTransfer(): PacketEvent[] {
  const net = new Network({ seed: 1 });
  net.addHost("h1");
  net.addRouter("r1");
  net.addHost("h2");
  net.connect("h1", "r1", { delay: ms(5), addresses: ["10.0.1.1/24", "10.0.1.254/24"] });
  net.connect("r1", "h2", { delay: ms(5), addresses: ["10.0.2.254/24", "10.0.2.1/24"] });
  installGlobalRoutes(net);
  const events: PacketEvent[] = [];
  net.events.subscribe((e) => events.push({ ...e, packet: e.packet.slice() }));
  let dropped = false;
  net.faults.add({
    name: "drop the first data segment towards h2",
    decide: (p) => {
      // 20-byte IP header + 32-byte TCP header (timestamps) + data.
      if (dropped || p.from !== "r1" || p.packet.length <= 52 + 20) return "pass";
      dropped = true;
      return "drop";
    },
  });
  tcp(net.node("h2")).listen(80, undefined, {}, (c) => c.onData(() => {}));
  const c = tcp(net.node("h1")).connect({ address: "10.0.2.1", port: 80, localPort: 40000 });
  if (c instanceof TransportError) throw new Error(c.message);
  c.onConnect(() => c.write(new Uint8Array(100)));
  net.sim.runUntil(sec(3));
  return events;
}

/** A UDP datagram 10.0.1.1:53 > 10.0.2.1:33000 with `n` bytes of data and IP id `id`. */
function udp(n: number, id: number, ttl = 64): Uint8Array {
  const payload = emitUdp({ srcPort: 53, dstPort: 33000, checksum: 0, payload: new Uint8Array(n) });
  return emitIpv4({
    dscp: 0,
    ecn: 0,
    identification: id,
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl,
    protocol: 17,
    headerChecksum: 0,
    src: parseIpv4Address("10.0.1.1") as number,
    dst: parseIpv4Address("10.0.2.1") as number,
    options: [],
    payload,
  });
}

/** One hop event of a hand-made trace. */
const ev = (
  time: number,
  kind: PacketEvent["kind"],
  node: string,
  link: string,
  packet: Uint8Array,
  reason?: PacketEvent["reason"],
): PacketEvent => ({
  time: ms(time),
  kind,
  node,
  link,
  packet,
  framing: "ip",
  ...(reason ? { reason } : {}),
});

describe("sequenceDiagram", () => {
  it("draws a handshake, a loss and its retransmission between the hosts", () => {
    const model = sequenceDiagram(lossyTransfer());
    expect(model.columns).toEqual(["h1", "h2"]);
    expect(model.arrows.map((a) => a.kind)).toEqual([
      "normal",
      "normal",
      "normal",
      "lost",
      "retransmission",
      "normal",
    ]);
    // The loss happened at r1 (not a column), 5 ms into the 10 ms path.
    expect(model.arrows[3]!.lost).toEqual({ node: "r1", time: 25_004_768, reason: "fault-rule" });
    expect(model.arrows[4]!.receiveTime! - model.arrows[4]!.sendTime).toBeGreaterThan(ms(10));
    expect(renderSequenceText(model, { width: 40 })).toBe(
      [
        "time (ms)   h1                         h2",
        "     0.000  |------------------------->|  SYN seq=0 <mss 1460,sackOK,TS,nop,wscale 5>",
        "    10.001  |<-------------------------|  SYN,ACK seq=0 ack=1 <mss 1460,sackOK,TS,nop,wscale 5>",
        "    20.002  |------------------------->|  ACK seq=1 ack=1",
        "    20.002  |------------X             |  PSH,ACK seq=1 ack=1 len=100 (lost: fault-rule)",
        "  1020.002  |------------------------->|  PSH,ACK seq=1 ack=1 len=100 (retransmission)",
        "  1030.004  |<-------------------------|  ACK seq=1 ack=101",
        "",
      ].join("\n"),
    );
  });

  it("shows the router as a column when asked, and filters by time and by arrow", () => {
    const events = lossyTransfer();
    const withRouter = sequenceDiagram(events, { nodes: ["h1", "r1", "h2"] });
    // Arrows stay end to end; the loss's cross now sits just before r1's lifeline.
    const text = renderSequenceText(withRouter, { width: 40 });
    expect(text.split("\n")[4]).toBe(
      "    20.002  |-----------X|            |  PSH,ACK seq=1 ack=1 len=100 (lost: fault-rule)",
    );
    const late = sequenceDiagram(events, { from: ms(1000) });
    expect(late.arrows.map((a) => a.label)).toEqual([
      "PSH,ACK seq=1 ack=1 len=100",
      "ACK seq=1 ack=101",
    ]);
    const fromServer = sequenceDiagram(events, { filter: (a) => a.srcPort === 80 });
    expect(fromServer.arrows.map((a) => a.from)).toEqual(["h2", "h2"]);
  });

  it("matches a packet across a router by its IP id and transport bytes, and marks duplicates", () => {
    const events = [
      ev(0, "transmit", "h1", "a", udp(40, 7)),
      ev(1, "deliver", "r1", "a", udp(40, 7)),
      ev(1, "transmit", "r1", "b", udp(40, 7, 63)),
      ev(2, "deliver", "h2", "b", udp(40, 7, 63)),
      ev(2, "deliver", "h2", "b", udp(40, 7, 63)),
      // Same bytes but a new IP id: a different datagram, lost on the second wire.
      ev(5, "transmit", "h1", "a", udp(40, 8)),
      ev(6, "deliver", "r1", "a", udp(40, 8)),
      ev(6, "transmit", "r1", "b", udp(40, 8, 63)),
      ev(6, "drop", "r1", "b", udp(40, 8, 63), "loss"),
      // A bit flipped on the first wire: the copy that arrives matches nothing and fails its checksum.
      ev(8, "transmit", "h1", "a", udp(40, 9)),
      ev(8, "corrupt", "h1", "a", udp(41, 9)),
      ev(9, "deliver", "r1", "a", udp(41, 9)),
      ev(9, "drop", "r1", "a", udp(41, 9), "bad-checksum"),
    ];
    const model = sequenceDiagram(events);
    expect(model.columns).toEqual(["h1", "h2"]);
    expect(model.arrows.map((a) => [a.kind, a.from, a.to, a.sendTime, a.receiveTime])).toEqual([
      ["normal", "h1", "h2", ms(0), ms(2)],
      ["duplicate", "h1", "h2", ms(0), ms(2)],
      ["lost", "h1", "h2", ms(5), undefined],
      ["lost", "h1", "h2", ms(8), undefined],
    ]);
    expect(model.arrows[3]!.lost).toEqual({ node: "h1", time: ms(8), reason: "corrupted" });
    expect(renderSequenceText(model, { width: 30 })).toBe(
      [
        "time (ms)   h1               h2",
        "     0.000  |--------------->|  UDP 53 > 33000 len=40",
        "     0.000  |--------------->|  UDP 53 > 33000 len=40 (duplicate)",
        "     5.000  |-------X        |  UDP 53 > 33000 len=40 (lost: loss)",
        "     8.000  |-------X        |  UDP 53 > 33000 len=40 (lost: corrupted)",
        "",
      ].join("\n"),
    );
  });

  it("labels pings and ignores frames without IP", () => {
    const net = new Network({ seed: 2 });
    net.addHost("a");
    net.addHost("b");
    net.connect("a", "b", { delay: ms(1), addresses: ["10.0.0.1/24", "10.0.0.2/24"] });
    installGlobalRoutes(net);
    const events: PacketEvent[] = [];
    net.events.subscribe((e) => events.push({ ...e, packet: e.packet.slice() }));
    ping(net.node("a"), "10.0.0.2", { count: 1 });
    net.sim.run();
    const model = sequenceDiagram(events);
    expect(model.arrows.map((a) => [a.from, a.to, a.label])).toEqual([
      ["a", "b", "ICMP echo request seq=1"],
      ["b", "a", "ICMP echo reply seq=1"],
    ]);
    expect(sequenceDiagram([]).arrows).toEqual([]);
  });
});

describe("renderSequenceText on awkward losses", () => {
  it("draws a short stub when the drop lies behind the sender or on it (and always ends)", () => {
    const base = {
      protocol: "udp",
      src: "10.0.0.2",
      dst: "10.0.0.3",
      retransmission: false,
    } as const;
    const model = {
      columns: ["a", "b", "c"],
      start: 0,
      end: 2,
      arrows: [
        {
          ...base,
          from: "b",
          to: "c",
          sendTime: 1,
          label: "behind",
          kind: "lost" as const,
          lost: { node: "a", time: 1, reason: "loss" as const },
        },
        {
          ...base,
          from: "b",
          sendTime: 2,
          label: "on sender",
          kind: "lost" as const,
          lost: { node: "b", time: 2, reason: "loss" as const },
        },
      ],
    };
    const lines = renderSequenceText(model as never, { width: 40 }).split("\n");
    expect(lines[1]).toMatch(/\|-*X.*\|\s+behind \(lost: loss\)$/);
    expect(lines[2]).toMatch(/X.*on sender \(lost: loss\)$/);
    for (const l of lines) expect(l.length).toBeLessThan(200);
  });
});
