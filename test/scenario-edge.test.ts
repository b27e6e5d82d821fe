/**
 * Edge-of-network features in scenario files: host clocks, "dhcp" addresses with the
 * dhcp-server app, NAT on router entries, what-is-my-address, NTP / Cristian / Berkeley, NAT
 * traversal peers, and the lease, nat and clock assertions, passing and failing; the run's
 * end-of-run summary (text, JSON) and the CLI's exit code 1 when an edge assertion fails.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";
import { runText } from "../src/cli/run-text.js";
import { parseSignedDuration } from "../src/scenario/edge-schema.js";
import { formatOffset } from "../src/scenario/edge-summary.js";
import { loadScenario } from "../src/scenario/load.js";
import { type RunResult, ScenarioRun } from "../src/scenario/run.js";
import { formatScenarioError } from "../src/scenario/source.js";

function start(text: string): ScenarioRun {
  const r = loadScenario(text, "t.yaml");
  if (!r.ok) throw new Error(r.errors.map(formatScenarioError).join("\n"));
  const run = ScenarioRun.create(r.scenario);
  if (Array.isArray(run)) throw new Error(run.map(formatScenarioError).join("\n"));
  return run;
}

const run = (text: string) => start(text).runToEnd();

const verdicts = (r: RunResult) => r.assertions.map((a) => [a.label, a.passed, a.actual]);

/** One home: h1 and h2 lease addresses on a LAN behind a NAT; a server outside. */
const HOME = (nat: string, extraApps = "", asserts = "") => `
seed: 2
hosts: [h1, h2, srv]
routers:
  - { name: home, nat: ${nat} }
switches: [lan]
links:
  - { between: [home, lan], addresses: [192.168.7.1/24, auto] }
  - { between: [h1, lan], addresses: [dhcp, auto] }
  - { between: [h2, lan], addresses: [dhcp, auto] }
  - { between: [home, srv], addresses: [203.0.113.1/24, 203.0.113.9/24], delay: 5ms }
routing: { mode: static }
apps:
  - { kind: dhcp-server, name: dhcp, on: home, range: [192.168.7.10, 192.168.7.11], leaseTime: 10min }
  - { kind: whatismyip-server, on: srv }
  - { kind: whatismyip-get, name: ask, from: h1, server: srv, expect: home, at: 20s }
${extraApps}
assert:
${asserts}
`;

describe("DHCP addresses and the dhcp-server app", () => {
  it("hosts lease addresses from the range, with the router as gateway", () => {
    const r = run(
      HOME(
        "{ inside: lan, outside: srv }",
        "",
        [
          "  - { lease: { host: h1, in: 192.168.7.0/24 } }",
          "  - { lease: { host: h2 } }",
          "  - { lease: { host: h1, in: 10.0.0.0/8 } }",
          "  - { lease: { host: srv } }",
          "  - { app: dhcp, metric: leases, equals: 2 }",
        ].join("\n"),
      ),
    );
    const leased = r.edge.filter((l) => l.startsWith("dhcp "));
    expect(leased).toHaveLength(2);
    expect(leased[0]).toMatch(
      /^dhcp h1 eth0: 192\.168\.7\.1[01]\/24 from 192\.168\.7\.1 \(router 192\.168\.7\.1, 9\.\d+min left\)$/,
    );
    const [a, b, wrong, none, count] = verdicts(r);
    expect(a![1]).toBe(true);
    expect(b![1]).toBe(true);
    expect(wrong).toEqual([
      "h1 has a DHCP lease in 10.0.0.0/8",
      false,
      expect.stringMatching(/^192\.168\.7\.1[01]\/24$/),
    ]);
    expect(none).toEqual(["srv has a DHCP lease", false, "srv does not use DHCP"]);
    expect(count![1]).toBe(true);
    expect(r.apps[0]!.output[0]).toBe(
      "dhcp-server on home eth0 (192.168.7.1): pool 192.168.7.10-192.168.7.11, lease 10min",
    );
  });

  it("an exhausted pool leaves the third host without a lease, and says so", () => {
    const asserts = ["h1", "h2", "h3"].map((h) => `  - { lease: { host: ${h} } }`).join("\n");
    const text = HOME("{ inside: lan, outside: srv }", "", asserts)
      .replace("hosts: [h1, h2, srv]", "hosts: [h1, h2, h3, srv]")
      .replace(
        "  - { between: [home, srv]",
        "  - { between: [h3, lan], addresses: [dhcp, auto] }\n  - { between: [home, srv]",
      );
    const r = run(text);
    const leases = r.edge.filter((l) => l.startsWith("dhcp "));
    expect(leases.filter((l) => l.endsWith(": no lease (SELECTING)"))).toHaveLength(1);
    const dhcp = r.apps.find((a) => a.name === "dhcp")!;
    expect(dhcp.metrics.leases).toBe(2);
    expect(dhcp.metrics.noOffer).toBeGreaterThan(0);
    const failed = verdicts(r).filter((v) => !v[1]);
    expect(failed).toEqual([
      [expect.stringMatching(/^h[123] has a DHCP lease$/), false, "no lease"],
    ]);
  });
});

