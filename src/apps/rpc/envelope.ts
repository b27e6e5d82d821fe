/**
 * The RPC envelope carried in every frame: {id, type, method?, params?, result?, error?}, in the
 * manner of JSON-RPC 2.0 (jsonrpc.org/specification §4-5) with an explicit type instead of
 * inferring one from which keys are present. Decoded JSON is checked here, as a wire parser would.
 */
import { ParseError } from "../../wire/parse-error.js";
import type { JsonValue } from "./framing.js";

/** Error codes: sent by the peer (the first four, and any application code) or made locally. */
export type RpcErrorCode =
  /** The peer could not frame or parse our bytes; it closes the connection. */
  | "parse-error"
  /** Valid JSON that is not a well-formed envelope. */
  | "invalid-request"
  | "method-not-found"
  /** A message or result too large for the framing's maximum, or not serializable. */
  | "too-large"
  | "not-json"
  /** Local: no response within the request's timeout. */
  | "timeout"
  /** Local: the connection closed with the request outstanding. */
  | "closed"
  /** Local: the caller cancelled the request. */
  | "cancelled"
  | (string & {});

/** An RPC failure, as a value: a code, a sentence, and optional data from the peer. */
export class RpcError {
  readonly kind = "rpc-error" as const;
  constructor(
    readonly code: RpcErrorCode,
    readonly message: string,
    readonly data?: JsonValue,
  ) {}

  /** The JSON form carried in a response's `error` member. */
  toJson(): JsonValue {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** A call expecting exactly one response with the same id. */
export interface RequestEnvelope {
  id: number;
  type: "request";
  method: string;
  params?: JsonValue;
}

/** The answer to a request: `result` or `error`, never both. `id` is null when unknown. */
export interface ResponseEnvelope {
  id: number | null;
  type: "response";
  result?: JsonValue;
  error?: RpcError;
}

/** A one-way message: no response is sent. */
export interface NotifyEnvelope {
  id: number;
  type: "notify";
  method: string;
  params?: JsonValue;
}

export type Envelope = RequestEnvelope | ResponseEnvelope | NotifyEnvelope;

/** The JSON form of an envelope. */
export function envelopeToJson(e: Envelope): JsonValue {
  const out: { [key: string]: JsonValue } = { id: e.id, type: e.type };
  if (e.type === "response") {
    if (e.error !== undefined) out.error = e.error.toJson();
    else out.result = e.result ?? null;
  } else {
    out.method = e.method;
    if (e.params !== undefined) out.params = e.params;
  }
  return out;
}

const KEYS = new Set(["id", "type", "method", "params", "result", "error"]);

/** Checks a decoded JSON value; `offset` (the frame's stream offset) locates errors. */
export function parseEnvelope(v: JsonValue, offset = 0): Envelope | ParseError {
  const bad = (field: string, detail: string) =>
    new ParseError("rpc", field, offset, "invalid", detail);
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    return bad("envelope", "not a JSON object");
  }
  for (const k of Object.keys(v)) if (!KEYS.has(k)) return bad(k, `unknown member "${k}"`);
  const { id, type, method, params, result, error } = v;
  if (type !== "request" && type !== "response" && type !== "notify") {
    return bad("type", `type must be "request", "response" or "notify"`);
  }
  const idOk = typeof id === "number" && Number.isSafeInteger(id) && id >= 0;
  if (type === "response") {
    if (!idOk && id !== null) return bad("id", "id must be a non-negative integer or null");
    if (method !== undefined || params !== undefined) {
      return bad("method", "a response has no method or params");
    }
    if ((result === undefined) === (error === undefined)) {
      return bad("result", "a response has exactly one of result and error");
    }
    if (error !== undefined) {
      const e = parseErrorBody(error);
      if (e === undefined) return bad("error", "error must be {code: string, message: string}");
      return { id: id as number | null, type, error: e };
    }
    return { id: id as number | null, type, result: result! };
  }
  if (!idOk) return bad("id", "id must be a non-negative integer");
  if (typeof method !== "string" || method.length === 0) {
    return bad("method", "method must be a non-empty string");
  }
  if (result !== undefined || error !== undefined) {
    return bad("result", `a ${type} has no result or error`);
  }
  const base = { id: id as number, method };
  const withParams = params === undefined ? base : { ...base, params };
  return type === "request" ? { ...withParams, type } : { ...withParams, type };
}

function parseErrorBody(e: JsonValue): RpcError | undefined {
  if (e === null || typeof e !== "object" || Array.isArray(e)) return undefined;
  const { code, message, data } = e;
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  return new RpcError(code, message, data);
}

/** The id of a value that looks like a request, so an invalid one can be answered by id. */
export function requestIdOf(v: JsonValue): number | null {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return null;
  const id = v.id;
  return v.type === "request" && typeof id === "number" && Number.isSafeInteger(id) && id >= 0
    ? id
    : null;
}
