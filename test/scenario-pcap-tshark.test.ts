/**
 * Every built-in scenario's capture, as `wirelab run --pcap` writes it, read by tshark with
 * checksum validation on for IPv4, TCP and UDP (ICMP and ICMPv6 checksums are always checked):
 * no malformed frame, no expert error, no bad checksum, and the checksums were actually checked.
 * Skipped with a message when tshark is missing, except under CI.
 */
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";
import { scratchDir } from "./support/scratch-dir.js";
import { makeTshark, skipWithoutTshark } from "./support/tshark.js";

const DIR = resolve(import.meta.dirname, "../scenarios");
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

const SKIP = skipWithoutTshark("built-in scenario pcap checks");

const out = scratchDir("wirelab-scenario-pcap-");
const tshark = makeTshark(out, [
  "ip.check_checksum:TRUE",
  "tcp.check_checksum:TRUE",
  "udp.check_checksum:TRUE",
]);

/** Anything tshark objects to. */
const BAD = [
  "_ws.malformed",
  "_ws.expert.severity == error",
  ...["ip", "tcp", "udp", "icmp", "icmpv6"].map((p) => `${p}.checksum.status == "Bad"`),
].join(" || ");

function quietIo(): CliIo {
  return { out: () => {}, err: () => {}, errIsTTY: false } as unknown as CliIo;
}

describe.skipIf(SKIP)("built-in scenario captures in tshark", () => {
  for (const file of FILES) {
    it(`${file}: no malformed frames, no bad checksums`, async () => {
      const pcap = join(out, file.replace(/\.yaml$/, ".pcapng"));
      expect(await main(["run", join(DIR, file), "--pcap", pcap, "--json"], quietIo())).toBe(0);
      expect(tshark.frames(pcap, BAD)).toEqual([]);
      // The checks ran: IPv4 headers were verified and found good.
      expect(tshark.frames(pcap, 'ip.checksum.status == "Good"').length).toBeGreaterThan(10);
    });
  }
});
