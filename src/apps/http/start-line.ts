/**
 * The lines of an HTTP/1.1 head, parsed from bytes: request-line (RFC 9112 §3), status-line
 * (§4) and field lines (§5). Each is checked in one pass over the line with byte tables; the
 * strict choices (single SP separators, no obs-fold, no space before the colon) are the RFC's.
 */
import type { HeaderEntry } from "./headers.js";
import { HttpParseError, malformedStatus } from "./http-error.js";
import type { HttpVersion, TargetForm } from "./message.js";
import { isFieldByte, isOws, isTchar, isVchar, latin1 } from "./syntax.js";

/** The parts of a request-line. */
export interface RequestLine {
  method: string;
  target: string;
  targetForm: TargetForm;
  version: HttpVersion;
}

/** The parts of a status-line. */
export interface StatusLine {
  version: HttpVersion;
  status: number;
  reason: string;
}

const SP = 0x20;
const COLON = 0x3a;

/** Up to 40 bytes of a line, JSON-quoted so control bytes show, for error details. */
export function quote(line: Uint8Array, start = 0, end = line.length): string {
  const cut = Math.min(end, start + 40);
  return JSON.stringify(latin1(line, start, cut)) + (cut < end ? "..." : "");
}

function bad(field: string, offset: number, detail: string, status = 400): HttpParseError {
  return new HttpParseError(field, offset, "invalid", detail, status);
}

/** RFC 9112 §3: method SP request-target SP HTTP-version; `at` is the line's stream offset. */
export function parseRequestLine(line: Uint8Array, at: number): RequestLine | HttpParseError {
  const sp1 = line.indexOf(SP);
  const sp2 = sp1 < 0 ? -1 : line.indexOf(SP, sp1 + 1);
  if (sp2 < 0) {
    return bad("request-line", at, `expected method SP target SP version, got ${quote(line)}`);
  }
  if (sp1 === 0) return bad("method", at, "empty method");
  for (let i = 0; i < sp1; i++) {
    // RFC 9110 §9.1: a method is a token.
    if (!isTchar(line[i]!)) return bad("method", at + i, `not a token: ${quote(line, 0, sp1)}`);
  }
  if (sp2 === sp1 + 1) return bad("request-target", at + sp2, "empty request-target");
  for (let i = sp1 + 1; i < sp2; i++) {
    if (!isVchar(line[i]!)) {
      return bad("request-target", at + i, `byte 0x${hex(line[i]!)} in request-target`);
    }
  }
  const version = parseVersion(line, sp2 + 1, at, true);
  if (version instanceof HttpParseError) return version;
  const method = latin1(line, 0, sp1);
  const target = latin1(line, sp1 + 1, sp2);
  const targetForm = formOf(method, target);
  if (targetForm === null) {
    return bad(
      "request-target",
      at + sp1 + 1,
      `${JSON.stringify(target)} is no valid form for ${method}`,
    );
  }
  return { method, target, targetForm, version };
}

/** RFC 9112 §4: HTTP-version SP status-code SP [reason-phrase]. */
export function parseStatusLine(line: Uint8Array, at: number): StatusLine | HttpParseError {
  const sp = line.indexOf(SP);
  if (sp < 0) return bad("status-line", at, `expected version SP status, got ${quote(line)}`, 502);
  const version = parseVersion(line.subarray(0, sp), 0, at, false);
  if (version instanceof HttpParseError) return version;
  let status = 0;
  for (let i = sp + 1; i < sp + 4; i++) {
    const d = (line[i] ?? 0) - 0x30;
    if (d < 0 || d > 9) return bad("status-code", at + sp + 1, "expected 3 digits", 502);
    status = status * 10 + d;
  }
  // RFC 9110 §15: codes run 100-599.
  if (status < 100 || status > 599) return bad("status-code", at + sp + 1, `status ${status}`, 502);
  const after = sp + 4;
  // The SP before an empty reason is required, but often missing; accept both.
  if (after < line.length && line[after] !== SP) {
    return bad("status-code", at + after, "status-code not followed by SP", 502);
  }
  for (let i = after + 1; i < line.length; i++) {
    if (!isFieldByte(line[i]!)) return bad("reason-phrase", at + i, `byte 0x${hex(line[i]!)}`, 502);
  }
  return { version, status, reason: after < line.length ? latin1(line, after + 1) : "" };
}

