import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { fromHex, toHex } from "./bytes.js";
import { ParseError } from "./parse-error.js";
import { type SeqNumber, seq } from "./seq.js";
import {
  buildTcpOptions,
  emitTcpOptions,
  NO_TCP_OPTIONS,
  parseTcpOptions,
  summarizeTcpOptions,
  type TcpOption,
  tcpOptionsLength,
} from "./tcp-options.js";

// Linux's SYN options, hand-assembled from RFC 9293 §3.2, RFC 2018 §2 and RFC 7323 §2.2, §3.2:
// MSS 1460 | SACK-permitted | timestamps 123456/0 | NOP | window scale 7.
const LINUX_SYN = "020405b4 0402 080a 0001e240 00000000 01 030307";
const LINUX_SYN_LIST: TcpOption[] = [
  { kind: "mss", value: 1460 },
  { kind: "sack-permitted" },
  { kind: "timestamps", tsval: 123456, tsecr: 0 },
  { kind: "nop" },
  { kind: "window-scale", shift: 7 },
];

// NOP NOP SACK with two blocks, the second wrapping.
const SACK_AREA = "0101 0512 10000400 10000800 fffffff0 00000010";

const hex = (s: string) => s.replace(/\s+/g, "");
const parse = (s: string) => parseTcpOptions(fromHex(s));

