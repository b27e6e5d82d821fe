/**
 * The transport and application lessons among the built-in scenarios (TCP handshake, loss,
 * reordering, flow control, congestion, UDP vs TCP for real-time, DNS and the web) run through
 * the CLI exactly as test/scenario-builtin.test.ts runs the others: every assertion holds and
 * `--check-determinism` finds a second run identical.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";

const DIR = resolve(import.meta.dirname, "../scenarios");
const LESSONS = [
  "tcp-handshake.yaml",
  "loss-and-retransmit.yaml",
  "out-of-order-and-duplicates.yaml",
  "flow-control.yaml",
  "congestion.yaml",
  "udp-vs-tcp-realtime.yaml",
  "dns-and-web.yaml",
];

function io(): CliIo & { stdout: string; stderr: string } {
  const o = { stdout: "", stderr: "", errIsTTY: false } as CliIo & {
    stdout: string;
    stderr: string;
  };
  o.out = (s) => {
    o.stdout += s;
  };
  o.err = (s) => {
    o.stderr += s;
  };
  return o;
}

describe("lesson scenarios", () => {
  for (const file of LESSONS) {
    it(`${file} runs, its assertions hold, and a second run is identical`, async () => {
      const c = io();
      const code = await main(["run", join(DIR, file), "--check-determinism", "--json"], c);
      const result = JSON.parse(c.stdout) as {
        passed: boolean;
        assertions: { label: string; passed: boolean; actual: string }[];
        determinism: { identical: boolean; text: string };
      };
      expect(result.assertions.filter((a) => !a.passed)).toEqual([]);
      expect(result.assertions.length).toBeGreaterThan(2);
      expect(result.determinism.identical, result.determinism.text).toBe(true);
      expect(code).toBe(0);
      expect(c.stderr).toBe("");
    });

    it(`${file} opens with a comment header and has a README paragraph`, () => {
      const text = readFileSync(join(DIR, file), "utf8");
      expect(text.startsWith("# yaml-language-server: $schema=./schema.json\n#\n# ")).toBe(true);
      const readme = readFileSync(join(DIR, "README.md"), "utf8");
      expect(readme).toContain(`**${file.replace(/\.yaml$/, "")}**`);
    });
  }

  it("lists only files that exist", () => {
    for (const f of LESSONS) expect(existsSync(join(DIR, f)), f).toBe(true);
  });
});
