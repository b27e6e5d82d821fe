/**
 * Initial sequence numbers per RFC 6528 §3: ISN = M + F(localip, localport, remoteip,
 * remoteport, secretkey), M a clock ticking every 4 µs of the host's monotonic clock and F a
 * keyed hash.
 * F is HalfSipHash-2-4 (the 32-bit SipHash variant Linux uses for similar tables) with a 64-bit
 * key drawn from the node's seeded stream, so ISNs are unpredictable to a peer yet reproducible
 * from the seed. Also the cheap unkeyed hash the layer uses to demultiplex by 4-tuple.
 */
import type { RandomStream } from "../../sim/random.js";
import type { Nanos } from "../../sim/time.js";
import type { SeqNumber } from "../../wire/seq.js";

function rotl(x: number, b: number): number {
  return (x << b) | (x >>> (32 - b));
}

/** HalfSipHash-2-4 of `n` 32-bit words under the key (k0, k1). */
export function halfSipHash(k0: number, k1: number, words: ArrayLike<number>, n: number): number {
  let v0 = k0 | 0;
  let v1 = k1 | 0;
  let v2 = (0x6c796765 ^ k0) | 0;
  let v3 = (0x74656462 ^ k1) | 0;
  const round = (): void => {
    v0 = (v0 + v1) | 0;
    v1 = rotl(v1, 5) ^ v0;
    v0 = rotl(v0, 16);
    v2 = (v2 + v3) | 0;
    v3 = rotl(v3, 8) ^ v2;
    v0 = (v0 + v3) | 0;
    v3 = rotl(v3, 7) ^ v0;
    v2 = (v2 + v1) | 0;
    v1 = rotl(v1, 13) ^ v2;
    v2 = rotl(v2, 16);
  };
  for (let i = 0; i < n; i++) {
    const m = words[i]! | 0;
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  const b = ((n * 4) << 24) | 0;
  v3 ^= b;
  round();
  round();
  v0 ^= b;
  v2 ^= 0xff;
  round();
  round();
  round();
  round();
  return (v1 ^ v3) >>> 0;
}

/** The ISN generator of one node. */
export class IsnGenerator {
  private readonly k0: number;
  private readonly k1: number;

  /** The key is drawn from `rng` (a stream named for the node). */
  constructor(rng: RandomStream) {
    this.k0 = rng.nextU32();
    this.k1 = rng.nextU32();
  }

  /**
   * RFC 6528 §3 for the connection whose 4-tuple is given as words: the local address words,
   * the remote address words and (localPort << 16 | remotePort) last.
   */
  isn(now: Nanos, tuple: ArrayLike<number>, n: number): SeqNumber {
    const m = Math.floor(now / 4000); // 4 µs ticks
    return ((m + halfSipHash(this.k0, this.k1, tuple, n)) >>> 0) as SeqNumber;
  }
}

/** A fast, unkeyed 32-bit hash of 4-tuple words for the demultiplexing table. */
export function tupleHash(words: ArrayLike<number>, n: number): number {
  let h = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    h = Math.imul(h ^ (words[i]! | 0), 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
