/**
 * HTTP and TLS in a packet trace. HTTP follows tcpdump -n (print-http.c through txtproto_print):
 * on port 80 or 8080, a segment whose payload starts with a request-line of a known method, or a
 * status-line, gets "HTTP: GET / HTTP/1.1" after the TCP part; the line is checked with the HTTP
 * parser first. tcpdump does not decode TLS; its text is Wireshark's info column ("Client Hello,
 * Application Data") for segments that start at a record boundary on port 443 (checked against
 * tshark 4 on TLS 1.2 and 1.3 sessions of Node's tls over the simulated TCP).
 */
import { parseRequestLine, parseStatusLine } from "../apps/http/start-line.js";
import { latin1 } from "../apps/http/syntax.js";
import { registerAppProtocol } from "./summary-registry.js";
import { clip } from "./text-clip.js";

/** tcpdump's HTTP_PORT and HTTP_PORT_ALT; TLS on HTTPS's port (RFC 9110 §4.2.2). */
const HTTP_PORTS = [80, 8080];
const TLS_PORT = 443;

/** tcpdump's httpcmds: the methods whose first line it prints (RFC 9110 §9 plus WebDAV). */
const METHODS = new Set(
  (
    "GET PUT COPY HEAD LOCK MOVE POLL POST BCOPY BMOVE MKCOL TRACE LABEL MERGE DELETE SEARCH " +
    "UNLOCK REPORT UPDATE NOTIFY BDELETE CONNECT OPTIONS CHECKIN PROPFIND CHECKOUT CCM_POST " +
    "SUBSCRIBE PROPPATCH BPROPFIND BPROPPATCH UNCHECKOUT MKACTIVITY MKWORKSPACE UNSUBSCRIBE " +
    "RPC_CONNECT VERSION-CONTROL BASELINE-CONTROL PATCH"
  ).split(" "),
);

/** Longest first line looked at; tcpdump stops at the captured bytes, a report needs a bound. */
const MAX_LINE = 1024;

type Head =
  | { kind: "request"; line: string; method: string; target: string }
  | { kind: "response"; line: string; status: number; reason: string };

/** The start-line a payload begins with, when it is a valid HTTP/1.x one. */
function startLine(payload: Uint8Array): Head | undefined {
  const limit = Math.min(payload.length, MAX_LINE);
  let eol = -1;
  for (let i = 0; i < limit; i++)
    if (payload[i] === 0x0a) {
      eol = i;
      break;
    }
  // RFC 9112 §2.2: a line ends in CRLF; a bare LF is accepted by recipients.
  if (eol <= 0) return undefined;
  const end = payload[eol - 1] === 0x0d ? eol - 1 : eol;
  const line = payload.subarray(0, end);
  if (line.length >= 5 && latin1(line, 0, 5) === "HTTP/") {
    const s = parseStatusLine(line, 0);
    if ("status" in s)
      return { kind: "response", line: latin1(line), status: s.status, reason: s.reason };
    return undefined;
  }
  const sp = line.indexOf(0x20);
  if (sp <= 0 || !METHODS.has(latin1(line, 0, sp))) return undefined;
  const r = parseRequestLine(line, 0);
  if (!("method" in r)) return undefined;
  return { kind: "request", line: latin1(line), method: r.method, target: r.target };
}

/**
 * "HTTP: GET / HTTP/1.1" for a segment that starts an HTTP message; any other data on the port
 * gets the bare "HTTP" tcpdump prints (txtproto_print names the protocol before it finds a line).
 */
export function httpSummary(payload: Uint8Array): string | undefined {
  const h = startLine(payload);
  return h === undefined ? "HTTP" : `HTTP: ${h.line}`;
}

/** "HTTP GET /", "HTTP 200 OK". */
export function httpLabel(payload: Uint8Array): string | undefined {
  const h = startLine(payload);
  if (h === undefined) return undefined;
  if (h.kind === "request") return `HTTP ${h.method} ${clip(h.target)}`;
  return `HTTP ${h.status}${h.reason === "" ? "" : ` ${clip(h.reason)}`}`;
}

/** TLS handshake message names as Wireshark shows them (RFC 8446 §4, RFC 5246 §7.4). */
const HANDSHAKES: Record<number, string> = {
  0: "Hello Request",
  1: "Client Hello",
  2: "Server Hello",
  4: "New Session Ticket",
  8: "Encrypted Extensions",
  11: "Certificate",
  12: "Server Key Exchange",
  13: "Certificate Request",
  14: "Server Hello Done",
  15: "Certificate Verify",
  16: "Client Key Exchange",
  20: "Finished",
};
/** Most records named in one line (a bound on work per packet; Wireshark lists every one). */
const MAX_RECORDS = 16;
/** A plaintext alert is two bytes, level and description (RFC 8446 §6). */
const ALERT_LENGTH = 2;

/**
 * The handshake messages of one record, a 4-byte header each (RFC 8446 §4: type, 24-bit
 * length); a body that starts with no known message is encrypted (TLS 1.2's Finished).
 */
function handshakeNames(
  p: Uint8Array,
  start: number,
  end: number,
  cut: boolean,
  out: string[],
): void {
  let o = start;
  const first = out.length;
  while (o + 4 <= end && out.length < MAX_RECORDS) {
    const name = HANDSHAKES[p[o]!];
    const len = (p[o + 1]! << 16) | (p[o + 2]! << 8) | p[o + 3]!;
    if (name === undefined || o + 4 + len > end) break;
    out.push(name);
    o += 4 + len;
  }
  // A record that continues in the next segment still names the message it starts with; a
  // whole record whose bytes are no message chain is encrypted.
  if (out.length === first) {
    const name = cut && start + 4 <= end ? HANDSHAKES[p[start]!] : undefined;
    out.push(name ?? "Encrypted Handshake Message");
  }
}

/**
 * Wireshark's info column for the TLS records a segment starts with (RFC 8446 §5.1: type,
 * version 0x03xx, length), or undefined when it does not start at a record boundary.
 */
function tlsRecords(payload: Uint8Array): string | undefined {
  const names: string[] = [];
  let o = 0;
  while (o + 5 <= payload.length && names.length < MAX_RECORDS) {
    const type = payload[o]!;
    if (type < 20 || type > 23 || payload[o + 1] !== 3 || payload[o + 2]! > 4) break;
    const len = (payload[o + 3]! << 8) | payload[o + 4]!;
    // RFC 8446 §5.1: a record's fragment is at most 2^14 bytes (plus 256 when protected).
    if (len === 0 || len > 16384 + 256) break;
    const end = Math.min(payload.length, o + 5 + len);
    if (type === 20) names.push("Change Cipher Spec");
    else if (type === 21) names.push(len === ALERT_LENGTH ? "Alert" : "Encrypted Alert");
    else if (type === 23) names.push("Application Data");
    else handshakeNames(payload, o + 5, end, o + 5 + len > payload.length, names);
    o += 5 + len;
  }
  return names.length === 0 ? undefined : `TLS ${names.join(", ")}`;
}

registerAppProtocol("tcp", HTTP_PORTS, {
  name: "http",
  summary: (p) => `: ${httpSummary(p)}`,
  label: (p) => httpLabel(p),
});
registerAppProtocol("tcp", [TLS_PORT], {
  name: "tls",
  summary: (p) => {
    const t = tlsRecords(p);
    return t === undefined ? undefined : `: ${t}`;
  },
  label: (p) => tlsRecords(p),
});
