// Scripted segments in, exact segments out: CLOSED, LISTEN, SYN-SENT and SYN-RECEIVED.
import { describe, expect, it } from "vitest";
import { ms, sec } from "../../sim/time.js";
import type { TransportError } from "../errors.js";
import { PacketScript } from "./packet-script.js";
import {
  clientScript,
  establishedServer,
  PEER_SYN,
  serverScript,
  TO_CLIENT,
} from "./script-helpers.test-support.js";
import { tcp } from "./tcp-layer.js";

describe("CLOSED (RFC 9293 §3.10.7.1)", () => {
  it("answers a SYN to a closed port with <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>", () => {
    const s = new PacketScript();
    tcp(s.host); // a TCP layer, but nothing listens on 8080
    s.inject("S", { seq: 0, options: PEER_SYN });
    s.run(ms(25));
    expect(s.rest()).toEqual(["R. seq=0 ack=1 win=0 len=0"]);
    expect(tcp(s.host).stats.resetsSent).toBe(1);
  });

  it("answers an ACK with <SEQ=SEG.ACK><CTL=RST> and never answers a RST", () => {
    const s = new PacketScript();
    tcp(s.host);
    s.inject(".", { seq: 5, rawAck: 777 });
    s.inject("R", { seq: 9 });
    s.run(ms(25));
    expect(s.rest()).toEqual(["R seq=777 win=0 len=0"]);
  });

  it("drops a segment with a bad checksum without answering", () => {
    const s = new PacketScript();
    const layer = tcp(s.host);
    const drops: string[] = [];
    s.net.events.subscribe((e) => {
      if (e.kind === "drop" && e.node === "a") drops.push(e.reason ?? "");
    });
    s.net.setImpairments("a-p", { corrupt: 1 });
    s.inject("S", { seq: 0, data: 100 });
    s.run(ms(25));
    expect(s.rest()).toEqual([]);
    expect(drops.some((r) => r === "bad-checksum" || r === "bad-header")).toBe(true);
    expect(layer.stats.badChecksum + layer.stats.badHeader + drops.length).toBeGreaterThan(0);
  });
});

describe("LISTEN (RFC 9293 §3.10.7.2)", () => {
  it("answers a SYN with SYN,ACK carrying MSS, SACK-permitted and window scale", () => {
    const { s, accepted, listener } = serverScript();
    s.inject("S", { seq: 0, options: PEER_SYN });
    s.run(ms(25));
    // 1 MiB buffer: shift 5 (65535 << 4 falls 16 bytes short). The SYN's window is unscaled.
    expect(s.rest()).toEqual([
      "S. seq=0 ack=1 win=65535 len=0 <mss 1460,nop,nop,sackOK,nop,wscale 5>",
    ]);
    expect(listener.pending).toBe(1);
    s.inject(".", { seq: 1, ack: 1 });
    s.run(ms(15));
    expect(accepted.map((c) => c.state)).toEqual(["ESTABLISHED"]);
    expect(accepted[0]!.history.map((h) => h.to)).toEqual(["SYN-RECEIVED", "ESTABLISHED"]);
    expect(listener.pending).toBe(0);
    expect(s.rest()).toEqual([]);
  });

  it("clamps the MSS to the interface MTU and leaves out options the SYN did not offer", () => {
    const { s } = serverScript({}, { mtu: 1280 });
    s.inject("S", { seq: 0, options: [{ kind: "mss", value: 1460 }] });
    s.run(ms(25));
    expect(s.rest()).toEqual(["S. seq=0 ack=1 win=65535 len=0 <mss 1240>"]);
  });

  it("sends timestamps only when the SYN had them, echoing TSval (RFC 7323 §3.2)", () => {
    const { s } = serverScript({ timestamps: true, windowScaling: false, sack: false });
    s.inject("S", { seq: 0, options: [{ kind: "timestamps", tsval: 4242, tsecr: 0 }] });
    s.run(ms(25));
    expect(s.next()).toMatch(
      /^S\. seq=0 ack=1 win=65535 len=0 <mss 1460,nop,nop,TS val \d+ ecr 4242>$/,
    );
  });

  it("resets an ACK and ignores a RST", () => {
    const { s } = serverScript();
    s.inject(".", { seq: 1, rawAck: 12345 });
    s.inject("R", { seq: 1 });
    s.run(ms(25));
    expect(s.rest()).toEqual(["R seq=12345 win=0 len=0"]);
  });

  it("drops SYNs beyond the backlog of half-open connections", () => {
    const { s, listener } = serverScript({ backlog: 1 });
    s.inject("S", { seq: 0, sport: 40000 });
    s.inject("S", { seq: 0, sport: 40001 });
    s.run(ms(25));
    expect(s.rest()).toHaveLength(1);
    expect(listener.stats).toEqual({ synsReceived: 1, accepted: 0, synsDropped: 1 });
  });

  it("refuses a second listener on the same port (EADDRINUSE)", () => {
    const { s } = serverScript();
    const again = tcp(s.host).listen(8080, undefined, {}, () => {});
    expect((again as TransportError).code).toBe("EADDRINUSE");
  });
});

