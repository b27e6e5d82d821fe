/**
 * `wirelab dig` and `wirelab curl`: the tools run on the client of the example internet (root,
 * TLD and authoritative name servers, a recursive resolver, and a web server for
 * www.example.com) and print what dig and curl print. The simulation runs until the tool is done.
 */
import { dig } from "../apps/dns/dig.js";
import { curl } from "../apps/http/curl.js";
import { exampleWeb } from "../apps/http/example-web.js";
import type { CliIo } from "./io.js";

/** Options of `wirelab dig`. */
export interface DigFlags {
  type?: string;
  server?: string;
  norecurse?: boolean;
  tcp?: boolean;
  seed?: number;
}

/** Runs dig for `name` on the example internet's client; returns the exit code (0, or 9 as dig's "no reply"). */
export function digCommand(name: string, flags: DigFlags, io: CliIo): number {
  const web = exampleWeb({ seed: flags.seed ?? 1 });
  const run = dig(web.hosts.client, name, {
    ...(flags.type !== undefined ? { type: flags.type } : {}),
    ...(flags.server !== undefined ? { server: flags.server } : {}),
    ...(flags.norecurse ? { recurse: false } : {}),
    ...(flags.tcp ? { tcp: true } : {}),
  });
  web.net.sim.run();
  io.out(run.text);
  return run.output.some((l) => l.includes("no servers could be reached")) ? 9 : 0;
}

/** Options of `wirelab curl`. */
export interface CurlFlags {
  verbose?: boolean;
  location?: boolean;
  request?: string;
  data?: string;
  seed?: number;
}

/** Runs curl for `url` on the example internet's client; returns curl's exit code. */
export function curlCommand(url: string, flags: CurlFlags, io: CliIo): number {
  const web = exampleWeb({ seed: flags.seed ?? 1 });
  const run = curl(web.hosts.client, url, {
    verbose: flags.verbose === true,
    location: flags.location === true,
    ...(flags.request !== undefined ? { method: flags.request } : {}),
    ...(flags.data !== undefined ? { data: flags.data } : {}),
  });
  web.net.sim.run();
  io.out(run.text);
  return run.exitCode;
}
