/**
 * Where a message body ends (RFC 9112 §6.3) and the request smuggling defences around it
 * (§6.1, RFC 9110 §8.6): Content-Length and Transfer-Encoding are read strictly, and every
 * ambiguity that two servers in a chain could resolve differently is refused, not guessed.
 */
import type { HttpHeaders } from "./headers.js";
import { HttpParseError, malformedStatus } from "./http-error.js";
import type { BodyFraming, HttpVersion } from "./message.js";
import { isToken, trimOws } from "./syntax.js";

/** A body's delimitation; `length` counts bytes for "content-length" and is 0 otherwise. */
export interface Framing {
  framing: BodyFraming;
  length: number;
}

/** What framing needs to know about a parsed head. */
export interface Head {
  isRequest: boolean;
  version: HttpVersion;
  headers: HttpHeaders;
  /** Stream offset of each field line, index-aligned with `headers.entries()`. */
  offsets: readonly number[];
  /** Stream offset of the start-line. */
  at: number;
  /** The request's method (for a response: of the request it answers). */
  method: string;
  /** Status code of a response, 0 for a request. */
  status: number;
  /** Largest Content-Length accepted (413 beyond, for a request). */
  maxBody: number;
}

const NONE: Framing = { framing: "none", length: 0 };
const CLOSE: Framing = { framing: "close", length: 0 };

/** RFC 9112 §6.3: how the body of the message with this head is delimited, or why it cannot be. */
export function bodyFraming(h: Head): Framing | HttpParseError {
  const { isRequest, status } = h;
  // Rule 1: responses to HEAD, and 1xx, 204, 304, end with the header section.
  if (!isRequest && (h.method === "HEAD" || status < 200 || status === 204 || status === 304)) {
    return NONE;
  }
  const fail = (field: string, at: number, detail: string, code = malformedStatus(isRequest)) =>
    new HttpParseError(field, at, "invalid", detail, code);
  const entries = h.headers.entries();
  let length = -1;
  let lengthAt = -1;
  let codings: string[] | null = null;
  let codingsAt = -1;
  for (let i = 0; i < entries.length; i++) {
    const [name, value] = entries[i]!;
    const at = h.offsets[i] ?? h.at;
    const key = name.length === 14 || name.length === 17 ? name.toLowerCase() : "";
    if (key === "content-length") {
      // RFC 9110 §8.6 lets a recipient reject repeated lines; like Node's llhttp, this one does.
      if (length >= 0) return fail("content-length", at, "more than one Content-Length field");
      const n = parseContentLength(value);
      if (typeof n === "string") return fail("content-length", at, n);
      length = n;
      lengthAt = at;
    } else if (key === "transfer-encoding") {
      codings ??= [];
      if (codingsAt < 0) codingsAt = at;
      for (const part of value.split(",")) {
        const element = trimOws(part);
        if (element === "") continue; // RFC 9110 §5.6.1: empty list elements do not count
        const semi = element.indexOf(";");
        const coding = trimOws(semi < 0 ? element : element.slice(0, semi)).toLowerCase();
        if (!isToken(coding)) return fail("transfer-encoding", at, `bad coding in "${value}"`);
        codings.push(coding);
      }
    }
  }
  if (codings !== null) {
    const at = codingsAt;
    if (codings.length === 0) return fail("transfer-encoding", at, "empty Transfer-Encoding");
    // §6.1: both fields at once is how requests are smuggled; refuse rather than pick one.
    if (length >= 0) {
      return fail("transfer-encoding", at, "Content-Length with Transfer-Encoding (RFC 9112 §6.1)");
    }
    // §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
    if (h.version === "HTTP/1.0") {
      return fail("transfer-encoding", at, "Transfer-Encoding in HTTP/1.0 (RFC 9112 §6.1)");
    }
    const last = codings.length - 1;
    const first = codings.indexOf("chunked");
    // §6.1: chunked is applied at most once, and last.
    if (first >= 0 && (first !== last || codings.lastIndexOf("chunked") !== first)) {
      return fail("transfer-encoding", at, `chunked must be the final coding, once: "${codings}"`);
    }
    if (first < 0) {
      // Rule 4: a request cannot be delimited without final chunked; a response runs to the close.
      if (isRequest) {
        return fail("transfer-encoding", at, `final coding "${codings[last]!}" is not chunked`);
      }
      return CLOSE;
    }
    if (last > 0) {
      // §6.1: a server answers 501 to a coding it does not implement (only chunked is).
      const code = isRequest ? 501 : 502;
      const detail = `transfer coding "${codings[0]!}" is not implemented`;
      return new HttpParseError("transfer-encoding", at, "unsupported", detail, code);
    }
    return { framing: "chunked", length: 0 };
  }
  if (length >= 0) {
    if (length > h.maxBody) {
      const detail = `Content-Length ${length} exceeds the limit of ${h.maxBody}`;
      return fail("content-length", lengthAt, detail, isRequest ? 413 : 502);
    }
    return { framing: "content-length", length };
  }
  // Rules 7 and 8: a request without either has no body; a response runs to the close.
  return isRequest ? NONE : CLOSE;
}

/**
 * RFC 9110 §8.6: Content-Length = 1*DIGIT; a list of equal values ("5, 5") is that value.
 * Returns the length or a detail string: signs, spaces, hex, empty, overflow are all invalid.
 */
export function parseContentLength(value: string): number | string {
  let n = -1;
  for (const part of value.split(",")) {
    const t = trimOws(part);
    if (!/^[0-9]+$/.test(t)) return `"${value}" is not a decimal length (RFC 9110 §8.6)`;
    const digits = t.replace(/^0+(?=.)/, "");
    // 15 digits stay below 2^53, so every accepted length is an exact integer.
    if (digits.length > 15) return `"${value}" overflows`;
    const v = Number(digits);
    if (n >= 0 && v !== n) return `list "${value}" has differing values`;
    n = v;
  }
  return n;
}

const HOST = /^(?:\[[0-9A-Za-z:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

/**
 * RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host field, and a valid one (uri-host
 * [":" port]); HTTP/1.0 may omit it. Returns the 400 error, or null when the Host is fine.
 */
export function checkHost(h: Head): HttpParseError | null {
  const entries = h.headers.entries();
  let seen = -1;
  for (let i = 0; i < entries.length; i++) {
    const [name, value] = entries[i]!;
    if (name.length !== 4 || name.toLowerCase() !== "host") continue;
    const at = h.offsets[i] ?? h.at;
    if (seen >= 0)
      return new HttpParseError("host", at, "invalid", "more than one Host field", 400);
    if (!HOST.test(value)) {
      return new HttpParseError("host", at, "invalid", `bad Host "${value}"`, 400);
    }
    seen = i;
  }
  if (seen < 0 && h.version === "HTTP/1.1") {
    return new HttpParseError("host", h.at, "invalid", "HTTP/1.1 request without Host", 400);
  }
  return null;
}
