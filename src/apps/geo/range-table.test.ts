import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpv4 } from "../../wire/address.js";
import { RangeTable } from "./range-table.js";

const noop = () => {};

describe("RangeTable batch lookups", () => {
  it("match4TextBulk answers like parse + match4, -1 for text that is not a dotted quad", () => {
    const csv = ["10.0.0.0,10.0.255.255", "10.0.1.0,10.0.1.9", "192.168.0.0,192.168.255.255"];
    const t = RangeTable.fromCsv(csv.join("\n"), 4, "test.csv", noop);
    const addr = fc.oneof(
      fc.integer({ min: 0, max: 0xffffffff }).map(formatIpv4),
      fc.constantFrom("10.0.1.5", "10.0.1.10", "192.168.3.4", "255.255.255.255", "1.2.3", "x"),
    );
    fc.assert(
      fc.property(fc.array(addr, { maxLength: 40 }), fc.nat(5), (texts, from) => {
        const all = [...Array.from({ length: from }, () => "0.0.0.0"), ...texts];
        const out = new Int32Array(texts.length);
        t.match4TextBulk(all, from, texts.length, out);
        const want = texts.map((s) => {
          const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
          if (m === null) return -1;
          const a = m.slice(1).reduce((v, x) => v * 256 + Number(x), 0);
          return t.match4(a);
        });
        expect([...out]).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it("match6Bulk answers like match6", () => {
    const csv = [
      "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
      "2001:db8:1::,2001:db8:1::ff",
    ];
    const t = RangeTable.fromCsv(csv.join("\n"), 6, "test.csv", noop);
    const word = fc.constantFrom(0x20010db8, 0x00010000, 0, 0xff, 0x100, 0xffffffff);
    fc.assert(
      fc.property(
        fc.array(fc.array(word, { minLength: 4, maxLength: 4 }), { maxLength: 30 }),
        (qs) => {
          const words = Uint32Array.from(qs.flat());
          const out = new Int32Array(qs.length);
          t.match6Bulk(words, out);
          expect([...out]).toEqual(qs.map((q) => t.match6(q[0]!, q[1]!, q[2]!, q[3]!)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