describe("SYN-RECEIVED", () => {
  it("retransmits the SYN,ACK after 1 s, then 2 s (RFC 6298 (2.1), (5.5))", () => {
    const { s } = serverScript();
    s.inject("S", { seq: 0, options: PEER_SYN });
    s.run(sec(3.5));
    const times = s.pendingTimes().map((t) => Math.round(t / 1e6));
    expect(times).toEqual([20, 1020, 3020]);
    expect(new Set(s.rest())).toEqual(
      new Set(["S. seq=0 ack=1 win=65535 len=0 <mss 1460,nop,nop,sackOK,nop,wscale 5>"]),
    );
  });

  it("returns to LISTEN on RST, silently (RFC 9293 §3.10.7.4)", () => {
    const { s, accepted, listener } = serverScript();
    s.inject("S", { seq: 0, options: PEER_SYN });
    s.run(ms(25));
    s.next();
    s.inject("R", { seq: 1 });
    s.run(sec(5));
    expect(s.rest()).toEqual([]);
    expect(accepted).toEqual([]);
    expect(listener.pending).toBe(0);
    expect(tcp(s.host).connectionCount).toBe(0);
  });

  it("answers an unacceptable ACK with <SEQ=SEG.ACK><CTL=RST>", () => {
    const { s } = serverScript();
    s.inject("S", { seq: 0, options: PEER_SYN });
    s.run(ms(25));
    s.next();
    s.inject(".", { seq: 1, ack: 5 });
    s.run(ms(25));
    expect(s.rest()).toEqual(["R seq=5 win=0 len=0"]);
  });

  it("goes straight to CLOSE-WAIT when the handshake ACK carries a FIN", () => {
    const { s, accepted } = serverScript();
    s.inject("S", { seq: 0, options: PEER_SYN });
    s.run(ms(25));
    s.next();
    s.inject("F.", { seq: 1, ack: 1 });
    s.run(ms(25));
    expect(accepted[0]?.state).toBe("CLOSE-WAIT");
    expect(s.rest()).toEqual([". seq=1 ack=2 win=32768 len=0"]);
  });
});

