/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of
 * 16-bit words, with the IPv4 (RFC 768, RFC 9293 §3.1) and IPv6 (RFC 8200 §8.1) pseudo-headers
 * and the RFC 1624 incremental update routers use when they decrement the TTL.
 *
 * Sums are accumulated in a plain number (exact to 2^53, i.e. any packet up to 2^37 bytes) and
 * folded once at the end; the inner loop reads eight bytes per iteration.
 */
import type { Ipv6Address } from "./address.js";

/** Folds a wide sum to 16 bits with end-around carry. */
export function fold16(sum: number): number {
  // Split with arithmetic, not bit operators, since the sum can exceed 32 bits.
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * One's complement sum (folded, not complemented) of bytes[start..end), plus `initial`.
 * An odd trailing byte is padded with a zero byte, as RFC 1071 requires.
 */
export function onesSum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  let hi = 0; // sum of even-offset bytes (high halves of words)
  let lo = 0; // sum of odd-offset bytes
  let i = start;
  const end8 = start + ((end - start) & ~7);
  for (; i < end8; i += 8) {
    hi += bytes[i]! + bytes[i + 2]! + bytes[i + 4]! + bytes[i + 6]!;
    lo += bytes[i + 1]! + bytes[i + 3]! + bytes[i + 5]! + bytes[i + 7]!;
  }
  for (; i + 1 < end; i += 2) {
    hi += bytes[i]!;
    lo += bytes[i + 1]!;
  }
  if (i < end) hi += bytes[i]!;
  return fold16(hi * 256 + lo + initial);
}

/** The Internet checksum of bytes[start..end) with an optional pseudo-header sum. */
export function internetChecksum(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
  initial = 0,
): number {
  return ~onesSum(bytes, start, end, initial) & 0xffff;
}

/** Sum of the IPv4 pseudo-header (RFC 9293 §3.1): source, destination, zero+protocol, length. */
export function pseudoSumV4(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/** Sum of the IPv6 pseudo-header (RFC 8200 §8.1): addresses, 32-bit length, next header. */
export function pseudoSumV6(
  src: Ipv6Address,
  dst: Ipv6Address,
  nextHeader: number,
  length: number,
): number {
  return (
    words32Sum(src.w0) +
    words32Sum(src.w1) +
    words32Sum(src.w2) +
    words32Sum(src.w3) +
    words32Sum(dst.w0) +
    words32Sum(dst.w1) +
    words32Sum(dst.w2) +
    words32Sum(dst.w3) +
    words32Sum(length) +
    nextHeader
  );
}

function words32Sum(w: number): number {
  return (w >>> 16) + (w & 0xffff);
}

/**
 * RFC 1624 eqn. 3: the new checksum after one 16-bit word of the covered data changes from
 * `oldWord` to `newWord`: HC' = ~(~HC + ~m + m'). Correct also where eqn. 2 gives -0.
 */
export function updateChecksum16(checksum: number, oldWord: number, newWord: number): number {
  return ~fold16((~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff)) & 0xffff;
}

/** The addresses a transport checksum covers, by IP family. */
export type PseudoHeader =
  | { readonly family: 4; readonly src: number; readonly dst: number }
  | { readonly family: 6; readonly src: Ipv6Address; readonly dst: Ipv6Address };

/** The pseudo-header sum for a transport segment of `length` bytes of `protocol`. */
export function pseudoSum(ph: PseudoHeader, protocol: number, length: number): number {
  return ph.family === 4
    ? pseudoSumV4(ph.src, ph.dst, protocol, length)
    : pseudoSumV6(ph.src, ph.dst, protocol, length);
}
