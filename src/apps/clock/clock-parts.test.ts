import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../../test/support/fuzz.js";
import { HostClock } from "../../sim/host-clock.js";
import { Simulator } from "../../sim/simulator.js";
import { ms, sec } from "../../sim/time.js";
import { fromHex, toHex } from "../../wire/bytes.js";
import { ParseError } from "../../wire/parse-error.js";
import { type BerkeleyEstimate, faultTolerantAverage } from "./berkeley.js";
import {
  type BerkeleyMessage,
  emitBerkeleyMessage,
  parseBerkeleyMessage,
} from "./berkeley-message.js";
import { ClockFilter, type NtpSample, onWireOffsetDelay } from "./clock-filter.js";
import { ClockDiscipline } from "./discipline.js";
import { ntpPollExponent, ntpRequest } from "./ntp-request.js";

function sample(
  seq: number,
  t4: number,
  offset: number,
  delay: number,
  pendingSlew = 0,
): NtpSample {
  return { seq, simTime: t4, t1: t4 - delay, t2: 0, t3: 0, t4, offset, delay, pendingSlew };
}

describe("on-wire offset and delay (RFC 5905 §8)", () => {
  it("recovers offset and delay from the four timestamps", () => {
    // The server is 5 ms ahead; 10 ms out, 1 ms at the server, 10 ms back.
    const t1 = sec(100);
    const t2 = t1 + ms(10) + ms(5);
    const t3 = t2 + ms(1);
    const t4 = t3 + ms(10) - ms(5);
    expect(onWireOffsetDelay(t1, t2, t3, t4)).toEqual({ offset: ms(5), delay: ms(20) });
    // 14 ms out, 6 ms back: the same clocks look (14 - 6) / 2 = 4 ms further apart.
    const a = onWireOffsetDelay(t1, t1 + ms(14) + ms(5), t1 + ms(15) + ms(5), t1 + ms(21));
    expect(a).toEqual({ offset: ms(9), delay: ms(20) });
  });
});

describe("the request's poll field (RFC 5905 §7.3)", () => {
  it("is the poll interval in log2 seconds, rounded, as a signed byte", () => {
    const intervals = [sec(16), sec(64), sec(1), ms(500), sec(1024), sec(20), 1];
    expect(intervals.map(ntpPollExponent)).toEqual([4, 6, 0, -1, 10, 4, -30]);
    const t1 = { seconds: 3_976_214_400, fraction: 0 };
    expect(ntpRequest(t1, 6)[2]).toBe(6);
    expect(ntpRequest(t1, -1)[2]).toBe(0xff);
    expect(ntpRequest(t1)[2]).toBe(4);
  });
});

