import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ipv6Address } from "./address.js";
import { fromHex } from "./bytes.js";
import {
  fold16,
  internetChecksum,
  onesSum,
  pseudoSum,
  pseudoSumV4,
  updateChecksum16,
} from "./checksum.js";

/** A byte-at-a-time reference, written straight from the RFC 1071 definition. */
function referenceSum(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) {
    s += (b[i]! << 8) | (i + 1 < b.length ? b[i + 1]! : 0);
    s = (s & 0xffff) + (s >>> 16);
  }
  return s;
}

describe("internet checksum", () => {
  it("matches the RFC 1071 §3 worked example", () => {
    const b = fromHex("0001 f203 f4f5 f6f7");
    expect(onesSum(b)).toBe(0xddf2);
    expect(internetChecksum(b)).toBe(0x220d);
  });

  it("pads an odd trailing byte with zero", () => {
    expect(onesSum(fromHex("ab"))).toBe(0xab00);
    expect(onesSum(fromHex("0102 03"))).toBe(0x0102 + 0x0300);
  });

  it("equals the reference sum for any bytes, range and split", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (b, cut) => {
        expect(onesSum(b)).toBe(referenceSum(b));
        // Summing two even-aligned pieces and adding gives the same folded sum.
        const k = b.length === 0 ? 0 : (cut % b.length) & ~1;
        expect(fold16(onesSum(b, 0, k) + onesSum(b, k))).toBe(onesSum(b));
      }),
      { numRuns: 3000 },
    );
  });

  it("verifies to zero once the checksum is stored in the data", () => {
    const b = fromHex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
    const c = internetChecksum(b);
    expect(c).toBe(0xb861);
    b[10] = c >>> 8;
    b[11] = c & 0xff;
    expect(internetChecksum(b)).toBe(0);
  });

  it("sums the IPv4 and IPv6 pseudo-headers", () => {
    // 192.0.2.1 -> 198.51.100.2, UDP, 11 bytes
    expect(pseudoSumV4(0xc0000201, 0xc6336402, 17, 11)).toBe(
      0xc000 + 0x0201 + 0xc633 + 0x6402 + 17 + 11,
    );
    const src = Ipv6Address.of("2001:db8::1");
    const dst = Ipv6Address.of("2001:db8::2");
    expect(pseudoSum({ family: 6, src, dst }, 58, 0x10008)).toBe(
      0x2001 + 0x0db8 + 1 + 0x2001 + 0x0db8 + 2 + 0x1 + 0x0008 + 58,
    );
  });
});

describe("RFC 1624 incremental update", () => {
  it("gives 0x0000 where eqn. 2 would give 0xffff (RFC 1624 §4 example)", () => {
    expect(updateChecksum16(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
  });

  it("equals full recomputation after any 16-bit word changes", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 2, maxLength: 60 }).filter((b) => b.length % 2 === 0),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffff }),
        (b, pos, word) => {
          const i = (pos % (b.length / 2)) * 2;
          const before = internetChecksum(b);
          const oldWord = (b[i]! << 8) | b[i + 1]!;
          b[i] = word >>> 8;
          b[i + 1] = word & 0xff;
          const incremental = updateChecksum16(before, oldWord, word);
          const full = internetChecksum(b);
          // One's complement has two zeros; both encodings verify, so compare as sums.
          expect(incremental === full || (incremental ^ full) === 0xffff).toBe(true);
          if (full !== 0 && full !== 0xffff) expect(incremental).toBe(full);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
