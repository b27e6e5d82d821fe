/**
 * The pending-event set, ordered by (time, sequence): a calendar queue in two tiers.
 *
 * Sequence numbers are assigned at insertion, so events at the same instant pop in FIFO order and
 * a run never depends on the structure's internals. The near future sits in a small 4-ary heap;
 * the next stretch of time is cut into buckets of equal width (unsorted, O(1) insert); everything
 * later waits in an unsorted overflow list. When the heap runs dry the next bucket is poured into
 * it; when the buckets run out the overflow is re-cut, with a width chosen from a sample of its
 * times so a few events fall in each bucket (the idea of Brown's calendar queue, 1988, and of the
 * ladder queue). Equal times always land in the same tier and bucket, so FIFO ties hold.
 * Cancelling clears the event's slot; the dead entry is dropped when it reaches the heap's top.
 */
import { TimeHeap } from "./time-heap.js";

/** A callback run when its event fires; `arg` is whatever was passed when scheduling. */
export type EventFn = (arg: unknown) => void;

// Slot handles pack (generation, slot) into one safe integer: 24 bits of slot, the rest generation.
const SLOT_BITS = 24;
const SLOT_LIMIT = 1 << SLOT_BITS;
const GEN_LIMIT = 2 ** (53 - SLOT_BITS);

/** Identifies one scheduled event, for cancellation. Stale ids are ignored safely. */
export type EventId = number;

/**
 * Most buckets one cut of the overflow may use (`heads` grows to this as needed). About two events
 * per bucket up to ~10^6 pending keeps the heap tiny and each bucket's list short; measured against
 * 2^12 buckets, ~2.5x faster at 10^5 pending and ~1.2x at 10^6 (the heads take 2 MB at most).
 */
const MAX_BUCKETS = 1 << 19;
/** End of a slot list. */
const NIL = -1;

export class EventQueue {
  private readonly near = new TimeHeap();
  /** Every event before this time is in `near`. */
  private nearEnd = 0;
  /**
   * Buckets are singly linked lists threaded through `link` (head slot per bucket): inserting is
   * two typed-array writes and nothing is allocated or freed as buckets fill and drain. Order
   * within a bucket does not matter, since the heap orders by (time, seq) when it is poured.
   */
  private heads = new Int32Array(16).fill(NIL);
  private bucketBase = 0;
  private bucketWidth = 1;
  /** 1 / bucketWidth: a multiply is cheaper than a divide (bucketIndex corrects rounding). */
  private bucketScale = 1;
  private bucketCount = 0;
  /** Index of the next bucket to pour into `near`. */
  private nextBucket = 0;
  /** Every event before this time is in `near` or a bucket. */
  private bucketEnd = 0;
  /** Slots of events at or after `bucketEnd`, unsorted. */
  private far: Int32Array;
  private farCount = 0;

  // Slot arrays, indexed by slot. An event's time and seq live here until it enters the heap.
  private fns: (EventFn | undefined)[] = [];
  private args: unknown[] = [];
  private gens: Float64Array;
  private times: Float64Array;
  private seqs: Float64Array;
  private link: Int32Array;
  private freeSlots: Int32Array;
  private freeCount = 0;
  private slotCount = 0;

  private nextSeq = 0;
  private liveCount = 0;

  constructor(initialCapacity = 1024) {
    const cap = Math.max(16, initialCapacity);
    this.gens = new Float64Array(cap);
    this.times = new Float64Array(cap);
    this.seqs = new Float64Array(cap);
    this.link = new Int32Array(cap);
    this.freeSlots = new Int32Array(cap);
    this.far = new Int32Array(cap);
  }

  /** Events scheduled and not yet fired or cancelled. */
  get size(): number {
    return this.liveCount;
  }

  /** Inserts an event at `time`; returns an id that `cancel` accepts. */
  push(time: number, fn: EventFn, arg: unknown): EventId {
    const slot = this.freeCount > 0 ? this.freeSlots[--this.freeCount]! : this.newSlot();
    this.fns[slot] = fn;
    this.args[slot] = arg;
    const seq = this.nextSeq++;
    if (time < this.nearEnd) {
      this.near.push(time, seq, slot);
    } else {
      this.times[slot] = time;
      this.seqs[slot] = seq;
      if (time < this.bucketEnd) {
        const b = this.bucketIndex(time);
        this.link[slot] = this.heads[b]!;
        this.heads[b] = slot;
      } else {
        if (this.farCount === this.far.length) this.far = grow32(this.far);
        this.far[this.farCount++] = slot;
      }
    }
    this.liveCount++;
    return this.gens[slot]! * SLOT_LIMIT + slot;
  }

  /** Cancels a pending event. Returns false if it already fired or was cancelled. */
  cancel(id: EventId): boolean {
    const slot = id % SLOT_LIMIT;
    const gen = (id - slot) / SLOT_LIMIT;
    if (slot >= this.slotCount || this.gens[slot] !== gen || this.fns[slot] === undefined) {
      return false;
    }
    this.fns[slot] = undefined;
    this.args[slot] = undefined;
    this.liveCount--;
    return true;
  }

  /** Time of the earliest live event, or Infinity when none is pending. */
  peekTime(): number {
    return this.settleTop() ? this.near.topTime() : Number.POSITIVE_INFINITY;
  }

