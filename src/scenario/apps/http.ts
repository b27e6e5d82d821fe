/**
 * HTTP apps for scenarios: `http-server`, static pages served from memory (anything else is a
 * 404), and `http-get`, one GET from a node (the host name resolved through DNS, as curl does),
 * with the status, the body's size and the timings as metrics.
 */
import { z } from "zod";
import { HttpClient, httpServer } from "../../apps/http/index.js";
import { defineApp, type MetricValue } from "../registry.js";
import { formatDuration, units } from "../units.js";
import { endsWith, serving } from "./app-helpers.js";
import { useResolver } from "./dns.js";

/** `http-server`: static pages on a node. */
export const httpServerApp = defineApp({
  kind: "http-server",
  description: "An HTTP/1.1 server with static pages (every other path is 404 Not Found).",
  fields: {
    on: z.string().meta({ description: "The node running the server." }),
    port: z.number().int().min(1).max(65_535).optional().meta({ description: "Default 80." }),
    pages: z
      .record(z.string(), z.string())
      .meta({ description: 'Path -> content, e.g. { "/": "<h1>hello</h1>" }.' }),
  },
  refs: { on: "node" },
  finite: false,
  metrics: { requests: { kind: "count", description: "Requests answered." } },
  describe: (s) => `on ${s.on} port ${s.port ?? 80}`,
  start(ctx, s) {
    const srv = httpServer(ctx.node(s.on), s.port ?? 80);
    srv.static(s.pages);
    const lines = [
      `http-server on ${s.on} port ${s.port ?? 80}: ${Object.keys(s.pages).length} page(s)`,
    ];
    return serving({ output: () => lines, metrics: () => ({ requests: srv.stats.requests }) });
  },
});

/** `http-get`: one GET request, like curl. */
export const httpGetApp = defineApp({
  kind: "http-get",
  description: "One HTTP GET from a node (the host resolved through DNS), like curl.",
  fields: {
    from: z.string().meta({ description: "The node that fetches." }),
    url: z.string().min(1).meta({ description: 'The URL, e.g. "http://www.example.com/".' }),
    resolver: z
      .string()
      .optional()
      .meta({ description: "The resolver to use (node or address); sets the node's resolv.conf." }),
    timeout: units.duration("Give up after this long (default 30s).").optional(),
  },
  refs: { from: "node", resolver: "target" },
  finite: true,
  metrics: {
    ok: { kind: "boolean", description: "A response arrived." },
    status: { kind: "count", description: "The response's status code." },
    bytes: { kind: "count", description: "Bytes of the response body." },
    time: { kind: "duration", description: "From the start to the last byte." },
    "time.dns": { kind: "duration", description: "Time spent resolving the host." },
    "time.connect": { kind: "duration", description: "Time until the TCP connection was open." },
    "time.firstByte": { kind: "duration", description: "Time until the first response byte." },
    finished: { kind: "boolean", description: "The request ended." },
  },
  describe: (s) => `${s.from}: ${s.url}`,
  start(ctx, s) {
    useResolver(ctx, s.from, s.resolver);
    const client = new HttpClient(ctx.node(s.from), {
      ...(s.timeout !== undefined && { timeout: s.timeout }),
    });
    const lines: string[] = [];
    let m: Record<string, MetricValue> = { ok: false, finished: false };
    const req = client.fetch(s.url, {}, (r) => {
      if (r.ok) {
        lines.push(
          `GET ${s.url}: ${r.status} ${r.reason}, ${r.body.length} bytes in ${formatDuration(r.timing.total)}`,
        );
        m = {
          ok: true,
          status: r.status,
          bytes: r.body.length,
          time: r.timing.total,
          "time.dns": r.timing.dns,
          "time.connect": r.timing.connect,
          "time.firstByte": r.timing.firstByte,
          finished: true,
        };
      } else {
        lines.push(`GET ${s.url}: ${r.error.code}: ${r.error.message}`);
        m = { ok: false, finished: true };
      }
    });
    return endsWith(req, { output: () => lines, metrics: () => m });
  },
});
