// NewReno: the shared conformance suite, then RFC 5681 / RFC 6582 arithmetic step by step.
import { describe, expect, it } from "vitest";
import { NewReno, newReno } from "./congestion.js";
import { congestionConformance } from "./congestion-conformance.js";

describe("NewReno conformance", () => {
  for (const c of congestionConformance(newReno, { beta: 0.5 })) it(c.name, c.run);
});

const MSS = 1460;
const fresh = () => new NewReno({ mss: MSS, initialWindow: 10, now: 0 });

describe("NewReno arithmetic (RFC 5681, RFC 6582)", () => {
  it("slow start: ten ACKs of one SMSS double the initial window", () => {
    const cc = fresh();
    for (let i = 0; i < 10; i++) cc.onAck(MSS, -1, cc.cwnd, 0);
    expect(cc.cwnd).toBe(29200);
  });

  it("congestion avoidance: one SMSS per cwnd of bytes acknowledged (RFC 5681 §3.1)", () => {
    const cc = fresh();
    cc.onRto(40000, 0, false); // ssthresh 20000, cwnd 1460
    while (cc.cwnd < cc.ssthresh) cc.onAck(MSS, -1, 0, 0);
    const w = cc.cwnd;
    expect(w).toBe(20440); // 1460 + 13 · 1460 crosses 20000
    let acked = 0;
    while (acked + MSS < w) {
      cc.onAck(MSS, -1, 0, 0);
      acked += MSS;
    }
    expect(cc.cwnd).toBe(w);
    cc.onAck(MSS, -1, 0, 0);
    expect(cc.cwnd).toBe(w + MSS);
  });

  it("fast retransmit, inflation, partial ACK deflation, exit (RFC 5681 §3.2, RFC 6582 §3.2)", () => {
    const cc = fresh();
    cc.onFastRetransmit(29200, 0);
    expect(cc.ssthresh).toBe(14600); // max(FlightSize / 2, 2·SMSS)
    expect(cc.cwnd).toBe(14600 + 3 * MSS); // ssthresh + 3·SMSS
    cc.onDupAck(29200);
    expect(cc.cwnd).toBe(20440); // + SMSS per further duplicate ACK
    cc.onPartialAck(2920, 26280);
    expect(cc.cwnd).toBe(20440 - 2920 + MSS); // deflate by the bytes acked, add back one SMSS
    cc.onPartialAck(500, 25780);
    expect(cc.cwnd).toBe(18980 - 500); // less than one SMSS acknowledged: nothing added back
    cc.onRecoveryExit(10000, 0);
    expect(cc.cwnd).toBe(Math.min(14600, 10000 + MSS)); // min(ssthresh, max(FlightSize, SMSS) + SMSS)
  });

  it("retransmission timeout: LW = 1 SMSS, ssthresh halves once (RFC 5681 §3.1 eq. 4)", () => {
    const cc = fresh();
    cc.onRto(29200, 0, false);
    expect([cc.cwnd, cc.ssthresh]).toEqual([MSS, 14600]);
    cc.onRto(MSS, 0, true);
    expect([cc.cwnd, cc.ssthresh]).toEqual([MSS, 14600]);
    cc.onRto(MSS, 0, false);
    expect(cc.ssthresh).toBe(2 * MSS);
  });
});
