import { describe, expect, it } from "vitest";
import { forEachCsvRow, GeoDataError } from "./csv.js";

function rows(text: string): [string[], number][] {
  const out: [string[], number][] = [];
  forEachCsvRow(text, "t.csv", (f, line) => {
    out.push([f, line]);
  });
  return out;
}

describe("CSV rows", () => {
  it("splits plain rows, skips blank lines, handles CRLF and a missing final newline", () => {
    expect(rows("a,b,c\n\n1,2,3\r\nx,y")).toEqual([
      [["a", "b", "c"], 1],
      [["1", "2", "3"], 3],
      [["x", "y"], 4],
    ]);
  });

  it("reads quoted fields with commas, doubled quotes and line breaks", () => {
    const text =
      '1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."\r\n' +
      '2.26.200.0,2.26.215.255,201907,"LLC ""SPUTNIK"""\n' +
      '3,4,"two\nlines",""\n' +
      "5,6,7\n";
    expect(rows(text)).toEqual([
      [["1.0.0.0", "1.0.0.255", "13335", "Cloudflare, Inc."], 1],
      [["2.26.200.0", "2.26.215.255", "201907", 'LLC "SPUTNIK"'], 2],
      [["3", "4", "two\nlines", ""], 3],
      [["5", "6", "7"], 5],
    ]);
  });

  it("names the source and line of an unterminated quote", () => {
    expect(() => rows('a,b\nc,"d\n')).toThrow(GeoDataError);
    expect(() => rows('a,b\nc,"d\n')).toThrow("t.csv:2: unterminated quoted field");
  });
});
