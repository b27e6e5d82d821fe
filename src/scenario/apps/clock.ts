/**
 * Clock synchronization apps (src/apps/clock) on hosts whose clocks have an offset and a drift
 * (a host entry's `clock`): `ntp-server` and `ntp-client` (RFC 5905's on-wire exchange with a
 * simple discipline), `cristian` (ask once or a few times, set the clock to S + RTT/2) and
 * `berkeley` (a master averages its members' clocks and tells each how far to move). Each
 * reports the clock error it leaves behind, read from the simulator's true time, which no host
 * can see.
 */
import { z } from "zod";
import { BerkeleyMaster, BerkeleyMember } from "../../apps/clock/berkeley.js";
import { CristianClient } from "../../apps/clock/cristian.js";
import { NtpClient } from "../../apps/clock/ntp-client.js";
import { NtpServer } from "../../apps/clock/ntp-server.js";
import type { Node } from "../../net/node.js";
import { isTransportError } from "../../transport/errors.js";
import { formatOffset } from "../edge-summary.js";
import { defineApp, type MetricSpec } from "../registry.js";
import { formatDuration, units } from "../units.js";
import { serving } from "./app-helpers.js";

const port = (d: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(65_535)
    .optional()
    .meta({ description: `Default ${d}.` });

const ERROR: MetricSpec = {
  kind: "duration",
  description: "|clock - true time| of the node at the end.",
};

/** |error| of a node's clock, whole ns. */
const clockError = (n: Node) => Math.abs(Math.round(n.clock.error()));

export const ntpServerApp = defineApp({
  kind: "ntp-server",
  description: "An NTP-like time server (RFC 5905) answering from its node's clock.",
  fields: {
    on: z.string().meta({ description: "The node serving time (its clock is the reference)." }),
    port: port(123),
    stratum: z.number().int().min(1).max(15).optional().meta({ description: "Default 1." }),
  },
  refs: { on: "node" },
  finite: false,
  metrics: {
    answered: { kind: "count", description: "Requests answered." },
    ignored: { kind: "count", description: "Packets that were not well-formed client requests." },
  },
  describe: (s) => `on ${s.on}`,
  start(ctx, s) {
    const srv = NtpServer.start(ctx.node(s.on), {
      ...(s.port !== undefined && { port: s.port }),
      ...(s.stratum !== undefined && { stratum: s.stratum }),
    });
    if (isTransportError(srv)) throw new Error(srv.message);
    return serving({
      output: () => [
        `ntp-server on ${s.on} port ${s.port ?? 123}: ${srv.stats.answered} answered, ${srv.stats.ignored} ignored`,
      ],
      metrics: () => ({ answered: srv.stats.answered, ignored: srv.stats.ignored }),
    });
  },
});

export const ntpClientApp = defineApp({
  kind: "ntp-client",
  description: "An NTP-like client polling a server and disciplining its node's clock.",
  fields: {
    from: z.string().meta({ description: "The node whose clock is disciplined." }),
    server: z.string().meta({ description: "The ntp-server's node or address." }),
    port: port(123),
    poll: units.duration("Time between requests (default 16s).").optional(),
    discipline: z
      .boolean()
      .optional()
      .meta({ description: "Adjust the clock (default true); false only measures." }),
  },
  refs: { from: "node", server: "target" },
  finite: false,
  metrics: {
    samples: { kind: "count", description: "Replies that gave a sample." },
    steps: { kind: "count", description: "Times the clock was stepped." },
    delay: { kind: "duration", description: "Round-trip delay of the last sample." },
    offset: {
      kind: "duration",
      description: "|offset| the client measured last (what it believes its error is).",
    },
    error: ERROR,
  },
  describe: (s) => `${s.from} -> ${s.server}`,
  start(ctx, s) {
    const node = ctx.node(s.from);
    const c = NtpClient.start(node, {
      server: { address: ctx.address(s.server), ...(s.port !== undefined && { port: s.port }) },
      ...(s.poll !== undefined && { pollInterval: s.poll }),
      ...(s.discipline !== undefined && { discipline: s.discipline }),
    });
    if (isTransportError(c)) throw new Error(c.message);
    const startError = node.clock.error();
    return serving({
      output: () => {
        const last = c.samples.at(-1);
        const steps = c.updates.filter((u) => u.action === "step").length;
        return [
          `ntp-client ${s.from} -> ${s.server}: ${c.samples.length} samples, ${steps} step(s), ${c.updates.length - steps} slew(s)`,
          last === undefined
            ? "  no reply"
            : `  last sample: offset ${formatOffset(last.offset)}, delay ${formatDuration(Math.round(last.delay))}`,
          `  clock error ${formatOffset(startError)} at start -> ${formatOffset(node.clock.error())} at the end (frequency correction ${Number(node.clock.frequencyPpm.toFixed(3))}ppm)`,
        ];
      },
      metrics: () => {
        const last = c.samples.at(-1);
        return {
          samples: c.samples.length,
          steps: c.updates.filter((u) => u.action === "step").length,
          delay: last === undefined ? undefined : Math.round(last.delay),
          offset: last === undefined ? undefined : Math.abs(Math.round(last.offset)),
          error: clockError(node),
        };
      },
    });
  },
});

export const cristianApp = defineApp({
  kind: "cristian",
  description: "Cristian's algorithm: ask a time server a few times, set the clock to S + RTT/2.",
  fields: {
    from: z.string().meta({ description: "The node whose clock is set." }),
    server: z.string().meta({ description: "An ntp-server's node or address." }),
    port: port(123),
    attempts: z.number().int().min(1).max(100).optional().meta({ description: "Default 4." }),
  },
  refs: { from: "node", server: "target" },
  finite: true,
  metrics: {
    ok: { kind: "boolean", description: "An answer arrived and the clock was set." },
    rtt: { kind: "duration", description: "Round trip of the attempt used." },
    error: ERROR,
  },
  describe: (s) => `${s.from} -> ${s.server}`,
  start(ctx, s) {
    const node = ctx.node(s.from);
    const lines: string[] = [];
    let done = false;
    let ok = false;
    let rtt: number | undefined;
    const waiting: (() => void)[] = [];
    const started = CristianClient.run(
      node,
      {
        server: { address: ctx.address(s.server), ...(s.port !== undefined && { port: s.port }) },
        ...(s.attempts !== undefined && { attempts: s.attempts }),
      },
      (r) => {
        done = true;
        if (isTransportError(r)) lines.push(`cristian ${s.from}: ${r.message}`);
        else {
          ok = true;
          rtt = Math.round(r.best.rtt);
          lines.push(
            `cristian ${s.from} -> ${s.server}: ${r.samples.length} answer(s), best RTT ${formatDuration(rtt)}, stepped ${formatOffset(r.step)}; clock error now ${formatOffset(node.clock.error())}`,
          );
        }
        for (const fn of waiting) fn();
      },
    );
    if (isTransportError(started)) throw new Error(started.message);
    return {
      get finished() {
        return done;
      },
      onDone: (fn) => {
        if (done) fn();
        else waiting.push(fn);
      },
      output: () => lines,
      metrics: () => ({ ok, rtt, error: clockError(node) }),
    };
  },
});

export const berkeleyApp = defineApp({
  kind: "berkeley",
  description: "The Berkeley algorithm: a master averages its members' clocks and adjusts all.",
  fields: {
    master: z.string().meta({ description: "The node polling the others." }),
    members: z.array(z.string()).min(1).meta({ description: "The other nodes." }),
    interval: units.duration("Time between rounds (default 60s).").optional(),
    threshold: units
      .duration("Clocks further than this from the median are left out (default 20ms).")
      .optional(),
    adjust: z.enum(["step", "slew"]).optional().meta({ description: "Default step." }),
  },
  refs: { master: "node", members: "node" },
  finite: false,
  metrics: {
    rounds: { kind: "count", description: "Rounds completed." },
    spread: {
      kind: "duration",
      description: "Largest minus smallest clock error among master and members at the end.",
    },
  },
  describe: (s) => `${s.master} with ${s.members.join(", ")}`,
  start(ctx, s) {
    const adjust = s.adjust !== undefined ? { adjust: s.adjust } : {};
    for (const m of s.members) {
      const r = BerkeleyMember.start(ctx.node(m), adjust);
      if (isTransportError(r)) throw new Error(`${m}: ${r.message}`);
    }
    const master = BerkeleyMaster.start(ctx.node(s.master), {
      members: s.members.map((m) => ({ address: ctx.address(m) })),
      ...(s.interval !== undefined && { interval: s.interval }),
      ...(s.threshold !== undefined && { threshold: s.threshold }),
      ...adjust,
    });
    if (isTransportError(master)) throw new Error(master.message);
    const nodes = [s.master, ...s.members].map((n) => ctx.node(n));
    const spread = () => {
      const e = nodes.map((n) => n.clock.error());
      return Math.round(Math.max(...e) - Math.min(...e));
    };
    return serving({
      output: () => [
        `berkeley ${s.master} with ${s.members.length} member(s): ${master.rounds.length} round(s)`,
        ...nodes.map((n) => `  ${n.name} clock error ${formatOffset(n.clock.error())}`),
      ],
      metrics: () => ({ rounds: master.rounds.length, spread: spread() }),
    });
  },
});
