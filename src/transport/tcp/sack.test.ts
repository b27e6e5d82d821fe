// The RFC 6675 scoreboard: merging blocks, IsLost, SetPipe and NextSeg's holes.
import { describe, expect, it } from "vitest";
import { type SeqNumber, seq } from "../../wire/seq.js";
import { SackScoreboard } from "./sack.js";

const MSS = 1000;
const b = (l: number, r: number) => ({ left: seq(l), right: seq(r) });

describe("SackScoreboard", () => {
  it("merges overlapping and adjacent blocks, ignores implausible ones (RFC 6675 §3)", () => {
    const sb = new SackScoreboard();
    const una = seq(0);
    const max = seq(10_000);
    expect(sb.update([b(2000, 3000), b(5000, 6000)], una, max)).toBe(2000);
    expect(sb.update([b(3000, 4000), b(2500, 3500)], una, max)).toBe(1000);
    expect(sb.update([b(9000, 11_000), b(0, 0), b(500, 400)], una, max)).toBe(0);
    expect(sb.ranges).toBe(2);
    expect(sb.sackedBytes).toBe(3000);
    expect(sb.isSacked(seq(3999))).toBe(true);
    expect(sb.isSacked(seq(4000))).toBe(false);
  });

  it("finds where loss starts: DupThresh ranges or more than 2·SMSS SACKed above (IsLost)", () => {
    const sb = new SackScoreboard();
    sb.update([b(1000, 3000)], seq(0), seq(10_000));
    expect(sb.lostBoundary(seq(0), MSS, 3)).toBe(0); // 2000 bytes: not more than 2·SMSS
    sb.update([b(3000, 3001)], seq(0), seq(10_000));
    expect(sb.lostBoundary(seq(0), MSS, 3)).toBe(1000);
    const spread = new SackScoreboard();
    spread.update([b(1000, 1100), b(2000, 2100), b(3000, 3100)], seq(0), seq(10_000));
    expect(spread.lostBoundary(seq(0), MSS, 3)).toBe(1000);
  });

  it("counts the pipe: unSACKed not lost, plus retransmitted (SetPipe)", () => {
    const sb = new SackScoreboard();
    const una = seq(0);
    const max = seq(10_000);
    sb.update([b(1000, 4000)], una, max);
    const lost = sb.lostBoundary(una, MSS, 3);
    expect(lost).toBe(1000);
    // [0,1000) lost and not retransmitted; [4000,10000) in flight.
    expect(sb.pipe(una, max, una, lost)).toBe(6000);
    expect(sb.pipe(una, max, seq(1000), lost)).toBe(7000);
  });

  it("returns holes in order, skipping SACKed ranges (NextSeg)", () => {
    const sb = new SackScoreboard();
    sb.update([b(1000, 2000), b(3000, 4000)], seq(0), seq(10_000));
    const h = { seq: seq(0) as SeqNumber, len: 0 };
    expect(sb.nextHole(seq(0), seq(4000), 600, h)).toBe(true);
    expect(h).toEqual({ seq: 0, len: 600 });
    expect(sb.nextHole(seq(1500), seq(4000), 5000, h)).toBe(true);
    expect(h).toEqual({ seq: 2000, len: 1000 });
    expect(sb.nextHole(seq(3000), seq(4000), 5000, h)).toBe(false);
  });

  it("forgets what SND.UNA passed", () => {
    const sb = new SackScoreboard();
    sb.update([b(1000, 2000), b(3000, 4000)], seq(0), seq(10_000));
    sb.advance(seq(3500));
    expect(sb.sackedBytes).toBe(500);
    expect(sb.ranges).toBe(1);
  });
});
