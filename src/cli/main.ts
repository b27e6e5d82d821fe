#!/usr/bin/env node
/**
 * The `wirelab` command: commander parses the arguments and each command lives in its own
 * file. `main(argv, io)` returns the exit code instead of exiting, so tests run the CLI in
 * process. Exit codes: 0 success, 1 an assertion failed (or ping got no reply), 2 bad input.
 */
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { formatJson, scenarioJsonSchema } from "../scenario/json-schema.js";
import { writeCaptureFile } from "../trace/pcap-file.js";
import { benchCommand } from "./bench-command.js";
import { DEMO_SEED, runDemo } from "./demo.js";
import { geoCommand } from "./geo.js";
import { type CliIo, processIo, UsageError } from "./io.js";
import { parseSeed, type RunFlags, runCommand } from "./run-command.js";
import { builtinScenarios } from "./scenario-file.js";
import { toolCommand } from "./tools-command.js";
import { curlCommand, digCommand } from "./web-tools.js";

/** Where `wirelab demo` writes its capture unless told otherwise. */
const DEMO_PCAP = "out/demo.pcapng";

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}

const TOOL_NOTE = `
Without --scenario the tool runs in the default small internet: h1 (10.0.1.1) and h2
(10.0.2.1) joined by routers r1..r4 over two paths. In a scenario, the tool starts at --at
(default 0s, or 30s with distance-vector routing so RIP has converged), with the scenario's
topology, routing and faults but without its apps and assertions. TARGET is a node name or an
address (default: the second host).`;

