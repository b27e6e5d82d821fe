/**
 * Reading captures with Wireshark's tshark, for the interop tests: whether it is installed, the
 * one skip rule and message, writing an interface's capture, and runs of tshark that fail the
 * test on a non-zero exit and ignore the user's own Wireshark preferences.
 */
import { spawnSync } from "node:child_process";
import { expect } from "vitest";
import type { NetworkCapture } from "../../src/trace/capture.js";
import { writeCaptureFile } from "../../src/trace/pcap-file.js";

let available: boolean | undefined;

/** Whether `tshark --version` runs and exits 0 on this machine (asked once). */
export function tsharkAvailable(): boolean {
  available ??= spawnSync("tshark", ["--version"], { stdio: "ignore" }).status === 0;
  return available;
}

/**
 * Whether the tests needing tshark must be skipped: only on a machine without it and outside CI
 * (under CI a missing tshark is a failure, reported by the first run). Warns with `what` when so.
 */
export function skipWithoutTshark(what: string): boolean {
  const skip = !tsharkAvailable() && !process.env.CI;
  if (skip) console.warn(`${what} skipped: tshark (Wireshark) is not installed; set CI to fail`);
  return skip;
}

/** Writes the classic pcap of one captured interface ("r1:eth0") to `file`; returns its bytes. */
export function writeInterfacePcap(
  capture: NetworkCapture,
  iface: string,
  file: string,
): Uint8Array {
  const pcap = capture.toPcaps().get(iface);
  if (pcap === undefined) throw new Error(`no capture on ${iface}`);
  writeCaptureFile(file, pcap);
  return pcap;
}

/** tshark bound to a configuration directory and preferences, reading capture files. */
export interface Tshark {
  /** tshark's stdout for `file` read with `args`; the test fails unless tshark exits 0. */
  run(file: string, ...args: string[]): string;
  /**
   * `-T fields` output: one row per frame matching `filter` (every frame when undefined), one
   * tab-separated column per field name, an empty field as "". No frame, no row.
   */
  fields(file: string, names: readonly string[], filter?: string): string[][];
  /** The numbers of the frames matching `filter`, in order. */
  frames(file: string, filter: string): string[];
}

/**
 * tshark with `configDir` as its Wireshark configuration directory (an empty one, so that no
 * personal preference changes what it reports) and the preference `settings` on every run
 * (e.g. "ip.check_checksum:TRUE", each given as `-o`).
 */
export function makeTshark(configDir: string, settings: readonly string[] = []): Tshark {
  const prefs = settings.flatMap((s) => ["-o", s]);
  const run = (file: string, ...args: string[]): string => {
    const r = spawnSync("tshark", ["-r", file, ...prefs, ...args], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
      env: { ...process.env, WIRESHARK_CONFIG_DIR: configDir },
    });
    if (r.error !== undefined)
      throw new Error(`tshark could not run (required under CI): ${r.error}`);
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  const fields = (file: string, names: readonly string[], filter?: string): string[][] => {
    const args = filter === undefined ? [] : ["-Y", filter];
    args.push("-T", "fields", ...names.flatMap((n) => ["-e", n]));
    const out = run(file, ...args);
    // Only the last line's newline goes: trimming more would drop that row's empty last fields.
    const body = out.endsWith("\n") ? out.slice(0, -1) : out;
    return body === "" ? [] : body.split("\n").map((line) => line.split("\t"));
  };
  const frames = (file: string, filter: string): string[] =>
    fields(file, ["frame.number"], filter).map((row) => row[0]!);
  return { run, fields, frames };
}
