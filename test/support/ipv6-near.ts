/**
 * IPv6 addresses for longest-prefix-match property tests: random addresses that share a random
 * number of leading bits with one of a few base addresses, so that generated prefixes nest and
 * overlap instead of scattering over 2^128.
 */
import fc from "fast-check";
import { Ipv6Address } from "../../src/wire/address.js";
import { Ipv6Prefix } from "../../src/wire/prefix.js";

export function ipv6Near(bases: readonly string[]): fc.Arbitrary<Ipv6Address> {
  return fc
    .tuple(
      fc.constantFrom(...bases.map((b) => Ipv6Address.of(b))),
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 4 }),
      fc.integer({ min: 0, max: 128 }),
    )
    .map(([b, r, keep]) => {
      const p = new Ipv6Prefix(b, keep);
      // Host bits of word i: those past the first `keep` bits of the address.
      const host = (i: number) => {
        const bits = Math.min(32, Math.max(0, keep - 32 * i));
        return bits === 32 ? 0 : 2 ** (32 - bits) - 1;
      };
      const w = [p.address.w0, p.address.w1, p.address.w2, p.address.w3];
      return new Ipv6Address(
        ...(w.map((x, i) => (x | (r[i]! & host(i))) >>> 0) as [number, number, number, number]),
      );
    });
}