/** Builds the command tree; `code` receives each command's exit code. */
function program(io: CliIo, code: { value: number; pending?: Promise<number> }): Command {
  const p = new Command("wirelab")
    .description("The Internet's protocols in a deterministic simulated internet.")
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .addHelpText(
      "after",
      `${examples(
        "wirelab run loss-and-ping",
        "wirelab run scenarios/routing-convergence.yaml --report out/report --pcap out/run.pcapng",
        "wirelab ping h2",
        "wirelab traceroute --scenario scenarios/traceroute.yaml h2",
        "wirelab demo --seed 7",
      )}\nExit codes: 0 success, 1 a scenario assertion failed, 2 bad input.\nBuilt-in scenarios: ${builtinScenarios().join(", ") || "(none found)"}\n`,
    );

  p.command("run")
    .description("run a scenario file (or a built-in scenario by name) and check its assertions")
    .argument("<scenario>", "a YAML scenario file, or a built-in name such as loss-and-ping")
    .option("--seed <n>", "master seed (default: the file's seed, else 1)")
    .option("--until <time>", 'stop at this simulated time, e.g. "90s" (replaces stop.until)')
    .option("--pcap <file|dir>", "write a pcapng file, or one pcap per interface into a directory")
    .option("--report <dir>", "write summary.txt, result.json, trace.txt and the fault log there")
    .option("--json", "print the result as JSON instead of text")
    .option("--check-determinism", "run twice with the same seed and compare the packet traces")
    .option("--no-progress", "no progress bar (it is drawn only when stderr is a terminal)")
    .option(
      "--trace-filter <expr>",
      'print the packet events matching a filter, e.g. "host h1 and tcp port 80" (also limits --pcap)',
    )
    .addHelpText(
      "after",
      examples(
        "wirelab run loss-and-ping",
        'wirelab run dns-and-web --trace-filter "host client and udp port 53"',
        'wirelab run congestion --trace-filter "kind drop and reason queue-full"',
        "wirelab run scenarios/udp-realtime.yaml --seed 3 --json",
        "wirelab run my-lab.yaml --until 2min --pcap out/captures/ --report out/report",
        "wirelab run routing-convergence --check-determinism",
      ),
    )
    .action((scenario: string, flags: RunFlags) => {
      code.value = runCommand(scenario, flags, io);
    });

  const tool = (name: "ping" | "traceroute", describe: string) =>
    p
      .command(name)
      .description(describe)
      .argument("[target]", "a node name or an address")
      .option("--scenario <file>", "run inside this scenario (default: the small default internet)")
      .option("--from <node>", "the node that runs the tool (default: the first host)")
      .option("--at <time>", "start time in the simulation")
      .option("--seed <n>", "master seed")
      .option("--pcap <file|dir>", "write what every interface saw");

  tool("ping", "send ICMP echo requests inside a simulated network, like iputils ping")
    .option("-c, --count <n>", "requests to send (default 4)")
    .option("-i, --interval <time>", 'between requests (default "1s")')
    .option("-s, --size <bytes>", "data bytes per request (default 56)")
    .option("-t, --ttl <n>", "time to live (default 64)")
    .option("-W, --wait <time>", 'how long to wait for the last reply (default "2s")')
    .addHelpText(
      "after",
      `${TOOL_NOTE}\nExit code 0 when a reply came back, 1 when none did, 2 when there was no route to start with.\n${examples(
        "wirelab ping h2",
        "wirelab ping -c 10 -i 200ms 10.0.2.1",
        "wirelab ping --scenario scenarios/loss-and-ping.yaml --from h1 h2 -c 20",
      )}`,
    )
    .action((target: string | undefined, o: Record<string, string | undefined>) => {
      const { count, interval, size, ttl, wait } = o;
      code.value = toolCommand(
        "ping",
        target,
        { ...o, fields: { count, interval, size, ttl, wait } },
        io,
      );
    });

  tool("traceroute", "find the path to a node with UDP probes, like traceroute -n")
    .option("-m, --max-hops <n>", "highest TTL tried (default 30)")
    .option("-q, --queries <n>", "probes per hop (default 3)")
    .option("-w, --wait <time>", 'wait per probe (default "5s")')
    .option("-p, --port <n>", "first destination port (default 33434)")
    .addHelpText(
      "after",
      `${TOOL_NOTE}\nExit code 0 when the destination answered, 1 otherwise.\n${examples(
        "wirelab traceroute h2",
        "wirelab traceroute --scenario scenarios/traceroute.yaml -q 1 h2",
      )}`,
    )
    .action((target: string | undefined, o: Record<string, string | undefined>) => {
      const fields = { maxHops: o.maxHops, probes: o.queries, wait: o.wait, port: o.port };
      code.value = toolCommand("traceroute", target, { ...o, fields }, io);
    });

  p.command("dig")
    .description(
      "ask DNS like dig, from the client of the example internet (root, TLD, example.com)",
    )
    .argument("<name>", "the name to look up, e.g. www.example.com")
    .argument("[type]", "record type (default A)")
    .option("--server <address>", "ask this server instead of the client's resolver (dig @server)")
    .option("--norecurse", "clear RD (dig +norecurse)")
    .option("--tcp", "ask over TCP (dig +tcp)")
    .option("--seed <n>", "master seed (default 1)")
    .addHelpText(
      "after",
      examples(
        "wirelab dig www.example.com",
        "wirelab dig example.com MX",
        "wirelab dig --server 10.0.1.53 --norecurse www.example.com",
      ),
    )
    .action(
      (name: string, type: string | undefined, o: Record<string, string | boolean | undefined>) => {
        code.value = digCommand(
          name,
          {
            ...(type !== undefined ? { type } : {}),
            ...(typeof o.server === "string" ? { server: o.server } : {}),
            norecurse: o.norecurse === true,
            tcp: o.tcp === true,
            ...(typeof o.seed === "string" ? { seed: parseSeed(o.seed) ?? 1 } : {}),
          },
          io,
        );
      },
    );

  p.command("curl")
    .description("fetch a URL like curl, from the client of the example internet (www.example.com)")
    .argument("<url>", "e.g. http://www.example.com/")
    .option("-v, --verbose", "show the request and response headers, as curl -v")
    .option("-L, --location", "follow redirects")
    .option("-X, --request <method>", "request method")
    .option("-d, --data <data>", "send a body (POST)")
    .option("--seed <n>", "master seed (default 1)")
    .addHelpText(
      "after",
      examples(
        "wirelab curl -v http://www.example.com/",
        "wirelab curl -L http://www.example.com/old",
        "wirelab curl -d 'a=1' http://www.example.com/echo",
      ),
    )
    .action((url: string, o: Record<string, string | boolean | undefined>) => {
      code.value = curlCommand(
        url,
        {
          verbose: o.verbose === true,
          location: o.location === true,
          ...(typeof o.request === "string" ? { request: o.request } : {}),
          ...(typeof o.data === "string" ? { data: o.data } : {}),
          ...(typeof o.seed === "string" ? { seed: parseSeed(o.seed) ?? 1 } : {}),
        },
        io,
      );
    });

  p.command("geo")
    .description("country and autonomous system of real addresses (needs the geolocation data)")
    .argument("<address...>", "IPv4 or IPv6 addresses")
    .addHelpText("after", examples("wirelab geo 8.8.8.8 2606:4700:4700::1111"))
    .action((addresses: string[]) => {
      code.value = geoCommand(addresses, io.out, io.err);
    });

  p.command("demo")
    .description("the built-in demo: a lossy ping and a traceroute with every packet printed")
    .option("--seed <n>", `master seed (default ${DEMO_SEED})`)
    .option("--pcap <file>", `where to write the capture (default ${DEMO_PCAP})`)
    .addHelpText("after", examples("wirelab demo", "wirelab demo --seed 7 --pcap /tmp/demo.pcapng"))
    .action((o: { seed?: string; pcap?: string }) => {
      const pcap = o.pcap ?? DEMO_PCAP;
      if (pcap === "") throw new UsageError("--pcap needs a file name");
      runDemo({
        seed: parseSeed(o.seed) ?? DEMO_SEED,
        out: (l) => io.out(`${l}\n`),
        write: (capture) => {
          mkdirSync(dirname(pcap), { recursive: true });
          writeCaptureFile(pcap, capture.toPcapng());
          return pcap;
        },
      });
      code.value = 0;
    });

  p.command("bench")
    .description("run the benchmarks (in a source checkout: the same as npm run bench)")
    .argument("[suite...]", "suites to run (default: all)")
    .addOption(new Option("--json", "print one JSON array of figures"))
    .addHelpText("after", examples("wirelab bench", "wirelab bench kernel net --json"))
    .action((suites: string[], o: { json?: boolean }) => {
      code.pending = benchCommand([...suites, ...(o.json ? ["--json"] : [])], io);
    });

  p.command("schema")
    .description("print the JSON Schema of scenario files (for editor completion)")
    .option(
      "--write <file>",
      "write it to a file instead (npm run schema writes scenarios/schema.json)",
    )
    .addHelpText(
      "after",
      examples("wirelab schema > schema.json", "wirelab schema --write scenarios/schema.json"),
    )
    .action((o: { write?: string }) => {
      const text = `${formatJson(scenarioJsonSchema())}\n`;
      if (o.write === undefined) io.out(text);
      else {
        writeFileSync(o.write, text);
        io.out(`wrote ${o.write}\n`);
      }
      code.value = 0;
    });
  return p;
}

/** Runs the CLI on `argv` (without "node" and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const code: { value: number; pending?: Promise<number> } = { value: 0 };
  const p = program(io, code);
  if (argv.length === 0) {
    p.outputHelp();
    return 0;
  }
  try {
    await p.parseAsync([...argv], { from: "user" });
    return code.pending !== undefined ? await code.pending : code.value;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : 2;
    }
    if (e instanceof UsageError) {
      io.err(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** True when this module is the program being run (not imported by a test). */
function isEntry(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntry()) process.exitCode = await main(process.argv.slice(2));
