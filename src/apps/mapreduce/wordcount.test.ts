import { describe, expect, it } from "vitest";
import {
  localWordCount,
  mapWords,
  parsePairs,
  partitionOf,
  reduceCounts,
  splitInput,
} from "./wordcount.js";

describe("word count parts", () => {
  const text = "The cat\nsat on the mat.\n\nThe END, the end";

  it("splits on lines without losing or cutting words", () => {
    for (const m of [1, 2, 3, 7]) {
      const pieces = splitInput(text, m);
      expect(pieces).toHaveLength(m);
      expect(localWordCount(pieces.join("\n"))).toEqual(localWordCount(text));
    }
  });

  it("partitions by a fixed hash, each word in exactly one partition", () => {
    expect(partitionOf("the", 5)).toBe(partitionOf("the", 5));
    const parts = mapWords(text, 3);
    const seen = parts.flatMap((p, i) => p.map(([w]) => [w, i] as const));
    for (const [w, i] of seen) expect(partitionOf(w, 3)).toBe(i);
    expect(reduceCounts(parts.flat())).toEqual(localWordCount(text));
    expect(localWordCount(text)).toContainEqual(["the", 4]);
  });

  it("rejects malformed pairs", () => {
    expect(parsePairs([["a", 1]])).toEqual([["a", 1]]);
    expect(parsePairs([["a", 1.5]])).toBeUndefined();
    expect(parsePairs([["a"]])).toBeUndefined();
    expect(parsePairs({ a: 1 })).toBeUndefined();
  });
});
