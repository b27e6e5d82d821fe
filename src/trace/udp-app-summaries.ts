/**
 * NTP, BOOTP/DHCP, RIP and STUN in a packet trace, chosen by port as tcpdump chooses and checked
 * by the engine's parsers (bytes that do not parse leave the plain "UDP, length n" line). The
 * texts follow tcpdump -n 4.99 (print-ntp.c, print-bootp.c, print-rip.c); tcpdump does not decode
 * STUN, so its text is Wireshark's info column. Importing this module registers the printers.
 */
import { STUN_PORT } from "../apps/p2p/rendezvous-server.js";
import {
  looksLikeStun,
  parseStun,
  readXorMappedAddress,
  STUN_BINDING,
  type StunMessage,
} from "../apps/p2p/stun.js";
import { formatIpv4 } from "../wire/address.js";
import {
  BOOTP_REQUEST,
  DHCP_CLIENT_PORT,
  DHCP_SERVER_PORT,
  type DhcpMessage,
  dhcpMessageName,
  macFromChaddr,
  parseDhcp,
} from "../wire/dhcp.js";
import { formatMac } from "../wire/mac.js";
import { NTP_MODE_CLIENT, NTP_MODE_SERVER, NTP_PORT, parseNtp } from "../wire/ntp.js";
import { ParseError } from "../wire/parse-error.js";
import { parseRip, RIP_COMMAND_REQUEST, RIP_PORT } from "../wire/rip.js";
import { type AppProtocol, registerAppProtocol, registerUdpHeuristic } from "./summary-registry.js";

/** tcpdump's ntp_mode_values, by association mode (RFC 5905 §7.3). */
const NTP_MODES = [
  "unspecified",
  "symmetric active",
  "symmetric passive",
  "Client",
  "Server",
  "Broadcast",
  "Control Message",
  "Reserved",
];

/** "NTPv4, Client, length 48" (print-ntp.c without -v). */
export function ntpSummary(payload: Uint8Array): string | undefined {
  const p = parseNtp(payload);
  if (p instanceof ParseError) return undefined;
  return `NTPv${p.version}, ${NTP_MODES[p.mode]}, length ${payload.length}`;
}

/** "NTP client" / "NTP server" (or the mode's name, lower case), for an arrow. */
export function ntpLabel(payload: Uint8Array): string | undefined {
  const p = parseNtp(payload);
  if (p instanceof ParseError) return undefined;
  if (p.mode === NTP_MODE_CLIENT) return "NTP client";
  if (p.mode === NTP_MODE_SERVER) return "NTP server";
  return `NTP ${NTP_MODES[p.mode]!.toLowerCase()}`;
}

/** DHCP message type names as tcpdump -v prints option 53 (RFC 2132 §9.6). */
const DHCP_TYPES = [
  "",
  "Discover",
  "Offer",
  "Request",
  "Decline",
  "ACK",
  "NACK",
  "Release",
  "Inform",
];

function parsedDhcp(payload: Uint8Array): DhcpMessage | undefined {
  const m = parseDhcp(payload);
  return m instanceof ParseError ? undefined : m;
}

/**
 * A DHCP message between ports 67 and 68 as Wireshark's info column names it ("DHCP ACK
 * 10.0.0.100 xid=0x3903f326"); undefined for other datagrams or bytes that do not parse.
 */
export function dhcpLabel(
  srcPort: number,
  dstPort: number,
  payload: Uint8Array,
): string | undefined {
  const ports = [DHCP_SERVER_PORT, DHCP_CLIENT_PORT];
  if (!ports.includes(srcPort) || !ports.includes(dstPort)) return undefined;
  const m = parseDhcp(payload);
  if (m instanceof ParseError) return undefined;
  const yiaddr = m.yiaddr !== 0 ? ` ${formatIpv4(m.yiaddr)}` : "";
  return `DHCP ${dhcpMessageName(m.options.messageType)}${yiaddr} xid=0x${m.xid.toString(16).padStart(8, "0")}`;
}

/**
 * "BOOTP/DHCP, Request from 02:00:00:00:00:01, length 300" (print-bootp.c without -v), then the
 * DHCP message type, which tcpdump shows only with -v: ", DHCP Discover".
 */
