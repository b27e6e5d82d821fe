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

/** Most buckets one cut of the overflow may use (allocated as needed). */
const MAX_BUCKETS = 1 << 12;

export class EventQueue {
  private readonly near = new TimeHeap();
  /** Every event before this time is in `near`. */
  private nearEnd = 0;
  private readonly buckets: number[][] = [];
  private bucketBase = 0;
  private bucketWidth = 1;
  private bucketCount = 0;
  /** Index of the next bucket to pour into `near`. */
  private nextBucket = 0;
  /** Every event before this time is in `near` or a bucket. */
  private bucketEnd = 0;
  /** Events at or after `bucketEnd`: (time, seq, slot) triples. */
  private far: number[] = [];

  // Slot arrays, indexed by slot.
  private fns: (EventFn | undefined)[] = [];
  private args: unknown[] = [];
  private gens: Float64Array;
  private freeSlots: Int32Array;
  private freeCount = 0;
  private slotCount = 0;

  private nextSeq = 0;
  private liveCount = 0;

  constructor(initialCapacity = 1024) {
    const cap = Math.max(16, initialCapacity);
    this.gens = new Float64Array(cap);
    this.freeSlots = new Int32Array(cap);
  }

  /** Events scheduled and not yet fired or cancelled. */
  get size(): number {
    return this.liveCount;
  }

  /** Inserts an event at `time`; returns an id that `cancel` accepts. */
  push(time: number, fn: EventFn, arg: unknown): EventId {
    const slot = this.allocSlot();
    this.fns[slot] = fn;
    this.args[slot] = arg;
    const seq = this.nextSeq++;
    if (time < this.nearEnd) {
      this.near.push(time, seq, slot);
    } else if (time < this.bucketEnd) {
      this.buckets[this.bucketIndex(time)]!.push(time, seq, slot);
    } else {
      this.far.push(time, seq, slot);
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
    if (!this.settleTop()) return false;
    const near = this.near;
    const time = near.topTime();
    if (time > until) return false;
    const slot = near.topSlot();
    sink.time = time;
    sink.fn = this.fns[slot]!;
    sink.arg = this.args[slot];
    near.removeTop();
    this.fns[slot] = undefined;
    this.args[slot] = undefined;
    this.releaseSlot(slot);
    this.liveCount--;
    return true;
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
    for (const b of this.buckets) {
      for (let i = 2; i < b.length; i += 3) drop(b[i]!);
      b.length = 0;
    }
    for (let i = 2; i < this.far.length; i += 3) drop(this.far[i]!);
    this.far.length = 0;
    this.nextBucket = this.bucketCount = 0;
    this.bucketEnd = this.nearEnd;
    this.liveCount = 0;
  }

  /** Brings the earliest live event to the heap's top; false when nothing is pending. */
  private settleTop(): boolean {
    const near = this.near;
    for (;;) {
      while (near.size === 0) {
        if (this.nextBucket < this.bucketCount) this.pourNextBucket();
        else if (this.far.length > 0) this.recut();
        else return false;
      }
      const slot = near.topSlot();
      if (this.fns[slot] !== undefined) return true;
      near.removeTop();
      this.releaseSlot(slot);
    }
  }

  private pourNextBucket(): void {
    const b = this.buckets[this.nextBucket++]!;
    for (let i = 0; i < b.length; i += 3) this.near.push(b[i]!, b[i + 1]!, b[i + 2]!);
    b.length = 0;
    this.nearEnd =
      this.nextBucket === this.bucketCount
        ? this.bucketEnd
        : this.bucketBase + this.nextBucket * this.bucketWidth;
  }

  /** The bucket holding `time`, in exact integer arithmetic (division alone may round up). */
  private bucketIndex(time: number): number {
    const offset = time - this.bucketBase;
    let i = Math.floor(offset / this.bucketWidth);
    if (i * this.bucketWidth > offset) i--;
    else if ((i + 1) * this.bucketWidth <= offset) i++;
    return i;
  }

  /** Cuts the overflow into fresh buckets starting at its earliest live event. */
  private recut(): void {
    const far = this.far;
    let live = 0;
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < far.length; i += 3) {
      const slot = far[i + 2]!;
      if (this.fns[slot] === undefined) {
        this.releaseSlot(slot);
        continue;
      }
      const t = far[i]!;
      if (t < min) min = t;
      far[live * 3] = t;
      far[live * 3 + 1] = far[i + 1]!;
      far[live * 3 + 2] = slot;
      live++;
    }
    far.length = live * 3;
    if (live === 0) return;
    // Aim for about two events per bucket up to the sample's upper quartile, so one distant
    // timer cannot stretch the buckets over everything else.
    const samples = new Float64Array(Math.min(live, 33));
    for (let j = 0; j < samples.length; j++) {
      samples[j] = far[Math.floor((j * (live - 1)) / Math.max(1, samples.length - 1)) * 3]!;
    }
    samples.sort();
    const q = samples[Math.floor(0.75 * (samples.length - 1))]!;
    const count = Math.min(MAX_BUCKETS, Math.max(1, Math.ceil(live / 2)));
    const width = Math.max(1, Math.ceil((q - min + 1) / Math.max(1, 0.75 * count)));
    this.bucketBase = min;
    this.bucketWidth = width;
    this.bucketCount = count;
    while (this.buckets.length < count) this.buckets.push([]);
    this.nextBucket = 0;
    this.nearEnd = min;
    this.bucketEnd = Math.min(min + count * width, Number.MAX_SAFE_INTEGER);
    let kept = 0;
    for (let i = 0; i < far.length; i += 3) {
      const t = far[i]!;
      if (t < this.bucketEnd) {
        this.buckets[this.bucketIndex(t)]!.push(t, far[i + 1]!, far[i + 2]!);
      } else {
        far[kept * 3] = t;
        far[kept * 3 + 1] = far[i + 1]!;
        far[kept * 3 + 2] = far[i + 2]!;
        kept++;
      }
    }
    far.length = kept * 3;
  }

  private allocSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount]!;
    const slot = this.slotCount++;
    if (slot >= SLOT_LIMIT) throw new RangeError(`more than ${SLOT_LIMIT} pending events`);
    if (slot >= this.gens.length) {
      const gens = new Float64Array(this.gens.length * 2);
      gens.set(this.gens);
      this.gens = gens;
      const free = new Int32Array(this.freeSlots.length * 2);
      free.set(this.freeSlots);
      this.freeSlots = free;
    }
    return slot;
  }

  private releaseSlot(slot: number): void {
    // Bumping the generation makes any id still held for this slot stale.
    this.gens[slot] = (this.gens[slot]! + 1) % GEN_LIMIT;
    this.freeSlots[this.freeCount++] = slot;
  }
}

/** Receives a popped event; reused across pops so the run loop allocates nothing. */
export class PoppedEvent {
  time = 0;
  fn: EventFn = noop;
  arg: unknown = undefined;
}

function noop(): void {}
