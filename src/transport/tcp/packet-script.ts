/**
 * A packetdrill-style harness: the TCP under test runs on host "a" of a two-node network; the
 * other node is a raw peer with no TCP, whose script injects wire segments and captures every
 * segment "a" sends, checksum verified. Segments print in one line with sequence numbers
 * relative to each side's ISN ("S. seq=0 ack=1 win=65535 len=0 <mss 1460,nop,wscale 4>"), so a
 * test reads like a packetdrill script and fails with a readable diff.
 */

import { Network } from "../../net/network.js";
import type { Node } from "../../net/node.js";
import type { Nanos } from "../../sim/time.js";
import { Ipv6Address } from "../../wire/address.js";
import type { PseudoHeader } from "../../wire/checksum.js";
import { IP_PROTOCOL_TCP } from "../../wire/ipv4.js";
import { ParseError } from "../../wire/parse-error.js";
import { type SeqNumber, seq, seqDiff } from "../../wire/seq.js";
import {
  emitTcp,
  parseTcp,
  TCP_FLAG_ACK,
  TCP_FLAG_FIN,
  TCP_FLAG_PSH,
  TCP_FLAG_RST,
  TCP_FLAG_SYN,
  type TcpRecord,
} from "../../wire/tcp.js";
import type { TcpOption } from "../../wire/tcp-options.js";

/** Options for the scripted network. */
export interface PacketScriptOptions {
  /** One-way delay between the peer and the host (default 10 ms). */
  delay?: Nanos;
  /** Link MTU (default 1500). */
  mtu?: number;
  /** Address family (default 4). */
  family?: 4 | 6;
  seed?: number;
}

/** A segment to inject; sequence numbers are relative (see `PacketScript`). */
export interface ScriptSegment {
  /** Peer's port (default 40000). */
  sport?: number;
  /** Host's port (default 8080). */
  dport?: number;
  /** Relative to the peer's ISN (`peerIsn`). */
  seq?: number;
  /** Relative to the host's ISN (learned from its SYN or SYN,ACK). */
  ack?: number;
  win?: number;
  options?: readonly TcpOption[];
  /** Payload bytes, or a length to fill with a pattern. */
  data?: Uint8Array | number;
  /** A raw, absolute ACK value (for testing wild ACKs). */
  rawAck?: number;
  /** A raw, absolute sequence number. */
  rawSeq?: number;
}

/** A captured segment with its time of arrival at the peer. */
export interface Captured {
  time: Nanos;
  seg: TcpRecord;
  /** The whole IP datagram (to quote in a crafted ICMP error). */
  packet: Uint8Array;
}

const FLAG_CODES: Record<string, number> = {
  S: TCP_FLAG_SYN,
  F: TCP_FLAG_FIN,
  R: TCP_FLAG_RST,
  P: TCP_FLAG_PSH,
  ".": TCP_FLAG_ACK,
};

/** Parses tcpdump flag letters ("S.", "P.", "F.", "R") into flag bits. */
export function flagsOf(text: string): number {
  let f = 0;
  for (const ch of text) {
    const bit = FLAG_CODES[ch];
    if (bit === undefined) throw new Error(`unknown flag letter "${ch}" in "${text}"`);
    f |= bit;
  }
  return f;
}

function flagText(f: number): string {
  let s = "";
  if (f & TCP_FLAG_FIN) s += "F";
  if (f & TCP_FLAG_SYN) s += "S";
  if (f & TCP_FLAG_RST) s += "R";
  if (f & TCP_FLAG_PSH) s += "P";
  if (f & TCP_FLAG_ACK) s += ".";
  return s;
}

export class PacketScript {
  readonly net: Network;
  /** The node whose TCP is under test. */
  readonly host: Node;
  /** The raw peer. */
  readonly peer: Node;
  readonly hostAddress: string;
  readonly peerAddress: string;
  /** Segments the host sent, in order; `next()` consumes them. */
  readonly captured: Captured[] = [];
  private cursor = 0;
  /** The peer's ISN: relative sequence numbers of injected segments start here. */
  peerIsn: SeqNumber = seq(1_000_000);
  /** The host's ISN, learned from the first SYN it sends. */
  hostIsn: SeqNumber | undefined;
  private readonly family: 4 | 6;

