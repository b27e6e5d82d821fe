/**
 * Overlay identifiers: 32-bit unsigned ids in one circular/XOR space, derived from names and
 * keys by hashing, with the XOR distance of Kademlia and "k closest ids" selection shared by the
 * supernode directory, replicated storage and the DHT. 32 bits keep arithmetic in plain numbers.
 */
import { fnv1a32 } from "../../sim/random.js";

/** Bits in an overlay id. */
export const ID_BITS = 32;

/** Mixes a 32-bit value (murmur3 finalizer), so similar names land far apart. */
function mix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The overlay id of a peer name or a storage key. */
export function idOf(text: string): number {
  return mix32(fnv1a32(text));
}

/** Kademlia's distance: a XOR b, as an unsigned number. */
export function xorDistance(a: number, b: number): number {
  return (a ^ b) >>> 0;
}

/** Index of the highest differing bit (0..31), or -1 when a === b: the k-bucket of b for a. */
export function bucketIndex(a: number, b: number): number {
  const d = xorDistance(a, b);
  return d === 0 ? -1 : 31 - Math.clz32(d);
}

/** Compares by XOR distance to `target`, ties impossible between different ids. */
export function byDistanceTo(target: number): (a: { id: number }, b: { id: number }) => number {
  return (a, b) => xorDistance(a.id, target) - xorDistance(b.id, target);
}

/** The `k` items closest to `target` by XOR distance, nearest first (a new array). */
export function closest<T extends { id: number }>(
  items: readonly T[],
  target: number,
  k: number,
): T[] {
  return [...items].sort(byDistanceTo(target)).slice(0, k);
}

/** An id as 8 hex digits, for logs. */
export function hexId(id: number): string {
  return (id >>> 0).toString(16).padStart(8, "0");
}
