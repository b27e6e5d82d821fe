/**
 * The signalling messages of NAT traversal, one JSON object per UDP datagram beside STUN on the
 * same port (a STUN message starts with two zero bits, JSON with "{", so they never mix up):
 * peers register with the rendezvous server, ask it to introduce them to another peer, and
 * relay through it when no direct path exists; peers exchange data directly in the same shape.
 */
import { EncodeError, encodeJson, parseJsonBytes } from "../rpc/json.js";

export type SignalMessage =
  /** Peer -> server: I am `id`, my own (local) endpoint is `local`. */
  | { t: "register"; id: string; local: string }
  /** Server -> peer: registered; this is the endpoint I see you at. */
  | { t: "registered"; reflexive: string }
  /** Peer -> server: introduce me to `to`. */
  | { t: "connect"; to: string }
  /** Server -> both peers: the other one's endpoints, to punch toward. */
  | { t: "peer"; id: string; reflexive: string; local: string }
  /** Peer -> server: pass `data` on to `to` (the TURN-like fallback). */
  | { t: "relay"; to: string; data: string }
  /** Server -> peer: `data` relayed from `from`. */
  | { t: "relayed"; from: string; data: string }
  /** Peer -> peer on a direct path. */
  | { t: "data"; from: string; data: string }
  /** Server -> peer: a request it could not serve. */
  | { t: "error"; reason: string };

const FIELDS: Record<SignalMessage["t"], readonly string[]> = {
  register: ["id", "local"],
  registered: ["reflexive"],
  connect: ["to"],
  peer: ["id", "reflexive", "local"],
  relay: ["to", "data"],
  relayed: ["from", "data"],
  data: ["from", "data"],
  error: ["reason"],
};

export function encodeSignal(m: SignalMessage): Uint8Array {
  const bytes = encodeJson(m as unknown as Record<string, string>);
  if (bytes instanceof EncodeError) throw new Error(bytes.message);
  return bytes;
}

/** The message in a datagram, or undefined when it is not a well-formed one. */
export function decodeSignal(bytes: Uint8Array): SignalMessage | undefined {
  if (bytes.length === 0 || bytes[0] !== 0x7b) return undefined;
  const v = parseJsonBytes(bytes, "signal", 0);
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const t = (v as Record<string, unknown>).t;
  if (typeof t !== "string" || !Object.hasOwn(FIELDS, t)) return undefined;
  for (const f of FIELDS[t as SignalMessage["t"]]) {
    if (typeof (v as Record<string, unknown>)[f] !== "string") return undefined;
  }
  return v as unknown as SignalMessage;
}