  /**
   * Removes the earliest live event if its time is <= `until` and hands it to `sink`; returns
   * false otherwise. A sink instead of a returned tuple keeps the hot loop free of allocations.
   */
  pop(sink: PoppedEvent, until = Number.POSITIVE_INFINITY): boolean {
    const near = this.near;
    const fns = this.fns;
    for (;;) {
      if (near.size === 0 && !this.refill()) return false;
      // One read of the top serves both the liveness check and the pop.
      const slot = near.topSlot();
      const fn = fns[slot];
      if (fn === undefined) {
        near.removeTop();
        this.releaseSlot(slot);
        continue;
      }
      const time = near.topTime();
      if (time > until) return false;
      sink.time = time;
      sink.fn = fn;
      sink.arg = this.args[slot];
      near.removeTop();
      fns[slot] = undefined;
      this.args[slot] = undefined;
      this.releaseSlot(slot);
      this.liveCount--;
      return true;
    }
  }

  /** Drops every pending event. */
  clear(): void {
    const drop = (slot: number) => {
      this.fns[slot] = undefined;
      this.args[slot] = undefined;
      this.releaseSlot(slot);
    };
    this.near.forEachSlot(drop);
    this.near.clear();
    for (let b = this.nextBucket; b < this.bucketCount; b++) {
      for (let s = this.heads[b]!; s !== NIL; s = this.link[s]!) drop(s);
      this.heads[b] = NIL;
    }
    for (let i = 0; i < this.farCount; i++) drop(this.far[i]!);
    this.farCount = 0;
    this.nextBucket = this.bucketCount = 0;
    this.bucketEnd = this.nearEnd;
    this.liveCount = 0;
  }

  /** Brings the earliest live event to the heap's top; false when nothing is pending. */
  private settleTop(): boolean {
    const near = this.near;
    for (;;) {
      if (near.size === 0 && !this.refill()) return false;
      const slot = near.topSlot();
      if (this.fns[slot] !== undefined) return true;
      near.removeTop();
      this.releaseSlot(slot);
    }
  }

  /** Refills the empty heap from the next non-empty bucket or the overflow. */
  private refill(): boolean {
    const near = this.near;
    while (near.size === 0) {
      if (this.nextBucket < this.bucketCount) this.pourNextBucket();
      else if (this.farCount > 0) this.recut();
      else return false;
    }
    return true;
  }

  private pourNextBucket(): void {
    const b = this.nextBucket++;
    const { near, times, seqs, link } = this;
    for (let s = this.heads[b]!; s !== NIL; s = link[s]!) near.push(times[s]!, seqs[s]!, s);
    this.heads[b] = NIL;
    this.nearEnd =
      this.nextBucket === this.bucketCount
        ? this.bucketEnd
        : this.bucketBase + this.nextBucket * this.bucketWidth;
  }

  /** The bucket holding `time`, in exact integer arithmetic (the multiply alone may round). */
  private bucketIndex(time: number): number {
    const offset = time - this.bucketBase;
    const w = this.bucketWidth;
    let i = Math.floor(offset * this.bucketScale);
    if (i * w > offset) i--;
    else if ((i + 1) * w <= offset) i++;
    return i;
  }

  /** Cuts the overflow into fresh buckets starting at its earliest live event. */
  private recut(): void {
    const { far, times } = this;
    let live = 0;
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.farCount; i++) {
      const slot = far[i]!;
      if (this.fns[slot] === undefined) {
        this.releaseSlot(slot);
        continue;
      }
      const t = times[slot]!;
      if (t < min) min = t;
      far[live++] = slot;
    }
    this.farCount = live;
    if (live === 0) return;
    // Aim for about two events per bucket up to the sample's upper quartile, so one distant
    // timer cannot stretch the buckets over everything else.
    const samples = new Float64Array(Math.min(live, 33));
    for (let j = 0; j < samples.length; j++) {
      samples[j] = times[far[Math.floor((j * (live - 1)) / Math.max(1, samples.length - 1))]!]!;
    }
    samples.sort();
    const q = samples[Math.floor(0.75 * (samples.length - 1))]!;
    // (Four per bucket, or buckets reaching twice as far, measured more instructions per event.)
    const count = Math.min(MAX_BUCKETS, Math.max(1, Math.ceil(live / 2)));
    // Every bucket has been poured by now, so a fresh (all-empty) array loses nothing.
    if (count > this.heads.length) this.heads = new Int32Array(count).fill(NIL);
    const width = Math.max(1, Math.ceil((q - min + 1) / Math.max(1, 0.75 * count)));
    this.bucketBase = min;
    this.bucketWidth = width;
    this.bucketScale = 1 / width;
    this.bucketCount = count;
    this.nextBucket = 0;
    this.nearEnd = min;
    this.bucketEnd = Math.min(min + count * width, Number.MAX_SAFE_INTEGER);
    const { heads, link } = this;
    let kept = 0;
    for (let i = 0; i < live; i++) {
      const slot = far[i]!;
      const t = times[slot]!;
      if (t < this.bucketEnd) {
        const b = this.bucketIndex(t);
        link[slot] = heads[b]!;
        heads[b] = slot;
      } else {
        far[kept++] = slot;
      }
    }
    this.farCount = kept;
  }

  private newSlot(): number {
    const slot = this.slotCount++;
    if (slot >= SLOT_LIMIT) throw new RangeError(`more than ${SLOT_LIMIT} pending events`);
    if (slot >= this.gens.length) {
      this.gens = grow64(this.gens);
      this.times = grow64(this.times);
      this.seqs = grow64(this.seqs);
      this.link = grow32(this.link);
      this.freeSlots = grow32(this.freeSlots);
    }
    return slot;
  }

  private releaseSlot(slot: number): void {
    // Bumping the generation makes any id still held for this slot stale.
    this.gens[slot] = (this.gens[slot]! + 1) % GEN_LIMIT;
    this.freeSlots[this.freeCount++] = slot;
  }
}

function grow64(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

function grow32(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Receives a popped event; reused across pops so the run loop allocates nothing. */
export class PoppedEvent {
  time = 0;
  fn: EventFn = noop;
  arg: unknown = undefined;
}

function noop(): void {}