  constructor(o: PacketScriptOptions = {}) {
    this.family = o.family ?? 4;
    this.net = new Network({ seed: o.seed ?? 7 });
    this.host = this.net.addHost("a");
    this.peer = this.net.addHost("p");
    const v6 = this.family === 6;
    this.hostAddress = v6 ? "2001:db8::1" : "10.0.0.1";
    this.peerAddress = v6 ? "2001:db8::2" : "10.0.0.2";
    this.net.connect(this.host, this.peer, {
      delay: o.delay ?? 10_000_000,
      mtu: o.mtu ?? 1500,
      addresses: v6 ? ["2001:db8::1/64", "2001:db8::2/64"] : ["10.0.0.1/24", "10.0.0.2/24"],
    });
    const capture = (packet: Uint8Array, payload: Uint8Array, pseudo: PseudoHeader) => {
      const r = parseTcp(payload, pseudo);
      if (r instanceof ParseError) throw new Error(`host sent a bad segment: ${r.message}`);
      if (this.hostIsn === undefined && (r.flags & TCP_FLAG_SYN) !== 0) this.hostIsn = r.seq;
      this.captured.push({ time: this.net.sim.now, seg: r, packet });
    };
    this.peer.ipv4.register(IP_PROTOCOL_TCP, (d) =>
      capture(d.packet, d.payload, { family: 4, src: d.src, dst: d.dst }),
    );
    this.peer.ipv6.register(IP_PROTOCOL_TCP, (d) =>
      capture(d.packet, d.payload, { family: 6, src: d.src, dst: d.dst }),
    );
  }

  get now(): Nanos {
    return this.net.sim.now;
  }

  /** Runs the simulation for `dt` ns. */
  run(dt: Nanos): void {
    this.net.sim.runUntil(this.net.sim.now + dt);
  }

  /** Sends a segment from the peer, e.g. `inject("S", { seq: 0, options: [...] })`. */
  inject(flags: string, s: ScriptSegment = {}): TcpRecord {
    const f = flagsOf(flags);
    const hostIsn = this.hostIsn ?? seq(0);
    const data = typeof s.data === "number" ? pattern(s.data) : (s.data ?? new Uint8Array(0));
    const rec: TcpRecord = {
      srcPort: s.sport ?? 40000,
      dstPort: s.dport ?? 8080,
      seq: s.rawSeq !== undefined ? seq(s.rawSeq) : seq(this.peerIsn + (s.seq ?? 0)),
      ack:
        s.rawAck !== undefined
          ? seq(s.rawAck)
          : (f & TCP_FLAG_ACK) !== 0
            ? seq(hostIsn + (s.ack ?? 0))
            : seq(0),
      flags: f,
      window: s.win ?? 65535,
      checksum: 0,
      urgentPointer: 0,
      options: s.options ?? [],
      payload: data,
    };
    if (this.family === 4) {
      const src = 0x0a000002;
      const dst = 0x0a000001;
      const bytes = emitTcp(rec, { family: 4, src, dst });
      this.peer.ipv4.send({ dst, src, protocol: IP_PROTOCOL_TCP, payload: bytes });
    } else {
      const src = Ipv6Address.of(this.peerAddress);
      const dst = Ipv6Address.of(this.hostAddress);
      const bytes = emitTcp(rec, { family: 6, src, dst });
      this.peer.ipv6.send({ dst, src, protocol: IP_PROTOCOL_TCP, payload: bytes });
    }
    return rec;
  }

  /** The next captured segment, formatted (or "none"). */
  next(): string {
    const c = this.captured[this.cursor];
    if (c === undefined) return "none";
    this.cursor++;
    return this.format(c.seg);
  }

  /** The next captured segment, raw. */
  nextRaw(): Captured | undefined {
    const c = this.captured[this.cursor];
    if (c !== undefined) this.cursor++;
    return c;
  }

  /** Times (ns) at which the not yet consumed segments arrived, without consuming them. */
  pendingTimes(): Nanos[] {
    return this.captured.slice(this.cursor).map((c) => c.time);
  }

  /** All captured segments not yet consumed, formatted. */
  rest(): string[] {
    const out: string[] = [];
    for (let s = this.next(); s !== "none"; s = this.next()) out.push(s);
    return out;
  }

  /** One line per segment, relative numbers, options as tcpdump prints them. */
  format(r: TcpRecord): string {
    const base = this.hostIsn ?? seq(0);
    const parts = [flagText(r.flags), `seq=${seqDiff(r.seq, base) >>> 0}`];
    if ((r.flags & TCP_FLAG_ACK) !== 0) parts.push(`ack=${seqDiff(r.ack, this.peerIsn) >>> 0}`);
    parts.push(`win=${r.window}`, `len=${r.payload.length}`);
    if (r.options.length > 0) {
      parts.push(`<${r.options.map((o) => optionText(o, this.peerIsn)).join(",")}>`);
    }
    return parts.join(" ");
  }
}

/** One option as tcpdump prints it; SACK edges relative to `isn`. */
function optionText(o: TcpOption, isn: SeqNumber): string {
  switch (o.kind) {
    case "nop":
      return "nop";
    case "mss":
      return `mss ${o.value}`;
    case "window-scale":
      return `wscale ${o.shift}`;
    case "sack-permitted":
      return "sackOK";
    case "timestamps":
      return `TS val ${o.tsval} ecr ${o.tsecr}`;
    case "sack":
      return `sack ${o.blocks.map((b) => `${seqDiff(b.left, isn)}:${seqDiff(b.right, isn)}`).join(" ")}`;
    case "unknown":
      return `opt-${o.type}`;
  }
}

/** `n` bytes of a recognisable pattern. */
export function pattern(n: number, offset = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i + offset) & 0xff;
  return b;
}
