/**
 * The UDP part of a packet summary, for IPv4 and IPv6 alike: "10.0.0.1.5000 > 10.0.0.2.53: "
 * then the application's text when a registered printer recognises the payload (tcpdump's
 * udp_print dispatch by port), else tcpdump's plain "UDP, length n".
 */
import { ParseError } from "../wire/parse-error.js";
import { parseUdp } from "../wire/udp.js";
import { appSummary } from "./summary-registry.js";

/** One UDP datagram after "IP " / "IP6 ", given the formatted addresses. */
export function summarizeUdp(src: string, dst: string, datagram: Uint8Array): string {
  const u = parseUdp(datagram);
  if (u instanceof ParseError) return `${src} > ${dst}: UDP [malformed: ${u.message}]`;
  const app = appSummary("udp", u.srcPort, u.dstPort, u.payload, "summary");
  return `${src}.${u.srcPort} > ${dst}.${u.dstPort}: ${app ?? `UDP, length ${u.payload.length}`}`;
}
