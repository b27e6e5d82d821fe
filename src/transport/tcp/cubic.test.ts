/**
 * CUBIC (RFC 9438) tests: the shared conformance suite, the RFC's arithmetic with exact numbers,
 * per-ACK bounds as a property, and a simulation-free traffic driver (fixed RTT, losses at a
 * capacity) for the cubic shape and a faster recovery than NewReno at a large BDP.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ms, type Nanos, sec } from "../../sim/time.js";
import { type CongestionControl, NewReno, SSTHRESH_INFINITE } from "./congestion.js";
import { congestionConformance } from "./congestion-conformance.js";
import {
  CUBIC_ALPHA,
  CUBIC_BETA,
  CUBIC_C,
  Cubic,
  cubicFactory,
  cubicK,
  cubicWindow,
  cubicWith,
} from "./cubic.js";

const MSS = 1448;
const RTT = ms(100);

function fresh(options: { fastConvergence?: boolean } = {}): Cubic {
  return new Cubic({ mss: MSS, initialWindow: 10, now: 0 }, options);
}

/** Slow start from IW 10 to `segments` segments (one full-MSS ACK per segment), at time 0. */
function grow(c: Cubic, segments: number, rtt: Nanos = RTT): void {
  while (c.cwnd < segments * MSS) c.onAck(MSS, rtt, c.cwnd, 0);
}

/** A loss at `segments` segments, recovered at once with a full flight: cwnd = ssthresh. */
function lossAt(c: Cubic, segments: number, now: Nanos = 0): void {
  grow(c, segments);
  c.onFastRetransmit(c.cwnd, now);
  c.onRecoveryExit(c.ssthresh, now);
}

describe("congestion conformance (shared suite)", () => {
  for (const c of congestionConformance(cubicFactory, { beta: CUBIC_BETA })) it(c.name, c.run);
  const lone = cubicWith({ fastConvergence: false });
  for (const c of congestionConformance(lone, { beta: CUBIC_BETA })) it(`${c.name} (no FC)`, c.run);
});

