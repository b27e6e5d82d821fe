// Scripted segments in, exact segments out: FIN-WAIT-1/2, CLOSING, TIME-WAIT, CLOSE-WAIT,
// LAST-ACK, half-close, abort.
import { describe, expect, it } from "vitest";
import { ms, sec } from "../../sim/time.js";
import { pattern } from "./packet-script.js";
import { establishedServer, PEER_SYN } from "./script-helpers.test-support.js";
import { tcp } from "./tcp-layer.js";

describe("active close: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT", () => {
  it("sends FIN, waits in FIN-WAIT-2, ACKs the peer's FIN and holds TIME-WAIT for 2·MSL", () => {
    const { s, conn } = establishedServer();
    const closes: boolean[] = [];
    conn.onClose((e) => closes.push(e));
    conn.end();
    s.run(ms(25));
    expect(s.rest()).toEqual(["F. seq=1 ack=1 win=32768 len=0"]);
    expect(conn.state).toBe("FIN-WAIT-1");
    s.inject(".", { seq: 1, ack: 2 });
    s.run(ms(25));
    expect(conn.state).toBe("FIN-WAIT-2");
    s.inject("F.", { seq: 1, ack: 2 });
    s.run(ms(25));
    expect(s.rest()).toEqual([". seq=2 ack=2 win=32768 len=0"]);
    expect(conn.state).toBe("TIME-WAIT");
    expect(closes).toEqual([false]);
    s.run(sec(59));
    expect(conn.state).toBe("TIME-WAIT");
    s.run(sec(2));
    expect(conn.state).toBe("CLOSED");
    const tw = conn.history.find((h) => h.to === "TIME-WAIT")!;
    const closed = conn.history.find((h) => h.to === "CLOSED")!;
    expect(closed.time - tw.time).toBe(sec(60)); // MSL 30 s, as Linux's 60 s TIME-WAIT
    expect(tcp(s.host).connectionCount).toBe(0);
  });

  it("ACKs a retransmitted FIN in TIME-WAIT and restarts the 2·MSL timer", () => {
    const { s, conn } = establishedServer({ msl: sec(1) });
    conn.end();
    s.run(ms(25));
    s.inject("F.", { seq: 1, ack: 2 });
    s.run(ms(25));
    s.rest();
    expect(conn.state).toBe("TIME-WAIT");
    s.run(sec(1.5));
    s.inject("F.", { seq: 1, ack: 2 });
    s.run(ms(25));
    expect(s.rest()).toEqual([". seq=2 ack=2 win=32768 len=0"]);
    s.run(sec(1.5));
    expect(conn.state).toBe("TIME-WAIT");
    s.run(sec(1));
    expect(conn.state).toBe("CLOSED");
  });

  it("goes from FIN-WAIT-1 to TIME-WAIT when one segment ACKs our FIN and carries theirs", () => {
    const { s, conn } = establishedServer();
    conn.end();
    s.run(ms(25));
    s.rest();
    s.inject("F.", { seq: 1, ack: 2 });
    s.run(ms(25));
    expect(conn.history.map((h) => h.to).slice(-3)).toEqual([
      "FIN-WAIT-1",
      "FIN-WAIT-2",
      "TIME-WAIT",
    ]);
  });

  it("closes simultaneously through CLOSING", () => {
    const { s, conn } = establishedServer();
    conn.end();
    s.run(ms(5));
    s.inject("F.", { seq: 1, ack: 1 }); // crosses our FIN
    s.run(ms(25));
    expect(s.rest()).toEqual(["F. seq=1 ack=1 win=32768 len=0", ". seq=2 ack=2 win=32768 len=0"]);
    expect(conn.state).toBe("CLOSING");
    s.inject(".", { seq: 2, ack: 2 });
    s.run(ms(25));
    expect(conn.state).toBe("TIME-WAIT");
  });

  it("still receives data in FIN-WAIT-2 (half-close)", () => {
    const { s, conn, received } = establishedServer();
    conn.end();
    s.run(ms(25));
    s.inject(".", { seq: 1, ack: 2 });
    s.inject("P.", { seq: 1, ack: 2, data: 500 });
    s.run(ms(100));
    expect(conn.state).toBe("FIN-WAIT-2");
    expect(received.map((d) => d.length)).toEqual([500]);
  });

  it("retransmits an unacknowledged FIN after the RTO", () => {
    const { s, conn } = establishedServer();
    conn.end();
    s.run(sec(1.5));
    expect(s.rest()).toEqual(["F. seq=1 ack=1 win=32768 len=0", "F. seq=1 ack=1 win=32768 len=0"]);
    expect(conn.stats.retransmits).toBe(1);
  });
});

