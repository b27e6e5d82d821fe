/**
 * The parser's size limits and the shape of its results. Every buffer the parser keeps has one
 * of these budgets, so no input can make it hold more than about the sum of the limits.
 */
import type { HttpParseError } from "./http-error.js";

/** Size limits; a message beyond one gets an error with the status a server answers. */
export interface HttpLimits {
  /** Longest request-line or status-line, CRLF excluded (414 for a long target). */
  maxStartLine: number;
  /** Largest header section: field lines with their CRLFs and the final CRLF, start-line
   * excluded (431). */
  maxHeaderBytes: number;
  /** Most field lines in a header section, and in a trailer section (431). */
  maxHeaderCount: number;
  /** Largest body, de-chunked (413). */
  maxBodyBytes: number;
  /** Longest chunk-size line with its extensions, CRLF excluded (400). */
  maxChunkLine: number;
}

/** Defaults: RFC 9112 §3 asks for request-lines of at least 8000 octets. */
export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = {
  maxStartLine: 8192,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxBodyBytes: 8 * 1024 * 1024,
  maxChunkLine: 1024,
};

/** What one `push` or `end` produced. */
export interface ParseResult<T> {
  /** Messages completed, in order. */
  messages: T[];
  /** Set once the stream is unparseable: answer `error.status`, then close (RFC 9112 §9.6). */
  error: HttpParseError | null;
  /** Bytes after a CONNECT request or a 101/CONNECT-2xx response: not HTTP any more. */
  rest: Uint8Array | null;
}
