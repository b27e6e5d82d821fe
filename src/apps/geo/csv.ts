/**
 * Just enough RFC 4180 CSV for the geolocation tables: comma-separated fields, double-quoted
 * fields that may hold commas, doubled quotes or line breaks, LF or CRLF line ends. Unquoted
 * lines (nearly all of them) take a fast split; only lines with a quote are scanned by hand.
 */

/** A malformed geolocation data file: which source, which line, what was wrong. */
export class GeoDataError extends Error {
  constructor(
    /** The data's name, e.g. "asn-ipv4.csv". */
    readonly source: string,
    /** 1-based line number. */
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${source}:${line}: ${detail}`);
    this.name = "GeoDataError";
  }
}

/**
 * Calls `row(fields, line)` for each record of `text` (blank lines are skipped; `line` is the
 * 1-based line the record starts on). Throws `GeoDataError` on an unterminated quote.
 */
export function forEachCsvRow(
  text: string,
  source: string,
  row: (fields: string[], line: number) => void,
): void {
  let pos = 0;
  let line = 1;
  const n = text.length;
  while (pos < n) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = n;
    let record = text.slice(pos, end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    if (record.indexOf('"') < 0) {
      if (record.length > 0) row(record.split(","), line);
      pos = end + 1;
      line++;
      continue;
    }
    // Quoted fields: scan by hand from the record's start, possibly across line breaks.
    const fields: string[] = [];
    const startLine = line;
    let field = "";
    let i = pos;
    for (;;) {
      if (text.charCodeAt(i) === 34) {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new GeoDataError(source, startLine, "unterminated quoted field");
          field += text.slice(i, q);
          for (let k = i; k < q; k++) if (text.charCodeAt(k) === 10) line++;
          i = q + 1;
          if (text.charCodeAt(i) !== 34) break;
          field += '"';
          i++;
        }
      }
      // Unquoted remainder of the field, up to a comma or the end of the record.
      let j = i;
      while (j < n && text.charCodeAt(j) !== 44 && text.charCodeAt(j) !== 10) j++;
      record = text.slice(i, j);
      field += record.endsWith("\r") && text.charCodeAt(j) === 10 ? record.slice(0, -1) : record;
      fields.push(field);
      field = "";
      if (j >= n || text.charCodeAt(j) === 10) {
        pos = j + 1;
        break;
      }
      i = j + 1;
    }
    row(fields, startLine);
    line++;
  }
}