describe("tcp options", () => {
  it("decodes and encodes Linux's SYN options", () => {
    expect(parse(LINUX_SYN)).toEqual(LINUX_SYN_LIST);
    expect(toHex(emitTcpOptions(LINUX_SYN_LIST))).toBe(hex(LINUX_SYN));
    expect(tcpOptionsLength(LINUX_SYN_LIST)).toBe(20);
  });

  it("decodes SACK blocks, including one that wraps past 2^32", () => {
    const area = SACK_AREA;
    const list = parse(area) as TcpOption[];
    expect(list).toEqual([
      { kind: "nop" },
      { kind: "nop" },
      {
        kind: "sack",
        blocks: [
          { left: 0x10000400, right: 0x10000800 },
          { left: 0xfffffff0, right: 0x10 },
        ],
      },
    ]);
    expect(toHex(emitTcpOptions(list))).toBe(hex(area));
    const four = parse(`0522 ${"00000001 00000002 ".repeat(4)} 0000`) as TcpOption[];
    expect(four).toHaveLength(1);
    expect(four[0]).toMatchObject({
      kind: "sack",
      blocks: new Array(4).fill({ left: 1, right: 2 }),
    });
  });

  it("stops at EOL, ignores what follows it, and pads with zeros on emit", () => {
    expect(parse("01 00 0204 05b4")).toEqual([{ kind: "nop" }]);
    expect(parse("00 ffffff")).toBe(NO_TCP_OPTIONS);
    expect(parse("")).toBe(NO_TCP_OPTIONS);
    expect(toHex(emitTcpOptions([{ kind: "window-scale", shift: 7 }]))).toBe("03030700");
    expect(toHex(emitTcpOptions([{ kind: "nop" }]))).toBe("01000000");
    expect(toHex(emitTcpOptions([]))).toBe("");
    const out = new Uint8Array(12).fill(0xee);
    emitTcpOptions([{ kind: "mss", value: 536 }, { kind: "nop" }], out, 3);
    expect(toHex(out)).toBe("eeeeee0204021801000000ee");
  });

  it("keeps a window scale above 14 as received (RFC 7323 §2.3)", () => {
    expect(parse("03030f00")).toEqual([{ kind: "window-scale", shift: 15 }]);
    expect(summarizeTcpOptions(parse("03030f00") as TcpOption[]).windowScale).toBe(15);
  });

  it("keeps unknown options with their data and skips them by length", () => {
    const list = parse("fe04abcd 2202 020405b4") as TcpOption[];
    expect(list).toEqual([
      { kind: "unknown", type: 254, data: fromHex("abcd") },
      { kind: "unknown", type: 34, data: new Uint8Array(0) },
      { kind: "mss", value: 1460 },
    ]);
    expect(toHex(emitTcpOptions(list))).toBe("fe04abcd2202020405b40000");
  });

  it("reports malformed options with field and the offset of the length byte", () => {
    const cases: [string, string, number][] = [
      ["020305b4", "options.mss", 1],
      ["0201 0000", "options", 1],
      ["0200 0000", "options", 1],
      ["020a05b4", "options", 1],
      ["010101 02", "options", 4],
      ["0101 03040700", "options.window-scale", 3],
      ["040300 00", "options.sack-permitted", 1],
      ["0502 0000", "options.sack", 1],
      ["050c 00000001 00000002 00000003", "options.sack", 1],
      ["080800000001 00000002", "options.timestamps", 1],
      ["fe05abcd", "options", 1],
    ];
    for (const [area, field, offset] of cases) {
      const e = parse(area);
      expect(e, area).toBeInstanceOf(ParseError);
      expect(e, area).toMatchObject({ protocol: "tcp", field, offset, reason: "invalid" });
    }
    // Offsets count from the start of the buffer, not of the option area.
    const b = fromHex("ffffffff 020305b4");
    expect(parseTcpOptions(b, 4, 8)).toMatchObject({ field: "options.mss", offset: 5 });
    expect(parseTcpOptions(b, 4, 6)).toMatchObject({ field: "options", offset: 5 });
  });

  it("refuses to emit what cannot be encoded", () => {
    const nops: TcpOption[] = new Array(41).fill({ kind: "nop" });
    expect(() => emitTcpOptions(nops)).toThrow(RangeError);
    expect(() => emitTcpOptions(nops.slice(0, 40))).not.toThrow();
    expect(() => emitTcpOptions([{ kind: "sack", blocks: [] }])).toThrow(RangeError);
    const eol: TcpOption = { kind: "unknown", type: 0, data: new Uint8Array(0) };
    expect(() => emitTcpOptions([eol])).toThrow(RangeError);
    const nop: TcpOption = { kind: "unknown", type: 1, data: new Uint8Array(0) };
    expect(() => emitTcpOptions([nop])).toThrow(RangeError);
  });

  it("summarizes the options a TCP layer needs", () => {
    expect(summarizeTcpOptions(LINUX_SYN_LIST)).toEqual({
      mss: 1460,
      sackPermitted: true,
      timestamps: { tsval: 123456, tsecr: 0 },
      windowScale: 7,
    });
    expect(summarizeTcpOptions([])).toEqual({ sackPermitted: false });
    const blocks = [{ left: seq(1), right: seq(2) }];
    const twice: TcpOption[] = [
      { kind: "mss", value: 1000 },
      { kind: "sack", blocks },
      { kind: "mss", value: 1200 },
    ];
    expect(summarizeTcpOptions(twice)).toEqual({ mss: 1200, sackPermitted: false, sack: blocks });
  });

  it("builds options in Linux's aligned layout", () => {
    const ts = { tsval: 123456, tsecr: 0 };
    const all = { mss: 1460, sackPermitted: true, timestamps: ts, windowScale: 7 };
    expect(toHex(emitTcpOptions(buildTcpOptions(all)))).toBe(hex(LINUX_SYN));
    expect(
      toHex(emitTcpOptions(buildTcpOptions({ mss: 1460, sackPermitted: true, windowScale: 7 }))),
    ).toBe(hex("020405b4 01010402 01030307"));
    expect(toHex(emitTcpOptions(buildTcpOptions({ mss: 1460, timestamps: ts })))).toBe(
      "020405b40101080a0001e24000000000",
    );
    const sack = [{ left: seq(0x10000400), right: seq(0x10000800) }];
    expect(toHex(emitTcpOptions(buildTcpOptions({ timestamps: ts, sack })))).toBe(
      "0101080a0001e240000000000101050a1000040010000800",
    );
    expect(buildTcpOptions({})).toEqual([]);
  });

  it("round-trips: parse(emit(list)) equals list", () => {
    fc.assert(
      fc.property(optionList, (list) => {
        const bytes = emitTcpOptions(list);
        expect(bytes.length % 4).toBe(0);
        const back = parseTcpOptions(bytes);
        expect(back).toEqual(list);
        expect(toHex(emitTcpOptions(back as TcpOption[]))).toBe(toHex(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it("fuzz: any option area yields a list or a ParseError", () => {
    const samples = [fromHex(LINUX_SYN), fromHex(SACK_AREA), fromHex("fe04abcd 2202 01 030307")];
    fuzzParser(parseTcpOptions, samples, {
      runs: 20_000,
      maxLength: 44,
    });
  });
});

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const seqArb = u32.map((n) => n as SeqNumber);
const option: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant({ kind: "nop" } as const),
  fc.record({ kind: fc.constant("mss" as const), value: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({
    kind: fc.constant("window-scale" as const),
    shift: fc.integer({ min: 0, max: 255 }),
  }),
  fc.constant({ kind: "sack-permitted" } as const),
  fc.record({
    kind: fc.constant("sack" as const),
    blocks: fc.array(fc.record({ left: seqArb, right: seqArb }), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant("timestamps" as const), tsval: u32, tsecr: u32 }),
  fc.record({
    kind: fc.constant("unknown" as const),
    type: fc.integer({ min: 6, max: 255 }).filter((t) => t !== 8),
    data: fc.uint8Array({ maxLength: 12 }),
  }),
);

/** Option lists that fit in the 40-byte area once padded. */
const optionList: fc.Arbitrary<TcpOption[]> = fc
  .array(option, { maxLength: 8 })
  .filter((l) => ((tcpOptionsLength(l) + 3) & ~3) <= 40);
