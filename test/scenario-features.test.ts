/**
 * Scenario features beyond the built-in lessons: LANs behind a switch with automatic IPv4 and
 * IPv6 addresses, static routes through a neighbour named in the file, every kind of fault in
 * the schedule, the UDP apps, stop conditions, and a new app kind registered from outside.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BUILTIN_APPS } from "../src/scenario/apps/index.js";
import { defaultInternet } from "../src/scenario/default-internet.js";
import { loadScenario, type Scenario } from "../src/scenario/load.js";
import { AppRegistry, defineApp } from "../src/scenario/registry.js";
import { ScenarioRun } from "../src/scenario/run.js";
import { formatScenarioError } from "../src/scenario/source.js";

function load(text: string, registry?: AppRegistry): Scenario {
  const r = loadScenario(text, "t.yaml", registry);
  if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join("\n"));
  return r.scenario;
}

function run(text: string, registry?: AppRegistry) {
  const r = ScenarioRun.create(load(text, registry));
  if (Array.isArray(r)) throw new Error(r.map(formatScenarioError).join("\n"));
  return r.runToEnd();
}

const OFFICE = `
seed: 3
hosts: [a, b, c]
routers: [gw, isp]
switches: [lan]
addressing: { pool: 192.168.0.0/16, pool6: "2001:db8::/48" }
defaults:
  link: { delay: 1ms }
links:
  - between: [a, lan]
  - between: [b, lan]
  - between: [gw, lan]
  - { between: [gw, isp], delay: 10ms }
  - { between: [isp, c], delay: 2ms }
routing:
  mode: static
  routes:
    - { node: gw, to: default, via: isp }
    - { node: isp, to: 192.168.0.0/24, via: gw }
    - { node: isp, to: "2001:db8::/64", via: gw }
    - { node: c, to: default, via: isp }
apps:
  - { kind: udp-echo, on: c }
  - { kind: ping, name: v6, from: a, to: c, family: 6, count: 2 }
  - { kind: ping, name: held, from: a, to: c, at: 10s, count: 5 }
  - { kind: ping, name: cut, from: b, to: c, at: 20s, count: 3 }
  - { kind: udp-stream, name: s, from: b, to: c, port: 9000, rate: 10, count: 60, at: 30s }
faults:
  - { at: 10s, hold: [c], name: h }
  - { at: 12s, release: h }
  - { at: 20s, partition: [[a, b], [c]], name: p }
  - { at: 22s, repair: p }
  - { at: 31s, crash: isp }
  - { at: 32s, restart: isp }
  - { at: 35s, setLink: { link: isp-c, delay: 50ms, loss: 50% } }
stop: { until: 60s }
assert:
  - { app: v6, metric: received, equals: 2 }
  - { app: held, metric: received, equals: 5 }
  - { app: held, metric: rtt.max, above: 2s }
  - { app: cut, metric: received, equals: 1 }
  - { app: s, metric: loss, above: 10% }
  - { app: s, metric: delay.max, atLeast: 50ms }
  - { metric: faults.applied, equals: 7 }
  - { route: { from: b, to: c, hops: 3 } }
  - { route: { from: c, to: a, hops: 3 } }
`;

describe("scenario features", () => {
  it("runs a LAN with IPv4 and IPv6, static routes by neighbour name, and every kind of fault", () => {
    const r = run(OFFICE);
    expect(r.topology).toEqual([
      "host a: eth0=192.168.0.1/24,2001:db8::1/64",
      "host b: eth0=192.168.0.2/24,2001:db8::2/64",
      "host c: eth0=192.168.1.6/30,2001:db8:0:2::2/64",
      "router gw: eth0=192.168.0.3/24,2001:db8::3/64 eth1=192.168.1.1/30,2001:db8:0:1::1/64",
      "router isp: eth0=192.168.1.2/30,2001:db8:0:1::2/64 eth1=192.168.1.5/30,2001:db8:0:2::1/64",
    ]);
    expect(r.assertions.filter((a) => !a.passed)).toEqual([]);
    expect(r.faults.map((f) => [f.time / 1e9, f.action])).toEqual([
      [10, "hold"],
      [12, "release"],
      [20, "partition"],
      [22, "repair"],
      [31, "crash"],
      [32, "restart"],
      [35, "delay"],
      [35, "impairments"],
    ]);
    expect(r.stopReason).toBe("until");
    expect(r.endTime).toBe(60e9);
    expect(r.apps[0]!.output[0]).toBe("udp-echo listening on c port 7");
  });

  it("stops when every app that ends has ended, unless told to run on", () => {
    const base =
      "hosts: [h1, h2]\nlinks: [{ between: [h1, h2] }]\napps: [{ kind: ping, from: h1, to: h2, count: 2 }]\n";
    const done = run(base);
    expect(done.stopReason).toBe("apps-done");
    // The second request leaves at 1 s, and ping waits 2 s for a late reply.
    expect(done.endTime).toBe(3e9);
    const on = run(`${base}stop: { until: 10s, whenAppsDone: false }\n`);
    expect(on.endTime).toBe(10e9);
    const idle = run("hosts: [h1, h2]\nlinks: [{ between: [h1, h2] }]\n");
    expect(idle.stopReason).toBe("idle");
    expect(idle.endTime).toBe(0);
  });

  it("reports an app that cannot start, and fails its assertions", () => {
    const r = run(
      "hosts: [h1, h2]\nlinks: [{ between: [h1, h2] }]\napps:\n  - { kind: udp-echo, on: h2, port: 7 }\n  - { kind: udp-echo, on: h2, port: 7 }\n",
    );
    expect(r.apps[1]!.output).toContain("udp-echo: EADDRINUSE: 0.0.0.0:7 is already in use on h2");
  });

  it("takes new app kinds through the registry, with their own fields and metrics", () => {
    const counter = defineApp({
      kind: "counter",
      description: "Counts to a number, one step per tick.",
      fields: {
        on: z.string(),
        to: z.number().int().min(1),
        tick: z.number().int().min(1).optional(),
      },
      refs: { on: "node" },
      finite: true,
      metrics: { reached: { kind: "count", description: "The count reached." } },
      describe: (s) => `on ${s.on} to ${s.to}`,
      start(ctx, s) {
        let n = 0;
        const done: (() => void)[] = [];
        const step = () => {
          n++;
          if (n < s.to) ctx.net.sim.after(s.tick ?? 1000, step);
          else for (const fn of done) fn();
        };
        step();
        return {
          get finished() {
            return n >= s.to;
          },
          onDone: (fn) => done.push(fn),
          output: () => [`counted to ${n}`],
          metrics: () => ({ reached: n }),
        };
      },
    });
    const registry = new AppRegistry([...BUILTIN_APPS, counter]);
    const text =
      "hosts: [h1]\napps: [{ kind: counter, name: c, on: h1, to: 5 }]\nassert: [{ app: c, metric: reached, equals: 5 }]\n";
    const r = run(text, registry);
    expect(r.apps[0]!.output).toEqual(["counted to 5"]);
    expect(r.passed).toBe(true);
    expect(r.endTime).toBe(4000);
    const unknown = loadScenario(text, "t.yaml");
    expect(unknown.ok).toBe(false);
    const wrong = loadScenario(
      "hosts: [h1]\napps: [{ kind: counter, on: h9, to: 0 }]\n",
      "t.yaml",
      registry,
    );
    expect(wrong.ok ? [] : wrong.errors.map(formatScenarioError)).toEqual([
      "t.yaml:2:37: apps[0].to: expected a number >= 1, found 0",
    ]);
    expect(() => registry.register(counter)).toThrow('app kind "counter" is already registered');
  });

  it("the default internet is valid and takes the short path", () => {
    const s = defaultInternet();
    expect(s.spec.hosts).toEqual(["h1", "h2"]);
    const r = ScenarioRun.create(s);
    if (Array.isArray(r)) throw new Error("invalid");
    const h1 = r.net.node("h1");
    expect(h1.routes.lookup4(0x0a000201)?.via).toBe(0x0a0001fe);
  });
});
