/**
 * Sample packets for the summary and label tests, built with the engine's own emitters (the same
 * bytes its hosts send): DNS, NTP, DHCP, RIP, STUN over UDP, HTTP and TLS over TCP, and IPv6
 * with ICMPv6, NDP, UDP, TCP and extension headers. Each is a bare IP datagram.
 */
import { emitStun, STUN_BINDING, xorMappedAddress } from "../../src/apps/p2p/stun.js";
import { type Ipv4, Ipv6Address, parseIpv4Address } from "../../src/wire/address.js";
import {
  BOOTP_REPLY,
  BOOTP_REQUEST,
  chaddrFromMac,
  DHCP_MESSAGE,
  emitDhcp,
  emptyDhcpMessage,
} from "../../src/wire/dhcp.js";
import { createDnsMessage, emitDnsMessage } from "../../src/wire/dns.js";
import { DNS_CLASS } from "../../src/wire/dns-rr.js";
import { emitIcmpv6, ICMPV6_PROTOCOL, type Icmpv6Record } from "../../src/wire/icmpv6.js";
import { emitIpv4, IP_PROTOCOL_TCP, IP_PROTOCOL_UDP } from "../../src/wire/ipv4.js";
import {
  emitIpv6,
  IPV6_FRAGMENT,
  IPV6_HOP_BY_HOP,
  type Ipv6Extension,
  ipv6PseudoHeader,
} from "../../src/wire/ipv6.js";
import { mac } from "../../src/wire/mac.js";
import { emitNdp, type NdpMessage } from "../../src/wire/ndp.js";
import {
  emitNtp,
  NTP_MODE_CLIENT,
  NTP_MODE_SERVER,
  NTP_ZERO_TIMESTAMP,
} from "../../src/wire/ntp.js";
import { emitRip, RIP_AF_INET, RIP_COMMAND_RESPONSE } from "../../src/wire/rip.js";
import { seq } from "../../src/wire/seq.js";
import { emitTcp, TCP_FLAG_ACK, TCP_FLAG_PSH, TCP_FLAG_SYN } from "../../src/wire/tcp.js";
import { emitUdp } from "../../src/wire/udp.js";

const text = new TextEncoder();

export function v4(a: string): Ipv4 {
  const r = parseIpv4Address(a);
  if (typeof r !== "number") throw new Error(r.message);
  return r;
}

/** An IPv4 datagram of `protocol` from `src` to `dst`. */
export function ipv4(src: string, dst: string, protocol: number, payload: Uint8Array): Uint8Array {
  return emitIpv4({
    dscp: 0,
    ecn: 0,
    identification: 1,
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol,
    headerChecksum: 0,
    src: v4(src),
    dst: v4(dst),
    options: [],
    payload,
  });
}

export function udp4(
  src: string,
  sport: number,
  dst: string,
  dport: number,
  payload: Uint8Array,
): Uint8Array {
  const pseudo = { family: 4 as const, src: v4(src), dst: v4(dst) };
  const d = emitUdp({ srcPort: sport, dstPort: dport, checksum: 0, payload }, pseudo);
  return ipv4(src, dst, IP_PROTOCOL_UDP, d);
}

/** A TCP segment with fixed seq 1000, ack 2000 and window 64240, checksummed over `pseudo`. */
function segment(
  sport: number,
  dport: number,
  payload: Uint8Array,
  flags: number,
  pseudo: Parameters<typeof emitTcp>[1],
): Uint8Array {
  return emitTcp(
    {
      srcPort: sport,
      dstPort: dport,
      seq: seq(1000),
      ack: seq(2000),
      flags,
      window: 64240,
      checksum: 0,
      urgentPointer: 0,
      options: [],
      payload,
    },
    pseudo,
  );
}

export function tcp4(
  src: string,
  sport: number,
  dst: string,
  dport: number,
  payload: Uint8Array,
  flags = TCP_FLAG_PSH | TCP_FLAG_ACK,
): Uint8Array {
  const pseudo = { family: 4 as const, src: v4(src), dst: v4(dst) };
  return ipv4(src, dst, IP_PROTOCOL_TCP, segment(sport, dport, payload, flags, pseudo));
}

