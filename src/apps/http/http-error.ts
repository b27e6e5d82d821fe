/**
 * The typed failure of the HTTP/1.1 parser: a `ParseError` (field, byte offset in the stream,
 * reason) that also carries the status a server should answer with before it closes the
 * connection. Responses a client cannot parse carry 502, what a gateway would answer.
 */
import { ParseError, type ParseErrorReason } from "../../wire/parse-error.js";

/** An HTTP parse failure and the status code it maps to (400, 413, 414, 431, 501, 505, 502). */
export class HttpParseError extends ParseError {
  constructor(
    field: string,
    offset: number,
    reason: ParseErrorReason,
    detail: string,
    /** Status a server answers with (RFC 9112 §3, §5, §6; RFC 6585 §5 for 431). */
    readonly status: number,
  ) {
    super("http", field, offset, reason, detail);
  }
}

/** Status for a malformed message: 400 from a request, 502 from a response. */
export function malformedStatus(isRequest: boolean): number {
  return isRequest ? 400 : 502;
}
