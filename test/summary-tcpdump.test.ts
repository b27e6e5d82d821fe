/**
 * Packet summaries against tcpdump itself: the sample packets go into a pcap, `tcpdump -n -S -t`
 * reads it, and every line must equal summarizeIp's, except the few that are ours on purpose
 * (DHCP's message type, STUN and TLS, which tcpdump does not decode). Skipped, with a message,
 * where tcpdump is not installed locally (`apt-get install tcpdump`); CI installs it, and there a
 * missing tcpdump fails.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { concatChunks, LINKTYPE_RAW, PcapWriter } from "../src/trace/pcap.js";
import { summarizeIp } from "../src/trace/summary.js";
import { Ipv6Address } from "../src/wire/address.js";
import { scratchDir } from "./support/scratch-dir.js";
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
  ndp,
  ntp,
  RIP_RESPONSE,
  STUN_REQUEST,
  tcp4,
  tcp6,
  udp4,
  udp6,
} from "./support/summary-packets.js";

const hasTcpdump = spawnSync("tcpdump", ["--version"], { stdio: "ignore" }).status === 0;
const skipTcpdump = !hasTcpdump && !process.env.CI;
if (skipTcpdump) console.warn("summary-tcpdump skipped: tcpdump is not installed; set CI to fail");

const A = "10.0.0.1";
const B = "10.0.0.2";
const X = "2001:db8::1";
const Y = "2001:db8::2";
/** A type 2 routing header (RFC 6275 §6.4) naming 2001:db8::3, and a PadN-only options body. */
const ROUTING = Uint8Array.of(2, 1, 0, 0, 0, 0, ...Ipv6Address.of("2001:db8::3").toBytes());
const PADN = Uint8Array.of(1, 4, 0, 0, 0, 0);
const probe = udp6(X, 40000, Y, 33434, new Uint8Array(8));

/** Packets whose summary must be tcpdump's line, character for character. */
const SAME = [
  udp4(A, 40000, B, 53, DNS_QUERY),
  udp4(B, 53, A, 40000, DNS_ANSWER),
  udp4(B, 53, A, 40000, DNS_NXDOMAIN),
  udp4(A, 40000, B, 53, DNS_EDNS_QUERY),
  udp4(B, 53, A, 40000, DNS_MULTI),
  udp4(A, 123, B, 123, ntp(3)),
  udp4(B, 123, A, 123, ntp(4)),
  udp4(A, 123, B, 123, ntp(1)),
  udp4(A, 123, B, 123, ntp(5)),
  udp4(A, 520, "224.0.0.9", 520, RIP_RESPONSE),
  udp4(A, 40000, B, 9, new Uint8Array(12)),
  tcp4(A, 40000, B, 80, HTTP_GET),
  tcp4(B, 80, A, 40000, HTTP_OK),
  tcp4(A, 40000, B, 80, new TextEncoder().encode("body\r\n")),
  tcp4(A, 40000, B, 53, dnsOverTcp(DNS_QUERY)),
  tcp4(B, 53, A, 40000, dnsOverTcp(DNS_MULTI)),
  icmp6(X, Y, echo6("echo-request", 1, 1, 56)),
  icmp6(Y, X, echo6("echo-reply", 1, 1, 56)),
  icmp6("2001:db8::ff", X, {
    type: "destination-unreachable",
    code: 4,
    checksum: 0,
    original: probe,
  }),
  icmp6("2001:db8::ff", X, {
    type: "destination-unreachable",
    code: 3,
    checksum: 0,
    original: probe,
  }),
  icmp6("2001:db8::ff", X, { type: "time-exceeded", code: 0, checksum: 0, original: probe }),
  icmp6("2001:db8::ff", X, { type: "time-exceeded", code: 1, checksum: 0, original: probe }),
  icmp6("2001:db8::ff", X, {
    type: "destination-unreachable",
    code: 1,
    checksum: 0,
    original: probe,
  }),
  icmp6("2001:db8::ff", X, {
    type: "destination-unreachable",
    code: 2,
    checksum: 0,
    original: probe,
  }),
  icmp6("2001:db8::ff", X, {
    type: "parameter-problem",
    code: 1,
    pointer: 40,
    checksum: 0,
    original: probe,
  }),
  icmp6("2001:db8::ff", X, {
    type: "other",
    icmpType: 250,
    code: 0,
    rest: 0,
    checksum: 0,
    body: new Uint8Array(4),
  }),
  icmp6("2001:db8::ff", X, { type: "packet-too-big", mtu: 1280, checksum: 0, original: probe }),
  ndp("fe80::1", "ff02::1:ff00:2", {
    type: "neighbor-solicitation",
    target: Ipv6Address.of(Y),
    options: [],
  }),
  ndp(Y, X, {
    type: "neighbor-advertisement",
    router: true,
    solicited: true,
    override: false,
    target: Ipv6Address.of(Y),
    options: [],
  }),
  ndp("fe80::1", "ff02::2", { type: "router-solicitation", options: [] }),
  udp6(X, 40000, Y, 53, DNS_QUERY),
  tcp6(X, 40000, Y, 80, HTTP_GET),
  icmp6(X, Y, echo6("echo-request", 1, 2, 56), [
    {
      type: IPV6_FRAGMENT,
      nextHeader: 58,
      fragmentOffset: 0,
      moreFragments: true,
      identification: 7,
    },
  ]),
  ipv6(X, Y, 58, new Uint8Array(100), [
    {
      type: IPV6_FRAGMENT,
      nextHeader: 58,
      fragmentOffset: 100,
      moreFragments: false,
      identification: 7,
    },
  ]),
  icmp6(X, Y, echo6("echo-request", 1, 3, 8), [
    { type: IPV6_HOP_BY_HOP, nextHeader: 58, data: Uint8Array.of(5, 2, 0, 0, 1, 0) },
  ]),
  udp6(X, 40000, Y, 53, DNS_QUERY, [
    { type: 60, nextHeader: 17, data: Uint8Array.of(1, 4, 0, 0, 0, 0) },
  ]),
  icmp6(X, Y, echo6("echo-request", 1, 1, 8), [{ type: 43, nextHeader: 58, data: ROUTING }]),
  icmp6(X, Y, echo6("echo-request", 1, 1, 8), [
    { type: IPV6_HOP_BY_HOP, nextHeader: 60, data: PADN },
    { type: 60, nextHeader: 58, data: PADN },
  ]),
  ipv6(X, Y, 59, new Uint8Array(0)),
  ipv6(X, Y, 99, new Uint8Array(7)),
];