/** An IPv6 packet; `extensions` chain in order before `upper`. */
export function ipv6(
  src: string,
  dst: string,
  upper: number,
  payload: Uint8Array,
  extensions: Ipv6Extension[] = [],
  hopLimit = 64,
): Uint8Array {
  return emitIpv6({
    trafficClass: 0,
    flowLabel: 0,
    nextHeader: extensions[0]?.type ?? upper,
    hopLimit,
    src: Ipv6Address.of(src),
    dst: Ipv6Address.of(dst),
    extensions,
    upperProtocol: upper,
    payload,
  });
}

export function icmp6(src: string, dst: string, m: Icmpv6Record, ext: Ipv6Extension[] = []) {
  const pseudo = ipv6PseudoHeader({ src: Ipv6Address.of(src), dst: Ipv6Address.of(dst) });
  return ipv6(src, dst, ICMPV6_PROTOCOL, emitIcmpv6(m, pseudo), ext);
}

export function ndp(src: string, dst: string, m: NdpMessage) {
  const pseudo = ipv6PseudoHeader({ src: Ipv6Address.of(src), dst: Ipv6Address.of(dst) });
  return ipv6(src, dst, ICMPV6_PROTOCOL, emitNdp(m, pseudo), [], 255);
}

export function udp6(
  src: string,
  sport: number,
  dst: string,
  dport: number,
  payload: Uint8Array,
  ext: Ipv6Extension[] = [],
) {
  const pseudo = ipv6PseudoHeader({ src: Ipv6Address.of(src), dst: Ipv6Address.of(dst) });
  const d = emitUdp({ srcPort: sport, dstPort: dport, checksum: 0, payload }, pseudo);
  return ipv6(src, dst, IP_PROTOCOL_UDP, d, ext);
}

export function tcp6(
  src: string,
  sport: number,
  dst: string,
  dport: number,
  payload: Uint8Array,
  ext: Ipv6Extension[] = [],
  flags = TCP_FLAG_PSH | TCP_FLAG_ACK,
) {
  const pseudo = ipv6PseudoHeader({ src: Ipv6Address.of(src), dst: Ipv6Address.of(dst) });
  return ipv6(src, dst, IP_PROTOCOL_TCP, segment(sport, dport, payload, flags, pseudo), ext);
}

export function echo6(
  type: "echo-request" | "echo-reply",
  id: number,
  sq: number,
  size: number,
): Icmpv6Record {
  return { type, checksum: 0, identifier: id, sequence: sq, data: new Uint8Array(size) };
}

export const DNS_QUERY = emitDnsMessage(
  createDnsMessage({
    id: 35416,
    rd: true,
    questions: [{ name: "www.example.com.", type: 1, class: DNS_CLASS.IN }],
  }),
);

export const DNS_ANSWER = emitDnsMessage(
  createDnsMessage({
    id: 35416,
    qr: true,
    rd: true,
    ra: true,
    questions: [{ name: "www.example.com.", type: 1, class: DNS_CLASS.IN }],
    answers: [{ type: "A", name: "www.example.com.", class: 1, ttl: 300, rdata: v4("10.3.0.80") }],
  }),
);

/** A query with an EDNS0 OPT record (RFC 6891), counted in the additional section. */
export const DNS_EDNS_QUERY = emitDnsMessage(
  createDnsMessage({
    id: 4660,
    rd: true,
    questions: [{ name: "example.com.", type: 28, class: DNS_CLASS.IN }],
    edns: { udpPayloadSize: 1232, version: 0, dnssecOk: false, z: 0, options: [] },
  }),
);

/** A CNAME then an AAAA, as a resolver answers an alias. */
export const DNS_MULTI = emitDnsMessage(
  createDnsMessage({
    id: 4660,
    qr: true,
    rd: true,
    ra: true,
    questions: [{ name: "www.example.com.", type: 28, class: DNS_CLASS.IN }],
    answers: [
      { type: "CNAME", name: "www.example.com.", class: 1, ttl: 300, rdata: "web.example.com." },
      {
        type: "AAAA",
        name: "web.example.com.",
        class: 1,
        ttl: 300,
        rdata: Ipv6Address.of("2001:db8::80"),
      },
    ],
    edns: { udpPayloadSize: 1232, version: 0, dnssecOk: false, z: 0, options: [] },
  }),
);