describe("RFC 9438 arithmetic", () => {
  it("computes K = cbrt(W_max·(1−β)/C) and W_cubic(t) with the RFC's constants", () => {
    expect([CUBIC_C, CUBIC_BETA]).toEqual([0.4, 0.7]);
    expect(CUBIC_ALPHA).toBeCloseTo(0.9 / 1.7, 15); // 0.5294...
    const k = cubicK(100, 70);
    expect(k).toBeCloseTo(Math.cbrt(75), 15);
    expect(k).toBeCloseTo(4.217163326508746, 12);
    expect(cubicWindow(0, k, 100)).toBeCloseTo(70, 12);
    expect(cubicWindow(k, k, 100)).toBe(100);
    expect(cubicWindow(k + 1, k, 100)).toBeCloseTo(100.4, 12);
    expect(cubicWindow(1.1, k, 100)).toBeCloseTo(87.88457465954372, 10);
    expect(cubicK(1000, 700)).toBeCloseTo(Math.cbrt(750), 15); // 9.0856 s
  });

  it("reduces by β on fast retransmit and restores ssthresh on recovery exit", () => {
    const c = fresh();
    grow(c, 100);
    expect(c.cwnd).toBe(144_800);
    expect(c.ssthresh).toBe(SSTHRESH_INFINITE);
    c.onFastRetransmit(144_800, 0);
    expect(c.ssthresh).toBe(101_360); // 70 segments
    expect(c.wMax).toBe(144_800);
    expect(c.cwnd).toBe(101_360 + 3 * MSS); // RFC 5681 inflation
    expect(c.region).toBe("recovery");
    c.onDupAck(0);
    expect(c.cwnd).toBe(101_360 + 4 * MSS);
    c.onRecoveryExit(120_000, 0);
    expect(c.cwnd).toBe(101_360);
  });

  it("takes β of the flight when the sender did not fill cwnd, and keeps 2·MSS", () => {
    const c = fresh();
    grow(c, 100);
    c.onFastRetransmit(50 * MSS, 0);
    expect(c.ssthresh).toBe(35 * MSS);
    const small = fresh();
    small.onFastRetransmit(2 * MSS, 0);
    expect(small.ssthresh).toBe(2 * MSS);
    small.onPartialAck(10 * MSS, 0);
    expect(small.cwnd).toBe(2 * MSS);
  });

  it("starts the epoch at the first congestion-avoidance ACK with K for W_max", () => {
    const c = fresh();
    lossAt(c, 100);
    const t0 = sec(3);
    c.onAck(MSS, -1, 0, t0);
    expect(c.epochStart).toBe(t0);
    expect(c.k).toBeCloseTo(4.217163326508746, 12);
    // At t = 0 W_cubic = cwnd_epoch, so W_est (a hair above) rules the first ACK.
    expect(c.region).toBe("reno-friendly");
    expect(c.wEst).toBeCloseTo(101_360 + (CUBIC_ALPHA * MSS) / 70, 9);
    expect(c.cwnd).toBe(101_370);
  });

  it("grows by (target − cwnd)/cwnd per ACK, target = W_cubic(t + min RTT)", () => {
    const c = fresh();
    lossAt(c, 100); // min RTT 100 ms from slow start
    c.onAck(MSS, -1, 0, 0);
    const before = c.cwnd;
    c.onAck(MSS, ms(250), 0, sec(1)); // a larger sample does not change the min
    expect(c.minRtt).toBe(RTT);
    const target = cubicWindow(1.1, cubicK(100, 70), 100) * MSS; // 87.88 segments
    const w = 101_360 + (CUBIC_ALPHA * MSS) / 70;
    expect(c.region).toBe("concave");
    expect(c.cwnd).toBe(Math.floor(w + ((target - w) / w) * MSS));
    expect(c.cwnd - before).toBe(370); // 369.8 bytes = 0.255 segments, plus flooring
  });

  it("caps the target at 1.5·cwnd", () => {
    const c = fresh();
    lossAt(c, 100);
    c.onAck(MSS, -1, 0, 0);
    const w = c.cwnd;
    c.onAck(MSS, -1, 0, sec(60)); // W_cubic(60) is about 70,000 segments
    expect(c.region).toBe("concave"); // the region is cwnd against W_max, not the target
    expect(c.cwnd - w).toBeLessThanOrEqual(MSS / 2 + 1);
    expect(c.cwnd - w).toBeGreaterThanOrEqual(MSS / 2 - 1);
  });

  it("does not lower cwnd when W_est passes W_cubic(t) but not cwnd", () => {
    const c = fresh();
    lossAt(c, 100);
    c.onAck(MSS, -1, 0, 0);
    // A burst of ACKs at t = 1 s: cwnd reaches the target W_cubic(1.1) = 87.88 segments, and
    // W_est climbs past W_cubic(1) = 86.68 segments.
    c.onAck(MSS, -1, 0, sec(1));
    expect(c.region).toBe("concave");
    while (c.region !== "reno-friendly") c.onAck(MSS, -1, 0, sec(1));
    expect(c.wEst / MSS).toBeGreaterThan(cubicWindow(1, c.k, 100));
    expect(c.wEst).toBeLessThan(c.cwnd);
    expect(c.cwnd / MSS).toBeCloseTo(87.88, 1);
  });

  it("is Reno-friendly at a small BDP, then switches α to 1 at cwnd_prior", () => {
    const c = fresh();
    lossAt(c, 10, 0); // W_max 10, K = cbrt(7.5) = 1.957 s; RTT 10 ms below
    expect(c.cwnd).toBe(7 * MSS);
    let now = 0;
    let seenOne = false;
    for (let round = 0; round < 100; round++) {
      const n = Math.floor(c.cwnd / MSS);
      for (let i = 1; i <= n; i++) c.onAck(MSS, ms(10), 0, now + Math.floor((i * ms(10)) / n));
      now += ms(10);
      const t = (now - c.epochStart) / 1e9;
      const wCubic = cubicWindow(t, c.k, 10) * MSS;
      expect(c.region).toBe("reno-friendly");
      expect(c.wEst).toBeGreaterThan(wCubic);
      expect(c.cwnd).toBe(Math.floor(c.wEst));
      if (c.wEst >= 10 * MSS) seenOne = true;
      expect(c.alphaCubic).toBe(seenOne ? 1 : CUBIC_ALPHA);
    }
    expect(seenOne).toBe(true);
    // 1 s at 10 ms: α = 0.529 for ~5.7 rounds to climb 3 segments, then one segment a round.
    expect(c.cwnd / MSS).toBeGreaterThan(100);
    expect(c.cwnd / MSS).toBeLessThan(110);
  });

  it("lowers W_max by fast convergence when the window shrank since the last loss", () => {
    const on = fresh();
    const off = fresh({ fastConvergence: false });
    for (const c of [on, off]) {
      lossAt(c, 100); // W_max = 100, cwnd = ssthresh = 70
      c.onFastRetransmit(c.cwnd, sec(1)); // a second loss at 70 < W_max
      c.onRecoveryExit(c.ssthresh, sec(1));
      expect(c.ssthresh).toBe(49 * MSS);
      c.onAck(MSS, -1, 0, sec(1));
    }
    expect(on.wMax / MSS).toBeCloseTo(70 * 0.85, 9); // 59.5 = cwnd·(1+β)/2
    expect(on.k).toBeCloseTo(Math.cbrt((59.5 - 49) / 0.4), 12); // 2.972 s
    expect(off.wMax).toBe(70 * MSS);
    expect(off.k).toBeCloseTo(Math.cbrt((70 - 49) / 0.4), 12); // 3.744 s
  });

  it("on RTO: cwnd = 1 SMSS, ssthresh = β·cwnd, then K = 0 and W_max = cwnd_epoch", () => {
    const c = fresh();
    grow(c, 100);
    c.onRto(144_800, sec(1), false);
    expect(c.cwnd).toBe(MSS);
    expect(c.ssthresh).toBe(101_360);
    expect(c.epochStart).toBe(-1);
    c.onRto(MSS, sec(2), true); // repeated: ssthresh kept (RFC 5681 §3.1)
    expect(c.ssthresh).toBe(101_360);
    expect(c.cwnd).toBe(MSS);
    grow(c, 70);
    expect(c.region).toBe("slow-start");
    c.onAck(MSS, -1, 0, sec(3));
    expect(c.epochStart).toBe(sec(3));
    expect(c.k).toBe(0);
    expect(c.wMax).toBe(101_360);
    expect(c.wEst).toBeCloseTo(101_360 + (CUBIC_ALPHA * MSS) / 70, 9);
    // Convex from the start: W_cubic(t) = 70 + 0.4·t^3 segments.
    c.onAck(MSS, -1, 0, sec(5));
    expect(c.region).toBe("convex");
  });
});

