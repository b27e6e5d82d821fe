/**
 * DNS names: presentation text <-> wire labels, dig-style escapes, RFC 4343 comparison, and
 * compression pointers on read (loops, forward pointers, jump and length limits) and on write.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "./bytes.js";
import {
  DnsNameReader,
  DnsWriter,
  dnsLabelText,
  dnsNameCanonical,
  dnsNameEquals,
  dnsNameNormalize,
  dnsNameToWire,
  isDnsName,
} from "./dns-name.js";
import { ParseError } from "./parse-error.js";

const wire = (text: string) => {
  const r = dnsNameToWire(text);
  if (r instanceof ParseError) throw new Error(r.message);
  return toHex(r);
};

/** Reads one name at `start` of `hex`, up to the end of the buffer. */
function read(hex: string | Uint8Array, start: number) {
  const bytes = typeof hex === "string" ? fromHex(hex) : hex;
  const r = new DnsNameReader(bytes);
  const name = r.read(start, bytes.length);
  return name === null
    ? { error: r.errorReason, offset: r.errorOffset, detail: r.errorDetail }
    : { name, next: r.next };
}

describe("dns names: text", () => {
  it("converts text to wire labels (RFC 1035 §3.1)", () => {
    expect(wire("www.example.com.")).toBe("03777777076578616d706c6503636f6d00");
    expect(wire("www.example.com")).toBe("03777777076578616d706c6503636f6d00"); // absolute anyway
    expect(wire(".")).toBe("00");
    expect(wire("a\\.b.c.")).toBe("03612e620163" + "00");
    expect(wire("\\065\\000\\255\\\\.")).toBe("044100ff5c00");
    expect(wire("\\ x.")).toBe("02207800"); // "\ " is an escaped space
  });

  it("refuses malformed text with the offset", () => {
    const bad: [string, number, RegExp][] = [
      ["", 0, /empty name/],
      ["..", 0, /empty label/],
      [".a.", 0, /empty label/],
      ["a..b.", 2, /empty label/],
      [`${"a".repeat(64)}.`, 64, /label of 64 octets/],
      ["a b.", 1, /must be escaped/],
      ["café.", 3, /must be escaped/],
      ["a\\25.", 1, /three digits/],
      ["a\\256.", 1, /three digits up to 255/],
      ["a\\", 1, /backslash/],
    ];
    for (const [text, offset, detail] of bad) {
      const r = dnsNameToWire(text);
      expect(r, text).toBeInstanceOf(ParseError);
      expect((r as ParseError).offset, text).toBe(offset);
      expect((r as ParseError).detail, text).toMatch(detail);
      expect(isDnsName(text)).toBe(false);
    }
  });

  it("caps a name at 255 octets on the wire", () => {
    const label = "a".repeat(63);
    const ok = `${label}.${label}.${label}.${"a".repeat(61)}.`; // 64 * 3 + 62 + 1 = 255
    expect(isDnsName(ok)).toBe(true);
    expect(isDnsName(`${label}.${label}.${label}.${"a".repeat(62)}.`)).toBe(false);
    expect(isDnsName(`${"a.".repeat(127)}`)).toBe(true); // 127 labels: 254 + root
    expect(isDnsName(`${"a.".repeat(128)}`)).toBe(false);
  });

  it("escapes labels as dig does: \\. and friends, \\DDD outside 0x21-0x7e", () => {
    const b = new Uint8Array([
      0x61, 0x2e, 0x40, 0x24, 0x28, 0x29, 0x3b, 0x22, 0x5c, 0x20, 0x7f, 0xe9, 0x7e,
    ]);
    expect(dnsLabelText(b, 0, b.length)).toBe('a\\.\\@\\$\\(\\)\\;\\"\\\\\\032\\127\\233~');
    expect(dnsLabelText(b, 0, 1)).toBe("a");
  });

  it("compares names case-insensitively, ASCII only (RFC 4343)", () => {
    expect(dnsNameEquals("WWW.Example.COM.", "www.example.com.")).toBe(true);
    expect(dnsNameEquals("www.example.com", "www.example.com.")).toBe(true);
    expect(dnsNameEquals("\\065.b.", "a.B.")).toBe(true);
    expect(dnsNameEquals("a\\.b.", "a.b.")).toBe(false);
    expect(dnsNameEquals("\\195\\169.", "\\227\\169.")).toBe(false); // é vs no fold outside ASCII
    expect(dnsNameEquals(".", ".")).toBe(true);
    expect(dnsNameEquals("a.", "b.")).toBe(false);
    expect(dnsNameEquals("a..", "A..")).toBe(false); // invalid names equal only themselves
    expect(dnsNameCanonical("WWW.Example.COM")).toBe("www.example.com.");
    expect(dnsNameCanonical("\\065\\.\\066.")).toBe("a\\.b.");
    expect(dnsNameNormalize("\\065\\.\\066")).toBe("A\\.B.");
    expect(() => dnsNameCanonical("a..b")).toThrow(RangeError);
  });

  it("text -> wire -> text is the identity on normalized names (property)", () => {
    const label = fc.uint8Array({ minLength: 1, maxLength: 63 });
    const labels = fc
      .array(label, { maxLength: 8 })
      .filter((ls) => ls.reduce((n, l) => n + l.length + 1, 1) <= 255);
    fc.assert(
      fc.property(labels, (ls) => {
        const text =
          ls.length === 0 ? "." : ls.map((l) => `${dnsLabelText(l, 0, l.length)}.`).join("");
        const w = dnsNameToWire(text) as Uint8Array;
        expect(w).toEqual(new Uint8Array([...ls.flatMap((l) => [l.length, ...l]), 0]));
        expect(read(w, 0)).toEqual({ name: text, next: w.length });
        expect(dnsNameNormalize(text)).toBe(text);
        expect(dnsNameEquals(text, text.toUpperCase())).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("dns names: compression pointers (RFC 1035 §4.1.4)", () => {
  // 0: example.com. | 13: www + pointer to 0 | 19: pointer to 13
  const msg = "076578616d706c6503636f6d00 03777777c000 c00d";

  it("follows pointers, and `next` is just past the first pointer", () => {
    expect(read(msg, 0)).toEqual({ name: "example.com.", next: 13 });
    expect(read(msg, 13)).toEqual({ name: "www.example.com.", next: 19 });
    expect(read(msg, 19)).toEqual({ name: "www.example.com.", next: 21 });
    expect(read(msg, 8)).toEqual({ name: "com.", next: 13 });
  });

  it("gives the same answers from a cold or a warm cache of names", () => {
    const bytes = fromHex(msg);
    const warm = new DnsNameReader(bytes);
    const order = [0, 13, 19, 8, 19, 13, 0];
    for (const start of order) {
      expect(warm.read(start, bytes.length)).toBe(
        new DnsNameReader(bytes).read(start, bytes.length),
      );
    }
  });

  it("refuses a pointer to itself, forward pointers and loops, at the pointer's offset", () => {
    expect(read("c000", 0)).toMatchObject({ error: "invalid", offset: 0 });
    expect(read("0000 c000", 2)).toEqual({ name: ".", next: 4 }); // backwards: fine
    expect(read("c00200", 0)).toMatchObject({ error: "invalid", offset: 0, detail: /not before/ });
    // A label then a pointer back to the label: a loop (www.www.www...).
    expect(read("00 03777777c001", 1)).toMatchObject({ error: "invalid", offset: 5 });
    // Two pointers pointing at each other: the second jump is forward of the first target.
    expect(read("00 c003 c001", 3)).toMatchObject({ error: "invalid", offset: 1 });
  });

  it("refuses a name that runs off the end or uses a reserved label type", () => {
    expect(read("0361", 0)).toMatchObject({ error: "truncated", offset: 0 });
    expect(read("03616263", 0)).toMatchObject({ error: "truncated", offset: 4 });
    expect(read("00c0", 1)).toMatchObject({ error: "truncated", offset: 1 });
    expect(read("4100", 0)).toMatchObject({ error: "invalid", offset: 0, detail: /label type/ });
    expect(read("8100", 0)).toMatchObject({ error: "invalid", offset: 0 });
  });

  it("follows at most 127 pointers", () => {
    // 0: root; at 2k a pointer to 2k-2: a chain of k backward jumps.
    const b = new Uint8Array(2 * 130);
    for (let k = 1; k < 130; k++) {
      b[2 * k] = 0xc0 | ((2 * k - 2) >> 8);
      b[2 * k + 1] = (2 * k - 2) & 0xff;
    }
    expect(read(b, 2 * 127)).toEqual({ name: ".", next: 2 * 127 + 2 });
    expect(read(b, 2 * 128)).toMatchObject({
      error: "invalid",
      offset: 256,
      detail: /more than 127/,
    });
    // The same verdicts when the shorter chain has been read (and remembered) first.
    const r = new DnsNameReader(b);
    expect(r.read(2 * 127, b.length)).toBe(".");
    expect(r.read(2 * 128, b.length)).toBeNull();
    expect(r.errorDetail).toMatch(/more than 127/);
    expect(r.errorOffset).toBe(256);
  });

  it("counts the octets behind pointers toward the 255 limit", () => {
    const l = (c: string) => `3f${c.repeat(63)}`;
    // 0: 63a. (65 octets) | 65: 63b + ptr 0 (129) | 131: 63c + ptr 65 (193) | 197: 63d + ptr 131
    const hex = `${l("61")}00 ${l("62")}c000 ${l("63")}c041 ${l("64")}c083`;
    expect(read(hex, 131)).toMatchObject({ next: 197 });
    expect(read(hex, 197)).toMatchObject({ error: "invalid", offset: 197, detail: /255/ });
    const warm = new DnsNameReader(fromHex(hex));
    expect(warm.read(131, warm.bytes.length)).not.toBeNull();
    expect(warm.read(197, warm.bytes.length)).toBeNull();
    expect(warm.errorOffset).toBe(197);
  });
});

describe("dns names: writing with compression", () => {
  it("replaces the longest suffix already written with a pointer, matching case exactly", () => {
    const w = new DnsWriter(new Uint8Array(100), new Map());
    w.pos = 12;
    w.name("www.example.com.", true, true);
    w.name("mail.example.com.", true, true); // -> mail + pointer to example.com. at 16
    w.name("WWW.example.com.", true, true); // case differs: only example.com. matches
    w.name("www.example.com.", true, true); // whole name: pointer to 12
    w.name(".", true, true);
    w.name("mail.example.com.", false, false); // written in full, not remembered
    expect(toHex(w.buf, 12, w.pos)).toBe(
      "03777777076578616d706c6503636f6d00" +
        "046d61696cc010" +
        "03575757c010" +
        "c00c" +
        "00" +
        "046d61696c076578616d706c6503636f6d00",
    );
    expect(read(w.buf.subarray(0, w.pos), 36)).toEqual({ name: "WWW.example.com.", next: 42 });
  });

  it("writes every name in full without a map, and refuses invalid names", () => {
    const w = new DnsWriter(new Uint8Array(100), null);
    w.name("a.b.", true, true);
    w.name("a.b.", true, true);
    expect(toHex(w.buf, 0, w.pos)).toBe("0161016200".repeat(2));
    expect(() => w.name("a..b", true, true)).toThrow(RangeError);
  });

  it("never points at an offset of 0x4000 or more (14-bit pointers)", () => {
    const w = new DnsWriter(new Uint8Array(0x4100), new Map());
    w.pos = 0x3ffe;
    w.name("abc.example.", true, true); // abc at 0x3ffe, example at 0x4002: not rememberable
    w.name("x.example.", true, true); // so example. is written again in full
    w.name("y.abc.example.", true, true); // abc.example. at 0x3ffe is still a target
    expect(toHex(w.buf, 0x400b, w.pos)).toBe("0178076578616d706c6500" + "0179fffe");
  });
});
