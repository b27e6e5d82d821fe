/**
 * An NTP-like time server: answers client-mode requests on UDP 123 with its own clock's
 * receive (T2) and transmit (T3) timestamps and the request's transmit timestamp as origin
 * (RFC 5905 §8, §9.2). It keeps no per-client state, as a real server does, and ignores
 * anything that is not a well-formed client request (counted, never a crash).
 */
import type { Node } from "../../net/node.js";
import type { Nanos } from "../../sim/time.js";
import { isTransportError, type TransportError } from "../../transport/errors.js";
import { type UdpMessage, type UdpSocket, udp } from "../../transport/udp.js";
import {
  emitNtp,
  NTP_MODE_CLIENT,
  NTP_MODE_SERVER,
  NTP_PORT,
  type NtpPacket,
  ntpReferenceIdFromText,
  ntpShortFromNanos,
  ntpTimestampFromNanos,
  parseNtp,
} from "../../wire/ntp.js";
import { ParseError } from "../../wire/parse-error.js";

export interface NtpServerOptions {
  /** UDP port (default 123). */
  port?: number;
  /** Stratum announced (default 1: a primary server, as if it had a reference clock). */
  stratum?: number;
  /** Reference id text at stratum 1 (default "SIM"). */
  referenceId?: string;
  /** Clock precision announced, log2 s (default -20, about a microsecond). */
  precision?: number;
  /** Time between receiving a request and sending the answer (default 0). */
  processingDelay?: Nanos;
}

/** Counters for tests and reports. */
export interface NtpServerStats {
  answered: number;
  /** Malformed packets and packets that are not client requests. */
  ignored: number;
}

export class NtpServer {
  readonly stats: NtpServerStats = { answered: 0, ignored: 0 };
  /** Why the last ignored packet was ignored (a ParseError or a mode). */
  lastIgnored: string | undefined;
  private readonly referenceTime: number;

  private constructor(
    private readonly node: Node,
    private readonly socket: UdpSocket,
    private readonly options: NtpServerOptions,
  ) {
    this.referenceTime = node.clock.now();
    socket.onMessage((m) => this.receive(m));
    node.onUpDown((up) => {
      if (!up) this.stop();
    });
  }

  /** Starts serving time on `node`; an error value when the port is taken. */
  static start(node: Node, options: NtpServerOptions = {}): NtpServer | TransportError {
    const socket = udp(node).bind(options.port ?? NTP_PORT);
    if (isTransportError(socket)) return socket;
    return new NtpServer(node, socket, options);
  }

  /** Stops serving and releases the port. */
  stop(): void {
    this.socket.close();
  }

  private receive(m: UdpMessage): void {
    // T2 is read first, as close to arrival as the host can (RFC 5905 §8).
    const t2 = this.node.clock.now();
    const req = parseNtp(m.data);
    if (req instanceof ParseError || req.mode !== NTP_MODE_CLIENT) {
      this.stats.ignored++;
      this.lastIgnored = req instanceof ParseError ? req.message : `mode ${req.mode}`;
      return;
    }
    const delay = this.options.processingDelay ?? 0;
    const reply = () => this.reply(req, t2, m);
    // Processing takes true time (the CPU does the work; no clock times it).
    if (delay > 0) this.node.sim.after(delay, reply);
    else reply();
  }

  private reply(req: NtpPacket, t2: number, m: UdpMessage): void {
    if (this.socket.closed) return;
    const o = this.options;
    const packet: NtpPacket = {
      leap: 0,
      // RFC 5905 §9.2: the reply carries the request's version number.
      version: req.version,
      mode: NTP_MODE_SERVER,
      stratum: o.stratum ?? 1,
      poll: req.poll,
      precision: o.precision ?? -20,
      rootDelay: 0,
      rootDispersion: ntpShortFromNanos(1_000),
      referenceId: ntpReferenceIdFromText(o.referenceId ?? "SIM"),
      referenceTimestamp: ntpTimestampFromNanos(this.referenceTime),
      // RFC 5905 §8: origin is the request's transmit timestamp, so the client can match it.
      originTimestamp: req.transmitTimestamp,
      receiveTimestamp: ntpTimestampFromNanos(t2),
      // T3 is read last, just before the reply leaves.
      transmitTimestamp: ntpTimestampFromNanos(this.node.clock.now()),
    };
    if (this.socket.send(emitNtp(packet), m.from.port, m.from.address) === undefined) {
      this.stats.answered++;
    }
  }
}