describe("dhcp-server mistakes", () => {
  it("a range outside the LAN's subnet is reported by the app, and its hosts get no lease", () => {
    const r = run(
      HOME("{ inside: lan, outside: srv }", "", "  - { lease: { host: h1 } }").replace(
        "range: [192.168.7.10, 192.168.7.11]",
        "range: [10.0.0.10, 10.0.0.11]",
      ),
    );
    expect(r.apps[0]!.output).toEqual([
      "dhcp-server: dhcp on home: 10.0.0.10 is outside 192.168.7.0/24",
    ]);
    expect(verdicts(r)).toEqual([["h1 has a DHCP lease", false, "no lease"]]);
  });

  it("a peer asking for an unknown peer hears so from the server and never connects", () => {
    const r = start(TRAVERSAL("full-cone", "full-cone").replace("connect: b", "connect: zed"));
    r.net.sim.runUntil(10e9);
    const out = r.finish();
    const pa = out.apps.find((a) => a.name === "pa")!;
    expect(pa.output).toContain("  the server said: unknown peer zed");
    expect(pa.metrics).toMatchObject({ connected: false, direct: false, replied: false });
  });
});

describe("NAT on a router entry, and what-is-my-address", () => {
  it("the host is seen as the router's public address; the NAT's table and counters", () => {
    const r = run(
      HOME(
        "{ inside: lan, outside: srv, type: symmetric, maxMappings: 10 }",
        "",
        [
          "  - { app: ask, metric: differs, equals: true }",
          "  - { app: ask, metric: expected, equals: true }",
          "  - { nat: { router: home }, equals: 1 }",
          "  - { nat: { router: home, count: created }, atLeast: 2 }",
        ].join("\n"),
      ),
    );
    const ask = r.apps.find((a) => a.name === "ask")!;
    expect(ask.output[0]).toMatch(
      /^h1 \(192\.168\.7\.1[01]\) is seen as 203\.0\.113\.1 = home's address after [\d.]+ms: a NAT is in the way$/,
    );
    const nat = r.edge.find((l) => l.startsWith("nat "));
    expect(nat).toMatch(
      /^nat home eth0->eth1 public 203\.0\.113\.1: mapping address-and-port-dependent, filtering address-and-port-dependent; 1 mapping\(s\) live, \d+ created, 0 filtered, 0 refused \(table full\)$/,
    );
    const [differs, expected, live, created] = verdicts(r);
    expect(differs![1]).toBe(true);
    expect(expected![1]).toBe(true);
    expect(live).toEqual(["home NAT mappings", true, "1"]);
    // One TCP connection made one mapping: "at least 2" fails.
    expect(created).toEqual(["home NAT created", false, "1"]);
  });

  it("maxMappings refuses a second flow; a short TCP timeout expires the first", () => {
    const r = run(
      `${HOME(
        "{ inside: lan, outside: srv, maxMappings: 1, timeouts: { tcpTransitory: 30s, tcpEstablished: 1min } }",
        "  - { kind: whatismyip-get, name: ask2, from: h2, server: srv, at: 20s, timeout: 5s }",
        [
          "  - { nat: { router: home, count: tableFull }, atLeast: 1 }",
          "  - { nat: { router: home, count: expired }, equals: 1 }",
          "  - { nat: { router: home }, equals: 0 }",
          "  - { app: ask2, metric: ok, equals: true }",
        ].join("\n"),
      )}stop: { until: 2min }\n`,
    );
    expect(verdicts(r).map((v) => v[1])).toEqual([true, true, true, false]);
    expect(r.edgeState.nats[0]!.counters.tableFull).toBeGreaterThan(0);
  });

  it("without a NAT the server sees the host itself, and the assertions say so", () => {
    const r = run(
      HOME(
        "{ inside: lan, outside: srv }",
        "",
        "  - { app: ask, metric: differs, equals: true }\n  - { nat: { router: home, count: filtered }, above: 0 }",
      )
        .replace("{ name: home, nat: { inside: lan, outside: srv } }", "home")
        .replace("  - { nat: { router: home, count: filtered }, above: 0 }\n", "")
        .replace(
          "  - { between: [home, srv]",
          "  - { between: [srv, home], addresses: [203.0.113.9/24, 203.0.113.1/24], delay: 5ms }\n#",
        )
        .replace(
          "routing: { mode: static }",
          "routing: { mode: static, routes: [{ node: srv, to: 192.168.7.0/24, via: home }] }",
        ),
    );
    expect(r.apps.find((a) => a.name === "ask")!.metrics).toMatchObject({
      ok: true,
      differs: false,
      expected: false,
    });
    expect(verdicts(r)).toEqual([["ask differs", false, "false"]]);
  });
});

