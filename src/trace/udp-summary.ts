/**
 * The UDP part of a packet summary, for IPv4 and IPv6 alike: "10.0.0.1.5000 > 10.0.0.2.53: "
 * then the application's text when a registered printer recognises the payload (tcpdump's
 * udp_print dispatch by port), else tcpdump's plain "UDP, length n".
 */
import { ParseError } from "../wire/parse-error.js";
import { parseUdp } from "../wire/udp.js";
import { appSummary, endpoint } from "./summary-registry.js";

/** One UDP datagram after "IP " / "IP6 ", given the formatted addresses (see TransportSummary). */
export function summarizeUdp(src: string, dst: string, datagram: Uint8Array): string {
  const u = parseUdp(datagram);
  if (u instanceof ParseError) {
    const where = src === "" ? "" : `${src} > ${dst}: `;
    return `${where}UDP [malformed: ${u.message}]`;
  }
  const app = appSummary("udp", u.srcPort, u.dstPort, u.payload, "summary");
  const text = app ?? `UDP, length ${u.payload.length}`;
  return `${endpoint(src, u.srcPort)} > ${endpoint(dst, u.dstPort)}: ${text}`;
}
