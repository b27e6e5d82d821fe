/**
 * The messages of the Berkeley algorithm between master and members, wirelab's own 16-byte
 * format (the original TEMPO/timed protocol of 4.3BSD is not reproduced): type (1 time request,
 * 2 time reply, 3 adjustment), version 1, two zero bytes, a 32-bit round id, and a 64-bit IEEE
 * float in network order: the member's clock reading (reply) or the amount to adjust by (ns).
 */
import { getU16, getU32, setU32 } from "../../wire/bytes.js";
import { invalid, type ParseError, truncated } from "../../wire/parse-error.js";

/** timed(8)'s port, which ran the Berkeley algorithm on 4.3BSD. */
export const BERKELEY_PORT = 525;
export const BERKELEY_MESSAGE_LENGTH = 16;

export type BerkeleyMessage =
  | { type: "time-request"; round: number }
  | { type: "time-reply"; round: number; time: number }
  | { type: "adjust"; round: number; by: number };

const TYPE_CODES = { "time-request": 1, "time-reply": 2, adjust: 3 } as const;

/** Parses a message; ParseError on anything else. */
export function parseBerkeleyMessage(b: Uint8Array): BerkeleyMessage | ParseError {
  if (b.length < BERKELEY_MESSAGE_LENGTH) {
    return truncated("berkeley", "message", 0, BERKELEY_MESSAGE_LENGTH, b.length);
  }
  if (b.length > BERKELEY_MESSAGE_LENGTH) {
    return invalid("berkeley", "message", BERKELEY_MESSAGE_LENGTH, "trailing bytes");
  }
  if (b[1] !== 1) return invalid("berkeley", "version", 1, `version ${b[1]} is not 1`);
  if (getU16(b, 2) !== 0) return invalid("berkeley", "reserved", 2, "reserved bytes not zero");
  const round = getU32(b, 4);
  const value = new DataView(b.buffer, b.byteOffset + 8, 8).getFloat64(0);
  const type = b[0];
  if (type === 1) return { type: "time-request", round };
  if (!Number.isFinite(value)) return invalid("berkeley", "value", 8, "not a finite number");
  if (type === 2) return { type: "time-reply", round, time: value };
  if (type === 3) return { type: "adjust", round, by: value };
  return invalid("berkeley", "type", 0, `unknown type ${type}`);
}

/** Emits a message. */
export function emitBerkeleyMessage(m: BerkeleyMessage): Uint8Array {
  const b = new Uint8Array(BERKELEY_MESSAGE_LENGTH);
  b[0] = TYPE_CODES[m.type];
  b[1] = 1;
  setU32(b, 4, m.round);
  const value = m.type === "time-reply" ? m.time : m.type === "adjust" ? m.by : 0;
  new DataView(b.buffer).setFloat64(8, value);
  return b;
}
