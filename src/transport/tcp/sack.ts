/**
 * The sender's SACK scoreboard (RFC 6675 §3-4): which bytes above SND.UNA the receiver reported
 * holding (RFC 2018), kept as sorted disjoint ranges. It answers RFC 6675's questions in range
 * arithmetic rather than per byte: where loss starts (IsLost), how much is in the network
 * (SetPipe) and which hole to retransmit next (NextSeg rules 1 and 3).
 */
import { type SeqNumber, seqDiff, seqGt, seqLt, seqMax, seqMin } from "../../wire/seq.js";
import type { SackBlock } from "../../wire/tcp-options.js";

export class SackScoreboard {
  private starts: SeqNumber[] = [];
  private ends: SeqNumber[] = [];
  /** Bytes currently marked SACKed. */
  sackedBytes = 0;

  /** Number of disjoint SACKed ranges. */
  get ranges(): number {
    return this.starts.length;
  }

  get empty(): boolean {
    return this.starts.length === 0;
  }

  /** The end of the highest SACKed range (undefined when empty). */
  get highestSacked(): SeqNumber | undefined {
    return this.ends[this.ends.length - 1];
  }

  /**
   * Records SACK blocks from an ACK. Blocks are clipped to (una, max] as RFC 6675 §3 requires
   * (anything at or below SND.UNA, such as a D-SACK, is ignored). Returns bytes newly SACKed.
   */
  update(blocks: readonly SackBlock[], una: SeqNumber, max: SeqNumber): number {
    const before = this.sackedBytes;
    for (let b = 0; b < blocks.length; b++) {
      const blk = blocks[b]!;
      if (!seqLt(blk.left, blk.right)) continue;
      if (seqGt(blk.right, max) || !seqGt(blk.right, una)) continue; // not plausible
      this.add(seqMax(blk.left, una), blk.right);
    }
    return this.sackedBytes - before;
  }

  /** Forgets ranges below the new SND.UNA. */
  advance(una: SeqNumber): void {
    let k = 0;
    while (k < this.starts.length && !seqGt(this.ends[k]!, una)) {
      this.sackedBytes -= seqDiff(this.ends[k]!, this.starts[k]!);
      k++;
    }
    if (k > 0) {
      this.starts.splice(0, k);
      this.ends.splice(0, k);
    }
    if (this.starts.length > 0 && seqLt(this.starts[0]!, una)) {
      this.sackedBytes -= seqDiff(una, this.starts[0]!);
      this.starts[0] = una;
    }
  }

  clear(): void {
    this.starts.length = 0;
    this.ends.length = 0;
    this.sackedBytes = 0;
  }

  isSacked(s: SeqNumber): boolean {
    for (let k = 0; k < this.starts.length; k++) {
      if (seqLt(s, this.starts[k]!)) return false;
      if (seqLt(s, this.ends[k]!)) return true;
    }
    return false;
  }

  /**
   * RFC 6675 §4 IsLost as a boundary: every unSACKed byte below the returned sequence number is
   * lost (DupThresh ranges, or more than (DupThresh - 1)·SMSS bytes, are SACKed above it).
   * Returns `una` when nothing is lost.
   */
  lostBoundary(una: SeqNumber, mss: number, dupThresh: number): SeqNumber {
    let bytes = 0;
    for (let k = this.starts.length - 1; k >= 0; k--) {
      bytes += seqDiff(this.ends[k]!, this.starts[k]!);
      if (this.starts.length - k >= dupThresh || bytes > (dupThresh - 1) * mss) {
        return this.starts[k]!;
      }
    }
    return una;
  }

  /** SACKed bytes within [a, b). */
  sackedIn(a: SeqNumber, b: SeqNumber): number {
    let n = 0;
    for (let k = 0; k < this.starts.length; k++) {
      const lo = seqMax(a, this.starts[k]!);
      const hi = seqMin(b, this.ends[k]!);
      if (seqLt(lo, hi)) n += seqDiff(hi, lo);
    }
    return n;
  }

  /**
   * RFC 6675 §4 SetPipe over [una, max): unSACKed bytes not yet lost, plus unSACKed bytes
   * already retransmitted (below `highRxt`, exclusive).
   */
  pipe(una: SeqNumber, max: SeqNumber, highRxt: SeqNumber, lost: SeqNumber): number {
    let pipe = 0;
    const notLostFrom = seqMax(lost, una);
    if (seqLt(notLostFrom, max)) {
      pipe += seqDiff(max, notLostFrom) - this.sackedIn(notLostFrom, max);
    }
    const rxtTo = seqMin(highRxt, max);
    if (seqLt(una, rxtTo)) pipe += seqDiff(rxtTo, una) - this.sackedIn(una, rxtTo);
    return pipe;
  }

  /**
   * The first unSACKed byte at or after `from` and before `limit`, and how many unSACKed bytes
   * follow it contiguously (stopping at `limit` and at `maxLen`). Returns false when none.
   */
  nextHole(
    from: SeqNumber,
    limit: SeqNumber,
    maxLen: number,
    out: { seq: SeqNumber; len: number },
  ): boolean {
    let s = from;
    for (let k = 0; k < this.starts.length; k++) {
      const st = this.starts[k]!;
      const en = this.ends[k]!;
      if (!seqGt(en, s)) continue;
      if (seqLt(s, st)) {
        const stop = seqMin(st, limit);
        if (!seqLt(s, stop)) return false;
        out.seq = s;
        out.len = Math.min(maxLen, seqDiff(stop, s));
        return true;
      }
      s = en; // inside a SACKed range: skip past it
    }
    if (!seqLt(s, limit)) return false;
    out.seq = s;
    out.len = Math.min(maxLen, seqDiff(limit, s));
    return true;
  }

  /** Merges [a, b) into the ranges. */
  private add(a: SeqNumber, b: SeqNumber): void {
    const starts = this.starts;
    const ends = this.ends;
    let k = 0;
    while (k < starts.length && seqLt(ends[k]!, a)) k++;
    // Ranges k..j-1 touch or overlap [a, b).
    let j = k;
    let lo = a;
    let hi = b;
    let removed = 0;
    while (j < starts.length && !seqGt(starts[j]!, hi)) {
      lo = seqMin(lo, starts[j]!);
      hi = seqMax(hi, ends[j]!);
      removed += seqDiff(ends[j]!, starts[j]!);
      j++;
    }
    starts.splice(k, j - k, lo);
    ends.splice(k, j - k, hi);
    this.sackedBytes += seqDiff(hi, lo) - removed;
  }
}
