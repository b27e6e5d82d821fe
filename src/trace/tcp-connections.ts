/**
 * Finds the TCP connections of a run as they appear, for per-connection plots. It listens to
 * the TCP layers' state changes, but hooks a node's layer only once that layer exists (seen at
 * the node's first packet event): creating one just to listen would change how the node answers
 * TCP segments, and an observer must not change the run.
 */
import type { Network } from "../net/network.js";
import type { Node } from "../net/node.js";
import { existingTcp, type TcpConnection } from "../transport/tcp/index.js";

/** A connection and where it lives. */
export interface ObservedConnection {
  node: string;
  /** "h1 10.0.0.1:40000 > 10.0.1.1:80" */
  name: string;
  conn: TcpConnection;
}

export class TcpConnectionLog {
  readonly connections: ObservedConnection[] = [];
  private readonly known = new Set<TcpConnection>();
  private readonly hooked = new Set<Node>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly net: Network) {
    this.unsubscribe.push(
      net.events.subscribe((e) => {
        const node = this.nodeNamed(e.node);
        if (node === undefined || this.hooked.has(node)) return;
        const layer = existingTcp(node);
        if (layer === undefined) return;
        this.hooked.add(node);
        this.unsubscribe.push(layer.onTrace((conn) => this.add(node, conn)));
      }),
    );
  }

  private nodeNamed(name: string): Node | undefined {
    try {
      return this.net.node(name);
    } catch {
      return undefined;
    }
  }

  private add(node: Node, conn: TcpConnection): void {
    if (this.known.has(conn)) return;
    this.known.add(conn);
    const l = conn.local;
    const r = conn.remote;
    this.connections.push({
      node: node.name,
      name: `${node.name} ${l.address}:${l.port} > ${r.address}:${r.port}`,
      conn,
    });
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe.length = 0;
  }
}
