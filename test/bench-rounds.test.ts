import { describe, expect, it } from "vitest";
import type { Figure } from "../bench/harness.js";
import { mergeRounds, shortValue } from "../bench/rounds.js";

const fig = (name: string, value: number, extra: Partial<Figure> = {}): Figure => ({
  suite: "lpm",
  name,
  value,
  unit: "lookups/s",
  ...extra,
});

describe("benchmark rounds", () => {
  it("keeps the best round of each figure and lists every round in order", () => {
    const merged = mergeRounds([
      [
        fig("a", 51e6, { target: 100e6, note: "round one" }),
        fig("build", 0.8, { unit: "s", lowerIsBetter: true }),
      ],
      [
        fig("a", 156.47e6, { target: 100e6, note: "round two" }),
        fig("build", 0.6, { unit: "s", lowerIsBetter: true }),
      ],
      [
        fig("a", 57.6e6, { target: 100e6, note: "round three" }),
        fig("build", 0.7, { unit: "s", lowerIsBetter: true }),
      ],
    ]);
    expect(merged).toEqual([
      fig("a", 156.47e6, { target: 100e6, note: "round two; 3 rounds: 51 M, 156 M, 57.6 M" }),
      fig("build", 0.6, { unit: "s", lowerIsBetter: true, note: "3 rounds: 0.8, 0.6, 0.7" }),
    ]);
  });

  it("leaves a single round untouched and keeps figures some rounds lack", () => {
    const one = [fig("a", 1, { note: "n" })];
    expect(mergeRounds([one])).toEqual(one);
    const merged = mergeRounds([[fig("a", 2)], [fig("a", 3), fig("only-here", 7)]]);
    expect(merged.map((f) => [f.name, f.value, f.note])).toEqual([
      ["a", 3, "2 rounds: 2, 3"],
      ["only-here", 7, undefined],
    ]);
  });

  it("writes values with three significant digits and the table's suffixes", () => {
    expect([0.6, 12.345, 1234, 20.84e6, 1.35e9].map(shortValue)).toEqual([
      "0.6",
      "12.3",
      "1.23 k",
      "20.8 M",
      "1350 M",
    ]);
  });
});