describe("per-ACK bounds (property)", () => {
  const kinds = ["loss", "dup", "partial", "exit", "rto", "mss"] as const;
  const step = fc.record({
    kind: fc.constantFrom(...Array<"ack">(12).fill("ack"), ...kinds),
    bytes: fc.integer({ min: 1, max: 20 * MSS }), // up to stretch ACKs
    flight: fc.integer({ min: 0, max: 5e6 }),
    rtt: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: ms(500) })),
    dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: ms(300) })),
    mss: fc.integer({ min: 536, max: 9000 }),
  });

  it("never drops below 1 MSS (2 MSS after fast retransmit) nor grows faster than allowed", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(step, { maxLength: 400 }), (fcOn, steps) => {
        const c = new Cubic({ mss: MSS, initialWindow: 10, now: 0 }, { fastConvergence: fcOn });
        let mss = MSS;
        let now = 0;
        let recovering = false;
        let sinceLoss = false; // a fast retransmit since the last RTO or MSS change
        let repeated = false;
        for (const s of steps) {
          // The connection's call order: onAck and onFastRetransmit only outside recovery.
          const outside = s.kind === "ack" || s.kind === "loss";
          if (s.kind !== "rto" && s.kind !== "mss" && outside === recovering) continue;
          const before = c.cwnd;
          const inSlowStart = before < c.ssthresh;
          if (s.kind === "ack") {
            now += s.dt;
            c.onAck(s.bytes, s.rtt, 0, now);
            repeated = false;
            expect(c.cwnd).toBeGreaterThanOrEqual(before); // an ACK never shrinks cwnd
            // RFC 5681 §3.1 eq. (2) in slow start; RFC 9438 §4.2 target <= 1.5·cwnd: at most
            // 0.5 segment per segment acked (W_est's α·acked/cwnd is below that from 2 MSS).
            const cap = inSlowStart
              ? Math.min(s.bytes, mss)
              : Math.ceil(before >= 2 * mss ? s.bytes / 2 : s.bytes) + 1;
            expect(c.cwnd - before).toBeLessThanOrEqual(cap);
          } else if (s.kind === "loss") {
            c.onFastRetransmit(s.flight, now);
            recovering = true;
            sinceLoss = true;
          } else if (s.kind === "dup") {
            c.onDupAck(0);
            expect(c.cwnd - before).toBe(mss);
          } else if (s.kind === "partial") {
            c.onPartialAck(s.bytes, 0);
          } else if (s.kind === "exit") {
            c.onRecoveryExit(s.flight, now);
            expect(c.cwnd).toBeLessThanOrEqual(Math.max(c.ssthresh, 2 * mss));
            recovering = false;
          } else if (s.kind === "rto") {
            c.onRto(s.flight, now, repeated);
            expect(c.cwnd).toBe(mss);
            [repeated, recovering, sinceLoss] = [true, false, false];
          } else {
            c.setMss(s.mss);
            mss = s.mss;
            sinceLoss = false;
          }
          expect(c.cwnd).toBeGreaterThanOrEqual(mss);
          expect(Number.isInteger(c.cwnd)).toBe(true);
          if (sinceLoss) {
            expect(c.cwnd).toBeGreaterThanOrEqual(2 * mss);
            expect(c.ssthresh).toBeGreaterThanOrEqual(2 * mss);
          }
        }
      }),
      { numRuns: 300, seed: 9438 },
    );
  });
});

