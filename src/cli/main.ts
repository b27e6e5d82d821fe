#!/usr/bin/env node
/**
 * The `wirelab` command. For now: `wirelab demo` (what `npm start` runs), `wirelab geo` and
 * `--help`; the full command set (run, ping, traceroute, dig, curl, bench) arrives with scenarios.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { writeCaptureFile } from "../trace/pcap-file.js";
import { DEMO_SEED, runDemo } from "./demo.js";
import { geoCommand } from "./geo.js";

/** Where `wirelab demo` writes its capture unless told otherwise. */
const DEMO_PCAP = "out/demo.pcapng";

const HELP = `wirelab: the Internet's protocols in a deterministic simulated internet

Usage:
  wirelab demo [--seed N] [--pcap FILE]   run the built-in demo (default pcap: out/demo.pcapng)
  wirelab geo ADDRESS...                  country and autonomous system of real addresses
  wirelab --help                          this text

Examples:
  wirelab demo
  wirelab demo --seed 7 --pcap /tmp/demo.pcapng
  wirelab geo 8.8.8.8 2606:4700:4700::1111
`;

function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (cmd === "geo") {
    return geoCommand(
      rest,
      (s) => process.stdout.write(s),
      (s) => process.stderr.write(s),
    );
  }
  if (cmd === "demo") {
    let seed = DEMO_SEED;
    let pcap = DEMO_PCAP;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === "--seed") {
        const v = Number(rest[++i]);
        if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
          process.stderr.write(
            `wirelab demo: --seed needs an integer 0..4294967295, got "${rest[i]}"\n`,
          );
          return 2;
        }
        seed = v;
      } else if (rest[i] === "--pcap") {
        const file = rest[++i];
        if (file === undefined || file === "") {
          process.stderr.write("wirelab demo: --pcap needs a file name\n");
          return 2;
        }
        pcap = file;
      } else {
        process.stderr.write(`wirelab demo: unknown option "${rest[i]}"\n${HELP}`);
        return 2;
      }
    }
    runDemo({
      seed,
      out: (l) => process.stdout.write(`${l}\n`),
      write: (capture) => {
        mkdirSync(dirname(pcap), { recursive: true });
        writeCaptureFile(pcap, capture.toPcapng());
        return pcap;
      },
    });
    return 0;
  }
  process.stderr.write(`wirelab: unknown command "${cmd}"\n\n${HELP}`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
