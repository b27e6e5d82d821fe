/**
 * TCP sequence numbers: unsigned 32-bit values compared modulo 2^32 (RFC 9293 §3.4). `a` is
 * "before" `b` when the forward distance from a to b is in (0, 2^31). Plain functions over
 * numbers, with a brand so a raw number cannot be passed by mistake, and no allocation.
 */

/** A 32-bit TCP sequence number. */
export type SeqNumber = number & { readonly __brand: "SeqNumber" };

/** Brands a number (taken modulo 2^32) as a sequence number. */
export function seq(n: number): SeqNumber {
  return (n >>> 0) as SeqNumber;
}

/** a + n modulo 2^32. */
export function seqAdd(a: SeqNumber, n: number): SeqNumber {
  return ((a + n) >>> 0) as SeqNumber;
}

/** The signed distance from b to a, in (-2^31, 2^31]: positive when a is after b. */
export function seqDiff(a: SeqNumber, b: SeqNumber): number {
  return (a - b) | 0;
}

/** a < b in sequence space. */
export function seqLt(a: SeqNumber, b: SeqNumber): boolean {
  return ((a - b) | 0) < 0;
}

/** a <= b in sequence space. */
export function seqLe(a: SeqNumber, b: SeqNumber): boolean {
  return ((a - b) | 0) <= 0;
}

/** a > b in sequence space. */
export function seqGt(a: SeqNumber, b: SeqNumber): boolean {
  return ((a - b) | 0) > 0;
}

/** a >= b in sequence space. */
export function seqGe(a: SeqNumber, b: SeqNumber): boolean {
  return ((a - b) | 0) >= 0;
}

/** lo <= x < hi in sequence space (the RFC 9293 §3.4 acceptability tests). */
export function seqInWindow(x: SeqNumber, lo: SeqNumber, hi: SeqNumber): boolean {
  return seqLe(lo, x) && seqLt(x, hi);
}

/** The later of two sequence numbers. */
export function seqMax(a: SeqNumber, b: SeqNumber): SeqNumber {
  return seqGt(a, b) ? a : b;
}

/** The earlier of two sequence numbers. */
export function seqMin(a: SeqNumber, b: SeqNumber): SeqNumber {
  return seqLt(a, b) ? a : b;
}
