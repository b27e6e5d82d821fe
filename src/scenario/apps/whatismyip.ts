/**
 * What-is-my-address apps: `whatismyip-server`, an HTTP service that answers with the address
 * it sees the client come from (src/apps/http/what-is-my-address.ts), and `whatismyip-get`, a
 * host asking it, like `curl ipinfo.io/ip`. Behind a NAT the answer is the router's public
 * address, not the host's own: the metrics say whether it differs and whose address it is.
 */
import { z } from "zod";
import { HttpClient } from "../../apps/http/client.js";
import { whatIsMyAddressServer } from "../../apps/http/what-is-my-address.js";
import { formatIpv4 } from "../../wire/address.js";
import { defineApp, type MetricValue } from "../registry.js";
import { formatDuration, units } from "../units.js";
import { endsWith, serving } from "./app-helpers.js";

const port = z.number().int().min(1).max(65_535).optional().meta({ description: "Default 80." });

export const whatIsMyIpServerApp = defineApp({
  kind: "whatismyip-server",
  description: "An HTTP service answering GET / with the address the request came from.",
  fields: { on: z.string().meta({ description: "The (public) node serving." }), port },
  refs: { on: "node" },
  finite: false,
  metrics: { requests: { kind: "count", description: "Requests answered." } },
  describe: (s) => `on ${s.on} port ${s.port ?? 80}`,
  start(ctx, s) {
    const srv = whatIsMyAddressServer(ctx.node(s.on), s.port ?? 80);
    const lines = [`whatismyip-server on ${s.on} (${ctx.address(s.on)}) port ${s.port ?? 80}`];
    return serving({ output: () => lines, metrics: () => ({ requests: srv.stats.requests }) });
  },
});

export const whatIsMyIpGetApp = defineApp({
  kind: "whatismyip-get",
  description: "Asks a whatismyip-server which address it sees this node come from.",
  fields: {
    from: z.string().meta({ description: "The node asking." }),
    server: z.string().meta({ description: "The whatismyip-server's node or address." }),
    port,
    expect: z.string().optional().meta({
      description: "A node (e.g. the home router) whose address the answer should be.",
    }),
    timeout: units.duration("Give up after this long (default 30s).").optional(),
  },
  refs: { from: "node", server: "target", expect: "node" },
  finite: true,
  metrics: {
    ok: { kind: "boolean", description: "An answer arrived." },
    differs: {
      kind: "boolean",
      description: "The address seen differs from the asker's own (a NAT is in the way).",
    },
    expected: { kind: "boolean", description: "The address seen is one of `expect`'s." },
    time: { kind: "duration", description: "From the start to the answer." },
  },
  describe: (s) => `${s.from} asks ${s.server}`,
  start(ctx, s) {
    const node = ctx.node(s.from);
    const own = node.interfaces.flatMap((i) => i.v4.map((a) => formatIpv4(a.address)));
    const url = `http://${ctx.address(s.server)}:${s.port ?? 80}/`;
    const client = new HttpClient(node, { ...(s.timeout !== undefined && { timeout: s.timeout }) });
    const lines: string[] = [];
    let m: Record<string, MetricValue> = { ok: false };
    const req = client.fetch(url, {}, (r) => {
      if (!r.ok || r.status !== 200) {
        lines.push(`GET ${url}: ${r.ok ? `${r.status} ${r.reason}` : r.error.message}`);
        return;
      }
      const seen = new TextDecoder().decode(r.body).trim();
      const differs = !own.includes(seen);
      m = { ok: true, differs, time: r.timing.total };
      let whose = "";
      if (s.expect !== undefined) {
        const theirs = ctx
          .node(s.expect)
          .interfaces.flatMap((i) => i.v4.map((a) => formatIpv4(a.address)));
        m.expected = theirs.includes(seen);
        whose = m.expected ? ` = ${s.expect}'s address` : ` (not ${s.expect}'s)`;
      }
      lines.push(
        `${s.from} (${own.join(", ") || "no address"}) is seen as ${seen}${whose} after ${formatDuration(r.timing.total)}${differs ? ": a NAT is in the way" : ""}`,
      );
    });
    return endsWith(req, { output: () => lines, metrics: () => m });
  },
});