/** A round's end: time in seconds, window in segments, CUBIC's region (or the algorithm). */
type Sample = { readonly t: number; readonly cwnd: number; readonly region: string };
/** The driver's record; `losses` in seconds. */
type Drive = { readonly samples: Sample[]; readonly losses: number[] };

/**
 * Simulation-free traffic: each round the sender fills cwnd, and its segments' ACKs (one per
 * MSS) come back spread evenly over one RTT. A loss happens when cwnd passes `capacity` bytes
 * (`lossLimit` times at most); it is recovered in one RTT with a full flight (cwnd = ssthresh).
 */
function drive(
  cc: CongestionControl,
  opts: { rtt: Nanos; duration: Nanos; capacity: number; lossLimit?: number },
): Drive {
  const { rtt, duration, capacity } = opts;
  const region = (): string => (cc instanceof Cubic ? cc.region : cc.name);
  const samples: Sample[] = [{ t: 0, cwnd: cc.cwnd / MSS, region: region() }];
  const losses: number[] = [];
  let lossesLeft = opts.lossLimit ?? Number.POSITIVE_INFINITY;
  let now = 0;
  while (now < duration) {
    const n = Math.max(1, Math.floor(cc.cwnd / MSS));
    let lostAt = -1;
    for (let i = 1; i <= n; i++) {
      const t = now + Math.floor((i * rtt) / n);
      cc.onAck(MSS, rtt, Math.max(0, cc.cwnd - i * MSS), t);
      if (cc.cwnd > capacity && lossesLeft > 0) {
        lostAt = t;
        break;
      }
    }
    if (lostAt >= 0) {
      lossesLeft--;
      losses.push(lostAt / 1e9);
      cc.onFastRetransmit(cc.cwnd, lostAt);
      now = lostAt + rtt;
      cc.onRecoveryExit(cc.ssthresh, now);
    } else {
      now += rtt;
    }
    samples.push({ t: now / 1e9, cwnd: cc.cwnd / MSS, region: region() });
  }
  return { samples, losses };
}

