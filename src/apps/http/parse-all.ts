/**
 * One-shot parsing of a whole byte stream (up to its end) into messages, over the incremental
 * parser: for tests, tools and fuzzing. Returns every message, or the first error; bytes after
 * a tunnel starts (CONNECT, 101) are not HTTP and are ignored.
 */
import type { HttpParseError } from "./http-error.js";
import type { HttpLimits, ParseResult } from "./limits.js";
import type { HttpMessage, HttpRequest, HttpResponse } from "./message.js";
import { HttpParser } from "./parser.js";

/** Parses a complete request stream (then end of stream): all requests, or the first error. */
export function parseRequests(
  bytes: Uint8Array,
  limits?: Partial<HttpLimits>,
): HttpRequest[] | HttpParseError {
  const p = HttpParser.requests(limits);
  return collect(p.push(bytes), p);
}

/** Parses a complete response stream answering requests with `methods` (default GET each). */
export function parseResponses(
  bytes: Uint8Array,
  methods: readonly string[] = [],
  limits?: Partial<HttpLimits>,
): HttpResponse[] | HttpParseError {
  const p = HttpParser.responses(limits);
  for (const m of methods) p.expectResponseTo(m);
  return collect(p.push(bytes), p);
}

function collect<T extends HttpMessage>(
  first: ParseResult<T>,
  p: HttpParser<T>,
): T[] | HttpParseError {
  if (first.error) return first.error;
  if (first.rest !== null) return first.messages;
  const last = p.end();
  return last.error ?? [...first.messages, ...last.messages];
}
