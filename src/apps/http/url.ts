/**
 * http URLs for the client (RFC 9110 §4.2.1, RFC 3986): scheme, host (name, IPv4, [IPv6]),
 * port, path and query, without the global URL class. Stricter than WHATWG URL where it guesses
 * (userinfo, backslashes, octal or short IPv4 forms are errors), and like it elsewhere.
 */
import {
  formatIpv4,
  type Ipv4,
  type Ipv6Address,
  parseIpv4Address,
  parseIpv6Address,
} from "../../wire/address.js";
import { ParseError } from "../../wire/parse-error.js";
import { hexValue, utf8Bytes } from "./syntax.js";

/** The host of a URL, by kind; names are lower-cased ASCII. */
export type UrlHost =
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "ipv4"; readonly address: Ipv4 }
  | { readonly kind: "ipv6"; readonly address: Ipv6Address };

/** A parsed http URL. */
export interface HttpUrl {
  readonly scheme: "http";
  readonly host: UrlHost;
  /** The host as text: a name, a dotted quad, or an IPv6 address in brackets. */
  readonly hostname: string;
  readonly port: number;
  /** Absolute path, percent-encoded, dot segments removed (RFC 3986 §5.2.4); at least "/". */
  readonly path: string;
  /** Query without "?", or null when there was no "?". */
  readonly query: string | null;
  /** Fragment without "#", as written, or null; never sent in a request. */
  readonly fragment: string | null;
  /** The origin-form request-target: path and query (RFC 9112 §3.2.1). */
  readonly target: string;
  /** The Host field value: hostname, and ":port" unless the port is 80 (RFC 9110 §7.2). */
  readonly authority: string;
  /** The URL written out in normal form, without the fragment. */
  readonly href: string;
}

/** A URL that could not be parsed: the field, the offset in the input, and the input itself. */
export class UrlError extends ParseError {
  constructor(
    /** The text given to the parser. */
    readonly input: string,
    field: string,
    offset: number,
    reason: "invalid" | "unsupported",
    detail: string,
  ) {
    super("url", field, offset, reason, `${detail} in ${JSON.stringify(input)}`);
  }
}

/** RFC 9110 §4.2.1: port 80 is the http default. */
export const HTTP_DEFAULT_PORT = 80;

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** Parses an absolute http URL such as "http://example.com:8080/a/b?q=1". */
export function parseUrl(input: string): HttpUrl | UrlError {
  // Leading and trailing spaces and controls are dropped, as WHATWG URL does.
  let start = 0;
  let end = input.length;
  while (start < end && input.charCodeAt(start) <= 0x20) start++;
  while (end > start && input.charCodeAt(end - 1) <= 0x20) end--;
  const err = (field: string, at: number, detail: string, unsupported = false) =>
    new UrlError(input, field, at, unsupported ? "unsupported" : "invalid", detail);
  for (let i = start; i < end; i++) {
    const c = input.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return err("url", i, `control character 0x${c.toString(16)}`);
    if (c === 0x5c) return err("url", i, "backslash (write / instead)");
  }
  const text = input.slice(start, end);
  const scheme = SCHEME.exec(text)?.[0].slice(0, -1).toLowerCase();
  if (scheme === undefined) return err("scheme", start, "no scheme (expected http://)");
  if (scheme !== "http") {
    const detail =
      scheme === "https"
        ? 'https needs TLS, which the portable engine lacks: use Node\'s https with httpsAgent from "wirelab/node"'
        : `scheme "${scheme}"`;
    return err("scheme", start, detail, true);
  }
  let i = scheme.length + 1;
  if (!text.startsWith("//", i)) return err("authority", start + i, "expected // after http:");
  i += 2;
  let authEnd = i;
  while (authEnd < text.length && !"/?#".includes(text[authEnd]!)) authEnd++;
  const authority = text.slice(i, authEnd);
  // RFC 9110 §4.2.4: userinfo in an http URI is deprecated and a phishing aid; refuse it.
  const at = authority.indexOf("@");
  if (at >= 0) return err("userinfo", start + i + at, "userinfo (user@) is not allowed");
  const hostPort = splitHostPort(authority);
  if (typeof hostPort === "number") return err("port", start + i + hostPort, "bad port");
  const host = parseHost(hostPort.host);
  if (Array.isArray(host)) return err("host", start + i, host[0], host[1]);
  const port = hostPort.port;
  let rest = text.slice(authEnd);
  let fragment: string | null = null;
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  const qmark = rest.indexOf("?");
  const rawPath = qmark >= 0 ? rest.slice(0, qmark) : rest;
  const rawQuery = qmark >= 0 ? rest.slice(qmark + 1) : null;
  const path = encode(removeDotSegments(rawPath === "" ? "/" : rawPath), PATH_CHARS);
  if (path === null) return err("path", start + authEnd, "bad percent-encoding");
  const query = rawQuery === null ? null : encode(rawQuery, QUERY_CHARS);
  if (query === null && rawQuery !== null)
    return err("query", start + authEnd + qmark, "bad percent-encoding");
  const hostname = host.kind === "ipv6" ? `[${host.address}]` : hostText(host);
  const auth = port === HTTP_DEFAULT_PORT ? hostname : `${hostname}:${port}`;
  const target = query === null ? path : `${path}?${query}`;
  return {
    scheme: "http",
    host,
    hostname,
    port,
    path,
    query,
    fragment,
    target,
    authority: auth,
    href: `http://${auth}${target}`,
  };
}

