/**
 * The TCP line of packet summaries, as tcpdump -n -S prints it: ports, flags in brackets
 * ([S.] for SYN-ACK, [P.] for data with ACK), absolute sequence numbers, the window and the
 * payload length, then an application printer's text (HTTP). Importing this module registers it.
 */

import { IP_PROTOCOL_TCP } from "../wire/ipv4.js";
import { ParseError } from "../wire/parse-error.js";
import {
  parseTcp,
  TCP_FLAG_ACK,
  TCP_FLAG_FIN,
  TCP_FLAG_PSH,
  TCP_FLAG_RST,
  TCP_FLAG_SYN,
  TCP_FLAG_URG,
} from "../wire/tcp.js";
import { appSummary, endpoint, registerTransportSummary } from "./summary-registry.js";

/** tcpdump's flag letters, in its order; "." stands for ACK. */
const LETTERS: [number, string][] = [
  [TCP_FLAG_FIN, "F"],
  [TCP_FLAG_SYN, "S"],
  [TCP_FLAG_RST, "R"],
  [TCP_FLAG_PSH, "P"],
  [TCP_FLAG_URG, "U"],
  [TCP_FLAG_ACK, "."],
];

/** One TCP segment after "IP ": "10.0.0.1.40000 > 10.0.0.6.80: Flags [S], seq 1, win 65535, length 0". */
export function summarizeTcp(src: string, dst: string, segment: Uint8Array): string {
  const t = parseTcp(segment);
  if (t instanceof ParseError) {
    const where = src === "" ? "" : `${src} > ${dst}: `;
    return `${where}TCP [malformed: ${t.message}]`;
  }
  const flags = LETTERS.filter(([bit]) => (t.flags & bit) !== 0)
    .map(([, l]) => l)
    .join("");
  const n = t.payload.length;
  const seq = n > 0 ? `seq ${t.seq}:${(t.seq + n) % 2 ** 32}` : `seq ${t.seq}`;
  const ack = (t.flags & TCP_FLAG_ACK) !== 0 ? `, ack ${t.ack}` : "";
  const line = `${endpoint(src, t.srcPort)} > ${endpoint(dst, t.dstPort)}: Flags [${flags || "none"}], ${seq}${ack}, win ${t.window}, length ${n}`;
  // tcpdump hands the payload to the port's printer, which brings its own separator.
  const app = n > 0 ? appSummary("tcp", t.srcPort, t.dstPort, t.payload, "summary") : undefined;
  return app === undefined ? line : `${line}${app}`;
}

registerTransportSummary(IP_PROTOCOL_TCP, summarizeTcp);
