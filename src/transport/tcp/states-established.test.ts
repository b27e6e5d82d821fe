// Scripted segments in, exact segments out: ESTABLISHED (data, ACKs, RST, SYN, windows, Nagle).
import { describe, expect, it } from "vitest";
import { ms, sec } from "../../sim/time.js";
import { seq } from "../../wire/seq.js";
import { NOP_OPTION } from "../../wire/tcp-options.js";
import { pattern } from "./packet-script.js";
import { establishedServer, PEER_SYN, serverScript } from "./script-helpers.test-support.js";

const at = (t: number) => Math.round(t / 1e6);

describe("ESTABLISHED: receiving (RFC 9293 §3.10.7.4, RFC 5681 §4.2)", () => {
  it("delays the ACK of one segment by 40 ms and ACKs every second full segment at once", () => {
    const { s, received } = establishedServer();
    // The first read opens the window from the SYN's 65535 to the scaled 1 MiB at once.
    s.inject("P.", { seq: 1, ack: 1, data: 1 });
    s.run(ms(25));
    expect(s.rest()).toEqual([". seq=1 ack=2 win=32768 len=0"]);
    const t0 = s.now;
    s.inject("P.", { seq: 2, ack: 1, data: 1000 });
    s.run(ms(100));
    expect(s.pendingTimes().map((t) => at(t - t0))).toEqual([60]); // 10 there, 40 delay, 10 back
    // The right edge stays put until it can move by an MSS (receiver SWS avoidance).
    expect(s.rest()).toEqual([". seq=1 ack=1002 win=32737 len=0"]);
    s.inject(".", { seq: 1002, ack: 1, data: 1460 });
    s.inject(".", { seq: 2462, ack: 1, data: 1460 });
    s.run(ms(25));
    // Sent before the application reads the second segment: 1460 bytes still buffered.
    expect(s.rest()).toEqual([". seq=1 ack=3922 win=32722 len=0"]);
    expect(received.reduce((n, d) => n + d.length, 0)).toBe(3921);
  });

  it("ACKs an out-of-order segment at once with a SACK block, and the gap fill at once", () => {
    const { s, conn, received } = establishedServer();
    s.inject("P.", { seq: 2001, ack: 1, data: 1000 });
    s.run(ms(25));
    expect(s.rest()).toEqual([". seq=1 ack=1 win=32768 len=0 <nop,nop,sack 2001:3001>"]);
    s.inject(".", { seq: 1, ack: 1, data: pattern(2000) });
    s.run(ms(25));
    // Sent before the application reads: 3000 bytes buffered, the right edge unmoved.
    expect(s.rest()).toEqual([". seq=1 ack=3001 win=32675 len=0"]);
    expect(conn.stats.outOfOrderSegments).toBe(1);
    const all = new Uint8Array(3000);
    let o = 0;
    for (const d of received) {
      all.set(d, o);
      o += d.length;
    }
    expect(all.subarray(0, 2000)).toEqual(pattern(2000));
  });

  it("ACKs every segment at once with delayed ACKs off", () => {
    const { s } = establishedServer({ delayedAck: 0 });
    s.inject("P.", { seq: 1, ack: 1, data: 1 });
    s.run(ms(25));
    s.rest();
    s.inject("P.", { seq: 2, ack: 1, data: 10 });
    s.run(ms(25));
    // Before the read: the right edge stays (SWS), rounded up to the 32-byte scale unit.
    expect(s.rest()).toEqual([". seq=1 ack=12 win=32767 len=0"]);
  });

  it("receives across the 2^32 sequence wrap, in and out of order", () => {
    const { s, accepted } = serverScript();
    s.peerIsn = seq(0xffffff00);
    s.inject("S", { seq: 0, options: PEER_SYN });
    s.run(ms(25));
    s.inject(".", { seq: 1, ack: 1 });
    s.run(ms(15));
    const got: Uint8Array[] = [];
    accepted[0]!.onData((d) => got.push(d));
    const data = pattern(3000);
    s.inject(".", { seq: 1001, ack: 1, data: data.subarray(1000, 3000) }); // crosses 2^32
    s.inject(".", { seq: 1, ack: 1, data: data.subarray(0, 1000) });
    s.run(ms(25));
    expect(s.rest().at(-1)).toBe(". seq=1 ack=3001 win=32675 len=0");
    const joined = new Uint8Array(3000);
    let o = 0;
    for (const d of got) {
      joined.set(d, o);
      o += d.length;
    }
    expect(joined).toEqual(data);
  });

  it("reports the most recent SACK block first (RFC 2018 §4)", () => {
    const { s } = establishedServer();
    s.inject(".", { seq: 1461, ack: 1, data: 100 });
    s.inject(".", { seq: 4001, ack: 1, data: 100 });
    s.inject(".", { seq: 1561, ack: 1, data: 100 });
    s.run(ms(25));
    expect(s.rest()).toEqual([
      ". seq=1 ack=1 win=32768 len=0 <nop,nop,sack 1461:1561>",
      ". seq=1 ack=1 win=32768 len=0 <nop,nop,sack 4001:4101 1461:1561>",
      ". seq=1 ack=1 win=32768 len=0 <nop,nop,sack 1461:1661 4001:4101>",
    ]);
  });

  it("ACKs a duplicate segment at once and counts it", () => {
    const { s, conn, received } = establishedServer();
    s.inject("P.", { seq: 1, ack: 1, data: 100 });
    s.run(ms(100));
    s.rest();
    s.inject("P.", { seq: 1, ack: 1, data: 100 });
    s.run(ms(25));
    expect(s.rest()).toEqual([". seq=1 ack=101 win=32768 len=0"]);
    expect(conn.stats.duplicateSegments).toBe(1);
    expect(received).toHaveLength(1);
  });

  it("resets on an exact RST, challenges an in-window one, ignores one outside (RFC 5961 §3)", () => {
    const { s, conn } = establishedServer();
    const errors: string[] = [];
    conn.onError((e) => errors.push(e.code));
    s.inject("R", { seq: 1000 });
    s.inject("R", { seq: 1 << 30 });
    s.run(ms(25));
    expect(s.rest()).toEqual([". seq=1 ack=1 win=32768 len=0"]);
    expect(conn.stats.challengeAcks).toBe(1);
    expect(conn.state).toBe("ESTABLISHED");
    s.inject("R", { seq: 1 });
    s.run(ms(25));
    expect(errors).toEqual(["ECONNRESET"]);
    expect(conn.state).toBe("CLOSED");
  });

  it("answers a SYN with a challenge ACK (RFC 5961 §4)", () => {
    const { s, conn } = establishedServer();
    s.inject("S", { seq: 500 });
    s.run(ms(25));
    expect(s.rest()).toEqual([". seq=1 ack=1 win=32768 len=0"]);
    expect(conn.state).toBe("ESTABLISHED");
  });

  it("answers an ACK of data never sent with an ACK and drops the segment", () => {
    const { s, received } = establishedServer();
    s.inject("P.", { seq: 1, ack: 500, data: 10 });
    s.run(ms(25));
    expect(s.rest()).toEqual([". seq=1 ack=1 win=32768 len=0"]);
    expect(received).toEqual([]);
  });

  it("drops a segment with an old timestamp (PAWS, RFC 7323 §5.3)", () => {
    const { s, received } = establishedServer({ timestamps: true });
    // The handshake had no timestamps, so none are in use: the segment is accepted.
    s.inject("P.", {
      seq: 1,
      ack: 1,
      data: 10,
      options: [NOP_OPTION, NOP_OPTION, { kind: "timestamps", tsval: 5, tsecr: 0 }],
    });
    s.run(ms(100));
    expect(received).toHaveLength(1);
  });
});