/**
 * RFC 3986 §5.2: resolves a reference (a redirect's Location, RFC 9110 §10.2.2) against `base`:
 * absolute, "//authority...", "/path", "?query", "#fragment" or a relative path.
 */
export function resolveUrl(base: HttpUrl, ref: string): HttpUrl | UrlError {
  const r = ref.trim();
  if (SCHEME.test(r)) return parseUrl(r);
  if (r.startsWith("//")) return parseUrl(`http:${r}`);
  const origin = `http://${base.authority}`;
  const baseQuery = base.query === null ? "" : `?${base.query}`;
  if (r === "") return parseUrl(`${origin}${base.path}${baseQuery}`);
  if (r.startsWith("/")) return parseUrl(`${origin}${r}`);
  if (r.startsWith("?")) return parseUrl(`${origin}${base.path}${r}`);
  if (r.startsWith("#")) return parseUrl(`${origin}${base.path}${baseQuery}${r}`);
  const dir = base.path.slice(0, base.path.lastIndexOf("/") + 1); // §5.2.3 merge
  return parseUrl(`${origin}${dir}${r}`);
}

function hostText(host: UrlHost): string {
  if (host.kind === "name") return host.name;
  if (host.kind === "ipv4") {
    return formatIpv4(host.address);
  }
  return host.address.toString();
}

/** host[:port]; returns the offset of a bad port as a number. */
function splitHostPort(auth: string): { host: string; port: number } | number {
  let colon: number;
  if (auth.startsWith("[")) {
    const close = auth.indexOf("]");
    colon = close < 0 ? -1 : close + 1;
    if (close >= 0 && colon < auth.length && auth[colon] !== ":") return colon;
    if (colon >= auth.length) colon = -1;
  } else colon = auth.lastIndexOf(":");
  if (colon < 0) return { host: auth, port: HTTP_DEFAULT_PORT };
  const digits = auth.slice(colon + 1);
  // RFC 3986 §3.2.3: port = *DIGIT; empty means the default.
  if (!/^[0-9]*$/.test(digits) || digits.length > 5 || Number(digits) > 65535) return colon + 1;
  return { host: auth.slice(0, colon), port: digits === "" ? HTTP_DEFAULT_PORT : Number(digits) };
}

/** Why a host was refused, and whether it is merely unsupported. */
type HostProblem = [detail: string, unsupported: boolean];

/** A host as name, IPv4 or [IPv6], or the problem with it. */
function parseHost(text: string): UrlHost | HostProblem {
  const bad = (detail: string): HostProblem => [detail, false];
  if (text === "") return bad("empty host");
  if (text.startsWith("[")) {
    if (!text.endsWith("]")) return bad("unclosed [");
    const a = parseIpv6Address(text.slice(1, -1));
    return a instanceof ParseError ? bad(`bad IPv6 address ${text}`) : { kind: "ipv6", address: a };
  }
  const name = text.toLowerCase();
  if (!/^[a-z0-9\-._]+$/.test(name)) {
    if (/[^ -~]/.test(name)) return ["internationalized name (use punycode)", true];
    if (name.includes("%")) return ["percent-encoded host", true];
    return bad(`bad character in host ${JSON.stringify(text)}`);
  }
  const labels = name.endsWith(".") ? name.slice(0, -1).split(".") : name.split(".");
  const last = labels[labels.length - 1]!;
  // As in WHATWG URL, a host ending in a number is an IPv4 address: only dotted quads here.
  if (/^(?:[0-9]+|0x[0-9a-f]*)$/.test(last)) {
    const a = parseIpv4Address(labels.join("."));
    return a instanceof ParseError
      ? bad(`not a dotted-quad IPv4 address: ${text}`)
      : { kind: "ipv4", address: a };
  }
  // RFC 1035 §2.3.4: labels of 1-63 octets, names up to 253 characters.
  if (name.length > 254 || labels.some((l) => l.length === 0 || l.length > 63)) {
    return bad(`bad DNS name ${JSON.stringify(text)}`);
  }
  return { kind: "name", name };
}

/** RFC 3986 §5.2.4: removes "." and ".." segments from an absolute path. */
export function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split("/").slice(1);
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const lastSegment = i === segments.length - 1;
    if (s === ".") {
      if (lastSegment) out.push("");
    } else if (s === "..") {
      out.pop();
      if (lastSegment) out.push("");
    } else out.push(s);
  }
  return `/${out.join("/")}`;
}

/** RFC 3986 §3.3 pchar and "/": unreserved, sub-delims, ":", "@". */
const PATH_CHARS = charSet("!$&'()*+,;=:@/-._~");
/** RFC 3986 §3.4: query adds "?". */
const QUERY_CHARS = charSet("!$&'()*+,;=:@/?-._~");

function charSet(extra: string): Uint8Array {
  const set = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) set[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) set[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) set[c] = 1;
  for (const ch of extra) set[ch.charCodeAt(0)] = 1;
  return set;
}

/** Percent-encodes chars outside `allowed` (UTF-8 for non-ASCII); null on a bad "%XX". */
function encode(s: string, allowed: Uint8Array): string | null {
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && allowed[c] === 1) continue;
    if (c === 0x25) {
      if (hexValue(s.charCodeAt(i + 1)) < 0 || hexValue(s.charCodeAt(i + 2)) < 0) return null;
      continue;
    }
    // One code point: a surrogate pair is two UTF-16 units.
    const next = s.charCodeAt(i + 1);
    const width = c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
    out += s.slice(from, i);
    for (const b of utf8Bytes(s.slice(i, i + width)))
      out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    i += width - 1;
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}
