/**
 * Every built-in scenario's capture, as `wirelab run --pcap` writes it, read by tshark with
 * checksum validation on for IPv4, TCP and UDP (ICMP and ICMPv6 checksums are always checked):
 * no malformed frame, no expert error, no bad checksum, and the checksums were actually checked.
 * Skipped with a message when tshark is missing, except under CI.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";

const DIR = resolve(import.meta.dirname, "../scenarios");
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

const HAVE_TSHARK = spawnSync("tshark", ["--version"], { stdio: "ignore" }).status === 0;
const SKIP = !HAVE_TSHARK && !process.env.CI;
if (SKIP) {
  console.warn(
    "built-in scenario pcap checks skipped: tshark (Wireshark) is not installed; set CI to fail",
  );
}

const out = mkdtempSync(join(tmpdir(), "wirelab-scenario-pcap-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const PREFS = ["ip.check_checksum:TRUE", "tcp.check_checksum:TRUE", "udp.check_checksum:TRUE"];

/** Anything tshark objects to. */
const BAD = [
  "_ws.malformed",
  "_ws.expert.severity == error",
  ...["ip", "tcp", "udp", "icmp", "icmpv6"].map((p) => `${p}.checksum.status == "Bad"`),
].join(" || ");

/** Frame numbers matching `filter`, one per line. */
function frames(file: string, filter: string): string[] {
  const r = spawnSync(
    "tshark",
    [
      "-r",
      file,
      ...PREFS.flatMap((p) => ["-o", p]),
      "-Y",
      filter,
      "-T",
      "fields",
      "-e",
      "frame.number",
    ],
    {
      encoding: "utf8",
      maxBuffer: 1 << 28,
      env: { ...process.env, WIRESHARK_CONFIG_DIR: out },
    },
  );
  if (r.error !== undefined)
    throw new Error(`tshark could not run (required under CI): ${r.error}`);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split("\n").filter((l) => l !== "");
}

function quietIo(): CliIo {
  return { out: () => {}, err: () => {}, errIsTTY: false } as unknown as CliIo;
}

describe.skipIf(SKIP)("built-in scenario captures in tshark", () => {
  for (const file of FILES) {
    it(`${file}: no malformed frames, no bad checksums`, async () => {
      const pcap = join(out, file.replace(/\.yaml$/, ".pcapng"));
      expect(await main(["run", join(DIR, file), "--pcap", pcap, "--json"], quietIo())).toBe(0);
      expect(frames(pcap, BAD)).toEqual([]);
      // The checks ran: IPv4 headers were verified and found good.
      expect(frames(pcap, 'ip.checksum.status == "Good"').length).toBeGreaterThan(10);
    });
  }
});
