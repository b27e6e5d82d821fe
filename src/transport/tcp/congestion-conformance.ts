/**
 * The conformance suite every `CongestionControl` passes: RFC 6928's initial window, RFC 5681
 * slow start, the multiplicative decrease at fast retransmit and timeout (with the algorithm's
 * β: 0.5 for NewReno, 0.7 for CUBIC), recovery exit at or below ssthresh, bounded growth in
 * congestion avoidance, and invariants under a seeded random event sequence. It is plain code
 * returning named cases that throw on failure, so a test file runs it for any factory:
 * `for (const c of congestionConformance(newReno, { beta: 0.5 })) it(c.name, c.run);`
 */
import { deriveStream } from "../../sim/random.js";
import type { CongestionControl, CongestionFactory } from "./congestion.js";

/** What the suite expects of the algorithm under test. */
export interface ConformanceExpectations {
  /** Multiplicative decrease factor at a congestion event (ssthresh = max(β·flight, 2·SMSS)). */
  beta: number;
}

/** One named check; `run` throws an Error describing the first violation. */
export interface ConformanceCase {
  readonly name: string;
  readonly run: () => void;
}

const MSS = 1460;
const T0 = 1_000_000_000;
const RTT = 50_000_000;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

function near(actual: number, expected: number, what: string): void {
  check(Math.abs(actual - expected) <= 1, `${what}: expected ${expected}, got ${actual}`);
}

/** Grows a fresh controller in slow start to at least `target` bytes of cwnd. */
function grown(factory: CongestionFactory, target: number): CongestionControl {
  const cc = factory({ mss: MSS, initialWindow: 10, now: T0 });
  let t = T0;
  while (cc.cwnd < target) {
    t += RTT / 10;
    cc.onAck(MSS, RTT, cc.cwnd, t);
  }
  return cc;
}