export function dhcpSummary(payload: Uint8Array): string | undefined {
  const m = parsedDhcp(payload);
  if (m === undefined) return undefined;
  let s = `BOOTP/DHCP, ${m.op === BOOTP_REQUEST ? "Request" : "Reply"}`;
  const mac = m.op === BOOTP_REQUEST && m.htype === 1 ? macFromChaddr(m.chaddr) : undefined;
  if (mac !== undefined) s += ` from ${formatMac(mac)}`;
  s += `, length ${payload.length}`;
  const t = m.options.messageType;
  if (t !== undefined) s += `, DHCP ${DHCP_TYPES[t] ?? `type ${t}`}`;
  return s;
}

/** "RIPv2, Response, length: 44" (print-rip.c without -v; its colon, unlike the others). */
export function ripSummary(payload: Uint8Array): string | undefined {
  const m = parseRip(payload);
  if (m instanceof ParseError) return undefined;
  const cmd = m.command === RIP_COMMAND_REQUEST ? "Request" : "Response";
  return `RIPv${m.version}, ${cmd}, length: ${payload.length}`;
}

/** "RIP response 3 routes", "RIP request". */
export function ripLabel(payload: Uint8Array): string | undefined {
  const m = parseRip(payload);
  if (m instanceof ParseError) return undefined;
  if (m.command === RIP_COMMAND_REQUEST) return "RIP request";
  return `RIP response ${m.entries.length} route${m.entries.length === 1 ? "" : "s"}`;
}

const STUN_CLASSES: Record<StunMessage["class"], string> = {
  request: "Request",
  indication: "Indication",
  success: "Success Response",
  error: "Error Response",
};

/**
 * Wireshark's info column for STUN (packet-stun.c): "Binding Request", "Binding Success Response
 * XOR-MAPPED-ADDRESS: 203.0.113.2:5000". Any port: STUN is recognised by its magic cookie (RFC
 * 8489 §5), as Wireshark's heuristic does, since peers run connectivity checks on their own ports.
 */
export function stunSummary(payload: Uint8Array): string | undefined {
  const m = parseStun(payload);
  if (m instanceof ParseError) return undefined;
  const method =
    m.method === STUN_BINDING ? "Binding" : `Method 0x${m.method.toString(16).padStart(4, "0")}`;
  let s = `STUN ${method} ${STUN_CLASSES[m.class]}`;
  const mapped = readXorMappedAddress(m);
  if (mapped !== undefined) s += ` XOR-MAPPED-ADDRESS: ${mapped.address}:${mapped.port}`;
  return s;
}

/** "STUN Binding Request", "STUN Binding Success 203.0.113.2:5000": short, for an arrow. */
export function stunLabel(payload: Uint8Array): string | undefined {
  const m = parseStun(payload);
  if (m instanceof ParseError) return undefined;
  const method = m.method === STUN_BINDING ? "Binding" : `0x${m.method.toString(16)}`;
  const cls = STUN_CLASSES[m.class].replace(" Response", "");
  const mapped = readXorMappedAddress(m);
  return `STUN ${method} ${cls}${mapped === undefined ? "" : ` ${mapped.address}:${mapped.port}`}`;
}

registerAppProtocol("udp", [NTP_PORT], {
  name: "ntp",
  summary: (p) => ntpSummary(p),
  label: (p) => ntpLabel(p),
});
registerAppProtocol("udp", [DHCP_SERVER_PORT, DHCP_CLIENT_PORT], {
  name: "dhcp",
  summary: (p) => dhcpSummary(p),
  label: (p, s, d) => dhcpLabel(s, d, p),
});
registerAppProtocol("udp", [RIP_PORT], {
  name: "rip",
  summary: (p) => ripSummary(p),
  label: (p) => ripLabel(p),
});
const stun: AppProtocol = {
  name: "stun",
  summary: (p) => stunSummary(p),
  label: (p) => stunLabel(p),
};
registerAppProtocol("udp", [STUN_PORT], stun);
registerUdpHeuristic((p) => (looksLikeStun(p) ? stun : undefined));