/**
 * RFC 9112 §2.3: "HTTP/" DIGIT "." DIGIT. 1.0 and 1.1 are accepted (a higher 1.x is read as
 * 1.1, RFC 9110 §2.5); another major version, or a bare "HTTP/2", gets 505 from a server.
 */
function parseVersion(
  line: Uint8Array,
  start: number,
  at: number,
  isRequest: boolean,
): HttpVersion | HttpParseError {
  const n = line.length - start;
  const digit = (i: number) => {
    const d = (line[start + i] ?? 0) - 0x30;
    return d >= 0 && d <= 9 ? d : -1;
  };
  const prefix = n >= 6 && latin1(line, start, start + 5) === "HTTP/" && digit(5) >= 0;
  const full = prefix && n === 8 && line[start + 6] === 0x2e && digit(7) >= 0;
  const field = "version";
  const status = malformedStatus(isRequest);
  if (!full && !(prefix && n === 6)) {
    return bad(field, at + start, `not an HTTP-version: ${quote(line, start)}`, status);
  }
  const major = digit(5);
  if (major !== 1) {
    const text = latin1(line, start);
    return new HttpParseError(
      field,
      at + start,
      "unsupported",
      `${text} is not spoken here`,
      isRequest ? 505 : 502,
    );
  }
  if (!full) return bad(field, at + start, `no minor version: ${quote(line, start)}`, status);
  return digit(7) === 0 ? "HTTP/1.0" : "HTTP/1.1";
}

/** RFC 9112 §3.2: which form `target` takes, or null when the method does not allow it. */
function formOf(method: string, target: string): TargetForm | null {
  if (method === "CONNECT") return isAuthority(target) ? "authority" : null; // §3.2.3
  if (target === "*") return method === "OPTIONS" ? "asterisk" : null; // §3.2.4
  if (target.charCodeAt(0) === 0x2f) return "origin"; // §3.2.1
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(target) ? "absolute" : null; // §3.2.2
}

/** RFC 9110 §9.3.6: CONNECT's target is host ":" port (uri-host from RFC 3986 §3.2.2). */
function isAuthority(t: string): boolean {
  const colon = t.lastIndexOf(":");
  if (colon <= 0 || !/^[0-9]{1,5}$/.test(t.slice(colon + 1))) return false;
  if (Number(t.slice(colon + 1)) > 65535) return false;
  const host = t.slice(0, colon);
  if (host.startsWith("[")) return /^\[[0-9A-Fa-f:.]+\]$/.test(host);
  return /^[A-Za-z0-9\-._~!$&'()*+,;=%]+$/.test(host);
}

/**
 * RFC 9112 §5.1: field-name ":" OWS field-value OWS. A line starting with whitespace is obs-fold
 * (§5.2), refused with 400; whitespace before the colon must get 400 too (§5.1).
 */
export function parseFieldLine(
  line: Uint8Array,
  at: number,
  isRequest: boolean,
): HeaderEntry | HttpParseError {
  const status = malformedStatus(isRequest);
  if (isOws(line[0]!)) {
    return bad("obs-fold", at, "line folding (obs-fold) is refused (RFC 9112 §5.2)", status);
  }
  const colon = line.indexOf(COLON);
  if (colon < 0) return bad("field-name", at, `no colon in field line ${quote(line)}`, status);
  if (colon === 0) return bad("field-name", at, "empty field name", status);
  for (let i = 0; i < colon; i++) {
    const b = line[i]!;
    if (isTchar(b)) continue;
    const detail = isOws(b)
      ? "whitespace between field name and colon (RFC 9112 §5.1)"
      : `byte 0x${hex(b)} in field name ${quote(line, 0, colon)}`;
    return bad("field-name", at + i, detail, status);
  }
  let s = colon + 1;
  let e = line.length;
  while (s < e && isOws(line[s]!)) s++;
  while (e > s && isOws(line[e - 1]!)) e--;
  for (let i = s; i < e; i++) {
    // RFC 9110 §5.5: CR, LF and NUL are dangerous; other controls are not field-vchar either.
    if (!isFieldByte(line[i]!)) {
      return bad("field-value", at + i, `byte 0x${hex(line[i]!)} in field value`, status);
    }
  }
  return [latin1(line, 0, colon), latin1(line, s, e)];
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}
