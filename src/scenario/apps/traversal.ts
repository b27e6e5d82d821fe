/**
 * NAT traversal apps (src/apps/p2p): `p2p-rendezvous`, a public STUN-like address-discovery and
 * introduction server that relays when punching fails, and `p2p-traversal-peer`, a peer behind
 * a NAT that registers there and, when told to `connect` to another peer by its id, punches a
 * hole toward it and sends it a message. Peers answer every message they get, so the one that
 * connected knows the path works both ways; the metrics say whether it went direct or through
 * the relay.
 */
import { z } from "zod";
import { RendezvousServer, STUN_PORT } from "../../apps/p2p/rendezvous-server.js";
import { TraversalPeer } from "../../apps/p2p/traversal-peer.js";
import { defineApp, type MetricValue } from "../registry.js";
import { formatDuration, units } from "../units.js";
import { serving } from "./app-helpers.js";

const REPLY = "re: ";

export const p2pRendezvousApp = defineApp({
  kind: "p2p-rendezvous",
  description: "A rendezvous server for peers behind NATs: STUN binding, introductions, relay.",
  fields: {
    on: z.string().meta({ description: "The public node serving." }),
    port: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .optional()
      .meta({ description: `Default ${STUN_PORT}.` }),
  },
  refs: { on: "node" },
  finite: false,
  metrics: {
    peers: { kind: "count", description: "Peers registered." },
    bindings: { kind: "count", description: "STUN Binding requests answered." },
    introductions: { kind: "count", description: "Pairs of peers introduced." },
    relayed: { kind: "count", description: "Messages relayed between peers." },
  },
  describe: (s) => `on ${s.on} port ${s.port ?? STUN_PORT}`,
  start(ctx, s) {
    const srv = new RendezvousServer(ctx.node(s.on), s.port ?? STUN_PORT);
    return serving({
      output: () => [
        `p2p-rendezvous on ${s.on} port ${s.port ?? STUN_PORT}: ${srv.peers.size} peer(s), ${srv.stats.introductions} introduction(s), ${srv.stats.relayed} message(s) relayed`,
        ...[...srv.peers.values()].map(
          (p) => `  ${p.id}: seen as ${p.reflexive}, local ${p.local}`,
        ),
      ],
      metrics: () => ({
        peers: srv.peers.size,
        bindings: srv.stats.bindings,
        introductions: srv.stats.introductions,
        relayed: srv.stats.relayed,
      }),
    });
  },
});

export const p2pTraversalPeerApp = defineApp({
  kind: "p2p-traversal-peer",
  description:
    "A peer behind a NAT: registers with a rendezvous server and connects to another peer by id.",
  fields: {
    on: z.string().meta({ description: "The node running the peer." }),
    id: z.string().min(1).optional().meta({ description: "Its id (default the node's name)." }),
    server: z.string().meta({ description: "The p2p-rendezvous node or address." }),
    serverPort: z.number().int().min(1).max(65_535).optional(),
    port: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .optional()
      .meta({ description: "Local UDP port (default 5000)." }),
    connect: z
      .string()
      .optional()
      .meta({ description: "The id of a peer to connect to and greet (default: only answer)." }),
    connectAt: units
      .duration("When to connect, after the start (default 1s: time to register).")
      .optional(),
    message: z.string().optional().meta({ description: "What to send (default a greeting)." }),
    punchTimeout: units
      .duration("Relay if punching has not worked by then (default 3s).")
      .optional(),
  },
  refs: { on: "node", server: "target" },
  finite: true,
  metrics: {
    connected: { kind: "boolean", description: "A path to the peer was found (direct or relay)." },
    direct: { kind: "boolean", description: "The path is direct: a hole was punched." },
    relayed: { kind: "boolean", description: "The path goes through the rendezvous server." },
    replied: { kind: "boolean", description: "The peer's answer came back." },
    time: { kind: "duration", description: "From connecting to the path being decided." },
    checks: { kind: "count", description: "Connectivity checks (STUN Binding requests) sent." },
  },
  describe: (s) =>
    `${s.id ?? s.on} on ${s.on}${s.connect === undefined ? "" : ` connects to ${s.connect}`}`,
  start(ctx, s) {
    const sim = ctx.net.sim;
    const id = s.id ?? s.on;
    const peer = new TraversalPeer(ctx.node(s.on), {
      id,
      server: `${ctx.address(s.server)}:${s.serverPort ?? STUN_PORT}`,
      ...(s.port !== undefined && { port: s.port }),
      ...(s.punchTimeout !== undefined && { punchTimeout: s.punchTimeout }),
    });
    const target = s.connect;
    let replied = false;
    const waiting: (() => void)[] = [];
    const finish = () => {
      for (const fn of waiting.splice(0)) fn();
    };
    peer.onMessage((m) => {
      if (!m.data.startsWith(REPLY)) peer.send(m.from, `${REPLY}${m.data}`);
      else if (m.from === target && !replied) {
        replied = true;
        finish();
      }
    });
    const began = sim.now + (s.connectAt ?? 1e9);
    if (target !== undefined) {
      sim.at(began, () => peer.send(target, s.message ?? `hello ${target}, this is ${id}`));
    }
    const metrics = (): Record<string, MetricValue> => {
      const l = target === undefined ? undefined : peer.link(target);
      const decided = l !== undefined && l.state !== "punching";
      return {
        connected: decided,
        direct: l?.state === "direct",
        relayed: l?.state === "relay",
        replied,
        time: decided ? l.decided - began : undefined,
        checks: l?.checks ?? 0,
      };
    };
    return {
      get finished() {
        return target === undefined || replied;
      },
      onDone: (fn) => {
        if (target === undefined || replied) fn();
        else waiting.push(fn);
      },
      output: () => {
        const lines = [
          `${id} on ${s.on}: local ${peer.local}, seen by the server as ${peer.reflexive ?? "(unknown)"}`,
        ];
        for (const l of peer.links.values()) {
          const how =
            l.state === "punching"
              ? "still punching"
              : l.state === "direct"
                ? `direct to ${l.endpoint} (hole punched)`
                : "relayed through the rendezvous server (punching failed)";
          const when = l.decided >= 0 ? ` after ${formatDuration(l.decided - l.started)}` : "";
          lines.push(`  ${l.peer}: ${how}${when}, ${l.checks} check(s)`);
        }
        for (const e of peer.errors) lines.push(`  the server said: ${e}`);
        for (const m of peer.received) {
          lines.push(`  ${formatDuration(m.time)} from ${m.from} (${m.path}): ${m.data}`);
        }
        return lines;
      },
      metrics,
    };
  },
});