const CLOCKS = `
seed: 1
hosts:
  - server
  - { name: c, clock: { offset: 40ms, driftPpm: 30 } }
  - { name: k, clock: { offset: -300ms, driftPpm: -10, steps: [{ at: 1s, by: -1ms }] } }
  - { name: m1, clock: { offset: 5ms } }
  - { name: m2, clock: { offset: -3ms } }
  - m0
routers: [r]
defaults: { link: { delay: 3ms } }
links:
  - { between: [server, r] }
  - { between: [c, r] }
  - { between: [k, r] }
  - { between: [m1, r] }
  - { between: [m2, r] }
  - { between: [m0, r] }
apps:
  - { kind: ntp-server, name: time, on: server }
  - { kind: ntp-client, name: ntp, from: c, server: server, poll: 8s }
  - { kind: cristian, name: cr, from: k, server: server, at: 2s }
  - { kind: berkeley, name: bk, master: m0, members: [m1, m2], interval: 30s, adjust: slew }
stop: { until: 10min }
assert:
  - { clock: { host: c }, below: 100us }
  - { clock: { host: c }, above: 1ms }
  - { app: ntp, metric: error, below: 100us }
  - { app: cr, metric: ok, equals: true }
  - { app: cr, metric: rtt, atLeast: 12ms }
  - { app: bk, metric: spread, below: 1ms }
  - { app: time, metric: answered, above: 50 }
`;

describe("host clocks and clock synchronization apps", () => {
  it("clocks start with the entry's offset, drift and steps", () => {
    const s = start(CLOCKS);
    const k = s.net.node("k").clock;
    expect(k.error()).toBe(-300e6);
    expect(k.readAt(2e9) - 2e9).toBeCloseTo(-300e6 - 1e6 - 20e3, 3);
    expect(s.net.node("c").clock.driftPpm).toBe(30);
    expect(s.net.node("server").clock.error()).toBe(0);
  });

  it("NTP, Cristian and Berkeley pull the clocks in; the clock assertion compares |error|", () => {
    const r = run(CLOCKS);
    const v = verdicts(r);
    expect(v.map((x) => x[1])).toEqual([true, false, true, true, true, true, true]);
    expect(v[1]![2]).toMatch(/^(0s|\d+(\.\d+)?(ns|us))$/);
    const ntp = r.apps.find((a) => a.name === "ntp")!;
    expect(ntp.output[0]).toMatch(
      /^ntp-client c -> server: \d+ samples, 0 step\(s\), \d+ slew\(s\)$/,
    );
    expect(ntp.output[2]).toMatch(
      /^ {2}clock error \+40ms at start -> (0s|[+-][\d.]+(ns|us)) at the end/,
    );
    expect(r.apps.find((a) => a.name === "cr")!.output[0]).toMatch(
      /^cristian k -> server: 4 answer\(s\), best RTT 12\.\d+ms, stepped \+30\d\.\d+ms; clock error now/,
    );
    expect(r.edge.filter((l) => l.startsWith("clock "))).toEqual([
      expect.stringMatching(
        /^clock c: error (0s|[+-][\d.]+(ns|us)) \(drift 30ppm, correction -?\d+(\.\d+)?ppm\)$/,
      ),
      expect.stringMatching(/^clock k: error [+-][\d.]+ms \(drift -10ppm, correction 0ppm\)$/),
      expect.stringMatching(/^clock m1: /),
      expect.stringMatching(/^clock m2: /),
      expect.stringMatching(/^clock m0: /),
    ]);
  });

  it("signed durations and offsets read and print with their sign", () => {
    expect(parseSignedDuration("-20ms")).toBe(-20e6);
    expect(parseSignedDuration("1.5s")).toBe(1.5e9);
    expect(parseSignedDuration(0)).toBe(0);
    expect(parseSignedDuration("-x")).toHaveProperty("expected");
    expect([formatOffset(-19e6), formatOffset(2500), formatOffset(0.2)]).toEqual([
      "-19ms",
      "+2.5us",
      "0s",
    ]);
  });
});

