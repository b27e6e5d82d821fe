/**
 * The receive buffer: in-order bytes the application has not read yet, and out-of-order
 * segments waiting for a hole to fill (RFC 9293 §3.10.7.4 seventh step). Data is kept as the
 * copied segment payloads (one copy per byte, no ring to wrap); overlaps are trimmed on entry so
 * every byte is stored once. Reassembly is bounded by the advertised window (the caller trims to
 * it) and by a cap on the number of out-of-order pieces. SACK blocks (RFC 2018 §4) are derived
 * from the out-of-order pieces, most recently changed first.
 */
import { type SeqNumber, seqAdd, seqDiff } from "../../wire/seq.js";
import type { SackBlock } from "../../wire/tcp-options.js";

interface Piece {
  start: SeqNumber;
  end: SeqNumber;
  data: Uint8Array;
  /** Insertion counter of the latest segment that touched this piece (SACK recency). */
  stamp: number;
}

export class RecvBuffer {
  private ready: Uint8Array[] = [];
  private readyHead = 0;
  /** In-order bytes not yet read. */
  readyBytes = 0;
  private ooo: Piece[] = [];
  /** Out-of-order bytes held. */
  oooBytes = 0;
  private stamp = 0;

  constructor(
    /** Receive buffer size (SO_RCVBUF): the largest window ever offered. */
    readonly capacity: number,
    /** Most out-of-order pieces held; more are dropped (the sender will retransmit). */
    readonly maxPieces = 256,
  ) {}

  /** Number of out-of-order pieces held. */
  get pieces(): number {
    return this.ooo.length;
  }

  /**
   * Stores `data` that starts at `seq` (>= rcvNxt, already trimmed to the window). Returns how
   * many bytes became in-order, i.e. how far RCV.NXT advances.
   */
  insert(seq: SeqNumber, data: Uint8Array, rcvNxt: SeqNumber): number {
    if (data.length === 0) return 0;
    this.stamp++;
    if (seq === rcvNxt) {
      this.pushReady(data.slice());
      return data.length + this.drainOoo(seqAdd(rcvNxt, data.length));
    }
    this.insertOoo(seq, data);
    return 0;
  }

  /** Removes and returns up to `max` in-order bytes (one array; no copy when one piece fits). */
  read(max = Number.POSITIVE_INFINITY): Uint8Array | undefined {
    if (this.readyBytes === 0 || max <= 0) return undefined;
    const first = this.ready[this.readyHead]!;
    if (first.length >= max || this.ready.length - this.readyHead === 1) {
      const n = Math.min(first.length, max);
      if (n === first.length) this.shiftReady();
      else this.ready[this.readyHead] = first.subarray(n);
      this.readyBytes -= n;
      return n === first.length ? first : first.subarray(0, n);
    }
    const n = Math.min(this.readyBytes, max);
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.ready[this.readyHead]!;
      const take = Math.min(c.length, n - at);
      out.set(take === c.length ? c : c.subarray(0, take), at);
      at += take;
      if (take === c.length) this.shiftReady();
      else this.ready[this.readyHead] = c.subarray(take);
    }
    this.readyBytes -= n;
    return out;
  }

  /**
   * Up to `max` SACK blocks (RFC 2018 §4): contiguous runs of out-of-order data, the run holding
   * the most recently received segment first, then the others by recency.
   */
  sackBlocks(max: number): SackBlock[] {
    const runs: { left: SeqNumber; right: SeqNumber; stamp: number }[] = [];
    for (const p of this.ooo) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last.right === p.start) {
        last.right = p.end;
        if (p.stamp > last.stamp) last.stamp = p.stamp;
      } else {
        runs.push({ left: p.start, right: p.end, stamp: p.stamp });
      }
    }
    runs.sort((a, b) => b.stamp - a.stamp);
    const out: SackBlock[] = [];
    for (let i = 0; i < runs.length && i < max; i++) {
      out.push({ left: runs[i]!.left, right: runs[i]!.right });
    }
    return out;
  }

  /** Forgets everything (abort, or reneging is never done otherwise). */
  clear(): void {
    this.ready = [];
    this.readyHead = 0;
    this.readyBytes = 0;
    this.ooo = [];
    this.oooBytes = 0;
  }

  private pushReady(chunk: Uint8Array): void {
    this.ready.push(chunk);
    this.readyBytes += chunk.length;
  }

  private shiftReady(): void {
    this.readyHead++;
    if (this.readyHead > 64 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    } else if (this.readyHead === this.ready.length) {
      this.ready.length = 0;
      this.readyHead = 0;
    }
  }

  /** Moves out-of-order pieces that RCV.NXT has reached into the ready queue. */
  private drainOoo(nxt: SeqNumber): number {
    let advanced = 0;
    let k = 0;
    let next = nxt;
    while (k < this.ooo.length) {
      const p = this.ooo[k]!;
      if (seqDiff(p.start, next) > 0) break;
      this.oooBytes -= p.data.length;
      const skip = seqDiff(next, p.start);
      if (skip < p.data.length) {
        const tail = p.data.subarray(skip);
        this.pushReady(tail);
        advanced += tail.length;
        next = seqAdd(next, tail.length);
      }
      k++;
    }
    if (k > 0) this.ooo.splice(0, k);
    return advanced;
  }

  /** Stores the parts of [seq, seq+len) not already held, as new pieces in order. */
  private insertOoo(seq: SeqNumber, data: Uint8Array): void {
    const stamp = this.stamp;
    let s = seq;
    const end = seqAdd(seq, data.length);
    let k = 0;
    const ooo = this.ooo;
    while (k < ooo.length && seqDiff(ooo[k]!.end, s) <= 0) k++;
    while (seqDiff(end, s) > 0) {
      const p = ooo[k];
      if (p !== undefined && seqDiff(p.start, s) <= 0) {
        // Overlaps an existing piece: skip what it covers, and mark it recent.
        p.stamp = stamp;
        s = p.end;
        k++;
        continue;
      }
      const stop = p !== undefined && seqDiff(p.start, end) < 0 ? p.start : end;
      if (p !== undefined && seqDiff(p.start, end) < 0) p.stamp = stamp;
      if (ooo.length >= this.maxPieces) return; // bounded: drop the rest
      const from = seqDiff(s, seq);
      const piece = data.slice(from, from + seqDiff(stop, s));
      ooo.splice(k, 0, { start: s, end: stop, data: piece, stamp });
      this.oooBytes += piece.length;
      k++;
      s = stop;
    }
  }
}