/** The cases, for a factory and the algorithm's β. */
export function congestionConformance(
  factory: CongestionFactory,
  expect: ConformanceExpectations,
): ConformanceCase[] {
  const beta = expect.beta;
  return [
    {
      name: "starts at the RFC 6928 initial window with an arbitrarily high ssthresh",
      run: () => {
        for (const [mss, iw] of [
          [1460, 14600],
          [536, 5360],
          [9000, 18000],
        ] as const) {
          const cc = factory({ mss, initialWindow: 10, now: T0 });
          check(cc.cwnd === iw, `mss ${mss}: initial cwnd ${cc.cwnd}, expected ${iw}`);
          check(
            cc.ssthresh >= 1 << 30,
            `initial ssthresh ${cc.ssthresh} is not "arbitrarily high"`,
          );
        }
        const one = factory({ mss: MSS, initialWindow: 1, now: T0 });
        check(one.cwnd === MSS, `initial window of 1 segment gave ${one.cwnd}`);
      },
    },
    {
      name: "slow start adds min(bytes acked, SMSS) per ACK (RFC 5681 eq. 2)",
      run: () => {
        const cc = factory({ mss: MSS, initialWindow: 10, now: T0 });
        let w = cc.cwnd;
        for (const [acked, add] of [
          [MSS, MSS],
          [3000, MSS],
          [500, 500],
          [2 * MSS, MSS],
        ] as const) {
          cc.onAck(acked, RTT, w, T0 + RTT);
          w += add;
          check(cc.cwnd === w, `after an ACK of ${acked}: cwnd ${cc.cwnd}, expected ${w}`);
        }
      },
    },
    {
      name: "fast retransmit sets ssthresh = max(β·FlightSize, 2·SMSS) and cwnd >= ssthresh",
      run: () => {
        const cc = grown(factory, 40 * MSS);
        const flight = cc.cwnd;
        cc.onFastRetransmit(flight, T0 + 10 * RTT);
        near(cc.ssthresh, Math.max(Math.floor(beta * flight), 2 * MSS), "ssthresh");
        check(cc.cwnd >= cc.ssthresh, `cwnd ${cc.cwnd} below ssthresh ${cc.ssthresh} in recovery`);
        const small = factory({ mss: MSS, initialWindow: 2, now: T0 });
        small.onFastRetransmit(2 * MSS, T0 + RTT);
        check(small.ssthresh >= 2 * MSS, `ssthresh ${small.ssthresh} below 2·SMSS`);
      },
    },
    {
      name: "leaves recovery with cwnd at most ssthresh and at least one SMSS",
      run: () => {
        const cc = grown(factory, 40 * MSS);
        cc.onFastRetransmit(cc.cwnd, T0 + 10 * RTT);
        for (let i = 0; i < 5; i++) cc.onDupAck(cc.cwnd);
        cc.onPartialAck(3 * MSS, cc.ssthresh);
        cc.onRecoveryExit(cc.ssthresh, T0 + 11 * RTT);
        check(
          cc.cwnd <= cc.ssthresh,
          `cwnd ${cc.cwnd} above ssthresh ${cc.ssthresh} after recovery`,
        );
        check(cc.cwnd >= MSS, `cwnd ${cc.cwnd} below one SMSS`);
      },
    },
    {
      name: "a timeout sets cwnd to one SMSS and ssthresh from FlightSize, kept when repeated",
      run: () => {
        const cc = grown(factory, 40 * MSS);
        const flight = cc.cwnd;
        cc.onRto(flight, T0 + 10 * RTT, false);
        check(cc.cwnd === MSS, `cwnd after RTO ${cc.cwnd}, expected ${MSS} (RFC 5681 LW)`);
        const ss = cc.ssthresh;
        near(ss, Math.max(Math.floor(beta * flight), 2 * MSS), "ssthresh after RTO");
        cc.onRto(MSS, T0 + 12 * RTT, true);
        check(cc.cwnd === MSS, `cwnd after a repeated RTO ${cc.cwnd}`);
        check(cc.ssthresh === ss, `ssthresh changed on a repeated RTO: ${ss} -> ${cc.ssthresh}`);
      },
    },
    {
      name: "congestion avoidance grows, by at most half the window per window of ACKs",
      run: () => {
        const cc = grown(factory, 40 * MSS);
        cc.onRto(cc.cwnd, T0 + 10 * RTT, false);
        let t = T0 + 11 * RTT;
        while (cc.cwnd < cc.ssthresh) {
          t += RTT / 20;
          cc.onAck(MSS, RTT, cc.cwnd, t);
        }
        for (let round = 0; round < 20; round++) {
          const before = cc.cwnd;
          for (let acked = 0; acked < before; acked += MSS) {
            cc.onAck(MSS, RTT, before, t + (acked / before) * RTT);
            check(cc.cwnd >= before, `cwnd fell on an ACK in congestion avoidance`);
          }
          t += RTT;
          check(cc.cwnd > before || round === 0, `cwnd did not grow over round ${round}`);
          check(cc.cwnd <= 1.5 * before + MSS, `cwnd grew from ${before} to ${cc.cwnd} in one RTT`);
        }
      },
    },
    {
      name: "keeps cwnd >= 1 SMSS and ssthresh >= 2·SMSS under random events",
      run: () => {
        const rng = deriveStream(42, "conformance");
        const cc = factory({ mss: MSS, initialWindow: 10, now: T0 });
        let t = T0;
        let recovering = false;
        for (let i = 0; i < 5000; i++) {
          t += 1 + rng.nextInt(RTT);
          const flight = rng.nextInt(Math.max(1, cc.cwnd)) + 1;
          const k = rng.nextInt(10);
          if (recovering) {
            if (k < 4) cc.onDupAck(flight);
            else if (k < 7) cc.onPartialAck(rng.nextInt(3 * MSS), flight);
            else {
              cc.onRecoveryExit(flight, t);
              recovering = false;
            }
          } else if (k < 7) cc.onAck(1 + rng.nextInt(2 * MSS), RTT, flight, t);
          else if (k < 9) {
            cc.onFastRetransmit(flight, t);
            recovering = true;
          } else cc.onRto(flight, t, rng.nextInt(2) === 0);
          check(Number.isFinite(cc.cwnd) && cc.cwnd >= MSS, `event ${i}: cwnd ${cc.cwnd}`);
          check(cc.ssthresh >= 2 * MSS, `event ${i}: ssthresh ${cc.ssthresh}`);
        }
      },
    },
    {
      name: "setMss keeps cwnd at least one new SMSS",
      run: () => {
        const cc = factory({ mss: 536, initialWindow: 1, now: T0 });
        cc.setMss(1460);
        check(cc.cwnd >= 1460, `cwnd ${cc.cwnd} below the new SMSS`);
      },
    },
  ];
}
