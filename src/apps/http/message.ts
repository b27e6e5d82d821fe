/**
 * HTTP/1.1 messages as values (RFC 9110 §6) and their serialization (RFC 9112): the serializer
 * owns framing (Content-Length or chunked) so a message it writes is always well-delimited, and
 * it refuses, by throwing, heads that could split or smuggle (CR/LF in values, bad tokens).
 */
import { formatHttpDate } from "./date.js";
import { HttpHeaders } from "./headers.js";
import { reasonPhrase } from "./status.js";
import { isFieldValue, isToken, isVchar, latin1Bytes, utf8Bytes } from "./syntax.js";

/** RFC 9112 §2.3: the versions this implementation speaks. */
export type HttpVersion = "HTTP/1.0" | "HTTP/1.1";

/** RFC 9112 §3.2: the four forms of request-target. */
export type TargetForm = "origin" | "absolute" | "authority" | "asterisk";

/** How the body was delimited (RFC 9112 §6.3): none, Content-Length, chunked, or by close. */
export type BodyFraming = "none" | "content-length" | "chunked" | "close";

/** A parsed request. `body` is de-chunked; `trailers` is empty unless chunked with trailers. */
export interface HttpRequest {
  readonly kind: "request";
  method: string;
  target: string;
  targetForm: TargetForm;
  version: HttpVersion;
  headers: HttpHeaders;
  body: Uint8Array;
  trailers: HttpHeaders;
  framing: BodyFraming;
}

/** A parsed response (interim 1xx responses included). */
export interface HttpResponse {
  readonly kind: "response";
  version: HttpVersion;
  status: number;
  reason: string;
  headers: HttpHeaders;
  body: Uint8Array;
  trailers: HttpHeaders;
  framing: BodyFraming;
}

/** Either message. */
export type HttpMessage = HttpRequest | HttpResponse;

/** Header lines given to a serializer: a header object or plain pairs. */
export type HeaderInit = HttpHeaders | readonly (readonly [string, string])[];

/** Options common to both serializers. */
interface SpecBase {
  /** Defaults to "HTTP/1.1". */
  version?: HttpVersion;
  /** Fields in order; Content-Length and Transfer-Encoding are the serializer's to write. */
  headers?: HeaderInit;
  /** Content; a string is sent as UTF-8. */
  body?: Uint8Array | string;
  /** Send with the chunked coding (HTTP/1.1 only); a number sets the chunk size. */
  chunked?: boolean | number;
  /** Trailer fields after the last chunk (needs `chunked`). */
  trailers?: HeaderInit;
  /** false adds `Connection: close`; true on HTTP/1.0 adds `Connection: keep-alive`. */
  keepAlive?: boolean;
}

/** What `serializeRequest` writes. */
export interface RequestSpec extends SpecBase {
  method: string;
  target: string;
  /** Host field value, written first when `headers` has no Host (RFC 9110 §7.2). */
  host?: string;
}

/** What `serializeResponse` writes. */
export interface ResponseSpec extends SpecBase {
  status: number;
  /** Defaults to the RFC 9110 phrase for `status`, or "" for codes without one. */
  reason?: string;
  /** Simulated time in seconds since the epoch: adds a Date field (RFC 9110 §6.6.1). */
  date?: number;
  /** Answer to HEAD: the fields a GET would get, without the body bytes (RFC 9110 §9.3.2). */
  headOnly?: boolean;
}

const CRLF = "\r\n";
/** Methods whose requests carry Content-Length: 0 when empty (RFC 9110 §8.6). */
const CONTENT_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** Request bytes for `spec`; throws RangeError on a head that cannot be sent safely. */
export function serializeRequest(spec: RequestSpec): Uint8Array {
  const version = spec.version ?? "HTTP/1.1";
  if (!isToken(spec.method)) throw new RangeError(`bad method ${JSON.stringify(spec.method)}`);
  if (!isTarget(spec.target)) throw new RangeError(`bad target ${JSON.stringify(spec.target)}`);
  let headers = copyHeaders(spec.headers);
  // RFC 9110 §7.2: Host goes first; RFC 9112 §3.2: an HTTP/1.1 request without Host is invalid.
  if (spec.host !== undefined && !headers.has("host")) {
    if (!isFieldValue(spec.host)) throw new RangeError(`bad host ${JSON.stringify(spec.host)}`);
    headers = new HttpHeaders([["Host", spec.host], ...headers]);
  }
  if (version === "HTTP/1.1" && !headers.has("host")) {
    throw new RangeError("an HTTP/1.1 request needs a Host field (RFC 9112 §3.2)");
  }
  // RFC 9110 §8.6: a request whose method gives content a meaning says Content-Length: 0.
  const emptyLength = CONTENT_METHODS.has(spec.method);
  return serialize(
    `${spec.method} ${spec.target} ${version}`,
    version,
    headers,
    spec,
    0,
    emptyLength,
  );
}

