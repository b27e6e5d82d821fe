import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ipv4Datagram } from "../../../test/support/nat-lab.js";
import { internetChecksum } from "../../wire/checksum.js";
import { parseIpv4 } from "../../wire/ipv4.js";
import { ParseError } from "../../wire/parse-error.js";
import { seq } from "../../wire/seq.js";
import { emitTcp, parseTcp } from "../../wire/tcp.js";
import { emitUdp, parseUdp } from "../../wire/udp.js";
import { rewrite16, rewriteAddress, sumsFor } from "./nat-rewrite.js";

function datagram(protocol: 6 | 17, src: number, dst: number, payload: Uint8Array, sum: boolean) {
  const pseudo = { family: 4 as const, src, dst };
  const l4 =
    protocol === 17
      ? emitUdp({ srcPort: 1234, dstPort: 80, checksum: 0, payload }, sum ? pseudo : undefined)
      : emitTcp(
          {
            srcPort: 1234,
            dstPort: 80,
            seq: seq(1),
            ack: seq(0),
            flags: 0x02,
            window: 1000,
            checksum: 0,
            urgentPointer: 0,
            options: [],
            payload,
          },
          pseudo,
        );
  return ipv4Datagram({ protocol, src, dst, payload: l4 });
}

describe("incremental checksum rewriting (RFC 1624)", () => {
  it("leaves IP, UDP and TCP checksums valid after rewriting addresses and ports", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(6 as const, 17 as const),
        fc.tuple(fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(0xffffffff)),
        fc.tuple(fc.nat(0xffff), fc.nat(0xffff)),
        fc.uint8Array({ maxLength: 64 }),
        (protocol, [src, dst, newSrc, newDst], [sport, dport], payload) => {
          const p = datagram(protocol, src, dst, payload, true);
          const sums = sumsFor(protocol, 10, 20, p.length);
          rewriteAddress(p, 12, newSrc, sums);
          rewriteAddress(p, 16, newDst, sums);
          rewrite16(p, 20, sport, { ...sums, ip: -1 });
          rewrite16(p, 22, dport, { ...sums, ip: -1 });
          expect(internetChecksum(p, 0, 20)).toBe(0);
          const ip = parseIpv4(p);
          if (ip instanceof ParseError) throw new Error(ip.message);
          const pseudo = { family: 4 as const, src: newSrc, dst: newDst };
          const t = protocol === 17 ? parseUdp(ip.payload, pseudo) : parseTcp(ip.payload, pseudo);
          expect(t).not.toBeInstanceOf(ParseError);
          expect([ip.src, ip.dst, (t as { srcPort: number }).srcPort]).toEqual([
            newSrc,
            newDst,
            sport,
          ]);
          if (protocol === 17) expect(p[26]! | p[27]!).not.toBe(0); // never becomes "none"
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("keeps a UDP checksum of zero at zero (RFC 768: none computed)", () => {
    const p = datagram(17, 0xc0a80102, 0x08080808, new Uint8Array([1, 2, 3]), false);
    const sums = sumsFor(17, 10, 20, p.length);
    rewriteAddress(p, 12, 0xcb007102, sums);
    rewrite16(p, 20, 40000, { ...sums, ip: -1 });
    expect([p[26], p[27]]).toEqual([0, 0]);
    expect(internetChecksum(p, 0, 20)).toBe(0);
  });
});
