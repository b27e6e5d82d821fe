// RFC 6298 arithmetic: first sample, smoothing, bounds, backoff, the SYN-timeout rule.
import { describe, expect, it } from "vitest";
import { ms, sec } from "../../sim/time.js";
import { RttEstimator } from "./rtt.js";

const cfg = (minRto = sec(1)) => ({
  minRto,
  maxRto: sec(60),
  initialRto: sec(1),
  granularity: ms(1),
});

describe("RttEstimator (RFC 6298)", () => {
  it("starts at 1 s (2.1) and takes the first sample as SRTT = R, RTTVAR = R/2 (2.2)", () => {
    const r = new RttEstimator(cfg(ms(200)));
    expect(r.rto).toBe(sec(1));
    r.sample(ms(100));
    expect([r.srtt, r.rttvar]).toEqual([ms(100), ms(50)]);
    expect(r.rto).toBe(ms(300)); // SRTT + max(G, 4·RTTVAR)
  });

  it("smooths with α = 1/8 and β = 1/4, RTTVAR first (2.3)", () => {
    const r = new RttEstimator(cfg(ms(1)));
    r.sample(ms(100));
    r.sample(ms(200));
    expect(r.rttvar).toBeCloseTo(0.75 * ms(50) + 0.25 * ms(100), 6);
    expect(r.srtt).toBeCloseTo(0.875 * ms(100) + 0.125 * ms(200), 6);
    expect(r.rto).toBe(Math.round(r.srtt + 4 * r.rttvar));
  });

  it("never goes below the minimum (1 s per RFC, 200 ms like Linux) nor above the maximum", () => {
    const rfc = new RttEstimator(cfg());
    rfc.sample(ms(10));
    expect(rfc.rto).toBe(sec(1));
    const linux = new RttEstimator(cfg(ms(200)));
    linux.sample(ms(10));
    expect(linux.rto).toBe(ms(200));
    for (let i = 0; i < 20; i++) linux.backoff();
    expect(linux.rto).toBe(sec(60));
  });

  it("doubles the bounded RTO per backoff (5.5) and a new sample ends the backoff", () => {
    const r = new RttEstimator(cfg());
    r.sample(ms(20));
    r.backoff();
    r.backoff();
    expect(r.rto).toBe(sec(4));
    r.sample(ms(20));
    expect(r.rto).toBe(sec(1));
  });

  it("uses 3 s once data flows after a SYN timeout without samples (5.7)", () => {
    const r = new RttEstimator(cfg());
    r.backoff();
    r.resetAfterSynTimeout();
    expect(r.rto).toBe(sec(3));
  });
});
