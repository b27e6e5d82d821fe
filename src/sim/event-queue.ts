/**
 * The pending-event set: a 4-ary min-heap over typed arrays, ordered by (time, sequence).
 *
 * Sequence numbers are assigned at insertion, so events at the same instant pop in FIFO order and
 * a run never depends on heap internals. Heap entries carry a slot index; the callback and its
 * argument live in parallel slot arrays. Cancelling clears the slot and leaves the heap entry in
 * place (lazy deletion); the dead entry is discarded when it reaches the top. A 4-ary heap halves
 * the depth of a binary one, which matters once 10^5..10^6 timers are pending.
 */

/** A callback run when its event fires; `arg` is whatever was passed when scheduling. */
export type EventFn = (arg: unknown) => void;

// Slot handles pack (generation, slot) into one safe integer: 24 bits of slot, the rest generation.
const SLOT_BITS = 24;
const SLOT_LIMIT = 1 << SLOT_BITS;
const GEN_LIMIT = 2 ** (53 - SLOT_BITS);

/** Identifies one scheduled event, for cancellation. Stale ids are ignored safely. */
export type EventId = number;

export class EventQueue {
  // Heap entries interleaved as [time, seq, slot] triples, so one sift step touches one or two
  // cache lines instead of three separate arrays.
  private heap: Float64Array;
  private heapSize = 0;

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
    this.heap = new Float64Array(cap * 3);
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
    if (this.heapSize * 3 === this.heap.length) this.growHeap();
    this.siftUp(this.heapSize++, time, this.nextSeq++, slot);
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
    this.dropDeadTop();
    return this.heapSize === 0 ? Number.POSITIVE_INFINITY : this.heap[0]!;
  }

  /**
   * Removes the earliest live event if its time is <= `until` and hands it to `sink`; returns
   * false otherwise. A sink instead of a returned tuple keeps the hot loop free of allocations.
   */
  pop(sink: PoppedEvent, until = Number.POSITIVE_INFINITY): boolean {
    this.dropDeadTop();
    if (this.heapSize === 0 || this.heap[0]! > until) return false;
    const slot = this.heap[2]! | 0;
    sink.time = this.heap[0]!;
    sink.fn = this.fns[slot]!;
    sink.arg = this.args[slot];
    this.removeTop();
    this.fns[slot] = undefined;
    this.args[slot] = undefined;
    this.releaseSlot(slot);
    this.liveCount--;
    return true;
  }

  /** Drops every pending event. */
  clear(): void {
    for (let i = 0; i < this.heapSize; i++) {
      const slot = this.heap[i * 3 + 2]! | 0;
      this.fns[slot] = undefined;
      this.args[slot] = undefined;
      this.releaseSlot(slot);
    }
    this.heapSize = 0;
    this.liveCount = 0;
  }

  private dropDeadTop(): void {
    while (this.heapSize > 0) {
      const slot = this.heap[2]! | 0;
      if (this.fns[slot] !== undefined) return;
      this.removeTop();
      this.releaseSlot(slot);
    }
  }

  private removeTop(): void {
    const last = --this.heapSize;
    if (last > 0) {
      const h = this.heap;
      this.siftDown(0, h[last * 3]!, h[last * 3 + 1]!, h[last * 3 + 2]!);
    }
  }

  private siftUp(pos: number, time: number, seq: number, slot: number): void {
    const h = this.heap;
    while (pos > 0) {
      const parent = (pos - 1) >> 2;
      const p3 = parent * 3;
      const pt = h[p3]!;
      if (pt < time || (pt === time && h[p3 + 1]! < seq)) break;
      const q3 = pos * 3;
      h[q3] = pt;
      h[q3 + 1] = h[p3 + 1]!;
      h[q3 + 2] = h[p3 + 2]!;
      pos = parent;
    }
    const q3 = pos * 3;
    h[q3] = time;
    h[q3 + 1] = seq;
    h[q3 + 2] = slot;
  }

  private siftDown(pos: number, time: number, seq: number, slot: number): void {
    const h = this.heap;
    const n = this.heapSize;
    for (;;) {
      const first = (pos << 2) + 1;
      if (first >= n) break;
      // Find the smallest of up to four children.
      let best = first;
      let bt = h[first * 3]!;
      let bs = h[first * 3 + 1]!;
      const end = Math.min(first + 4, n);
      for (let c = first + 1; c < end; c++) {
        const ct = h[c * 3]!;
        if (ct < bt || (ct === bt && h[c * 3 + 1]! < bs)) {
          best = c;
          bt = ct;
          bs = h[c * 3 + 1]!;
        }
      }
      if (time < bt || (time === bt && seq < bs)) break;
      const q3 = pos * 3;
      h[q3] = bt;
      h[q3 + 1] = bs;
      h[q3 + 2] = h[best * 3 + 2]!;
      pos = best;
    }
    const q3 = pos * 3;
    h[q3] = time;
    h[q3 + 1] = seq;
    h[q3 + 2] = slot;
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

  private growHeap(): void {
    const h = new Float64Array(this.heap.length * 2);
    h.set(this.heap);
    this.heap = h;
  }
}

/** Receives a popped event; reused across pops so the run loop allocates nothing. */
export class PoppedEvent {
  time = 0;
  fn: EventFn = noop;
  arg: unknown = undefined;
}

function noop(): void {}
