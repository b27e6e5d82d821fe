/**
 * The JSON Schema committed as scenarios/schema.json is the one the zod schema generates today
 * (`npm run schema` rewrites it), and it describes what editors need: every section, every app
 * kind with its own fields, and the unit syntax of quantities.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { formatJson, scenarioJsonSchema } from "../src/scenario/json-schema.js";

const FILE = resolve(import.meta.dirname, "../scenarios/schema.json");

describe("scenarios/schema.json", () => {
  it("is up to date with the zod schema (run `npm run schema` when this fails)", () => {
    const committed = JSON.parse(readFileSync(FILE, "utf8")) as unknown;
    expect(committed).toEqual(scenarioJsonSchema());
  });

  it("is written the way the formatter lays it out", () => {
    expect(readFileSync(FILE, "utf8")).toBe(`${formatJson(scenarioJsonSchema())}\n`);
  });

  it("offers every section, each app kind, and the syntax of units", () => {
    const s = scenarioJsonSchema() as {
      properties: Record<string, { items?: { oneOf?: { title: string }[] } }>;
      additionalProperties: boolean;
    };
    expect(Object.keys(s.properties)).toEqual([
      "$schema",
      "name",
      "description",
      "seed",
      "hosts",
      "routers",
      "switches",
      "addressing",
      "defaults",
      "links",
      "routing",
      "apps",
      "faults",
      "stop",
      "assert",
    ]);
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.apps?.items?.oneOf?.map((o) => o.title)).toEqual([
      "ping",
      "traceroute",
      "udp-stream",
      "udp-echo",
      "tcp-bulk",
      "dns-server",
      "dns-resolver",
      "dns-lookup",
      "http-server",
      "http-get",
      "mapreduce",
      "p2p-supernodes",
      "file-distribution",
      "dhcp-server",
      "whatismyip-server",
      "whatismyip-get",
      "ntp-server",
      "ntp-client",
      "cristian",
      "berkeley",
      "p2p-rendezvous",
      "p2p-traversal-peer",
    ]);
    const text = JSON.stringify(s);
    expect(text).toContain(
      'One-way propagation delay (default 1ms). Written as a duration such as \\"5ms\\"',
    );
    expect(text).toContain('Written as a bandwidth such as \\"100Mbit\\"');
  });
});
