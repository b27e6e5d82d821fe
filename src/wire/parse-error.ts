/**
 * The typed failure of every parser in `wire`: which protocol, which field, at which byte offset,
 * and why. Parsers return it rather than throw, so untrusted bytes can never unwind the stack.
 */

export type ParseErrorReason =
  /** The buffer ended before the field did. */
  | "truncated"
  /** The field holds a value the format forbids or that contradicts another field. */
  | "invalid"
  /** A legal value this implementation does not handle. */
  | "unsupported"
  /** A checksum did not verify. */
  | "checksum";

export class ParseError {
  /** Discriminant, so records and errors can be told apart without `instanceof`. */
  readonly kind = "parse-error" as const;

  constructor(
    /** Protocol being parsed, e.g. "ipv4", "tcp". */
    readonly protocol: string,
    /** Field at fault, e.g. "ihl", "options.mss". */
    readonly field: string,
    /** Byte offset of the field from the start of the buffer given to the parser. */
    readonly offset: number,
    readonly reason: ParseErrorReason,
    /** Human-readable detail. */
    readonly detail: string,
  ) {}

  /** One line naming protocol, field, offset and cause. */
  get message(): string {
    return `${this.protocol}: ${this.reason} ${this.field} at byte ${this.offset}: ${this.detail}`;
  }

  toString(): string {
    return this.message;
  }
}

/** True when a parse result is an error. */
export function isParseError(x: unknown): x is ParseError {
  return x instanceof ParseError;
}

/** Shorthand for a truncation error: `need` bytes were required at `offset`, `have` remained. */
export function truncated(
  protocol: string,
  field: string,
  offset: number,
  need: number,
  have: number,
): ParseError {
  return new ParseError(
    protocol,
    field,
    offset,
    "truncated",
    `need ${need} byte(s), have ${Math.max(0, have)}`,
  );
}

/** Shorthand for an invalid-value error. */
export function invalid(
  protocol: string,
  field: string,
  offset: number,
  detail: string,
): ParseError {
  return new ParseError(protocol, field, offset, "invalid", detail);
}
