/**
 * dig: one question to one server and its answer printed as BIND's dig prints it (dns-format.ts),
 * with dig's banner and trailer. Simulated runs have no wall clock, so ";; WHEN:" shows the
 * simulated time at which the answer arrived, marked as such. Timeouts and refusals read as
 * dig's ";; communications error" lines, and a truncated answer is retried over TCP (or the
 * query goes over TCP from the start with `tcp`, dig's +tcp).
 */
import type { Node } from "../../net/node.js";
import { formatTime, type Nanos, NS_PER_MS, NS_PER_S } from "../../sim/time.js";
import type { Endpoint } from "../../transport/udp.js";
import type { DnsMessage } from "../../wire/dns.js";
import { dnsTypeName, formatDnsMessage } from "../../wire/dns-format.js";
import { ToolRun } from "../tools/tool-run.js";
import { exchange } from "./exchange.js";
import { resolvConf } from "./resolv-conf.js";
import { DNS_EDNS_SIZE, DNS_PORT } from "./server.js";
import { type DnsTransports, dnsTransports } from "./transport.js";
import { type DnsTypeInput, dnsTypeCode } from "./types.js";

export interface DigOptions {
  /** Record type (default "A"). */
  type?: DnsTypeInput;
  /** Server address (default: the node's first resolv.conf nameserver), as "@server". */
  server?: string;
  /** Server port (default 53), as "-p". */
  port?: number;
  /** Set RD (default true); false is "+norecurse". */
  recurse?: boolean;
  /** EDNS0 payload size (default 1232), or null for "+noedns". */
  bufsize?: number | null;
  /** Wait per try (default 5 s, "+timeout=5"). */
  timeout?: Nanos;
  /** Tries (default 3, "+tries=3"). */
  tries?: number;
  /** Ask over TCP from the start (default false), as "+tcp". */
  tcp?: boolean;
  /** Replace the transports (tests swap the TCP hook). */
  transports?: Partial<DnsTransports>;
}

/** A dig in progress or finished; `output` reads like dig's. */
export class DigRun extends ToolRun {
  /** The answer, once it arrives. */
  response: DnsMessage | undefined;
  /** The query as sent. */
  query: DnsMessage | undefined;

  /** Marks the run finished (dig's own code calls it). */
  end(): void {
    this.complete();
  }
}

/** Runs dig for `name` from `node`. Throws on an unknown type; network trouble is output. */
export function dig(node: Node, name: string, options: DigOptions = {}): DigRun {
  const run = new DigRun();
  const type = dnsTypeCode(options.type ?? "A");
  const server = options.server ?? resolvConf(node).nameservers[0];
  const port = options.port ?? DNS_PORT;
  const recurse = options.recurse ?? true;
  const fqdn = name.endsWith(".") ? name : `${name}.`;
  const args = [
    ...(options.server !== undefined ? [`@${options.server}`] : []),
    ...(port !== DNS_PORT ? ["-p", String(port)] : []),
    name,
    dnsTypeName(type),
    ...(recurse ? [] : ["+norecurse"]),
    ...(options.bufsize === null ? ["+noedns"] : []),
    ...(options.tcp === true ? ["+tcp"] : []),
  ];
  run.output.push("", `; <<>> DiG 9.18 (wirelab) <<>> ${args.join(" ")}`);
  if (options.server !== undefined) run.output.push("; (1 server found)");
  run.output.push(";; global options: +cmd");
  if (server === undefined) {
    run.output.push(";; no servers could be reached");
    node.sim.after(0, () => run.end());
    return run;
  }
  const where: Endpoint = { address: server, port };
  const label = `${server}#${port}(${server})`;
  const transports = { ...dnsTransports(node), ...options.transports };
  const tries = Math.max(1, options.tries ?? 3);
  const timeout = options.timeout ?? 5 * NS_PER_S;
  const edns = options.bufsize === undefined ? DNS_EDNS_SIZE : options.bufsize;
  const tcp = options.tcp === true;
  const attempt = (k: number): void => {
    // As the real tool, dig times the query on its host's clock (monotonic: a step mid-query
    // must not make the query time jump).
    const sentAt = node.clock.monotonic();
    exchange(
      node,
      transports,
      where,
      { name: fqdn, type },
      { rd: recurse, edns, timeout, tcp },
      (r) => {
        if (r.kind === "timeout" || r.kind === "error") {
          const why =
            r.kind === "timeout"
              ? "timed out"
              : r.error.code === "ECONNREFUSED"
                ? "connection refused"
                : r.error.message;
          run.output.push(`;; communications error to ${server}#${port}: ${why}`);
          if (k + 1 < tries) return attempt(k + 1);
          run.output.push(";; no servers could be reached");
          return run.end();
        }
        let message: DnsMessage;
        let bytes: Uint8Array;
        let protocol: "UDP" | "TCP" = "UDP";
        if (r.kind === "tcp-unavailable") {
          // dig says this, then retries over TCP; with no TCP transport, show what came.
          run.output.push(";; Truncated, retrying in TCP mode.");
          run.output.push(`;; Connection to ${label} for ${fqdn} failed: ${r.reason}.`);
          message = r.truncated;
          bytes = r.bytes;
        } else {
          // Over TCP from the start there was no truncated answer to retry.
          if (r.protocol === "TCP" && !tcp) run.output.push(";; Truncated, retrying in TCP mode.");
          message = r.message;
          bytes = r.bytes;
          protocol = r.protocol;
          run.query = r.query;
        }
        run.response = message;
        const elapsed = Math.floor((node.clock.monotonic() - sentAt) / NS_PER_MS);
        run.output.push(";; Got answer:", ...formatDnsMessage(message).split("\n").slice(0, -1));
        run.output.push(
          `;; Query time: ${elapsed} msec`,
          `;; SERVER: ${label} (${protocol})`,
          // WHEN is the host's wall clock, as dig prints it (simulation time when the clock is perfect).
          `;; WHEN: ${formatTime(Math.max(0, Math.floor(node.clock.now())))} s of simulated time`,
          `;; MSG SIZE  rcvd: ${bytes.length}`,
          "",
        );
        run.end();
      },
    );
  };
  attempt(0);
  return run;
}