/** The first sample at or after `t` seconds. */
function at(d: Drive, t: number): Sample {
  const s = d.samples.find((x) => x.t >= t);
  if (s === undefined) throw new Error(`no sample at ${t} s`);
  return s;
}

/** Seconds from the first loss until cwnd is back to `segments`, or -1 if it never is. */
function recoveryTime(d: Drive, segments: number): number {
  const loss = d.losses[0]!;
  const s = d.samples.find((x) => x.t > loss && x.cwnd >= segments);
  return s === undefined ? -1 : s.t - loss;
}

describe("traffic: fixed RTT, losses at a capacity", () => {
  it("follows W_cubic(t): concave to W_max, a plateau, then convex probing", () => {
    // One loss at 1,000 segments (100 ms RTT), then none: K = cbrt(1001·0.3/0.4) = 9.089 s.
    const c = new Cubic({ mss: MSS, initialWindow: 10, now: 0 });
    const d = drive(c, { rtt: RTT, duration: sec(25), capacity: 1000 * MSS, lossLimit: 1 });
    expect(d.losses).toEqual([0.65640625]); // slow start: IW 10 doubling each 100 ms
    const wMax = c.wMax / MSS;
    expect(wMax).toBe(1001);
    expect(c.ssthresh).toBe(1_014_613); // floor(0.7·1001·1448) = 700.7 segments = cwnd_epoch
    expect(c.k).toBeCloseTo(Math.cbrt((1001 - 1_014_613 / MSS) / 0.4), 12);
    expect(c.k).toBeCloseTo(9.0886, 4);
    // t_epoch: the first ACK after recovery exit (one RTT after the loss), 1/700 RTT later.
    expect(c.epochStart).toBe(656_406_250 + RTT + Math.floor(RTT / 700));
    const epoch = c.epochStart / 1e9;
    const inStage = d.samples.filter((s) => s.t > epoch);
    // The window after t seconds of congestion avoidance is W_cubic(t) within 0.2 segments.
    for (const s of inStage)
      expect(Math.abs(s.cwnd - cubicWindow(s.t - epoch, c.k, wMax))).toBeLessThan(0.2);
    const five = at(d, epoch + 5); // the round ending 5.1 s into the stage
    expect(five.t - epoch).toBeCloseTo(5.1, 3);
    expect(five.cwnd).toBeCloseTo(cubicWindow(five.t - epoch, c.k, wMax), 0); // 975.6 segments
    expect(five.cwnd).toBeCloseTo(975.56, 2);
    // Growth per second: falling before K (concave), rising after (convex).
    const perSecond: number[] = [];
    for (let t = 0; t + 1 <= 24; t++)
      perSecond.push(at(d, epoch + t + 1).cwnd - at(d, epoch + t).cwnd);
    const kWhole = Math.floor(c.k);
    for (let i = 1; i < kWhole; i++) expect(perSecond[i]!).toBeLessThan(perSecond[i - 1]!);
    for (let i = kWhole + 2; i < perSecond.length; i++)
      expect(perSecond[i]!).toBeGreaterThan(perSecond[i - 1]!);
    // Plateau: within 0.2 % of W_max for 1.5 s either side of K.
    for (const s of inStage) {
      const t = s.t - epoch;
      if (Math.abs(t - c.k) <= 1.5) expect(Math.abs(s.cwnd - wMax) / wMax).toBeLessThan(0.002);
      if (t < c.k - 0.2) expect(s.region).toBe("concave");
      if (t > c.k + 0.2) expect(s.region).toBe("convex");
    }
  });

  it("repeats the cycle every K + RTT under periodic losses (fast convergence off)", () => {
    const c = new Cubic({ mss: MSS, initialWindow: 10, now: 0 }, { fastConvergence: false });
    const d = drive(c, { rtt: RTT, duration: sec(120), capacity: 1000 * MSS });
    const gaps = d.losses.slice(2).map((t, i) => t - d.losses[i + 1]!);
    expect(gaps.length).toBeGreaterThan(8);
    const k = cubicK(1000, 700);
    for (const g of gaps) {
      expect(g).toBeGreaterThan(k + 0.1);
      expect(g).toBeLessThan(k + 0.2); // ≈ 9.245 s
    }
    // Between losses the window stays in [β·W_max, W_max + 1 segment].
    for (const s of d.samples.filter((x) => x.t > d.losses[1]!)) {
      expect(s.cwnd).toBeGreaterThanOrEqual(700);
      expect(s.cwnd).toBeLessThanOrEqual(1001.5);
    }
  });

  it("with fast convergence alternates a lowered W_max (long cycle) with a full one", () => {
    const d = drive(cubicFactory({ mss: MSS, initialWindow: 10, now: 0 }), {
      rtt: RTT,
      duration: sec(120),
      capacity: 1000 * MSS,
    });
    const gaps = d.losses.slice(1).map((t, i) => t - d.losses[i]!);
    // Losing just under W_max sets W_max = 0.85·cwnd: plateau at 850, then probe to 1,000.
    for (let i = 1; i + 1 < gaps.length; i += 2) {
      expect(gaps[i]!).toBeCloseTo(14.52, 1);
      expect(gaps[i + 1]!).toBeCloseTo(9.15, 1);
    }
  });

  it("recovers to W_max far sooner than NewReno at 1 Gbit/s, 100 ms, MSS 1448", () => {
    const bdp = 1e9 / 8 / 10; // 12.5 MB = 8,632.6 segments
    const cubic = new Cubic({ mss: MSS, initialWindow: 10, now: 0 });
    const reno = new NewReno({ mss: MSS, initialWindow: 10, now: 0 });
    const dc = drive(cubic, { rtt: RTT, duration: sec(30), capacity: bdp, lossLimit: 1 });
    const dr = drive(reno, { rtt: RTT, duration: sec(480), capacity: bdp, lossLimit: 1 });
    expect(dc.losses).toEqual(dr.losses); // the same slow start, one loss at 0.97 s
    const wMax = cubic.wMax / MSS;
    expect(wMax).toBe(8633);
    const k = cubicK(wMax, cubic.ssthresh / MSS); // 18.64 s
    expect(k).toBeCloseTo(18.64, 2);
    const tc = recoveryTime(dc, 0.99 * wMax);
    const tr = recoveryTime(dr, 0.99 * wMax);
    // 0.99·W_max: 0.4·x^3 = 86 segments at x = 6.0 s before K, i.e. 12.8 s after the loss.
    expect(tc).toBeCloseTo(12.8, 5);
    // W_max itself: K after t_epoch, which is one RTT (the recovery) after the loss: 18.8 s.
    expect(recoveryTime(dc, wMax)).toBeCloseTo(k + 0.1, 0);
    // NewReno: from W/2, one segment per RTT: 0.49·8633 RTTs ≈ 423 s.
    expect(tr).toBeCloseTo(423.3, 5);
    expect(tr / tc).toBeGreaterThan(20);
    // Over the first 30 s CUBIC also keeps a larger average window.
    const mean = (d: Drive) => {
      const xs = d.samples.filter((s) => s.t <= 30);
      return xs.reduce((a, s) => a + s.cwnd, 0) / xs.length;
    };
    expect(mean(dc)).toBeGreaterThan(1.5 * mean(dr)); // 8,010 against 4,345 segments
  });
});