/** Response bytes for `spec`; throws RangeError on a head that cannot be sent safely. */
export function serializeResponse(spec: ResponseSpec): Uint8Array {
  const version = spec.version ?? "HTTP/1.1";
  const { status } = spec;
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new RangeError(`bad status ${status}`);
  }
  const reason = spec.reason ?? reasonPhrase(status) ?? "";
  for (let i = 0; i < reason.length; i++) {
    const c = reason.charCodeAt(i);
    if (c > 0xff || (c !== 9 && (c < 0x20 || c === 0x7f))) {
      throw new RangeError(`bad reason phrase ${JSON.stringify(reason)}`);
    }
  }
  const headers = copyHeaders(spec.headers);
  if (spec.date !== undefined && !headers.has("date"))
    headers.append("Date", formatHttpDate(spec.date));
  return serialize(`${version} ${status} ${reason}`, version, headers, spec, status, true);
}

/**
 * RFC 9112 §9.3: whether the connection stays open after this message. `Connection: close`
 * ends it; otherwise HTTP/1.1 persists and HTTP/1.0 only with `Connection: keep-alive`. A
 * response whose body ran to the close cannot be followed by another.
 */
export function isPersistent(msg: HttpMessage): boolean {
  if (msg.framing === "close") return false;
  const tokens = msg.headers.tokens("connection");
  if (tokens.includes("close")) return false;
  if (msg.version === "HTTP/1.1") return true;
  return tokens.includes("keep-alive");
}

function copyHeaders(init: HeaderInit | undefined): HttpHeaders {
  const h = new HttpHeaders(init);
  for (const [name, value] of h) {
    if (!isToken(name)) throw new RangeError(`bad field name ${JSON.stringify(name)}`);
    if (!isFieldValue(value)) {
      throw new RangeError(`bad value for ${name}: ${JSON.stringify(value)} (CR, LF, CTL?)`);
    }
  }
  return h;
}

/** RFC 9112 §3.2: a request-target is visible ASCII without spaces. */
function isTarget(t: string): boolean {
  if (t.length === 0) return false;
  for (let i = 0; i < t.length; i++) if (!isVchar(t.charCodeAt(i))) return false;
  return true;
}

/** Writes head and body; `status` is 0 for a request. */
function serialize(
  startLine: string,
  version: HttpVersion,
  headers: HttpHeaders,
  spec: SpecBase & { headOnly?: boolean },
  status: number,
  emptyLength: boolean,
): Uint8Array {
  const body =
    typeof spec.body === "string" ? utf8Bytes(spec.body) : (spec.body ?? new Uint8Array(0));
  const chunked = spec.chunked !== undefined && spec.chunked !== false;
  // RFC 9110 §8.6, RFC 9112 §6.3 rule 1: 1xx, 204 and 304 never carry content.
  const bodiless = status !== 0 && (status < 200 || status === 204 || status === 304);
  if (bodiless && (body.length > 0 || chunked)) {
    throw new RangeError(`a ${status} response has no content`);
  }
  if (headers.has("transfer-encoding") || (headers.has("content-length") && status !== 304)) {
    throw new RangeError("Content-Length and Transfer-Encoding are written by the serializer");
  }
  if (chunked && version !== "HTTP/1.1") throw new RangeError("chunked needs HTTP/1.1");
  if (spec.trailers !== undefined && !chunked) throw new RangeError("trailers need chunked");
  if (chunked) headers.append("Transfer-Encoding", "chunked");
  else if (!bodiless && (body.length > 0 || emptyLength)) {
    headers.append("Content-Length", String(body.length));
  }
  if (spec.keepAlive === false && !headers.hasToken("connection", "close")) {
    headers.append("Connection", "close");
  } else if (spec.keepAlive === true && version === "HTTP/1.0" && !headers.has("connection")) {
    headers.append("Connection", "keep-alive");
  }
  const lines = [startLine];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  lines.push(CRLF);
  const head = latin1Bytes(lines.join(CRLF));
  if (spec.headOnly === true || bodiless) return head;
  if (!chunked) return concat([head, body]);
  return concat([head, ...chunks(body, spec.chunked, copyHeaders(spec.trailers))]);
}

/** RFC 9112 §7.1: size CRLF data CRLF ... then 0 CRLF, trailer fields, CRLF. */
function chunks(body: Uint8Array, size: number | boolean | undefined, trailers: HttpHeaders) {
  const step = typeof size === "number" ? size : body.length;
  if (!Number.isInteger(step) || step < 1) {
    if (body.length > 0) throw new RangeError(`bad chunk size ${size}`);
  }
  const parts: Uint8Array[] = [];
  for (let i = 0; i < body.length; i += step) {
    const piece = body.subarray(i, Math.min(body.length, i + step));
    parts.push(latin1Bytes(`${piece.length.toString(16)}${CRLF}`), piece, latin1Bytes(CRLF));
  }
  let tail = `0${CRLF}`;
  for (const [name, value] of trailers) tail += `${name}: ${value}${CRLF}`;
  parts.push(latin1Bytes(tail + CRLF));
  return parts;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
