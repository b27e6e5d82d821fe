/**
 * The overlay message interface over real UDP in a wirelab network: each message is one JSON
 * object in one datagram (so captures show it), addresses are "a.b.c.d:port", malformed
 * datagrams are counted and dropped. A crash closes the socket; a restart binds it again.
 */
import type { Node } from "../../net/node.js";
import type { HostClock } from "../../sim/host-clock.js";
import type { Simulator } from "../../sim/simulator.js";
import { isTransportError } from "../../transport/errors.js";
import { UDP_MAX_PAYLOAD_V4, type UdpSocket, udp } from "../../transport/udp.js";
import { ParseError } from "../../wire/parse-error.js";
import { EncodeError, encodeJson, parseJsonBytes } from "../rpc/framing.js";
import type { OverlayMessage, OverlayTransport } from "./transport.js";

/** Splits "a.b.c.d:port" into its parts. */
export function splitAddress(address: string): { address: string; port: number } | undefined {
  const i = address.lastIndexOf(":");
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { address: address.slice(0, i), port };
}

/** Overlay messages as JSON datagrams on one UDP port of a node. */
export class UdpOverlayTransport implements OverlayTransport {
  readonly address: string;
  /** Counters: datagrams that were not a JSON object, and sends the stack refused. */
  readonly stats = { malformed: 0, sendErrors: 0 };
  private socket: UdpSocket | undefined;
  private readonly receivers: ((from: string, m: OverlayMessage) => void)[] = [];

  /**
   * Binds `port` on the node's first IPv4 address (given as `ip`, the address peers use).
   * Throws if the port is taken: a configuration error, not a network event.
   */
  constructor(
    readonly node: Node,
    readonly sim: Simulator,
    readonly ip: string,
    readonly port: number,
  ) {
    this.address = `${ip}:${port}`;
    this.bind();
    node.onUpDown((up) => {
      if (up) this.bind();
      else this.socket = undefined; // the crash closed it
    });
  }

  /** The node's clock. */
  get clock(): HostClock {
    return this.node.clock;
  }

  private bind(): void {
    const s = udp(this.node).bind(this.port);
    if (isTransportError(s)) throw new Error(`${this.node.name}: ${s.message}`);
    s.onMessage((m) => {
      const v = parseJsonBytes(m.data, "p2p", 0);
      if (v instanceof ParseError || v === null || typeof v !== "object" || Array.isArray(v)) {
        this.stats.malformed++;
        return;
      }
      const from = `${m.from.address}:${m.from.port}`;
      for (const fn of this.receivers) fn(from, v);
    });
    this.socket = s;
  }

  get up(): boolean {
    return this.node.up && this.socket !== undefined;
  }

  send(to: string, message: OverlayMessage): void {
    const dst = splitAddress(to);
    const bytes = encodeJson(message, UDP_MAX_PAYLOAD_V4);
    if (this.socket === undefined || dst === undefined || bytes instanceof EncodeError) {
      this.stats.sendErrors++;
      return;
    }
    if (this.socket.send(bytes, dst.port, dst.address) !== undefined) this.stats.sendErrors++;
  }

  onMessage(fn: (from: string, message: OverlayMessage) => void): void {
    this.receivers.push(fn);
  }

  onUpDown(fn: (up: boolean) => void): void {
    this.node.onUpDown(fn);
  }
}