/** A DNS message as it goes over TCP, after its two-byte length (RFC 1035 §4.2.2). */
export function dnsOverTcp(m: Uint8Array): Uint8Array {
  return Uint8Array.from([m.length >> 8, m.length & 255, ...m]);
}

export const DNS_NXDOMAIN = emitDnsMessage(
  createDnsMessage({
    id: 7,
    qr: true,
    aa: true,
    rd: true,
    rcode: 3,
    questions: [{ name: "nope.example.com.", type: 1, class: DNS_CLASS.IN }],
    authorities: [
      {
        type: "SOA",
        name: "example.com.",
        class: 1,
        ttl: 60,
        rdata: {
          mname: "ns.example.com.",
          rname: "admin.example.com.",
          serial: 1,
          refresh: 3600,
          retry: 600,
          expire: 86400,
          minimum: 60,
        },
      },
    ],
  }),
);

export function ntp(mode: number): Uint8Array {
  return emitNtp({
    leap: mode === NTP_MODE_CLIENT ? 3 : 0,
    version: 4,
    mode,
    stratum: mode === NTP_MODE_SERVER ? 2 : 0,
    poll: 6,
    precision: -20,
    rootDelay: 0,
    rootDispersion: 0,
    referenceId: 0,
    referenceTimestamp: NTP_ZERO_TIMESTAMP,
    originTimestamp: NTP_ZERO_TIMESTAMP,
    receiveTimestamp: NTP_ZERO_TIMESTAMP,
    transmitTimestamp: { seconds: 3_976_000_000, fraction: 0 },
  });
}
export { NTP_MODE_CLIENT, NTP_MODE_SERVER };

export function dhcp(op: "discover" | "offer"): Uint8Array {
  const m = emptyDhcpMessage(op === "discover" ? BOOTP_REQUEST : BOOTP_REPLY);
  m.chaddr = chaddrFromMac(mac("02:00:00:00:00:01"));
  m.xid = 0x3903f326;
  m.options.messageType = op === "discover" ? DHCP_MESSAGE.DISCOVER : DHCP_MESSAGE.OFFER;
  if (op === "offer") {
    m.yiaddr = v4("10.0.0.100");
    m.options.serverId = v4("10.0.0.1");
  }
  return emitDhcp(m);
}

export const RIP_RESPONSE = emitRip({
  command: RIP_COMMAND_RESPONSE,
  version: 2,
  entries: [
    {
      family: RIP_AF_INET,
      routeTag: 0,
      address: v4("10.0.1.0"),
      mask: v4("255.255.255.0"),
      nextHop: 0,
      metric: 1,
    },
    {
      family: RIP_AF_INET,
      routeTag: 0,
      address: v4("10.0.2.0"),
      mask: v4("255.255.255.0"),
      nextHop: 0,
      metric: 2,
    },
  ],
});

const TID = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
export const STUN_REQUEST = emitStun({
  method: STUN_BINDING,
  class: "request",
  transactionId: TID,
  attributes: [],
});
export const STUN_SUCCESS = emitStun({
  method: STUN_BINDING,
  class: "success",
  transactionId: TID,
  attributes: [xorMappedAddress("203.0.113.2", 5000)],
});

export const HTTP_GET = text.encode("GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
export const HTTP_OK = text.encode(
  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
);

/** A TLS 1.2 record holding the start of a Client Hello (type 1); the body is filler. */
export const TLS_CLIENT_HELLO = (() => {
  const body = new Uint8Array(60);
  body[0] = 1; // handshake type: client_hello (RFC 8446 §4)
  body[3] = 56;
  body[4] = 3;
  body[5] = 3;
  return Uint8Array.from([22, 3, 1, 0, body.length, ...body]);
})();
/** Two application data records in one segment. */
export const TLS_APP_DATA = Uint8Array.from([23, 3, 3, 0, 4, 1, 2, 3, 4, 23, 3, 3, 0, 2, 9, 9]);

export { IPV6_FRAGMENT, IPV6_HOP_BY_HOP, mac, TCP_FLAG_ACK, TCP_FLAG_PSH, TCP_FLAG_SYN };
