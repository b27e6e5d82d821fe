/**
 * `file-distribution`: one file from a server to N clients over TCP, either client-server (the
 * server sends every client a whole copy) or peer-to-peer (the server sends each client one
 * piece and the clients relay their pieces to each other); see src/apps/p2p/file-distribution.ts.
 * Run both in one scenario to see the server's uplink become the bottleneck of the first.
 */
import { z } from "zod";
import { FileDistribution } from "../../apps/p2p/file-distribution.js";
import { NS_PER_S } from "../../sim/time.js";
import { defineApp, type MetricValue } from "../registry.js";
import { formatDuration, units } from "../units.js";

export const fileDistributionApp = defineApp({
  kind: "file-distribution",
  description:
    "Sends one file from a server to clients over TCP, client-server or peer-to-peer (clients relay pieces).",
  fields: {
    server: z.string().meta({ description: "The node holding the file." }),
    clients: z.array(z.string()).min(1).meta({ description: "The nodes that want it." }),
    mode: z
      .enum(["client-server", "peer-to-peer"])
      .meta({ description: "Who uploads: the server only, or the clients too." }),
    size: units.bytes("File size (e.g. 1MB)."),
    port: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .optional()
      .meta({ description: "Default 8800 (no Wireshark dissector claims it)." }),
  },
  refs: { server: "node", clients: "node" },
  finite: true,
  metrics: {
    finished: { kind: "boolean", description: "Every client holds the whole file." },
    time: { kind: "duration", description: "From the start to the last client's last byte." },
    "time.first": { kind: "duration", description: "From the start to the first client done." },
    completed: { kind: "count", description: "Clients holding the whole file." },
    corrupt: { kind: "count", description: "Received bytes that differ from the file." },
    serverUploaded: { kind: "count", description: "File bytes the server sent." },
    clientUploaded: { kind: "count", description: "File bytes the clients relayed, in all." },
  },
  describe: (s) => `${s.mode}: ${s.server} -> ${s.clients.length} clients`,
  start(ctx, s) {
    const host = (name: string) => ({ node: ctx.node(name), address: ctx.address(name) });
    const d = new FileDistribution({
      mode: s.mode,
      server: host(s.server),
      clients: s.clients.map(host),
      bytes: s.size,
      ...(s.port === undefined ? {} : { port: s.port }),
    });
    const metrics = (): Record<string, MetricValue> => {
      const done = d.completedAt.filter((t) => t !== undefined);
      return {
        finished: d.finished,
        time: d.duration,
        "time.first": done.length === 0 ? undefined : Math.min(...done) - d.startedAt,
        completed: done.length,
        corrupt: d.corrupt,
        serverUploaded: d.serverUploaded,
        clientUploaded: d.clientUploaded.reduce((a, b) => a + b, 0),
      };
    };
    return {
      get finished() {
        return d.finished;
      },
      onDone: (fn) => d.onDone(fn),
      output() {
        const m = metrics();
        const n = s.clients.length;
        const lines = [
          `file-distribution (${s.mode}): ${s.size} bytes from ${s.server} to ${n} clients`,
        ];
        s.clients.forEach((c, i) => {
          const t = d.completedAt[i];
          lines.push(
            `  ${c}: ${d.received[i]} bytes${t === undefined ? "" : `, done at +${formatDuration(t - d.startedAt)}`}`,
          );
        });
        const copies = (x: number) => (x / s.size).toFixed(2);
        lines.push(
          `server uploaded ${m.serverUploaded} bytes (${copies(Number(m.serverUploaded))} copies), clients ${m.clientUploaded} (${copies(Number(m.clientUploaded))} copies)`,
        );
        if (d.duration !== undefined) {
          lines.push(
            `all ${n} clients done in ${formatDuration(d.duration)} (${((s.size * 8 * n) / (d.duration / NS_PER_S) / 1e6).toFixed(2)} Mbit/s delivered in all)`,
          );
        }
        if (d.corrupt > 0 || d.errors > 0) {
          lines.push(`${d.corrupt} corrupt bytes, ${d.errors} connection errors`);
        }
        return lines;
      },
      metrics,
    };
  },
});
