/**
 * Shared pieces for end-to-end TCP tests: a chain of hosts and routers with configurable links,
 * and a bulk transfer (writer with backpressure, reader checking every byte against the pattern)
 * whose result says what arrived and what the connections counted.
 */
import { installGlobalRoutes } from "../../net/global-routing.js";
import type { Impairments } from "../../net/impairments.js";
import { Network } from "../../net/network.js";
import { ms, type Nanos } from "../../sim/time.js";
import { TransportError } from "../errors.js";
import type { TcpConnection } from "./connection.js";
import { type TcpConnectOptions, tcp } from "./tcp-layer.js";

/** Options for `chain`. */
export interface ChainOptions {
  seed?: number;
  /** Routers between the two hosts (default 2: three hops). */
  routers?: number;
  bandwidth?: number;
  /** One-way delay per link (default 5 ms). */
  delay?: Nanos;
  /** Impairments on the middle link (default none). */
  impairments?: Impairments;
  /** MTU of the middle link (default 1500). */
  middleMtu?: number;
  /** Queue limit in packets at each end of every link (default 1000). */
  queue?: number;
  /** Also give every interface an IPv6 address. */
  ipv6?: boolean;
}

/** Hosts "a" (10.0.0.1 / 2001:db8:0::1) and "b" (10.0.N.2 / 2001:db8:N::2) with routers between. */
export function chain(o: ChainOptions = {}): { net: Network; bAddress: string; bAddress6: string } {
  const net = new Network({ seed: o.seed ?? 1 });
  const routers = o.routers ?? 2;
  const names = ["a", ...Array.from({ length: routers }, (_, i) => `r${i + 1}`), "b"];
  net.addHost("a");
  for (let i = 1; i <= routers; i++) net.addRouter(`r${i}`);
  net.addHost("b");
  const middle = Math.floor((names.length - 2) / 2);
  for (let i = 0; i < names.length - 1; i++) {
    const v4 = [`10.0.${i}.1/24`, `10.0.${i}.2/24`];
    const v6 = [`2001:db8:${i}::1/64`, `2001:db8:${i}::2/64`];
    net.connect(names[i]!, names[i + 1]!, {
      bandwidth: o.bandwidth ?? 100e6,
      delay: o.delay ?? ms(5),
      ...(o.queue !== undefined ? { queue: { packets: o.queue } } : {}),
      ...(i === middle && o.impairments ? { impairments: o.impairments } : {}),
      ...(i === middle && o.middleMtu ? { mtu: o.middleMtu } : {}),
      addresses: o.ipv6
        ? [
            [v4[0]!, v6[0]!],
            [v4[1]!, v6[1]!],
          ]
        : [v4[0]!, v4[1]!],
    });
  }
  installGlobalRoutes(net);
  const last = names.length - 2;
  return { net, bAddress: `10.0.${last}.2`, bAddress6: `2001:db8:${last}::2` };
}

/** The byte at offset `i` of every test stream. */
export function streamByte(i: number): number {
  return (i * 31 + (i >>> 11)) & 0xff;
}

/** What a bulk transfer achieved. */
export interface TransferResult {
  sent: number;
  received: number;
  /** Every received byte matched. */
  intact: boolean;
  client: TcpConnection;
  server: TcpConnection | undefined;
  /** Simulated time the last byte arrived (ns), or -1. */
  doneAt: Nanos;
  errors: string[];
  ended: boolean;
}

/** Options for `bulkTransfer`. */
export interface BulkOptions {
  bytes: number;
  port?: number;
  client?: TcpConnectOptions;
  server?: TcpConnectOptions;
  /** Connect over IPv6. */
  ipv6?: boolean;
  /** Write in chunks of this size (default 64 KiB). */
  chunk?: number;
  /** Called with the server connection once accepted (to pause it, etc.). */
  onServer?: (c: TcpConnection) => void;
}

/** Starts a transfer a -> b and returns its live result (run the simulator to progress it). */
export function bulkTransfer(net: Network, address: string, o: BulkOptions): TransferResult {
  const port = o.port ?? 5001;
  const chunkSize = o.chunk ?? 65536;
  const r: TransferResult = {
    sent: 0,
    received: 0,
    intact: true,
    client: undefined as unknown as TcpConnection,
    server: undefined,
    doneAt: -1,
    errors: [],
    ended: false,
  };
  const l = tcp(net.node("b")).listen(port, undefined, o.server ?? {}, (c) => {
    r.server = c;
    c.onData((d) => {
      for (let i = 0; i < d.length; i++) {
        if (d[i] !== streamByte(r.received + i)) r.intact = false;
      }
      r.received += d.length;
      if (r.received === o.bytes) r.doneAt = net.sim.now;
    });
    c.onEnd(() => {
      r.ended = true;
      c.end();
    });
    c.onError((e) => r.errors.push(`server ${e.code}`));
    o.onServer?.(c);
  });
  if (l instanceof TransportError) throw new Error(l.message);
  const c = tcp(net.node("a")).connect({ address, port }, o.client ?? {});
  if (c instanceof TransportError) throw new Error(c.message);
  r.client = c;
  const chunk = new Uint8Array(chunkSize);
  const pump = () => {
    while (r.sent < o.bytes) {
      const n = Math.min(chunkSize, o.bytes - r.sent);
      for (let i = 0; i < n; i++) chunk[i] = streamByte(r.sent + i);
      const k = c.write(chunk.subarray(0, n));
      r.sent += k;
      if (k < n) return;
    }
    c.end();
  };
  c.onConnect(pump);
  c.onDrain(pump);
  c.onError((e) => r.errors.push(`client ${e.code}`));
  return r;
}