describe("ESTABLISHED: sending", () => {
  it("sends full segments, holds a runt under Nagle until the ACK, PSH on the last byte", () => {
    const { s, conn } = establishedServer();
    expect(conn.write(pattern(3000))).toBe(3000);
    s.run(ms(25));
    expect(s.rest()).toEqual([
      ". seq=1 ack=1 win=32768 len=1460",
      ". seq=1461 ack=1 win=32768 len=1460",
    ]);
    s.inject(".", { seq: 1, ack: 2921 });
    s.run(ms(25));
    expect(s.rest()).toEqual(["P. seq=2921 ack=1 win=32768 len=80"]);
  });

  it("sends the runt at once with setNoDelay", () => {
    const { s, conn } = establishedServer();
    conn.setNoDelay(true);
    conn.write(pattern(1500));
    s.run(ms(25));
    expect(s.rest()).toEqual([
      ". seq=1 ack=1 win=32768 len=1460",
      "P. seq=1461 ack=1 win=32768 len=40",
    ]);
  });

  it("retransmits after the RTO (1 s minimum), then backs off to 2 s (RFC 6298)", () => {
    const { s, conn } = establishedServer();
    const t0 = s.now;
    conn.write(pattern(100));
    s.run(sec(4));
    expect(s.pendingTimes().map((t) => at(t - t0))).toEqual([10, 1010, 3010]);
    expect(new Set(s.rest())).toEqual(new Set(["P. seq=1 ack=1 win=32768 len=100"]));
    expect(conn.stats.timeouts).toBe(2);
    expect(conn.info.cwnd).toBe(1460);
  });

  it("stops at the peer's window and probes a zero window with one byte, backing off", () => {
    const { s, conn } = establishedServer();
    s.inject(".", { seq: 1, ack: 1, win: 0 });
    s.run(ms(20));
    const t0 = s.now;
    conn.write(pattern(1000));
    s.run(ms(50));
    expect(s.rest()).toEqual([]);
    s.run(sec(1));
    expect(s.rest()).toEqual([". seq=1 ack=1 win=32768 len=1"]);
    s.inject(".", { seq: 1, ack: 1, win: 0 });
    s.run(sec(2.1));
    expect(s.pendingTimes().map((t) => at(t - t0))).toEqual([3010]);
    expect(s.rest()).toEqual([". seq=1 ack=1 win=32768 len=1"]);
    s.inject(".", { seq: 1, ack: 1, win: 100 }); // 100 << 7 bytes
    s.run(ms(25));
    expect(s.rest()).toEqual(["P. seq=1 ack=1 win=32768 len=1000"]);
    expect(conn.stats.zeroWindowProbes).toBe(2);
  });

  it("avoids silly windows: a small window waits for the override timer (RFC 9293 §3.8.6.2.1)", () => {
    const { s, conn } = establishedServer();
    s.inject(".", { seq: 1, ack: 1, win: 8 }); // 1024 bytes, under half the largest window
    s.run(ms(20));
    conn.write(pattern(5000));
    s.run(ms(500));
    expect(s.rest()).toEqual([]);
    s.run(ms(600));
    expect(s.rest()).toEqual([". seq=1 ack=1 win=32768 len=1024"]);
  });

  it("fast-retransmits on the third duplicate ACK without SACK (RFC 5681 §3.2)", () => {
    const { s, conn } = establishedServer({ sack: false });
    conn.write(pattern(14600));
    s.run(ms(25));
    expect(s.rest()).toHaveLength(10);
    for (let i = 0; i < 3; i++) s.inject(".", { seq: 1, ack: 1 });
    s.run(ms(25));
    expect(s.rest()).toEqual([". seq=1 ack=1 win=32768 len=1460"]);
    expect(conn.stats.fastRetransmits).toBe(1);
    // ssthresh = FlightSize / 2, cwnd = ssthresh + 3 SMSS
    expect(conn.info.ssthresh).toBe(7300);
    expect(conn.info.cwnd).toBe(7300 + 3 * 1460);
  });

  it("recovers SACK holes by RFC 6675 NextSeg", () => {
    const { s, conn } = establishedServer();
    conn.write(pattern(14600));
    s.run(ms(25));
    s.rest();
    const blocks = (l: number, r: number) => [
      NOP_OPTION,
      NOP_OPTION,
      {
        kind: "sack" as const,
        blocks: [{ left: seq(s.hostIsn! + l), right: seq(s.hostIsn! + r) }],
      },
    ];
    s.inject(".", { seq: 1, ack: 1, options: blocks(1461, 2921) });
    s.inject(".", { seq: 1, ack: 1, options: blocks(1461, 4381) });
    s.inject(".", { seq: 1, ack: 1, options: blocks(1461, 5841) });
    s.run(ms(25));
    expect(s.next()).toBe(". seq=1 ack=1 win=32768 len=1460");
    expect(conn.stats.sackRecoveries).toBe(1);
  });
});