/** Packets where our line extends tcpdump's (tcpdump's line must be a prefix of ours). */
const EXTENDS = [udp4("0.0.0.0", 68, "255.255.255.255", 67, dhcp("discover"))];

function tcpdumpLines(packets: readonly Uint8Array[], dir: string, name: string): string[] {
  const chunks: Uint8Array[] = [];
  const w = new PcapWriter((c) => chunks.push(c), { linkType: LINKTYPE_RAW });
  for (const p of packets) w.write(0, p);
  const file = join(dir, name);
  writeFileSync(file, concatChunks(chunks));
  const r = spawnSync("tcpdump", ["-n", "-S", "-t", "-r", file], { encoding: "utf8" });
  expect(r.status).toBe(0);
  // An indented line continues the one before it (the hex dump tcpdump adds for unknown types).
  return r.stdout
    .trimEnd()
    .split("\n")
    .filter((line) => !line.startsWith("\t"));
}

describe.skipIf(skipTcpdump)("summaries against tcpdump -n -S", () => {
  const dir = scratchDir("wirelab-summary-");

  it("prints what tcpdump prints", () => {
    expect(SAME.map(summarizeIp)).toEqual(tcpdumpLines(SAME, dir, "same.pcap"));
    // STUN is not decoded by tcpdump; it prints the plain UDP line we fall back to.
    const stun = udp4(A, 5000, B, 3478, STUN_REQUEST);
    expect(tcpdumpLines([stun], dir, "stun.pcap")).toEqual([
      "IP 10.0.0.1.5000 > 10.0.0.2.3478: UDP, length 20",
    ]);
  });

  it("extends tcpdump's line where it adds the DHCP message type", () => {
    const theirs = tcpdumpLines(EXTENDS, dir, "extends.pcap");
    EXTENDS.forEach((p, i) => {
      expect(summarizeIp(p).startsWith(theirs[i]!)).toBe(true);
    });
  });
});
