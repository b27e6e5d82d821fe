/**
 * Bad scenario files: each kind of problem gets a message naming the file, line, column and
 * field path, with what was expected and what was found; every problem of a stage is reported
 * at once, in file order.
 */
import { describe, expect, it } from "vitest";
import { loadScenario } from "../src/scenario/load.js";
import { ScenarioRun } from "../src/scenario/run.js";
import { formatScenarioError } from "../src/scenario/source.js";

/** The formatted errors for `text`, from loading and (if that passed) building. */
function errors(text: string, file = "lab.yaml"): string[] {
  const r = loadScenario(text, file);
  if (!r.ok) return r.errors.map(formatScenarioError);
  const run = ScenarioRun.create(r.scenario);
  return Array.isArray(run) ? run.map(formatScenarioError) : [];
}

describe("scenario file errors", () => {
  it("YAML syntax errors give the position", () => {
    expect(errors("hosts: [h1\nrouters: [r1]\n")).toEqual([
      "lab.yaml:2:1: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
    expect(errors("hosts: [h1]\nhosts: [h2]\n")).toEqual([
      "lab.yaml:2:1: YAML syntax: Map keys must be unique",
    ]);
  });

  it("a file that is not a map of fields", () => {
    expect(errors("- a\n- b\n")).toEqual([
      "lab.yaml:1:1: expected a map of scenario fields (hosts, links, apps...), found a list of 2",
    ]);
    expect(errors("")).toEqual([
      "lab.yaml:1:1: expected a map of scenario fields (hosts, links, apps...), found nothing",
    ]);
  });

  it("reports every type, range and enum problem at once, in file order", () => {
    const text = [
      "seed: -1",
      "hosts: h1",
      "links:",
      "  - between: [h1, r1]",
      "    mtu: 20",
      "    queue: { aqm: red }",
      "  - between: [r1]",
      "",
    ].join("\n");
    expect(errors(text)).toEqual([
      "lab.yaml:1:7: seed: expected a number >= 0, found -1",
      'lab.yaml:2:8: hosts: expected a list, found "h1"',
      "lab.yaml:5:10: links[0].mtu: expected a number >= 68, found 20",
      'lab.yaml:6:19: links[0].queue.aqm: expected one of "none", "codel", found "red"',
      "lab.yaml:7:14: links[1].between: expected at least 2 items, found a list of 1",
    ]);
  });

  it("quantities with units say what the syntax is", () => {
    const text = [
      "hosts: [h1]",
      "routers: [r1]",
      "links:",
      "  - between: [h1, r1]",
      "    delay: 5 parsecs",
      "    bandwidth: fast",
      "    impairments: { loss: 120%, jitter: 3 }",
      "    queue: { bytes: 1.5B }",
      "",
    ].join("\n");
    expect(errors(text)).toEqual([
      'lab.yaml:5:12: links[0].delay: expected a duration such as "5ms" or "1.5s" (units ns, us, ms, s, min, h), found "5 parsecs"',
      'lab.yaml:6:16: links[0].bandwidth: expected a bandwidth such as "100Mbit", "1.5Gbit" or "56kbps" (bits per second; units bit, kbit, Mbit, Gbit, Tbit), found "fast"',
      'lab.yaml:7:26: links[0].impairments.loss: expected a percentage such as "10%" or a fraction from 0 to 1 such as 0.1, at most 100%, found "120%"',
      'lab.yaml:7:40: links[0].impairments.jitter: expected a duration such as "5ms" or "1.5s" (units ns, us, ms, s, min, h), found 3',
      'lab.yaml:8:21: links[0].queue.bytes: expected a size in bytes such as 1500, "64KiB" or "1MB" (units B, kB, MB, GB, KiB, MiB, GiB), a whole number, found "1.5B"',
    ]);
  });

  it("unknown fields point at the key and suggest the nearest known one", () => {
    expect(errors("hostz: [h1]\n")).toEqual([
      'lab.yaml:1:1: hostz: unknown field "hostz": did you mean "hosts"?',
    ]);
    expect(
      errors(
        "hosts: [h1]\nrouters: [r1]\nlinks:\n  - between: [h1, r1]\n    dealy: 5ms\n    colour: red\n",
      ),
    ).toEqual([
      'lab.yaml:5:5: links[0].dealy: unknown field "dealy": did you mean "delay"?',
      'lab.yaml:6:5: links[0].colour: unknown field "colour": expected one of between, name, bandwidth, delay, mtu, queue, impairments, addresses, ifnames',
    ]);
  });

  it("apps: unknown or missing kinds list the registered ones; a kind's own fields are checked", () => {
    const text = [
      "hosts: [h1, h2]",
      "apps:",
      "  - kind: pong",
      "  - from: h1",
      "  - { kind: ping, from: h1, to: h2, count: 0, interval: soon }",
      "  - { kind: udp-echo, on: h2, port: 70000 }",
      "",
    ].join("\n");
    expect(errors(text)).toEqual([
      'lab.yaml:3:11: apps[0].kind: expected one of "ping", "traceroute", "udp-stream", "udp-echo", "tcp-bulk", "dns-server", "dns-resolver", "dns-lookup", "http-server", "http-get", "mapreduce", "p2p-supernodes", "file-distribution", "dhcp-server", "whatismyip-server", "whatismyip-get", "ntp-server", "ntp-client", "cristian", "berkeley", "p2p-rendezvous", "p2p-traversal-peer", found "pong" (did you mean "ping"?)',
      'lab.yaml:4:5: apps[1].kind: expected one of "ping", "traceroute", "udp-stream", "udp-echo", "tcp-bulk", "dns-server", "dns-resolver", "dns-lookup", "http-server", "http-get", "mapreduce", "p2p-supernodes", "file-distribution", "dhcp-server", "whatismyip-server", "whatismyip-get", "ntp-server", "ntp-client", "cristian", "berkeley", "p2p-rendezvous", "p2p-traversal-peer", found nothing',
      "lab.yaml:5:44: apps[2].count: expected a number >= 1, found 0",
      'lab.yaml:5:57: apps[2].interval: expected a duration such as "5ms" or "1.5s" (units ns, us, ms, s, min, h), found "soon"',
      "lab.yaml:6:37: apps[3].port: expected a number <= 65535, found 70000",
    ]);
  });

  it("unions report the branch that was meant", () => {
    const text = [
      "hosts: [h1]",
      "routers: [r1]",
      "links:",
      "  - between: [h1, r1]",
      "    addresses: [10.0.0.1, 10.0.0.2/24]",
      "  - between: [h1, r1]",
      "    name: l2",
      "    addresses: [true, auto]",
      "routing: { mode: magic }",
      "",
    ].join("\n");
    expect(errors(text)).toEqual([
      'lab.yaml:5:17: links[0].addresses[0]: expected an address with a prefix length, such as "10.0.1.1/24", found "10.0.0.1"',
      'lab.yaml:8:17: links[1].addresses[0]: expected "auto", or "dhcp", or a string, or a list, found true',
      'lab.yaml:9:18: routing.mode: expected one of "static", "shortest-path", "distance-vector", found "magic"',
    ]);
  });

  it("faults carry exactly one action", () => {
    const text = [
      "hosts: [h1]",
      "routers: [r1]",
      "links: [{ between: [h1, r1] }]",
      "faults:",
      "  - at: 5s",
      "  - { at: 6s, crash: r1, restart: r1 }",
      "  - { at: 7s, crash: r1, oneWay: true }",
      "",
    ].join("\n");
    expect(errors(text)).toEqual([
      "lab.yaml:5:5: faults[0]: expected exactly one action (linkDown, linkUp, partition, repair, hold, release, crash, restart, setLink), found none",
      "lab.yaml:6:5: faults[1]: expected exactly one action (linkDown, linkUp, partition, repair, hold, release, crash, restart, setLink), found crash and restart",
      "lab.yaml:7:34: faults[2].oneWay: oneWay goes with partition only",
    ]);
  });

  it("references to unknown nodes, links, apps, metrics and faults name the thing and its place", () => {
    const text = [
      "hosts: [h1, h2]",
      "routers: [r1]",
      "links:",
      "  - between: [h1, r1]",
      "  - between: [r1, h9]",
      "apps:",
      "  - kind: ping",
      "    from: h1",
      "    to: h3",
      "  - { kind: udp-echo, on: gateway }",
      "routing: { mode: static, routes: [{ node: h1, to: default, via: r7 }] }",
      "faults:",
      "  - { at: 10s, linkDown: r1-h3 }",
      "  - { at: 11s, repair: p9 }",
      "assert:",
      "  - { app: ping-2, metric: loss, below: 10% }",
      "  - { app: ping-1, metric: rtt.maxx, below: 10ms }",
      "  - { app: ping-1, metric: loss, below: 10ms }",
      "  - { metric: routing.convergence, below: 1 }",
      "  - { route: { from: h5, to: 10.9.9.9 } }",
      "",
    ].join("\n");
    expect(errors(text)).toEqual([
      'lab.yaml:5:19: links[1].between[1]: unknown node "h9": did you mean "h1"?',
      'lab.yaml:9:9: apps[0].to: unknown node "h3": did you mean "h1"?',
      'lab.yaml:10:27: apps[1].on: unknown node "gateway": expected one of h1, h2, r1',
      'lab.yaml:11:65: routing.routes[0].via: unknown node "r7": did you mean "r1"?',
      'lab.yaml:13:26: faults[0].linkDown: unknown link "r1-h3": did you mean "r1-h9"?',
      'lab.yaml:14:24: faults[1].repair: expected "all" or the name of an earlier partition or hold, found "p9"',
      'lab.yaml:16:12: assert[0].app: unknown app "ping-2": did you mean "ping-1"?',
      'lab.yaml:17:28: assert[1].metric: unknown metric "rtt.maxx" of app "ping-1": expected one of transmitted, received, errors, loss, rtt.min, rtt.avg, rtt.max, rtt.mdev, finished, unreachable',
      'lab.yaml:18:41: assert[2].below: expected a percentage such as "10%" or a fraction from 0 to 1 such as 0.1 (loss is a ratio), found "10ms"',
      'lab.yaml:19:43: assert[3].below: expected a duration such as "5ms" or "1.5s" (units ns, us, ms, s, min, h) (routing.convergence is a duration), found 1',
      'lab.yaml:20:22: assert[4].route.from: unknown node "h5": did you mean "h1"?',
    ]);
  });

  it("an unknown node in a list of nodes is named with its index", () => {
    const text = [
      "hosts: [m, w1, w2]",
      "routers: [r]",
      "links: [{ between: [m, r] }, { between: [w1, r] }, { between: [w2, r] }]",
      "apps:",
      "  - { kind: mapreduce, manager: m, workers: [w1, w3, w2] }",
      "",
    ].join("\n");
    expect(errors(text)).toEqual([
      'lab.yaml:5:50: apps[0].workers[1]: unknown node "w3": did you mean "w1"?',
    ]);
  });

  it("duplicates, switch rules and assertion shapes", () => {
    const text = [
      "hosts: [h1, r1]",
      "routers: [r1]",
      "switches: [s1, s2]",
      "links:",
      "  - { between: [s1, s2] }",
      "  - { between: [h1, s1], addresses: [10.0.0.1/24, 10.0.0.2/24] }",
      "  - { between: [h1, s1] }",
      "",
    ].join("\n");
    expect(errors(text)).toEqual([
      'lab.yaml:2:11: routers[0]: duplicate node name "r1": already a host',
      "lab.yaml:5:16: links[0].between: cannot join two switches (there is no spanning tree)",
      'lab.yaml:6:51: links[1].addresses[1]: expected "auto" for a switch port (it has no address)',
      'lab.yaml:7:5: links[2]: duplicate link name "h1-s1" (links[1] has it): give one a name',
    ]);
    expect(
      errors(
        "hosts: [h1]\nassert:\n  - { metric: loss }\n  - { route: { from: h1, to: h1 }, below: 3 }\n",
      ),
    ).toEqual([
      "lab.yaml:3:5: assert[0]: expected a comparison beside metric (above, atLeast, below, atMost, equals), found none",
      "lab.yaml:4:5: assert[1]: a route assertion takes no app or comparison",
    ]);
  });

  it("problems met while building the network keep their place", () => {
    expect(
      errors(
        "hosts: [h1, h2]\nrouters: [r1]\nlinks:\n  - { between: [h1, r1], addresses: [10.0.0.1/24, 10.0.0.254/24] }\n  - { between: [h2, r1], addresses: [10.0.0.1/24, 10.0.1.254/24] }\n",
      ),
    ).toEqual(["lab.yaml:5:5: links[1]: address 10.0.0.1 is already in use"]);
    expect(
      errors(
        "hosts: [h1, h2]\nrouters: [r1]\naddressing: { pool: 10.0.0.0/30 }\nlinks:\n  - between: [h1, r1]\n  - between: [h2, r1]\n",
      ),
    ).toEqual(["lab.yaml:3:21: addressing.pool: the IPv4 address pool is exhausted at links[1]"]);
    expect(
      errors(
        "hosts: [h1]\nrouters: [r1, r2]\nlinks: [{ between: [h1, r1] }]\nrouting: { mode: static, routes: [{ node: h1, to: default, via: r2 }] }\n",
      ),
    ).toEqual(['lab.yaml:4:35: routing.routes[0]: h1 has no link to "r2" to route through']);
  });

  it("edge settings: clocks, NAT behaviours and the shape of lease, nat and clock assertions", () => {
    const text = [
      "hosts:",
      "  - h1",
      "  - { name: h2, clock: { offset: 5 parsecs, driftPpm: 20 } }",
      "  - { name: h3, clok: {} }",
      "routers:",
      "  - { name: r1, nat: { inside: h1, outside: h2, mapping: cone } }",
      "assert:",
      "  - { lease: { host: h1 }, clock: { host: h1 } }",
      "  - { clock: { host: h1 } }",
      "  - { nat: { router: r1 }, app: x, below: 1 }",
      "  - { lease: { host: h1 }, equals: 1 }",
      "",
    ].join("\n");
    expect(errors(text)).toEqual([
      'lab.yaml:3:34: hosts[1].clock.offset: expected a duration such as "5ms" or "1.5s" (units ns, us, ms, s, min, h), with "-" in front for a negative one, found "5 parsecs"',
      'lab.yaml:4:17: hosts[2].clok: unknown field "clok": did you mean "clock"?',
      'lab.yaml:6:58: routers[0].nat.mapping: expected one of "endpoint-independent", "address-dependent", "address-and-port-dependent", found "cone"',
      "lab.yaml:8:5: assert[0]: expected either metric, route, lease, nat or clock, found lease and clock",
      "lab.yaml:9:5: assert[1]: expected a comparison beside clock (above, atLeast, below, atMost, equals), found none",
      "lab.yaml:10:33: assert[2].app: nat takes no app",
      "lab.yaml:11:5: assert[3]: a lease assertion takes no comparison",
    ]);
  });

  it("edge references: dhcp ends, NAT interfaces, and what lease, nat and clock assertions name", () => {
    const text = [
      "hosts: [h1, h2]",
      "routers:",
      "  - { name: r1, nat: { inside: h1, outside: h2 } }",
      "  - r4",
      "links:",
      "  - { between: [h1, r1], addresses: [dhcp, auto] }",
      "  - { between: [h2, r1], addresses: [auto, dhcp] }",
      "assert:",
      "  - { lease: { host: h9 } }",
      "  - { clock: { host: h1 }, below: 5 }",
      "  - { nat: { router: r3 }, below: 5 }",
      "  - { nat: { router: r4 }, below: 5 }",
      "",
    ].join("\n");
    expect(errors(text)).toEqual([
      'lab.yaml:7:44: links[1].addresses[1]: expected a host to lease an address by DHCP, found router "r1"',
      'lab.yaml:9:22: assert[0].lease.host: unknown node "h9": did you mean "h1"?',
      'lab.yaml:10:35: assert[1].below: expected a duration such as "5ms" or "1.5s" (units ns, us, ms, s, min, h) (clock error is a duration), found 5',
      'lab.yaml:11:22: assert[2].nat.router: unknown node "r3": did you mean "r1"?',
      "lab.yaml:12:22: assert[3].nat.router: r4 has no nat (give its router entry one)",
    ]);
    const building = [
      "hosts: [h1]",
      "routers:",
      "  - { name: r1, nat: { inside: h1, outside: nowhere } }",
      "  - { name: r2, nat: { inside: r1, outside: eth0 } }",
      "links: [{ between: [h1, r1] }, { between: [r1, r2] }]",
      "",
    ].join("\n");
    expect(errors(building)).toEqual([
      'lab.yaml:3:45: routers[0].nat.outside: r1 has no interface "nowhere" and no link to "nowhere" (its interfaces: eth0, eth1)',
      "lab.yaml:4:45: routers[1].nat.outside: inside and outside are both eth0",
    ]);
  });
});
