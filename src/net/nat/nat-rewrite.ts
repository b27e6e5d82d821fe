/**
 * In-place rewriting of addresses, ports and ICMP identifiers with incremental checksum updates
 * (RFC 1624 eqn. 3), as RFC 3022 §4.2 describes: the NAT never recomputes a transport checksum
 * over the payload, and a UDP checksum of zero ("none", RFC 768) stays zero.
 */
import { getU16, setU16 } from "../../wire/bytes.js";
import { updateChecksum16 } from "../../wire/checksum.js";

/** No checksum field to update. */
export const NO_SUM = -1;

/**
 * Where the checksums covering a field live: the IP header checksum (for addresses), and the
 * transport checksum with whether it is UDP's (where 0 means none and is never written).
 */
export interface SumFields {
  ip: number;
  l4: number;
  udp: boolean;
}

function updateSum(
  p: Uint8Array,
  at: number,
  udp: boolean,
  oldWord: number,
  newWord: number,
): void {
  if (at === NO_SUM || at + 2 > p.length) return;
  const sum = getU16(p, at);
  if (udp && sum === 0) return; // RFC 768: no checksum was computed
  const next = updateChecksum16(sum, oldWord, newWord);
  // RFC 768: a computed UDP checksum of zero is sent as all ones.
  setU16(p, at, udp && next === 0 ? 0xffff : next);
}

/** Replaces the 16-bit word at `at`, updating the checksums in `sums`. */
export function rewrite16(p: Uint8Array, at: number, value: number, sums: SumFields): void {
  const old = getU16(p, at);
  if (old === value) return;
  setU16(p, at, value);
  updateSum(p, sums.ip, false, old, value);
  updateSum(p, sums.l4, sums.udp, old, value);
}

/** Replaces the IPv4 address at `at` (two 16-bit words), updating the checksums in `sums`. */
export function rewriteAddress(p: Uint8Array, at: number, address: number, sums: SumFields): void {
  rewrite16(p, at, address >>> 16, sums);
  rewrite16(p, at + 2, address & 0xffff, sums);
}

/**
 * Replaces a TCP or UDP endpoint: the address at `addressAt` (covered by the IP header checksum
 * and, through the pseudo-header, the transport checksum) and the port at `portAt` (covered by
 * the transport checksum only). `sums` is sumsFor's answer for the datagram holding them.
 */
export function rewriteEndpoint(
  p: Uint8Array,
  addressAt: number,
  address: number,
  portAt: number,
  port: number,
  sums: SumFields,
): void {
  rewriteAddress(p, addressAt, address, sums);
  rewrite16(p, portAt, port, { ip: NO_SUM, l4: sums.l4, udp: sums.udp });
}

/** The checksum fields covering a datagram's addresses, for `protocol` at `l4` (its offset). */
export function sumsFor(protocol: number, ipSum: number, l4: number, length: number): SumFields {
  if (protocol === 17 && l4 + 8 <= length) return { ip: ipSum, l4: l4 + 6, udp: true };
  if (protocol === 6 && l4 + 18 <= length) return { ip: ipSum, l4: l4 + 16, udp: false };
  return { ip: ipSum, l4: NO_SUM, udp: false };
}
