/**
 * Seeded randomness: xoshiro128** generators, one per named stream.
 *
 * Every random choice in the engine draws from a stream named for what it decides
 * ("link:r1-r2:loss", "host:a:isn"). A stream's state is derived from (master seed, name) alone,
 * so adding a host or a link never shifts another stream's sequence. xoshiro128** (Blackman and
 * Vigna) is small, fast in 32-bit integer arithmetic, and passes BigCrush; its state is seeded
 * with splitmix32 from a 32-bit FNV-1a hash of the name mixed with the seed.
 */

/** A seed: a 32-bit unsigned integer, or any string (hashed). */
export type Seed = number | string;

/** One deterministic stream of random numbers. */
export class RandomStream {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Creates a stream from four 32-bit words of state (not all zero). */
  constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 | 0;
    this.s1 = s1 | 0;
    this.s2 = s2 | 0;
    this.s3 = s3 | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32-bit unsigned integer. */
  nextU32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = rotl(n3, 11);
    return r >>> 0;
  }

  /** A double uniform in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** An integer uniform in [0, n) for 1 <= n <= 2^32, without modulo bias (Lemire's method). */
  nextInt(n: number): number {
    if (!(n >= 1 && n <= 4294967296)) throw new RangeError(`nextInt bound out of range: ${n}`);
    if (n === 4294967296) return this.nextU32();
    // Rejection sampling on the top of the 32-bit range keeps every outcome equally likely.
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** An integer uniform in [lo, hi] inclusive. */
  nextRange(lo: number, hi: number): number {
    return lo + this.nextInt(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && (p >= 1 || this.nextFloat() < p);
  }

  /** An exponentially distributed value with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.nextFloat());
  }

  /** A normally distributed value (Box-Muller; one of the pair is discarded for simplicity). */
  normal(mean = 0, stddev = 1): number {
    const u = 1 - this.nextFloat();
    const v = this.nextFloat();
    return mean + stddev * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fills `out` with random bytes and returns it. */
  fill(out: Uint8Array): Uint8Array {
    let i = 0;
    for (; i + 4 <= out.length; i += 4) {
      const x = this.nextU32();
      out[i] = x >>> 24;
      out[i + 1] = x >>> 16;
      out[i + 2] = x >>> 8;
      out[i + 3] = x;
    }
    if (i < out.length) {
      let x = this.nextU32();
      for (; i < out.length; i++, x >>>= 8) out[i] = x;
    }
    return out;
  }

  /** Shuffles an array in place (Fisher-Yates). */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}

/** Derives independent named streams from one master seed. */
export class RandomStreams {
  readonly seed: number;
  private readonly streams = new Map<string, RandomStream>();

  constructor(seed: Seed) {
    this.seed = typeof seed === "number" ? seed >>> 0 : fnv1a32(seed);
    if (typeof seed === "number" && (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)) {
      throw new RangeError(`seed must be an integer in [0, 2^32): ${seed}`);
    }
  }

  /** The stream with this name, created on first use; the same name always gives the same one. */
  stream(name: string): RandomStream {
    let s = this.streams.get(name);
    if (s === undefined) {
      s = deriveStream(this.seed, name);
      this.streams.set(name, s);
    }
    return s;
  }
}

/** A fresh stream for (seed, name), independent of any registry. */
export function deriveStream(seed: number, name: string): RandomStream {
  let x = (fnv1a32(name) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
  x = (x + Math.imul(seed >>> 0, 0x85ebca6b)) >>> 0;
  const sm = { x };
  return new RandomStream(splitmix32(sm), splitmix32(sm), splitmix32(sm), splitmix32(sm));
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** splitmix32: spreads a 32-bit counter into well-mixed words, for seeding. */
function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) | 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** 32-bit FNV-1a over the UTF-16 code units of a string. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
