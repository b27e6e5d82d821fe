/**
 * Application protocols and IPv6 in packet summaries and arrow labels. Every expected summary
 * line below was checked against tcpdump 4.99.3 (`tcpdump -n -S -t -r` on a pcap of the same
 * bytes; test/summary-tcpdump.test.ts repeats that comparison where tcpdump is installed), except
 * where a comment says the text is deliberately not tcpdump's (DHCP's type, STUN, TLS, fallbacks).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DNS_ANSWER,
  DNS_EDNS_QUERY,
  DNS_MULTI,
  DNS_NXDOMAIN,
  DNS_QUERY,
  dhcp,
  dnsOverTcp,
  echo6,
  HTTP_GET,
  HTTP_OK,
  IPV6_FRAGMENT,
  IPV6_HOP_BY_HOP,
  icmp6,
  ipv6,
  mac,
  ndp,
  ntp,
  RIP_RESPONSE,
  STUN_REQUEST,
  STUN_SUCCESS,
  TLS_APP_DATA,
  TLS_CLIENT_HELLO,
  tcp4,
  tcp6,
  udp4,
  udp6,
} from "../../test/support/summary-packets.js";
import { Ipv6Address } from "../wire/address.js";
import { ETHERTYPE_IPV6, emitEthernet } from "../wire/ethernet.js";
import { parseTcp } from "../wire/tcp.js";
import { ipv6Label } from "./ipv6-label.js";
import { TcpLabeler, udpLabel } from "./sequence-label.js";
import { summarizeFrame, summarizeIp } from "./summary.js";

const A = "10.0.0.1";
const B = "10.0.0.2";
const X = "2001:db8::1";
const Y = "2001:db8::2";

describe("application protocols in tcpdump's words", () => {
  it("prints DNS queries and answers as tcpdump -n does", () => {
    expect(summarizeIp(udp4(A, 40000, B, 53, DNS_QUERY))).toBe(
      "IP 10.0.0.1.40000 > 10.0.0.2.53: 35416+ A? www.example.com. (33)",
    );
    expect(summarizeIp(udp4(B, 53, A, 40000, DNS_ANSWER))).toBe(
      "IP 10.0.0.2.53 > 10.0.0.1.40000: 35416 1/0/0 A 10.3.0.80 (49)",
    );
    // Authoritative (*), no recursion available (-), the SOA in the authority section counted.
    expect(summarizeIp(udp4(B, 53, A, 40000, DNS_NXDOMAIN))).toBe(
      "IP 10.0.0.2.53 > 10.0.0.1.40000: 7 NXDomain*- 0/1/0 (79)",
    );
    // The OPT record counts as an additional record: [1au] in a query, the third count in a reply.
    expect(summarizeIp(udp4(A, 40000, B, 53, DNS_EDNS_QUERY))).toBe(
      "IP 10.0.0.1.40000 > 10.0.0.2.53: 4660+ [1au] AAAA? example.com. (40)",
    );
    expect(summarizeIp(udp4(B, 53, A, 40000, DNS_MULTI))).toBe(
      "IP 10.0.0.2.53 > 10.0.0.1.40000: 4660 2/0/1 CNAME web.example.com., AAAA 2001:db8::80 (90)",
    );
    // Over TCP, after the two-byte length, and after a space where other printers put a colon.
    expect(summarizeIp(tcp4(A, 40000, B, 53, dnsOverTcp(DNS_QUERY)))).toBe(
      "IP 10.0.0.1.40000 > 10.0.0.2.53: Flags [P.], seq 1000:1035, ack 2000, win 64240, length 35 35416+ A? www.example.com. (33)",
    );
    // Part of a message: the plain TCP line (tcpdump: "[prefix length(90) != length(28)]").
    expect(summarizeIp(tcp4(B, 53, A, 40000, dnsOverTcp(DNS_MULTI).subarray(0, 30)))).toBe(
      "IP 10.0.0.2.53 > 10.0.0.1.40000: Flags [P.], seq 1000:1030, ack 2000, win 64240, length 30",
    );
  });

  it("prints NTP, BOOTP/DHCP and RIP as tcpdump -n does", () => {
    expect(summarizeIp(udp4(A, 123, B, 123, ntp(3)))).toBe(
      "IP 10.0.0.1.123 > 10.0.0.2.123: NTPv4, Client, length 48",
    );
    expect(summarizeIp(udp4(B, 123, A, 123, ntp(4)))).toBe(
      "IP 10.0.0.2.123 > 10.0.0.1.123: NTPv4, Server, length 48",
    );
    // tcpdump shows the DHCP message type only with -v ("DHCP-Message (53) ...: Discover"); the
    // ", DHCP Discover" after its -n line is ours.
    expect(summarizeIp(udp4("0.0.0.0", 68, "255.255.255.255", 67, dhcp("discover")))).toBe(
      "IP 0.0.0.0.68 > 255.255.255.255.67: BOOTP/DHCP, Request from 02:00:00:00:00:01, length 300, DHCP Discover",
    );
    expect(summarizeIp(udp4(A, 67, "255.255.255.255", 68, dhcp("offer")))).toBe(
      "IP 10.0.0.1.67 > 255.255.255.255.68: BOOTP/DHCP, Reply, length 300, DHCP Offer",
    );
    expect(summarizeIp(udp4(A, 520, "224.0.0.9", 520, RIP_RESPONSE))).toBe(
      "IP 10.0.0.1.520 > 224.0.0.9.520: RIPv2, Response, length: 44",
    );
  });

  it("names STUN as Wireshark's info column does, on its port or any other", () => {
    expect(summarizeIp(udp4(A, 5000, B, 3478, STUN_REQUEST))).toBe(
      "IP 10.0.0.1.5000 > 10.0.0.2.3478: STUN Binding Request",
    );
    expect(summarizeIp(udp4(B, 3478, A, 5000, STUN_SUCCESS))).toBe(
      "IP 10.0.0.2.3478 > 10.0.0.1.5000: STUN Binding Success Response XOR-MAPPED-ADDRESS: 203.0.113.2:5000",
    );
    // A peer-to-peer connectivity check: recognised by the magic cookie.
    expect(summarizeIp(udp4(A, 6000, B, 6001, STUN_REQUEST))).toBe(
      "IP 10.0.0.1.6000 > 10.0.0.2.6001: STUN Binding Request",
    );
  });

  it("adds the HTTP start-line after the TCP part, and TLS records on 443", () => {
    expect(summarizeIp(tcp4(A, 40000, B, 80, HTTP_GET))).toBe(
      "IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [P.], seq 1000:1041, ack 2000, win 64240, length 41: HTTP: GET / HTTP/1.1",
    );
    expect(summarizeIp(tcp4(B, 80, A, 40000, HTTP_OK))).toBe(
      "IP 10.0.0.2.80 > 10.0.0.1.40000: Flags [P.], seq 1000:1069, ack 2000, win 64240, length 69: HTTP: HTTP/1.1 200 OK",
    );
    // The middle of a body, and an unknown method: tcpdump's bare "HTTP".
    const body = new TextEncoder().encode("more body bytes\r\n");
    expect(summarizeIp(tcp4(A, 40000, B, 80, body))).toBe(
      "IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [P.], seq 1000:1017, ack 2000, win 64240, length 17: HTTP",
    );
    // tcpdump prints nothing for TLS; this is Wireshark's info column.
    expect(summarizeIp(tcp4(A, 40000, B, 443, TLS_CLIENT_HELLO))).toBe(
      "IP 10.0.0.1.40000 > 10.0.0.2.443: Flags [P.], seq 1000:1065, ack 2000, win 64240, length 65: TLS Client Hello",
    );
    expect(summarizeIp(tcp4(B, 443, A, 40000, TLS_APP_DATA))).toBe(
      "IP 10.0.0.2.443 > 10.0.0.1.40000: Flags [P.], seq 1000:1016, ack 2000, win 64240, length 16: TLS Application Data, Application Data",
    );
    // Two handshake messages in one record, then a plaintext and an encrypted alert; a handshake
    // record of no known message is encrypted (names and order as tshark 4 shows them).
    const tls = Uint8Array.of(
      ...[22, 3, 3, 0, 10, 2, 0, 0, 2, 3, 3, 14, 0, 0, 0],
      ...[21, 3, 3, 0, 2, 2, 40],
      ...[21, 3, 3, 0, 3, 9, 9, 9],
      ...[22, 3, 3, 0, 4, 0xee, 1, 2, 3],
    );
    expect(summarizeIp(tcp4(B, 443, A, 40000, tls)).split(": ")[2]).toBe(
      "TLS Server Hello, Server Hello Done, Alert, Encrypted Alert, Encrypted Handshake Message",
    );
    // No payload, no application text.
    expect(summarizeIp(tcp4(A, 40000, B, 80, new Uint8Array(0)))).toBe(
      "IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [P.], seq 1000, ack 2000, win 64240, length 0",
    );
  });

  it("falls back to the plain line when the payload does not parse", () => {
    expect(summarizeIp(udp4(A, 40000, B, 53, Uint8Array.of(1, 2, 3)))).toBe(
      "IP 10.0.0.1.40000 > 10.0.0.2.53: UDP, length 3",
    );
    // Bytes after a complete header-only message: not taken for DNS.
    expect(summarizeIp(udp4(B, 53, A, 33000, new Uint8Array(40)))).toBe(
      "IP 10.0.0.2.53 > 10.0.0.1.33000: UDP, length 40",
    );
    const cut = DNS_ANSWER.subarray(0, DNS_ANSWER.length - 2);
    expect(summarizeIp(udp4(B, 53, A, 40000, cut))).toBe(
      "IP 10.0.0.2.53 > 10.0.0.1.40000: UDP, length 47",
    );
    expect(summarizeIp(udp4(A, 123, B, 123, new Uint8Array(10)))).toBe(
      "IP 10.0.0.1.123 > 10.0.0.2.123: UDP, length 10",
    );
    expect(summarizeIp(udp4(A, 68, B, 67, new Uint8Array(300)))).toBe(
      "IP 10.0.0.1.68 > 10.0.0.2.67: UDP, length 300",
    );
    expect(summarizeIp(udp4(A, 520, B, 520, Uint8Array.of(9, 2, 0, 0)))).toBe(
      "IP 10.0.0.1.520 > 10.0.0.2.520: UDP, length 4",
    );
    const badStun = STUN_SUCCESS.slice(0, 24);
    expect(summarizeIp(udp4(A, 5000, B, 3478, badStun))).toBe(
      "IP 10.0.0.1.5000 > 10.0.0.2.3478: UDP, length 24",
    );
    const notTls = Uint8Array.of(99, 3, 3, 0, 1, 0);
    expect(summarizeIp(tcp4(A, 40000, B, 443, notTls))).toBe(
      "IP 10.0.0.1.40000 > 10.0.0.2.443: Flags [P.], seq 1000:1006, ack 2000, win 64240, length 6",
    );
  });
});

describe("IPv6 in tcpdump's words", () => {
  it("prints ICMPv6 echo and errors", () => {
    expect(summarizeIp(icmp6(X, Y, echo6("echo-request", 1, 1, 56)))).toBe(
      "IP6 2001:db8::1 > 2001:db8::2: ICMP6, echo request, id 1, seq 1, length 64",
    );
    expect(summarizeIp(icmp6(Y, X, echo6("echo-reply", 1, 1, 56)))).toBe(
      "IP6 2001:db8::2 > 2001:db8::1: ICMP6, echo reply, id 1, seq 1, length 64",
    );
    const probe = udp6(X, 40000, Y, 33434, new Uint8Array(8));
    const r = "2001:db8::ff";
    expect(
      summarizeIp(
        icmp6(r, X, { type: "destination-unreachable", code: 4, checksum: 0, original: probe }),
      ),
    ).toBe(
      "IP6 2001:db8::ff > 2001:db8::1: ICMP6, destination unreachable, unreachable port, 2001:db8::2 udp port 33434, length 64",
    );
    expect(
      summarizeIp(icmp6(r, X, { type: "time-exceeded", code: 0, checksum: 0, original: probe })),
    ).toBe(
      "IP6 2001:db8::ff > 2001:db8::1: ICMP6, time exceeded in-transit for 2001:db8::2, length 64",
    );
    expect(
      summarizeIp(icmp6(r, X, { type: "packet-too-big", mtu: 1280, checksum: 0, original: probe })),
    ).toBe("IP6 2001:db8::ff > 2001:db8::1: ICMP6, packet too big, mtu 1280, length 64");
  });

  it("prints neighbor discovery with its target", () => {
    const target = Ipv6Address.of(Y);
    const sll = { type: "source-link-layer" as const, mac: mac("02:00:00:00:00:01") };
    expect(
      summarizeIp(
        ndp("fe80::1", "ff02::1:ff00:2", { type: "neighbor-solicitation", target, options: [sll] }),
      ),
    ).toBe(
      "IP6 fe80::1 > ff02::1:ff00:2: ICMP6, neighbor solicitation, who has 2001:db8::2, length 32",
    );
    const na = ndp(Y, X, {
      type: "neighbor-advertisement",
      router: false,
      solicited: true,
      override: true,
      target,
      options: [{ type: "target-link-layer", mac: mac("02:00:00:00:00:02") }],
    });
    expect(summarizeIp(na)).toBe(
      "IP6 2001:db8::2 > 2001:db8::1: ICMP6, neighbor advertisement, tgt is 2001:db8::2, length 32",
    );
    expect(
      summarizeIp(ndp("fe80::1", "ff02::2", { type: "router-solicitation", options: [] })),
    ).toBe("IP6 fe80::1 > ff02::2: ICMP6, router solicitation, length 8");
    const ra = ndp("fe80::fe", "ff02::1", {
      type: "router-advertisement",
      hopLimit: 64,
      managed: false,
      other: false,
      routerLifetime: 1800,
      reachableTime: 0,
      retransTimer: 0,
      options: [{ type: "mtu", mtu: 1500 }],
    });
    expect(summarizeIp(ra)).toBe("IP6 fe80::fe > ff02::1: ICMP6, router advertisement, length 24");
  });

  it("prints UDP and TCP with ports, and the applications above them", () => {
    expect(summarizeIp(udp6(X, 40000, Y, 53, DNS_QUERY))).toBe(
      "IP6 2001:db8::1.40000 > 2001:db8::2.53: 35416+ A? www.example.com. (33)",
    );
    expect(summarizeIp(udp6(X, 40000, Y, 9, new Uint8Array(5)))).toBe(
      "IP6 2001:db8::1.40000 > 2001:db8::2.9: UDP, length 5",
    );
    expect(summarizeIp(tcp6(X, 40000, Y, 80, HTTP_GET))).toBe(
      "IP6 2001:db8::1.40000 > 2001:db8::2.80: Flags [P.], seq 1000:1041, ack 2000, win 64240, length 41: HTTP: GET / HTTP/1.1",
    );
  });

  it("notes extension headers and fragments; after them the transport prints ports alone", () => {
    const first = icmp6(X, Y, echo6("echo-request", 1, 2, 56), [
      {
        type: IPV6_FRAGMENT,
        nextHeader: 58,
        fragmentOffset: 0,
        moreFragments: true,
        identification: 7,
      },
    ]);
    expect(summarizeIp(first)).toBe(
      "IP6 2001:db8::1 > 2001:db8::2: frag (0|64) ICMP6, echo request, id 1, seq 2, length 64",
    );
    const later = ipv6(X, Y, 58, new Uint8Array(100), [
      {
        type: IPV6_FRAGMENT,
        nextHeader: 58,
        fragmentOffset: 100,
        moreFragments: false,
        identification: 7,
      },
    ]);
    expect(summarizeIp(later)).toBe("IP6 2001:db8::1 > 2001:db8::2: frag (800|100)");
    const hbh = icmp6(X, Y, echo6("echo-request", 1, 3, 8), [
      { type: IPV6_HOP_BY_HOP, nextHeader: 58, data: Uint8Array.of(5, 2, 0, 0, 1, 0) },
    ]);
    expect(summarizeIp(hbh)).toBe(
      "IP6 2001:db8::1 > 2001:db8::2: HBH ICMP6, echo request, id 1, seq 3, length 16",
    );
    const dst = [{ type: 60 as const, nextHeader: 17, data: Uint8Array.of(1, 4, 0, 0, 0, 0) }];
    expect(summarizeIp(udp6(X, 40000, Y, 53, DNS_QUERY, dst))).toBe(
      "IP6 2001:db8::1 > 2001:db8::2: DSTOPT 40000 > 53: 35416+ A? www.example.com. (33)",
    );
    const rt = Uint8Array.of(2, 1, 0, 0, 0, 0, ...Ipv6Address.of("2001:db8::3").toBytes());
    expect(
      summarizeIp(
        icmp6(X, Y, echo6("echo-request", 1, 1, 8), [{ type: 43, nextHeader: 58, data: rt }]),
      ),
    ).toBe(
      "IP6 2001:db8::1 > 2001:db8::2: RT6 (len=2, type=2, segleft=1, [0]2001:db8::3) ICMP6, echo request, id 1, seq 1, length 16",
    );
    expect(summarizeIp(ipv6(X, Y, 59, new Uint8Array(0)))).toBe(
      "IP6 2001:db8::1 > 2001:db8::2: no next header",
    );
    // tcpdump's own double space before an unknown protocol.
    expect(summarizeIp(ipv6(X, Y, 99, new Uint8Array(7)))).toBe(
      "IP6 2001:db8::1 > 2001:db8::2:  ip-proto-99 7",
    );
  });

  it("reads IPv6 inside Ethernet, and says what is wrong with a broken packet", () => {
    const frame = emitEthernet({
      dst: mac("02:00:00:00:00:02"),
      src: mac("02:00:00:00:00:01"),
      etherType: ETHERTYPE_IPV6,
      payload: icmp6(X, Y, echo6("echo-request", 1, 1, 56)),
    });
    expect(summarizeFrame(frame)).toBe(
      "02:00:00:00:00:01 > 02:00:00:00:00:02, IP6 2001:db8::1 > 2001:db8::2: ICMP6, echo request, id 1, seq 1, length 64",
    );
    expect(summarizeIp(Uint8Array.of(0x60, 0, 0))).toMatch(/^IP6 \[malformed: ipv6: truncated/);
    const echo = icmp6(X, Y, echo6("echo-request", 1, 1, 0));
    expect(summarizeIp(echo.subarray(0, 44))).toMatch(
      /^IP6 2001:db8::1 > 2001:db8::2: ICMP6 \[malformed: icmpv6: truncated/,
    );
  });
});

describe("arrow labels for applications", () => {
  it("labels UDP datagrams by their application", () => {
    expect(udpLabel(40000, 53, DNS_QUERY)).toBe("DNS A? www.example.com");
    expect(udpLabel(53, 40000, DNS_ANSWER)).toBe("DNS A 10.3.0.80");
    expect(udpLabel(53, 40000, DNS_NXDOMAIN)).toBe("DNS NXDomain nope.example.com");
    expect(udpLabel(53, 40000, DNS_MULTI)).toBe("DNS CNAME web.example.com +1");
    expect(udpLabel(123, 123, ntp(3))).toBe("NTP client");
    expect(udpLabel(123, 123, ntp(4))).toBe("NTP server");
    expect(udpLabel(68, 67, dhcp("discover"))).toBe("DHCP DISCOVER xid=0x3903f326");
    expect(udpLabel(67, 68, dhcp("offer"))).toBe("DHCP OFFER 10.0.0.100 xid=0x3903f326");
    expect(udpLabel(520, 520, RIP_RESPONSE)).toBe("RIP response 2 routes");
    expect(udpLabel(5000, 3478, STUN_REQUEST)).toBe("STUN Binding Request");
    expect(udpLabel(3478, 5000, STUN_SUCCESS)).toBe("STUN Binding Success 203.0.113.2:5000");
    expect(udpLabel(40000, 53, Uint8Array.of(1, 2, 3))).toBe("UDP 40000 > 53 len=3");
  });

  it("adds the HTTP message or TLS records a segment starts to the TCP label", () => {
    const labeler = new TcpLabeler();
    // Both directions of the sample segments carry seq 1000 and ack 2000.
    const label = (src: string, dst: string, seg: Uint8Array) => {
      const t = parseTcp(seg.subarray(20));
      if (!("srcPort" in t)) throw new Error(t.message);
      return labeler.label(src, dst, t).label;
    };
    expect(label(A, B, tcp4(A, 40000, B, 80, HTTP_GET))).toBe(
      "PSH,ACK seq=0 ack=2000 len=41 HTTP GET /",
    );
    expect(label(B, A, tcp4(B, 80, A, 40000, HTTP_OK))).toBe(
      "PSH,ACK seq=0 ack=1000 len=69 HTTP 200 OK",
    );
    const body = new TextEncoder().encode("more body bytes\r\n");
    expect(label(A, B, tcp4(A, 40001, B, 80, body))).toBe("PSH,ACK seq=0 ack=2000 len=17");
    expect(label(A, B, tcp4(A, 40003, B, 53, dnsOverTcp(DNS_QUERY)))).toBe(
      "PSH,ACK seq=0 ack=2000 len=35 DNS A? www.example.com",
    );
    expect(label(A, B, tcp4(A, 40002, B, 443, TLS_CLIENT_HELLO))).toBe(
      "PSH,ACK seq=0 ack=2000 len=65 TLS Client Hello",
    );
  });

  it("labels IPv6 packets by message", () => {
    expect(ipv6Label(icmp6(X, Y, echo6("echo-request", 1, 1, 56)))).toBe(
      "ICMP6 echo request seq=1",
    );
    const target = Ipv6Address.of(Y);
    expect(
      ipv6Label(
        ndp("fe80::1", "ff02::1:ff00:2", { type: "neighbor-solicitation", target, options: [] }),
      ),
    ).toBe("NDP NS 2001:db8::2");
    expect(ipv6Label(udp6(X, 40000, Y, 53, DNS_QUERY))).toBe("DNS A? www.example.com");
    expect(ipv6Label(tcp6(X, 40000, Y, 80, HTTP_GET))).toBe("TCP 40000 > 80 ACK len=41 HTTP GET /");
    expect(ipv6Label(Uint8Array.of(0x60))).toBe("IPv6");
  });
});

describe("summaries never throw", () => {
  const samples = [
    udp4(A, 40000, B, 53, DNS_QUERY),
    udp4(B, 53, A, 40000, DNS_MULTI),
    udp4(A, 123, B, 123, ntp(3)),
    udp4(A, 68, B, 67, dhcp("discover")),
    udp4(A, 520, B, 520, RIP_RESPONSE),
    udp4(A, 5000, B, 3478, STUN_SUCCESS),
    tcp4(A, 40000, B, 80, HTTP_GET),
    tcp4(A, 40000, B, 443, TLS_CLIENT_HELLO),
    icmp6(X, Y, echo6("echo-request", 1, 1, 8)),
    udp6(X, 40000, Y, 53, DNS_QUERY),
    tcp6(X, 40000, Y, 80, HTTP_GET),
  ];
  /** A sample with a few bytes overwritten or cut: mostly still well-formed headers. */
  const mutated = fc
    .tuple(
      fc.constantFrom(...samples),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.nat(),
    )
    .map(([s, edits, cut]) => {
      const b = Uint8Array.from(s);
      // Keep the IP header (so the application printers see the damage) most of the time.
      for (const [pos, v] of edits) b[20 + (pos % (b.length - 20))] = v;
      return b.subarray(0, b.length - (cut % 8));
    });

  it("summarizeIp and the labels return text for random and damaged packets", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), mutated), (bytes) => {
        expect(typeof summarizeIp(bytes)).toBe("string");
        expect(typeof ipv6Label(bytes)).toBe("string");
      }),
      { numRuns: 20_000 },
    );
  });

  it("summarizeFrame returns text for random frames", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        expect(typeof summarizeFrame(bytes)).toBe("string");
      }),
      { numRuns: 10_000 },
    );
  });
});
