/**
 * `wirelab dig` and `wirelab curl` on the example internet, in process: transcripts shaped like
 * the real tools, exit codes, and --help examples.
 */
import { describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = { out: "", err: "" };
  const io: CliIo = {
    out: (s) => {
      r.out += s;
    },
    err: (s) => {
      r.err += s;
    },
    errIsTTY: false,
  };
  const code = await main(argv, io);
  return { code, ...r };
}

describe("wirelab dig and curl", () => {
  it("digs a name through the simulated DNS hierarchy", async () => {
    const r = await cli("dig", "www.example.com");
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines).toContain(";; ANSWER SECTION:");
    expect(lines).toContain("www.example.com.\t300\tIN\tA\t10.0.3.80");
    expect(lines).toContain(";; SERVER: 10.0.0.53#53(10.0.0.53) (UDP)");
    const mx = await cli("dig", "nope.example.com");
    expect(mx.out).toMatch(/status: NXDOMAIN/);
  });

  it("fetches a page with curl -v, and follows a redirect with -L", async () => {
    const r = await cli("curl", "-v", "http://www.example.com/");
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines.slice(3, 10)).toEqual([
      "*   Trying 10.0.3.80:80...",
      "* Connected to www.example.com (10.0.3.80) port 80",
      "> GET / HTTP/1.1",
      "> Host: www.example.com",
      "> User-Agent: wirelab-curl/1.0",
      "> Accept: */*",
      ">",
    ]);
    expect(lines).toContain("< HTTP/1.1 200 OK");
    expect(lines).toContain("<p>Hello from wirelab.</p>");
    const moved = await cli("curl", "-L", "http://www.example.com/old");
    expect(moved.out).toContain("Hello from wirelab.");
    const missing = await cli("curl", "http://nowhere.example.com/");
    expect(missing.code).toBe(6);
    expect(missing.out).toContain("curl: (6) Could not resolve host: nowhere.example.com");
  });

  it("documents both with examples", async () => {
    for (const c of ["dig", "curl"]) {
      const r = await cli(c, "--help");
      expect(r.out).toMatch(/Examples?:/);
      expect(r.out).toContain(`wirelab ${c} `);
    }
  });
});