const TRAVERSAL = (typeA: string, typeB: string) => `
seed: 5
hosts: [rv, a, b]
routers:
  - isp
  - { name: na, nat: { inside: a, outside: isp, type: ${typeA} } }
  - { name: nb, nat: { inside: b, outside: isp, type: ${typeB} } }
links:
  - { between: [rv, isp], addresses: [192.0.2.10/24, 192.0.2.1/24] }
  - { between: [na, isp], addresses: [203.0.113.2/30, 203.0.113.1/30] }
  - { between: [nb, isp], addresses: [203.0.113.6/30, 203.0.113.5/30] }
  - { between: [a, na], addresses: [192.168.1.2/24, 192.168.1.1/24] }
  - { between: [b, nb], addresses: [192.168.2.2/24, 192.168.2.1/24] }
routing:
  mode: static
  routes: [{ node: na, to: default, via: isp }, { node: nb, to: default, via: isp }]
apps:
  - { kind: p2p-rendezvous, name: rv, on: rv }
  - { kind: p2p-traversal-peer, name: pa, on: a, server: rv, connect: b }
  - { kind: p2p-traversal-peer, name: pb, on: b, server: rv }
assert:
  - { app: pa, metric: connected, equals: true }
  - { app: pa, metric: direct, equals: true }
  - { app: pa, metric: replied, equals: true }
`;

describe("NAT traversal peers", () => {
  it("two cone NATs: a hole is punched and the greeting is answered directly", () => {
    const r = run(TRAVERSAL("port-restricted", "address-restricted"));
    expect(verdicts(r).map((v) => v[1])).toEqual([true, true, true]);
    const pa = r.apps.find((a) => a.name === "pa")!;
    expect(pa.metrics).toMatchObject({ connected: true, direct: true, relayed: false });
    expect(pa.output[0]).toBe(
      "a on a: local 192.168.1.2:5000, seen by the server as 203.0.113.2:5000",
    );
    expect(pa.output[1]).toMatch(/^ {2}b: direct to 203\.0\.113\.6:5000 \(hole punched\) after /);
    expect(r.apps.find((a) => a.name === "rv")!.metrics.relayed).toBe(0);
    expect(r.stopReason).toBe("apps-done");
  });

  it("symmetric against port-restricted: relayed, and the direct assertion fails", () => {
    const r = run(TRAVERSAL("symmetric", "port-restricted"));
    expect(verdicts(r)).toEqual([
      ["pa connected", true, "true"],
      ["pa direct", false, "false"],
      ["pa replied", true, "true"],
    ]);
    expect(r.apps.find((a) => a.name === "pa")!.metrics.relayed).toBe(true);
    expect(r.apps.find((a) => a.name === "rv")!.metrics.relayed).toBe(2);
    expect(r.apps.find((a) => a.name === "pa")!.output[1]).toMatch(
      /relayed through the rendezvous server \(punching failed\) after 3s/,
    );
  });
});

describe("edge results in the CLI", () => {
  const io = () => {
    const o = { out: "", err: "" };
    const c: CliIo = {
      out: (s) => {
        o.out += s;
      },
      err: (s) => {
        o.err += s;
      },
      errIsTTY: false,
    };
    return { o, c };
  };

  it("prints leases, NATs and clocks, and exits 1 when an edge assertion fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wirelab-edge-"));
    const file = join(dir, "edge.yaml");
    writeFileSync(
      file,
      HOME("{ inside: lan, outside: srv }", "", "  - { lease: { host: h1, in: 10.0.0.0/8 } }"),
    );
    const { o, c } = io();
    expect(await main(["run", file], c)).toBe(1);
    expect(o.out).toContain("leases, NATs and clocks at the end:\n  dhcp h1 eth0: 192.168.7.");
    expect(o.out).toMatch(
      / {2}FAIL {2}h1 has a DHCP lease in 10\.0\.0\.0\/8: 192\.168\.7\.1[01]\/24 \(expected a lease in 10\.0\.0\.0\/8\)/,
    );
    const json = io();
    expect(await main(["run", file, "--json"], json.c)).toBe(1);
    const parsed = JSON.parse(json.o.out) as {
      edge: string[];
      edgeState: { leases: { host: string; address?: string; router?: string }[] };
      passed: boolean;
    };
    expect(parsed.passed).toBe(false);
    expect(parsed.edgeState.leases.map((l) => [l.host, l.address?.slice(0, 11), l.router])).toEqual(
      [
        ["h1", "192.168.7.1", "192.168.7.1"],
        ["h2", "192.168.7.1", "192.168.7.1"],
      ],
    );
    expect(parsed.edge.some((l) => l.startsWith("nat home eth0->eth1 public 203.0.113.1"))).toBe(
      true,
    );
  });

  it("leaves runs without edge features as they were", () => {
    const r = run("hosts: [h1, h2]\nlinks: [{ between: [h1, h2] }]\n");
    expect(r.edge).toEqual([]);
    expect(runText(r).join("\n")).not.toContain("leases, NATs and clocks");
  });
});