describe("ClockFilter", () => {
  it("keeps eight samples and picks the least delay", () => {
    const f = new ClockFilter();
    [30, 22, 25, 40, 21.5, 33, 27, 29, 31].forEach((d, i) => {
      f.add(sample(i + 1, sec(16 * i), i, ms(d)));
    });
    expect(f.held.map((s) => s.seq)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(f.best()!.seq).toBe(5);
    f.clear();
    expect(f.best()).toBeUndefined();
  });

  it("lets age (15 ppm) outweigh a few microseconds of delay", () => {
    const f = new ClockFilter();
    f.add(sample(1, sec(0), 0, ms(20)));
    f.add(sample(2, sec(16), 0, ms(20) + 1_000));
    // 16 s at 15 ppm is 240 µs of dispersion: more than half of the 1 µs difference.
    expect(f.best()!.seq).toBe(2);
    f.add(sample(3, sec(32), 0, ms(21)));
    expect(f.best()!.seq).toBe(2);
  });
});

describe("ClockDiscipline", () => {
  function setup() {
    const sim = new Simulator();
    const clock = new HostClock(sim);
    const at = (t: number) => {
      sim.at(t, () => {});
      sim.runUntil(t);
    };
    return { clock, at, d: new ClockDiscipline(clock) };
  }

  it("steps beyond 128 ms, slews below, and learns frequency from what is left", () => {
    const { clock, at, d } = setup();
    expect(d.update(sample(1, 0, ms(200), ms(20)), 1)).toBe("step");
    expect(clock.error()).toBe(ms(200));
    at(sec(16));
    expect(d.update(sample(2, sec(16), ms(2), ms(20)), 2)).toBe("slew");
    expect(clock.pendingSlew).toBe(ms(2));
    expect(clock.frequencyPpm).toBe(0);
    at(sec(32));
    // 16 µs left over 16 s after the slew: 1 ppm slow; a quarter of it is corrected.
    d.update(sample(3, sec(32), 16_000, ms(20)), 3);
    expect(clock.frequencyPpm).toBeCloseTo(0.25, 9);
    expect(d.fresh(sample(3, sec(32), 0, 0))).toBe(false);
    expect(d.fresh(sample(4, sec(48), 0, 0))).toBe(true);
  });

  it("treats an apparent error above 500 ppm as a phase jump, not a frequency error", () => {
    const { clock, at, d } = setup();
    d.update(sample(1, 0, ms(1), ms(20)), 1);
    at(sec(16));
    // 40 ms in 16 s would be 2,500 ppm: no oscillator is that bad; the clock was stepped.
    d.update(sample(2, sec(16), ms(40), ms(20)), 2);
    expect(clock.frequencyPpm).toBe(0);
    expect(clock.pendingSlew).toBe(ms(40));
  });
});

describe("Berkeley", () => {
  it("encodes messages as 16 bytes and refuses bad ones", () => {
    const adjust: BerkeleyMessage = { type: "adjust", round: 7, by: -1.5e6 };
    const GOLDEN = "03010000 00000007 c136e36000000000";
    expect(toHex(emitBerkeleyMessage(adjust))).toBe(GOLDEN.replace(/ /g, ""));
    expect(parseBerkeleyMessage(fromHex(GOLDEN))).toEqual(adjust);
    expect(parseBerkeleyMessage(fromHex("0101000000000001 0000000000000000"))).toEqual({
      type: "time-request",
      round: 1,
    });
    expect(parseBerkeleyMessage(fromHex("0301"))).toMatchObject({ reason: "truncated" });
    expect(parseBerkeleyMessage(fromHex(GOLDEN.replace(/^0301/, "0302")))).toMatchObject({
      field: "version",
    });
    expect(parseBerkeleyMessage(fromHex(GOLDEN.replace(/^03/, "09")))).toMatchObject({
      field: "type",
    });
    expect(
      parseBerkeleyMessage(fromHex(GOLDEN.replace(/c136e36000000000$/, "7ff8000000000000"))),
    ).toMatchObject({ field: "value" });
    const msg = fc.oneof(
      fc.record({ type: fc.constant("time-request" as const), round: fc.nat({ max: 0xffffffff }) }),
      fc.record({
        type: fc.constant("time-reply" as const),
        round: fc.nat({ max: 0xffffffff }),
        time: fc.double({ noNaN: true, noDefaultInfinity: true }),
      }),
      fc.record({
        type: fc.constant("adjust" as const),
        round: fc.nat({ max: 0xffffffff }),
        by: fc.double({ noNaN: true, noDefaultInfinity: true }),
      }),
    );
    fc.assert(
      fc.property(msg, (m) => {
        expect(parseBerkeleyMessage(emitBerkeleyMessage(m))).toEqual(m);
      }),
    );
    fuzzParser(parseBerkeleyMessage, [fromHex(GOLDEN)], { runs: 20_000, maxLength: 24 });
    expect(parseBerkeleyMessage(new Uint8Array(17))).toBeInstanceOf(ParseError);
  });

  it("averages the clocks near the median and marks the others", () => {
    const est = (offset: number): BerkeleyEstimate => ({
      clock: String(offset),
      offset,
      rtt: 0,
      excluded: false,
      adjustment: 0,
    });
    const es = [0, 10, -10, 20, 900].map((o) => est(ms(o)));
    expect(faultTolerantAverage(es, ms(50))).toBe(ms(5));
    expect(es.map((e) => e.excluded)).toEqual([false, false, false, false, true]);
    // Two camps with nobody near the median: nothing is excluded rather than everything.
    const split = [0, 1000].map((o) => est(ms(o)));
    expect(faultTolerantAverage(split, ms(10))).toBe(ms(500));
    expect(split.every((e) => !e.excluded)).toBe(true);
  });
});
