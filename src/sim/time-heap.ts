/**
 * A 4-ary min-heap of (time, sequence, slot) triples in one Float64Array, ordered by time and
 * then sequence. It holds only the near future of the event queue (see event-queue.ts), so it
 * stays small and in cache; a 4-ary layout halves the depth of a binary heap.
 */
export class TimeHeap {
  private h: Float64Array;
  /** Number of entries. */
  size = 0;

  constructor(capacity = 256) {
    this.h = new Float64Array(Math.max(16, capacity) * 3);
  }

  /** Time of the top entry (undefined behaviour when empty). */
  topTime(): number {
    return this.h[0]!;
  }

  /** Slot of the top entry (undefined behaviour when empty). */
  topSlot(): number {
    return this.h[2]! | 0;
  }

  push(time: number, seq: number, slot: number): void {
    if (this.size * 3 === this.h.length) {
      const grown = new Float64Array(this.h.length * 2);
      grown.set(this.h);
      this.h = grown;
    }
    this.siftUp(this.size++, time, seq, slot);
  }

  /**
   * Removes the top entry. Floyd's bottom-up variant: the hole at the root follows the smaller
   * child down to a leaf without comparing against the moved entry, then the last entry sifts up
   * from there. The last entry usually belongs near the bottom, so this saves a comparison (and
   * two typed-array reads) per level over the textbook sift-down.
   */
  removeTop(): void {
    const n = --this.size;
    if (n === 0) return;
    const h = this.h;
    let pos = 0;
    for (;;) {
      const first = (pos << 2) + 1;
      if (first >= n) break;
      let best = first;
      let bt = h[first * 3]!;
      let bs = h[first * 3 + 1]!;
      const end = first + 4 < n ? first + 4 : n;
      for (let c = first + 1; c < end; c++) {
        const ct = h[c * 3]!;
        if (ct < bt || (ct === bt && h[c * 3 + 1]! < bs)) {
          best = c;
          bt = ct;
          bs = h[c * 3 + 1]!;
        }
      }
      const q3 = pos * 3;
      h[q3] = bt;
      h[q3 + 1] = bs;
      h[q3 + 2] = h[best * 3 + 2]!;
      pos = best;
    }
    const l3 = n * 3;
    this.siftUp(pos, h[l3]!, h[l3 + 1]!, h[l3 + 2]!);
  }

  /** Places (time, seq, slot) at the hole `pos` or above it, moving larger parents down. */
  private siftUp(hole: number, time: number, seq: number, slot: number): void {
    const h = this.h;
    let pos = hole;
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

  /** Calls `fn(slot)` for every entry, in no particular order. */
  forEachSlot(fn: (slot: number) => void): void {
    for (let i = 0; i < this.size; i++) fn(this.h[i * 3 + 2]! | 0);
  }

  clear(): void {
    this.size = 0;
  }
}