describe("SYN-SENT (RFC 9293 §3.10.7.3)", () => {
  it("sends SYN with options, and ACKs the SYN,ACK to reach ESTABLISHED", () => {
    const { s, conn } = clientScript();
    let connected = 0;
    conn.onConnect(() => connected++);
    s.run(ms(15));
    expect(s.next()).toBe("S seq=0 win=65535 len=0 <mss 1460,nop,nop,sackOK,nop,wscale 5>");
    s.inject("S.", { ...TO_CLIENT, seq: 0, ack: 1, options: PEER_SYN });
    s.run(ms(25));
    expect(conn.state).toBe("ESTABLISHED");
    expect(connected).toBe(1);
    expect(s.rest()).toEqual([". seq=1 ack=1 win=32768 len=0"]);
    expect(Math.round(conn.info.srtt / 1e6)).toBe(25); // the SYN was timed: sent at 0, answered at 25 ms
  });

  it("reports ECONNREFUSED for an acceptable RST,ACK", () => {
    const { s, conn, errors } = clientScript();
    s.run(ms(15));
    s.inject("R.", { ...TO_CLIENT, seq: 0, ack: 1 });
    s.run(ms(15));
    expect(errors.map((e) => e.code)).toEqual(["ECONNREFUSED"]);
    expect(conn.state).toBe("CLOSED");
    expect(tcp(s.host).connectionCount).toBe(0);
  });

  it("ignores a RST without an ACK and resets a SYN,ACK that acknowledges the wrong thing", () => {
    const { s, conn, errors } = clientScript();
    s.run(ms(15));
    s.next();
    s.inject("R", { ...TO_CLIENT, seq: 0 });
    s.inject("S.", { ...TO_CLIENT, seq: 0, ack: 77 });
    s.run(ms(25));
    expect(errors).toEqual([]);
    expect(conn.state).toBe("SYN-SENT");
    expect(s.rest()).toEqual(["R seq=77 win=0 len=0"]);
  });

  it("times out with ETIMEDOUT after the connect timeout, backing off 1, 2, 4 s", () => {
    const { s, conn, errors } = clientScript({ connectTimeout: sec(5) });
    s.run(sec(10));
    expect(s.pendingTimes().map((t) => Math.round(t / 1e6))).toEqual([10, 1010, 3010]);
    expect(errors.map((e) => e.code)).toEqual(["ETIMEDOUT"]);
    expect(conn.state).toBe("CLOSED");
    expect(conn.stats.timeouts).toBe(2);
  });

  it("handles a simultaneous open (RFC 9293 §3.5 figure 8)", () => {
    const { s, conn } = clientScript();
    s.run(ms(15));
    s.next();
    s.inject("S", { ...TO_CLIENT, seq: 0, options: PEER_SYN });
    s.run(ms(25));
    expect(conn.state).toBe("SYN-RECEIVED");
    expect(s.rest()).toEqual([
      "S. seq=0 ack=1 win=65535 len=0 <mss 1460,nop,nop,sackOK,nop,wscale 5>",
    ]);
    s.inject("S.", { ...TO_CLIENT, seq: 0, ack: 1, options: PEER_SYN });
    s.run(ms(15));
    expect(conn.state).toBe("ESTABLISHED");
    expect(conn.history.map((h) => h.to)).toEqual(["SYN-SENT", "SYN-RECEIVED", "ESTABLISHED"]);
  });

  it("abandons the SYN on ICMP port unreachable with ECONNREFUSED", () => {
    const { s, conn, errors } = clientScript();
    s.run(ms(15));
    const syn = s.nextRaw()!;
    s.peer.ipv4.sendError(syn.packet, 3, 3);
    s.run(ms(15));
    expect(errors.map((e) => e.code)).toEqual(["ECONNREFUSED"]);
    expect(conn.state).toBe("CLOSED");
  });

  it("abandons the SYN on ICMP host unreachable with EHOSTUNREACH", () => {
    const { s, errors } = clientScript();
    s.run(ms(15));
    s.peer.ipv4.sendError(s.nextRaw()!.packet, 3, 1);
    s.run(ms(15));
    expect(errors.map((e) => e.code)).toEqual(["EHOSTUNREACH"]);
  });

  it("ignores an ICMP error quoting a sequence number it never sent (RFC 5927)", () => {
    const { s, conn, errors } = clientScript();
    s.run(ms(15));
    const syn = s.nextRaw()!.packet.slice();
    syn[20 + 4] = syn[20 + 4]! ^ 0x80; // flip the quoted sequence number
    s.peer.ipv4.sendError(syn, 3, 3);
    s.run(ms(15));
    expect(errors).toEqual([]);
    expect(conn.state).toBe("SYN-SENT");
  });
});

describe("established by the helpers", () => {
  it("is usable by later suites", () => {
    const { conn } = establishedServer();
    expect(conn.state).toBe("ESTABLISHED");
  });
});
