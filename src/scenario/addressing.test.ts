/**
 * Automatic addressing: /30s per point-to-point link, one /24 per switch, explicit subnets
 * avoided, IPv6 alongside, and an exhausted pool reported.
 */
import { describe, expect, it } from "vitest";
import { planAddresses } from "./addressing.js";
import { loadScenario } from "./load.js";

function plan(yaml: string) {
  const r = loadScenario(yaml, "t.yaml");
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join("\n"));
  return planAddresses(r.scenario.spec);
}

describe("automatic addresses", () => {
  it("gives point-to-point links consecutive /30s from the pool, ends .1 and .2", () => {
    const p = plan(
      "hosts: [h1]\nrouters: [r1, r2]\nlinks:\n  - between: [h1, r1]\n  - between: [r1, r2]\n",
    );
    expect(p.errors).toEqual([]);
    expect(p.ends).toEqual([
      [["10.0.0.1/30"], ["10.0.0.2/30"]],
      [["10.0.0.5/30"], ["10.0.0.6/30"]],
    ]);
  });

  it("skips explicitly used subnets and fills half-explicit links from the explicit end", () => {
    const p = plan(
      [
        "hosts: [h1, h2]",
        "routers: [r1]",
        "addressing: { pool: 10.0.0.0/24, prefix: 30 }",
        "links:",
        "  - { between: [h1, r1], addresses: [10.0.0.1/30, auto] }",
        "  - { between: [r1, h2] }",
        "",
      ].join("\n"),
    );
    expect(p.ends).toEqual([
      [["10.0.0.1/30"], ["10.0.0.2/30"]],
      [["10.0.0.5/30"], ["10.0.0.6/30"]],
    ]);
  });

  it("gives a switch one /24 and each node on it the next host address, IPv6 too", () => {
    const p = plan(
      [
        "hosts: [a, b]",
        "routers: [gw]",
        "switches: [lan]",
        'addressing: { pool: 192.168.0.0/16, pool6: "2001:db8::/48" }',
        "links:",
        "  - between: [a, lan]",
        "  - between: [lan, b]",
        "  - between: [gw, lan]",
        "",
      ].join("\n"),
    );
    expect(p.ends).toEqual([
      [["192.168.0.1/24", "2001:db8::1/64"], []],
      [[], ["192.168.0.2/24", "2001:db8::2/64"]],
      [["192.168.0.3/24", "2001:db8::3/64"], []],
    ]);
  });

  it("reports an exhausted pool", () => {
    const p = plan(
      "hosts: [h1, h2]\nrouters: [r1]\naddressing: { pool: 10.0.0.0/30 }\nlinks:\n  - between: [h1, r1]\n  - between: [h2, r1]\n",
    );
    expect(p.errors).toEqual([
      { path: ["addressing", "pool"], message: "the IPv4 address pool is exhausted at links[1]" },
    ]);
  });
});
