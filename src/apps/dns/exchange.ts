/**
 * One DNS question to one server, as every client here asks it (resolver, stub, dig): a random
 * 16-bit id from the node's "dns-ids" stream, an answer accepted only if it matches the id and
 * the question (RFC 5452 §9.1; the transport checks address and port), and on TC the same query
 * again over TCP (RFC 7766 §5), whose absence today comes back as a typed result.
 */
import type { Node } from "../../net/node.js";
import type { Nanos } from "../../sim/time.js";
import type { TransportError } from "../../transport/errors.js";
import type { Endpoint } from "../../transport/udp.js";
import {
  createDnsMessage,
  type DnsMessage,
  emitDnsMessage,
  parseDnsMessage,
} from "../../wire/dns.js";
import { DNS_RCODE } from "../../wire/dns-header.js";
import { dnsNameEquals } from "../../wire/dns-name.js";
import { DNS_CLASS } from "../../wire/dns-rr.js";
import { ParseError } from "../../wire/parse-error.js";
import type { DnsPending, DnsTransport, DnsTransportResult, DnsTransports } from "./transport.js";

/** A question to send: name (absolute text), type code, class (default IN). */
export interface DnsAsk {
  name: string;
  type: number;
  class?: number;
}

export interface DnsExchangeOptions {
  /** Set RD: ask the server to recurse (a stub to its resolver) or not (a resolver upstream). */
  rd: boolean;
  /** EDNS0 payload size to advertise, or null to send no OPT (RFC 6891 §6.2.5). */
  edns: number | null;
  /** Wait for each transport this long. */
  timeout: Nanos;
  /** Ask over TCP from the start, as dig's +tcp does (default false: UDP, then TCP on TC). */
  tcp?: boolean;
}

/** What one exchange came to. */
export type DnsExchangeResult =
  | {
      kind: "answer";
      message: DnsMessage;
      /** The response as received (dig prints its size). */
      bytes: Uint8Array;
      /** The transport that brought it: "TCP" after a truncated UDP answer. */
      protocol: "UDP" | "TCP";
      /** The query as sent. */
      query: DnsMessage;
    }
  | { kind: "timeout"; protocol: "UDP" | "TCP" }
  | { kind: "error"; error: TransportError; protocol: "UDP" | "TCP" }
  /** The UDP answer was truncated and the TCP hook could not carry the retry. */
  | { kind: "tcp-unavailable"; reason: string; truncated: DnsMessage; bytes: Uint8Array };

/**
 * True when `m` answers `query`: a response with the same id whose question is the same name
 * (ASCII case aside), type and class. A FORMERR without a question also matches, since a server
 * that could not read the question cannot echo it (server.ts sends exactly that).
 */
export function answersQuery(m: DnsMessage, query: DnsMessage): boolean {
  if (!m.qr || m.id !== query.id || m.opcode !== query.opcode) return false;
  const q = query.questions[0]!;
  if (m.questions.length === 0) return m.rcode === DNS_RCODE.FORMERR;
  const a = m.questions[0]!;
  return (
    m.questions.length === 1 &&
    a.type === q.type &&
    a.class === q.class &&
    dnsNameEquals(a.name, q.name)
  );
}

/**
 * Sends `ask` to `server` over `transports.udp` (or `.tcp` when `options.tcp`) and calls `done` once with the outcome (on a
 * later event). The returned handle cancels it.
 */
export function exchange(
  node: Node,
  transports: DnsTransports,
  server: Endpoint,
  ask: DnsAsk,
  options: DnsExchangeOptions,
  done: (result: DnsExchangeResult) => void,
): DnsPending {
  const query = createDnsMessage({
    id: node.sim.rng(`node:${node.name}:dns-ids`).nextInt(0x10000),
    rd: options.rd,
    questions: [{ name: ask.name, type: ask.type, class: ask.class ?? DNS_CLASS.IN }],
    edns:
      options.edns === null
        ? null
        : { udpPayloadSize: options.edns, version: 0, dnssecOk: false, z: 0, options: [] },
  });
  const bytes = emitDnsMessage(query);
  let matched: DnsMessage | undefined;
  const accept = (b: Uint8Array): boolean => {
    const m = parseDnsMessage(b);
    if (m instanceof ParseError || !answersQuery(m, query)) return false;
    matched = m;
    return true;
  };
  let current: DnsPending;
  const settle = (transport: DnsTransport, r: DnsTransportResult): void => {
    const protocol = transport.protocol;
    switch (r.kind) {
      case "timeout":
        return done({ kind: "timeout", protocol });
      case "error":
        return done({ kind: "error", error: r.error, protocol });
      case "unavailable":
        // Only the TCP hook says this; `truncated` is the UDP answer that sent us there.
        return done({
          kind: "tcp-unavailable",
          reason: r.reason,
          truncated: truncated!,
          bytes: truncatedBytes!,
        });
      case "response": {
        const message = matched!;
        if (message.tc && protocol === "UDP") {
          // RFC 7766 §5: a truncated UDP answer is asked again over TCP.
          truncated = message;
          truncatedBytes = r.bytes;
          matched = undefined;
          current = transports.tcp.query(server, bytes, { timeout: options.timeout, accept }, (t) =>
            settle(transports.tcp, t),
          );
          return;
        }
        return done({ kind: "answer", message, bytes: r.bytes, protocol, query });
      }
    }
  };
  let truncated: DnsMessage | undefined;
  let truncatedBytes: Uint8Array | undefined;
  const first = options.tcp === true ? transports.tcp : transports.udp;
  current = first.query(server, bytes, { timeout: options.timeout, accept }, (r) =>
    settle(first, r),
  );
  return { cancel: () => current.cancel() };
}
