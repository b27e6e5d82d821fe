// Scripted segments in, exact segments out: timestamps and PAWS, window scaling limits, data on
// the handshake ACK, keep-alive probes, limited transmit, PMTUD over IPv4 and IPv6.
import { describe, expect, it } from "vitest";
import { ms, sec } from "../../sim/time.js";
import { Ipv6Address } from "../../wire/address.js";
import { NOP_OPTION, type TcpOption } from "../../wire/tcp-options.js";
import { pattern } from "./packet-script.js";
import { establishedServer, PEER_SYN, serverScript } from "./script-helpers.test-support.js";

const ts = (tsval: number, tsecr = 0): TcpOption[] => [
  NOP_OPTION,
  NOP_OPTION,
  { kind: "timestamps", tsval, tsecr },
];

describe("timestamps (RFC 7323)", () => {
  it("echoes TS.Recent and drops a segment older than it (PAWS)", () => {
    const { s, accepted } = serverScript({ timestamps: true, sack: false, windowScaling: false });
    s.inject("S", { seq: 0, options: [{ kind: "mss", value: 1460 }, ...ts(100)] });
    s.run(ms(25));
    expect(s.next()).toMatch(
      /^S\. seq=0 ack=1 win=65535 len=0 <mss 1460,nop,nop,TS val \d+ ecr 100>$/,
    );
    s.inject(".", { seq: 1, ack: 1, options: ts(101) });
    s.inject("P.", { seq: 1, ack: 1, data: 10, options: ts(200) });
    s.run(ms(100));
    const got: number[] = [];
    accepted[0]!.onData((d) => got.push(d.length));
    expect(s.next()).toMatch(/^\. seq=1 ack=11 win=65535 len=0 <nop,nop,TS val \d+ ecr 200>$/);
    s.inject("P.", { seq: 11, ack: 1, data: 10, options: ts(150) }); // older: an old duplicate
    s.run(ms(25));
    expect(s.next()).toMatch(/^\. seq=1 ack=11 win=65535 len=0 <nop,nop,TS val \d+ ecr 200>$/);
    expect(accepted[0]!.stats.unacceptableSegments).toBe(1);
    expect(accepted[0]!.readableLength).toBe(0);
  });
});

describe("window scaling (RFC 7323 §2)", () => {
  it("uses 14 for a shift above 14 (§2.3)", () => {
    const { s, accepted } = serverScript();
    s.inject("S", {
      seq: 0,
      options: [{ kind: "mss", value: 1460 }, NOP_OPTION, { kind: "window-scale", shift: 15 }],
    });
    s.run(ms(25));
    s.inject(".", { seq: 1, ack: 1, win: 2 });
    s.run(ms(15));
    expect(accepted[0]!.info.sndWnd).toBe(2 << 14);
  });

  it("without the peer's option, neither side scales: our window caps at 65535", () => {
    const { s, accepted } = serverScript();
    s.inject("S", { seq: 0, options: [{ kind: "mss", value: 1460 }] });
    s.run(ms(25));
    expect(s.next()).toBe("S. seq=0 ack=1 win=65535 len=0 <mss 1460>");
    s.inject("P.", { seq: 1, ack: 1, data: 100 });
    s.run(ms(100));
    accepted[0]!.onData(() => {});
    s.run(ms(100));
    expect(s.rest()).toEqual([". seq=1 ack=101 win=65535 len=0"]);
  });
});

describe("handshake details", () => {
  it("accepts data on the ACK that completes the handshake", () => {
    const { s, accepted } = serverScript();
    s.inject("S", { seq: 0, options: PEER_SYN });
    s.run(ms(25));
    s.next();
    s.inject("P.", { seq: 1, ack: 1, data: pattern(300) });
    s.run(ms(15));
    const conn = accepted[0]!;
    expect(conn.state).toBe("ESTABLISHED");
    expect(conn.read()).toEqual(pattern(300));
  });
});

describe("keep-alive (RFC 9293 §3.8.4)", () => {
  it("probes an idle connection with <SEQ=SND.NXT-1>, no data", () => {
    const { s, conn } = establishedServer({
      keepAlive: true,
      keepAliveIdle: sec(10),
      keepAliveInterval: sec(2),
      keepAliveProbes: 2,
    });
    const errors: string[] = [];
    conn.onError((e) => errors.push(e.code));
    s.run(sec(11));
    expect(s.rest()).toEqual([". seq=0 ack=1 win=32768 len=0"]);
    s.inject(".", { seq: 1, ack: 1 }); // the answer resets the idle clock
    s.run(sec(5));
    expect(s.rest()).toEqual([]);
    s.run(sec(20));
    expect(s.rest()).toHaveLength(2);
    expect(errors).toEqual(["ETIMEDOUT"]);
  });
});

describe("limited transmit (RFC 3042)", () => {
  it("sends one new segment per duplicate ACK beyond cwnd for the first two", () => {
    const { s, conn } = establishedServer({ sack: false, initialWindow: 4 });
    conn.write(pattern(20 * 1460));
    s.run(ms(25));
    expect(s.rest()).toHaveLength(4);
    s.inject(".", { seq: 1, ack: 1 });
    s.run(ms(25));
    expect(s.rest()).toEqual([". seq=5841 ack=1 win=32768 len=1460"]);
    s.inject(".", { seq: 1, ack: 1 });
    s.run(ms(25));
    expect(s.rest()).toEqual([". seq=7301 ack=1 win=32768 len=1460"]);
  });
});

describe("path MTU discovery", () => {
  it("IPv4: on fragmentation needed, resends the outstanding data in smaller segments", () => {
    const { s, conn } = establishedServer();
    conn.write(pattern(3000));
    s.run(ms(25));
    const first = s.nextRaw()!;
    s.rest();
    s.peer.ipv4.sendError(first.packet, 3, 4, 1000); // next-hop MTU 1000
    s.run(ms(25));
    expect(s.rest()).toEqual([
      ". seq=1 ack=1 win=32768 len=960",
      ". seq=961 ack=1 win=32768 len=960",
      ". seq=1921 ack=1 win=32768 len=960", // the last 120 bytes wait for an ACK (Nagle)
    ]);
    expect(conn.info.mss).toBe(960);
    expect(conn.info.cwnd).toBe(14600); // no congestion response
  });

  it("IPv6: MSS is MTU - 60, and Packet Too Big lowers it", () => {
    const { s, conn } = establishedServer({}, { family: 6 });
    expect(conn.info.mss).toBe(1440);
    expect(conn.remote.address).toBe("2001:db8::2");
    conn.write(pattern(2000));
    s.run(ms(25));
    const first = s.nextRaw()!;
    s.rest();
    s.peer.ipv6.sendError(first.packet, {
      type: "packet-too-big",
      checksum: 0,
      mtu: 1280,
      original: first.packet,
    });
    s.run(ms(25));
    expect(conn.info.mss).toBe(1220);
    expect(s.rest()[0]).toBe(". seq=1 ack=1 win=32768 len=1220");
    expect(Ipv6Address.of(conn.local.address).equals(Ipv6Address.of("2001:db8::1"))).toBe(true);
  });
});
