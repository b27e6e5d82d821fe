/**
 * Arrow labels for sequence diagrams: TCP segments as Wireshark's info column shows them
 * ("SYN,ACK seq=0 ack=1", relative sequence numbers) followed by the application message a
 * segment starts ("HTTP GET /"), UDP datagrams by their application ("DNS A 10.3.0.80"), ICMP
 * messages by name.
 */
import type { Icmpv4Record } from "../wire/icmpv4.js";
import {
  TCP_FLAG_ACK,
  TCP_FLAG_CWR,
  TCP_FLAG_ECE,
  TCP_FLAG_FIN,
  TCP_FLAG_PSH,
  TCP_FLAG_RST,
  TCP_FLAG_SYN,
  TCP_FLAG_URG,
  type TcpRecord,
} from "../wire/tcp.js";
import type { TcpOption } from "../wire/tcp-options.js";
import { appSummary } from "./summary-registry.js";
// Application labels register themselves on import (DHCP's lives with the other UDP printers).
import "./dns-summary.js";
import "./tcp-app-summaries.js";
import "./udp-app-summaries.js";

export { dhcpLabel } from "./udp-app-summaries.js";

/**
 * An arrow label for a UDP datagram: the application's own words when a registered protocol
 * recognises it ("DNS A? www.example.com", "NTP client", "STUN Binding Request", "DHCP ACK
 * 10.0.0.100 xid=0x3903f326"), else "UDP 40000 > 53 len=33".
 */
export function udpLabel(srcPort: number, dstPort: number, payload: Uint8Array): string {
  return (
    appSummary("udp", srcPort, dstPort, payload, "label") ??
    `UDP ${srcPort} > ${dstPort} len=${payload.length}`
  );
}

export function icmpLabel(m: Icmpv4Record): string {
  switch (m.type) {
    case "echo-request":
      return `ICMP echo request seq=${m.sequence}`;
    case "echo-reply":
      return `ICMP echo reply seq=${m.sequence}`;
    case "time-exceeded":
      return "ICMP time exceeded";
    case "destination-unreachable":
      return `ICMP unreachable code=${m.code}`;
    default:
      return `ICMP type ${m.icmpType} code=${m.code}`;
  }
}

/** Wireshark's order for flag names: "SYN, ACK", "PSH, ACK", "FIN, ACK". */
const FLAG_NAMES: [number, string][] = [
  [TCP_FLAG_FIN, "FIN"],
  [TCP_FLAG_SYN, "SYN"],
  [TCP_FLAG_RST, "RST"],
  [TCP_FLAG_PSH, "PSH"],
  [TCP_FLAG_ACK, "ACK"],
  [TCP_FLAG_URG, "URG"],
  [TCP_FLAG_ECE, "ECE"],
  [TCP_FLAG_CWR, "CWR"],
];

/** Per-direction state: the initial sequence number and the highest sequence sent. */
interface Direction {
  isn: number;
  next: number;
}

/**
 * Relative sequence numbers as Wireshark shows them (offsets from each side's ISN, taken from
 * its SYN, or its first segment seen when the SYN was missed) and retransmission detection: a
 * segment occupying sequence space that starts below the highest sequence already sent.
 */
export class TcpLabeler {
  private readonly dirs = new Map<string, Direction>();

  label(src: string, dst: string, t: TcpRecord): { label: string; retransmission: boolean } {
    const me = `${src}:${t.srcPort}>${dst}:${t.dstPort}`;
    const peer = `${dst}:${t.dstPort}>${src}:${t.srcPort}`;
    let d = this.dirs.get(me);
    const syn = (t.flags & TCP_FLAG_SYN) !== 0;
    if (d === undefined || (syn && d.next === 0 && d.isn !== t.seq)) {
      d = { isn: t.seq, next: 0 };
      this.dirs.set(me, d);
    }
    const rel = (x: number, base: number) => (x - base) >>> 0;
    const seq = rel(t.seq, d.isn);
    const len = t.payload.length + (syn ? 1 : 0) + ((t.flags & TCP_FLAG_FIN) !== 0 ? 1 : 0);
    const retransmission = len > 0 && seq < d.next;
    d.next = Math.max(d.next, seq + len);
    const p = this.dirs.get(peer);
    const flags = FLAG_NAMES.filter(([bit]) => (t.flags & bit) !== 0).map(([, n]) => n);
    let label = `${flags.length > 0 ? flags.join(",") : "<none>"} seq=${seq}`;
    if ((t.flags & TCP_FLAG_ACK) !== 0)
      label += ` ack=${p === undefined ? t.ack : rel(t.ack, p.isn)}`;
    if (t.payload.length > 0) label += ` len=${t.payload.length}`;
    const opts = formatOptions(t.options, syn, p?.isn);
    if (opts !== "") label += ` <${opts}>`;
    // The application message a segment starts, as Wireshark's info column adds it.
    if (t.payload.length > 0) {
      const app = appSummary("tcp", t.srcPort, t.dstPort, t.payload, "label");
      if (app !== undefined) label += ` ${app}`;
    }
    return { label, retransmission };
  }
}

/** Options in tcpdump's words; all of them on a SYN, only SACK blocks elsewhere (as the rest repeat). */
function formatOptions(options: readonly TcpOption[], syn: boolean, peerIsn?: number): string {
  const out: string[] = [];
  for (const o of options) {
    if (o.kind === "sack") {
      const base = peerIsn ?? 0;
      const blocks = o.blocks.map((b) => `${(b.left - base) >>> 0}-${(b.right - base) >>> 0}`);
      out.push(`sack ${blocks.join(" ")}`);
      continue;
    }
    if (!syn) continue;
    if (o.kind === "nop") out.push("nop");
    else if (o.kind === "mss") out.push(`mss ${o.value}`);
    else if (o.kind === "window-scale") out.push(`wscale ${o.shift}`);
    else if (o.kind === "sack-permitted") out.push("sackOK");
    else if (o.kind === "timestamps") out.push("TS");
    else out.push(`opt-${o.type}`);
  }
  return out.join(",");
}
