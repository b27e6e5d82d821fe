/**
 * Chunk extensions (RFC 9112 §7.1.1), checked and then ignored. They carry nothing this stack
 * uses, but a lax reading of them (bare CR, odd quoting) is a known smuggling vector, so the
 * grammar is enforced exactly: *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ).
 */
import { isFieldByte, isOws, isTchar } from "./syntax.js";

const SEMI = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Checks `line[from..]` (after chunk-size); -1 when valid, else the index of the bad byte. */
export function parseChunkExtensions(line: Uint8Array, from: number): number {
  const n = line.length;
  let i = from;
  const skipOws = () => {
    while (i < n && isOws(line[i]!)) i++;
  };
  while (i < n) {
    skipOws();
    if (i >= n || line[i] !== SEMI) return i;
    i++;
    skipOws();
    const nameStart = i;
    while (i < n && isTchar(line[i]!)) i++;
    if (i === nameStart) return i;
    const afterName = i;
    skipOws();
    if (i >= n || line[i] !== EQUALS) {
      i = afterName; // BWS belongs to the next ";" then
      continue;
    }
    i++;
    skipOws();
    if (i < n && line[i] === DQUOTE) {
      const end = quotedStringEnd(line, i);
      if (end < 0) return n;
      i = end;
    } else {
      const valueStart = i;
      while (i < n && isTchar(line[i]!)) i++;
      if (i === valueStart) return i;
    }
  }
  return -1;
}

/** RFC 9110 §5.6.4: index just past the closing quote of the quoted-string at `start`, or -1. */
function quotedStringEnd(line: Uint8Array, start: number): number {
  for (let i = start + 1; i < line.length; i++) {
    const b = line[i]!;
    if (b === DQUOTE) return i + 1;
    if (b === BACKSLASH) {
      i++; // quoted-pair: the next byte is HTAB, SP, VCHAR or obs-text
      if (i >= line.length || !isFieldByte(line[i]!)) return -1;
    } else if (!isFieldByte(b)) return -1;
  }
  return -1;
}
