/**
 * Shared setup for the scripted per-state tests: a listener or a client on the host of a
 * PacketScript, with timestamps off unless asked, so scripts show only the options they test.
 */
import { ms } from "../../sim/time.js";
import { NOP_OPTION, SACK_PERMITTED_OPTION, type TcpOption } from "../../wire/tcp-options.js";
import { TransportError } from "../errors.js";
import type { TcpConnection } from "./connection.js";
import type { TcpListener } from "./listener.js";
import { PacketScript, type PacketScriptOptions } from "./packet-script.js";
import { type TcpConnectOptions, tcp } from "./tcp-layer.js";

/** The peer's SYN options: MSS 1460, SACK permitted, window scale 7 (no timestamps). */
export const PEER_SYN: readonly TcpOption[] = [
  { kind: "mss", value: 1460 },
  NOP_OPTION,
  NOP_OPTION,
  SACK_PERMITTED_OPTION,
  NOP_OPTION,
  { kind: "window-scale", shift: 7 },
];

/** A listener on the host's port 8080; accepted connections are collected. */
export function serverScript(
  config: TcpConnectOptions & { backlog?: number } = {},
  script: PacketScriptOptions = {},
): { s: PacketScript; accepted: TcpConnection[]; listener: TcpListener } {
  const s = new PacketScript(script);
  const accepted: TcpConnection[] = [];
  const l = tcp(s.host).listen(8080, undefined, { timestamps: false, ...config }, (c) => {
    accepted.push(c);
  });
  if (l instanceof TransportError) throw new Error(l.message);
  return { s, accepted, listener: l };
}

/** A server connection after a completed handshake (peer window 65535 << 7). */
export function establishedServer(
  config: TcpConnectOptions = {},
  script: PacketScriptOptions = {},
): { s: PacketScript; conn: TcpConnection; received: Uint8Array[] } {
  const { s, accepted } = serverScript(config, script);
  s.inject("S", { seq: 0, options: PEER_SYN });
  s.run(ms(25));
  s.next();
  s.inject(".", { seq: 1, ack: 1 });
  s.run(ms(15));
  const conn = accepted[0];
  if (conn === undefined) throw new Error("handshake did not complete");
  const received: Uint8Array[] = [];
  conn.onData((d) => received.push(d));
  return { s, conn, received };
}

/** A client connection from host port 5000 to the peer's port 80, SYN captured but unanswered. */
export function clientScript(
  config: TcpConnectOptions = {},
  script: PacketScriptOptions = {},
): { s: PacketScript; conn: TcpConnection; errors: TransportError[] } {
  const s = new PacketScript(script);
  const conn = tcp(s.host).connect(
    { address: s.peerAddress, port: 80, localPort: 5000 },
    { timestamps: false, ...config },
  );
  if (conn instanceof TransportError) throw new Error(conn.message);
  const errors: TransportError[] = [];
  conn.onError((e) => errors.push(e));
  return { s, conn, errors };
}

/** Ports of segments the peer sends to the client of `clientScript`. */
export const TO_CLIENT = { sport: 80, dport: 5000 } as const;