describe("TIME-WAIT and a new SYN (RFC 9293 §3.6.1, RFC 1122 §4.2.2.13)", () => {
  it("challenges an old SYN but lets a SYN beyond RCV.NXT open a new connection", () => {
    const { s, conn } = establishedServer();
    conn.end();
    s.run(ms(25));
    s.inject("F.", { seq: 1, ack: 2 });
    s.run(ms(25));
    s.rest();
    expect(conn.state).toBe("TIME-WAIT");
    s.inject("S", { seq: 0 });
    s.run(ms(25));
    expect(s.rest()).toEqual([". seq=2 ack=2 win=32768 len=0"]);
    s.inject("S", { seq: 100_000, options: PEER_SYN });
    s.run(ms(25));
    expect(conn.state).toBe("CLOSED");
    const [synAck] = s.rest();
    expect(synAck).toMatch(/^S\. seq=\d+ ack=100001 win=65535 len=0/);
    expect(tcp(s.host).connectionCount).toBe(1); // the new one, in SYN-RECEIVED
  });
});

describe("passive close: CLOSE-WAIT, LAST-ACK", () => {
  it("ACKs the FIN, reports the end, sends data half-closed, then FIN and LAST-ACK", () => {
    const { s, conn } = establishedServer();
    let ended = 0;
    let closed = 0;
    conn.onEnd(() => ended++);
    conn.onClose(() => closed++);
    s.inject("F.", { seq: 1, ack: 1 });
    s.run(ms(25));
    expect(s.rest()).toEqual([". seq=1 ack=2 win=32768 len=0"]);
    expect(conn.state).toBe("CLOSE-WAIT");
    expect(ended).toBe(1);
    conn.write(pattern(100));
    conn.end();
    s.run(ms(25));
    expect(s.rest()).toEqual([
      "P. seq=1 ack=2 win=32768 len=100",
      "F. seq=101 ack=2 win=32768 len=0",
    ]);
    expect(conn.state).toBe("LAST-ACK");
    s.inject(".", { seq: 2, ack: 102 });
    s.run(ms(25));
    expect(conn.state).toBe("CLOSED");
    expect(conn.history.map((h) => h.to)).toEqual([
      "SYN-RECEIVED",
      "ESTABLISHED",
      "CLOSE-WAIT",
      "LAST-ACK",
      "CLOSED",
    ]);
    expect(closed).toBe(1);
    expect(tcp(s.host).connectionCount).toBe(0);
  });

  it("holds an out-of-order FIN until the data before it arrives", () => {
    const { s, conn, received } = establishedServer();
    s.inject("F.", { seq: 101, ack: 1 });
    s.run(ms(25));
    expect(conn.state).toBe("ESTABLISHED");
    expect(s.rest()).toEqual([". seq=1 ack=1 win=32768 len=0"]);
    s.inject(".", { seq: 1, ack: 1, data: 100 });
    s.run(ms(25));
    expect(conn.state).toBe("CLOSE-WAIT");
    expect(s.rest()).toEqual([". seq=1 ack=102 win=32765 len=0"]);
    expect(received.map((d) => d.length)).toEqual([100]);
  });
});

describe("abort and close", () => {
  it("abort() sends <SEQ=SND.NXT><CTL=RST> and closes at once", () => {
    const { s, conn } = establishedServer();
    conn.abort();
    s.run(ms(25));
    expect(s.rest()).toEqual(["R seq=1 win=0 len=0"]);
    expect(conn.state).toBe("CLOSED");
  });

  it("close() with unread data resets the connection (RFC 2525 §2.17)", () => {
    const { s, conn } = establishedServer();
    conn.pause();
    s.inject("P.", { seq: 1, ack: 1, data: 10 });
    s.run(ms(100));
    s.rest();
    conn.close();
    s.run(ms(25));
    expect(s.rest()).toEqual(["R seq=1 win=0 len=0"]);
  });

  it("close() then data from the peer: answered with RST", () => {
    const { s, conn } = establishedServer();
    conn.close();
    s.run(ms(25));
    s.inject(".", { seq: 1, ack: 2 });
    s.inject("P.", { seq: 1, ack: 2, data: 10 });
    s.run(ms(25));
    expect(s.rest()).toEqual(["F. seq=1 ack=1 win=32768 len=0", "R. seq=2 ack=1 win=0 len=0"]);
    expect(conn.state).toBe("CLOSED");
  });
});
