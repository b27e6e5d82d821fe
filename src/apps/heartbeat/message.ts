/**
 * The heartbeat datagram: one JSON object per UDP payload,
 * {"type":"heartbeat","from":name,"seq":n,"time":t?,"data":...?}. `time` is the sender's
 * monotonic clock in ns and orders heartbeats across restarts (seq starts again at 1); `data`
 * carries what the receiver wants to know besides liveness (a GFS chunkserver's chunk list).
 */

import { UDP_MAX_PAYLOAD_V4 } from "../../transport/udp.js";
import { ParseError } from "../../wire/parse-error.js";
import { type EncodeError, encodeJson, type JsonValue, parseJsonBytes } from "../rpc/framing.js";

/** A decoded heartbeat. */
export interface HeartbeatMessage {
  type: "heartbeat";
  /** The sender's name, unique among the monitor's peers. */
  from: string;
  /** 1 for the first heartbeat of a process, then +1 per heartbeat. */
  seq: number;
  /** The sender's clock (ns) when sent, if it reports one. */
  time?: number;
  /** Anything else the sender reports. */
  data?: JsonValue;
}

/** Longest sender name accepted. */
export const MAX_NAME_LENGTH = 255;

/** The JSON bytes of a heartbeat, or an error if it cannot fit in one UDP datagram. */
export function encodeHeartbeat(m: HeartbeatMessage): Uint8Array | EncodeError {
  const out: { [key: string]: JsonValue } = { type: "heartbeat", from: m.from, seq: m.seq };
  if (m.time !== undefined) out.time = m.time;
  if (m.data !== undefined) out.data = m.data;
  return encodeJson(out, UDP_MAX_PAYLOAD_V4);
}

const isCount = (x: unknown): x is number =>
  typeof x === "number" && Number.isSafeInteger(x) && x >= 0;

/**
 * Parses a heartbeat datagram. Members other than the five above are ignored, so a newer
 * sender can add some without breaking an older monitor.
 */
export function parseHeartbeat(bytes: Uint8Array): HeartbeatMessage | ParseError {
  const v = parseJsonBytes(bytes, "heartbeat", 0);
  if (v instanceof ParseError) return v;
  const bad = (field: string, detail: string) =>
    new ParseError("heartbeat", field, 0, "invalid", detail);
  if (v === null || typeof v !== "object" || Array.isArray(v))
    return bad("message", "not an object");
  const { type, from, seq, time, data } = v;
  if (type !== "heartbeat") return bad("type", 'type must be "heartbeat"');
  if (typeof from !== "string" || from.length === 0 || from.length > MAX_NAME_LENGTH) {
    return bad("from", `from must be a name of 1-${MAX_NAME_LENGTH} characters`);
  }
  if (!isCount(seq)) return bad("seq", "seq must be a non-negative integer");
  if (time !== undefined && !isCount(time))
    return bad("time", "time must be a non-negative integer");
  const m: HeartbeatMessage = { type, from, seq };
  if (time !== undefined) m.time = time;
  if (data !== undefined) m.data = data;
  return m;
}
