/**
 * Address ranges to CIDR prefixes: an inclusive range [start, end] becomes the fewest prefixes
 * that cover exactly it (the maximal aligned blocks inside it, found greedily from the start).
 * IPv4 uses plain numbers; IPv6 works on four 32-bit words so no BigInt is needed on load.
 */

/**
 * Calls `emit(address, length)` for each prefix of the minimal CIDR cover of the IPv4 range
 * [start, end] (inclusive, unsigned 32-bit), in address order; returns how many it emitted.
 */
export function ipv4RangeToPrefixes(
  start: number,
  end: number,
  emit: (address: number, length: number) => void,
): number {
  if (!isU32(start) || !isU32(end) || start > end) {
    throw new RangeError(`bad IPv4 range ${start}..${end}`);
  }
  let s = start;
  let count = 0;
  for (;;) {
    // The largest block aligned at s is set by s's lowest set bit; shrink it until it fits.
    let length = s === 0 ? 0 : 32 - (31 - Math.clz32(s & -s));
    while (s + 2 ** (32 - length) - 1 > end) length++;
    emit(s, length);
    count++;
    s += 2 ** (32 - length);
    if (s > end) return count;
  }
}

/**
 * Calls `emit(words, length)` for each prefix of the minimal CIDR cover of the IPv6 range
 * [start, end] (inclusive; each address as four big-endian 32-bit words), in address order.
 * `words` is reused between calls: copy it to keep it. Returns how many prefixes it emitted.
 */
export function ipv6RangeToPrefixes(
  start: readonly number[],
  end: readonly number[],
  emit: (words: readonly number[], length: number) => void,
): number {
  if (start.length !== 4 || end.length !== 4 || !start.every(isU32) || !end.every(isU32)) {
    throw new RangeError("IPv6 range bounds must be four unsigned 32-bit words");
  }
  if (compareWords(start, end) > 0) throw new RangeError("IPv6 range start is after its end");
  const s = start.slice();
  const last = [0, 0, 0, 0];
  let count = 0;
  for (;;) {
    let length = 128 - trailingZeros(s);
    for (;;) {
      setLowBits(s, 128 - length, last);
      if (compareWords(last, end) <= 0) break;
      length++;
    }
    emit(s, length);
    count++;
    // Next block starts one past this block's last address; stop at the end or on wrap-around.
    if (compareWords(last, end) === 0) return count;
    for (let i = 0; i < 4; i++) s[i] = last[i]!;
    increment(s);
  }
}

function isU32(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
}

/** Compares two addresses given as equal-length big-endian word arrays. */
export function compareWords(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return 0;
}

/** Number of trailing zero bits of a 128-bit value (128 for zero). */
function trailingZeros(w: readonly number[]): number {
  for (let i = 3; i >= 0; i--) {
    const x = w[i]!;
    if (x !== 0) return 32 * (3 - i) + (31 - Math.clz32(x & -x));
  }
  return 128;
}

/** out = w with its low `bits` bits set. */
function setLowBits(w: readonly number[], bits: number, out: number[]): void {
  for (let i = 0; i < 4; i++) {
    const low = Math.min(32, Math.max(0, bits - 32 * (3 - i)));
    const mask = low === 32 ? 0xffffffff : 2 ** low - 1;
    out[i] = (w[i]! | mask) >>> 0;
  }
}

/** Adds one to a 128-bit value in place (wrapping). */
function increment(w: number[]): void {
  for (let i = 3; i >= 0; i--) {
    w[i] = (w[i]! + 1) >>> 0;
    if (w[i] !== 0) return;
  }
}
