/**
 * Packet filter expressions: the parser's errors quote the expression and point at the column,
 * the matcher follows tcpdump's meaning of host/src/dst/port, `and` binds tighter than `or`,
 * and on a real run the filter picks exactly the packets an independent decode says it should;
 * the CLI prints them and narrows the capture.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";
import type { PacketEvent } from "../src/net/packet-events.js";
import { loadScenario } from "../src/scenario/load.js";
import { ScenarioRun } from "../src/scenario/run.js";
import { NetworkCapture } from "../src/trace/capture.js";
import { type PacketFields, packetFields } from "../src/trace/packet-fields.js";
import {
  matchFilter,
  type PacketFilter,
  parseFilterExpression,
  parsePacketFilter,
} from "../src/trace/packet-filter.js";
import { FilteredTrace, hostAddresses } from "../src/trace/packet-trace.js";
import { formatIpv4 } from "../src/wire/address.js";
import { parseIpv4 } from "../src/wire/ipv4.js";
import { ParseError } from "../src/wire/parse-error.js";

const HOSTS = { h1: ["10.0.0.1", "2001:db8::1"], h2: ["10.0.1.1"], r1: ["10.0.0.2", "10.0.1.2"] };

function compile(text: string): PacketFilter {
  const f = parsePacketFilter(text, HOSTS);
  if (f instanceof ParseError) throw new Error(f.message);
  return f;
}

function fields(over: Partial<PacketFields>): PacketFields {
  return {
    node: "r1",
    iface: "eth0",
    kind: "transmit",
    reason: "",
    family: 4,
    src: "10.0.0.1",
    dst: "10.0.1.1",
    protocol: "tcp",
    sport: 40000,
    dport: 80,
    tcpSeq: 1000,
    tcpLength: 0,
    ...over,
  };
}

describe("filter parser errors", () => {
  const cases: [string, string][] = [
    [
      "host h1 andd tcp",
      'at column 9 of "host h1 andd tcp": expected "and", "or" or the end, found "andd"',
    ],
    ["host", 'at column 5 of "host": expected a host after "host", found the end'],
    [
      "host h9",
      'at column 6 of "host h9": expected a host after "host" (a node name or an address), found "h9"',
    ],
    [
      "tcp port http",
      'at column 10 of "tcp port http": expected a port number from 0 to 65535, found "http"',
    ],
    [
      "port 70000",
      'at column 6 of "port 70000": expected a port number from 0 to 65535, found "70000"',
    ],
    ["(tcp or udp", 'at column 12 of "(tcp or udp": expected ")", found the end'],
    [
      "tcp and",
      'at column 8 of "tcp and": expected a term (host, src, dst, port, tcp, udp, icmp, icmp6, arp, ip, ip6, conn, node, kind, reason, not or "("), found the end',
    ],
    [
      "kind lost",
      'at column 6 of "kind lost": expected an event kind (send, enqueue, transmit, deliver, forward, duplicate, corrupt, drop), found "lost"',
    ],
    [
      "conn h1 h2:80",
      'at column 6 of "conn h1 h2:80": expected an endpoint such as h1:80 or 10.0.0.1:40000, found "h1"',
    ],
    ["node h7", 'at column 6 of "node h7": expected a node name (one of h1, h2, r1), found "h7"'],
    ["udp )", 'at column 5 of "udp )": expected "and", "or" or the end, found ")"'],
  ];
  for (const [text, detail] of cases) {
    it(`"${text}"`, () => {
      const f = parsePacketFilter(text, HOSTS);
      expect(f).toBeInstanceOf(ParseError);
      const e = f as ParseError;
      expect(e.detail).toBe(detail);
      expect(e.protocol).toBe("trace-filter");
      expect(e.message).toContain(`"${text}"`);
    });
  }

  it("never throws, whatever the input", () => {
    const token = fc.constantFrom(
      ..."host src dst port tcp udp icmp arp ip ip6 conn node kind reason and or not ! && || ( ) h1 h9 80 99999 10.0.0.1 h1:80 drop x".split(
        " ",
      ),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(token).map((t) => t.join(" ")),
          fc.string(),
        ),
        (text) => {
          const r = parseFilterExpression(text, HOSTS);
          expect(typeof r.ok).toBe("boolean");
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe("filter matching", () => {
  it("an empty expression matches everything", () => {
    expect(compile("").matches(fields({ protocol: "arp" }))).toBe(true);
    expect(compile("   ").matches(fields({}))).toBe(true);
  });

  it("host, src and dst match addresses of a node name or a literal", () => {
    expect(compile("host h1").matches(fields({}))).toBe(true);
    expect(compile("host h1").matches(fields({ src: "10.0.9.9", dst: "10.0.1.1" }))).toBe(false);
    expect(compile("src h1").matches(fields({}))).toBe(true);
    expect(compile("dst h1").matches(fields({}))).toBe(false);
    expect(compile("dst host 10.0.1.1").matches(fields({}))).toBe(true);
    expect(compile("host h1").matches(fields({ family: 6, src: "2001:db8::1", dst: "::2" }))).toBe(
      true,
    );
  });

  it("ports, protocols and families", () => {
    expect(compile("tcp port 80").matches(fields({}))).toBe(true);
    expect(compile("udp port 80").matches(fields({}))).toBe(false);
    expect(compile("src port 80").matches(fields({}))).toBe(false);
    expect(compile("dst port 80").matches(fields({}))).toBe(true);
    expect(compile("port 40000").matches(fields({}))).toBe(true);
    expect(compile("ip and not ip6").matches(fields({}))).toBe(true);
    expect(compile("icmp").matches(fields({ protocol: "icmp", sport: -1, dport: -1 }))).toBe(true);
  });

  it("conn matches one connection in both directions and nothing else", () => {
    const c = compile("conn h1:40000 10.0.1.1:80");
    expect(c.matches(fields({}))).toBe(true);
    expect(c.matches(fields({ src: "10.0.1.1", dst: "10.0.0.1", sport: 80, dport: 40000 }))).toBe(
      true,
    );
    expect(c.matches(fields({ sport: 40001 }))).toBe(false);
    expect(c.matches(fields({ src: "10.0.1.1", dst: "10.0.0.1" }))).toBe(false);
  });

  it("and binds tighter than or; not and parentheses", () => {
    const udp = fields({ protocol: "udp", sport: 53, dport: 5353 });
    // udp or (tcp and port 443): a UDP packet matches.
    expect(compile("udp or tcp and port 443").matches(udp)).toBe(true);
    expect(compile("(udp or tcp) and port 443").matches(udp)).toBe(false);
    expect(compile("not udp").matches(udp)).toBe(false);
    expect(compile("! tcp && (port 53 || port 54)").matches(udp)).toBe(true);
  });

  it("node, kind and reason look at where and what happened", () => {
    const drop = fields({ kind: "drop", reason: "queue-full" });
    expect(compile("node r1 and kind drop and reason queue-full").matches(drop)).toBe(true);
    expect(compile("kind drop and reason loss").matches(drop)).toBe(false);
    expect(compile("kind drop").choosesKinds).toBe(true);
    expect(compile("not (tcp and kind drop)").choosesKinds).toBe(true);
    expect(compile("tcp").choosesKinds).toBe(false);
  });

  it("not E is the negation of E", () => {
    const exprs = ["tcp port 80", "host h2 or udp", "src h1 and not dst port 53", "icmp or arp"];
    const arbFields = fc.record({
      node: fc.constantFrom("h1", "r1"),
      iface: fc.constant("eth0"),
      kind: fc.constantFrom("transmit", "drop"),
      reason: fc.constantFrom("", "loss"),
      family: fc.constantFrom(0 as const, 4 as const, 6 as const),
      src: fc.constantFrom("10.0.0.1", "10.0.1.1", "10.0.9.9"),
      dst: fc.constantFrom("10.0.0.1", "10.0.1.1", "10.0.9.9"),
      protocol: fc.constantFrom("tcp", "udp", "icmp", "arp", "other" as const),
      sport: fc.constantFrom(-1, 53, 80, 40000),
      dport: fc.constantFrom(-1, 53, 80, 40000),
      tcpSeq: fc.constant(-1),
      tcpLength: fc.constant(0),
    }) as fc.Arbitrary<PacketFields>;
    fc.assert(
      fc.property(fc.constantFrom(...exprs), arbFields, (e, f) => {
        expect(compile(`not (${e})`).matches(f)).toBe(!compile(e).matches(f));
        expect(matchFilter(compile(e).tree, f)).toBe(compile(e).matches(f));
      }),
    );
  });
});

const SCENARIOS = resolve(import.meta.dirname, "../scenarios");

function handshakeRun() {
  const file = join(SCENARIOS, "tcp-handshake.yaml");
  const r = loadScenario(readFileSync(file, "utf8"), file);
  if (!r.ok) throw new Error("load failed");
  const run = ScenarioRun.create(r.scenario);
  if (Array.isArray(run)) throw new Error("build failed");
  return run;
}

describe("filters on a real run", () => {
  it("pick exactly the packets an independent decode says, in the trace and the capture", () => {
    const run = handshakeRun();
    const hosts = hostAddresses(run.net);
    const filter = parsePacketFilter("src h2 and tcp port 80", hosts) as PacketFilter;
    const trace = new FilteredTrace(run.net, filter);
    const capture = new NetworkCapture(run.net, { accept: (e) => filter.matches(packetFields(e)) });
    const all: PacketEvent[] = [];
    run.net.events.subscribe((e) => all.push({ ...e, packet: e.packet.slice() }));
    run.runToEnd();
    trace.stop();
    capture.stop();
    const h2 = hosts.h2!;
    const expected = (kinds: string[]) =>
      all.filter((e) => {
        if (!kinds.includes(e.kind)) return false;
        const ip = parseIpv4(e.packet, { verifyChecksum: false });
        if (ip instanceof ParseError || ip.protocol !== 6) return false;
        const sport = (ip.payload[0]! << 8) | ip.payload[1]!;
        return h2.includes(formatIpv4(ip.src)) && sport === 80;
      }).length;
    expect(trace.seen).toBe(expected(["transmit", "drop"]));
    expect(trace.seen).toBeGreaterThan(5);
    expect(
      trace.lines.every((l) => / > IP 10\.0\.0\.6\.80 > 10\.0\.0\.1\.\d+: Flags /.test(l)),
    ).toBe(true);
    // The first is the SYN-ACK, summarised as tcpdump -n -S does.
    expect(trace.lines[0]).toMatch(
      /^0\.020096000 {2}h2:eth0 {4}> IP 10\.0\.0\.6\.80 > 10\.0\.0\.1\.\d+: Flags \[S\.\], seq \d+, ack \d+, win 65535, length 0$/,
    );
    expect(capture.count).toBe(expected(["transmit", "deliver"]));
  });

  it("reads addresses, protocol and ports from the bytes of IP events", () => {
    const run = handshakeRun();
    const seen: PacketFields[] = [];
    run.net.events.subscribe((e) => {
      if (e.kind === "transmit") seen.push(packetFields(e));
    });
    run.runToEnd();
    const syn = seen[0]!;
    expect(syn).toMatchObject({ node: "h1", iface: "eth0", kind: "transmit", family: 4 });
    expect(syn.protocol).toBe("tcp");
    expect(syn.dport).toBe(80);
    expect(syn.sport).toBeGreaterThan(1023);
  });
});

describe("wirelab run --trace-filter", () => {
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

  it("prints the matching events", async () => {
    const c = io();
    expect(
      await main(["run", "tcp-handshake", "--trace-filter", "tcp and src h1 and node h1"], c),
    ).toBe(0);
    const section = c.stdout.slice(c.stdout.indexOf("packet trace"));
    const [head, ...lines] = section.trim().split("\n");
    expect(head).toMatch(/^packet trace \(filter "tcp and src h1 and node h1"\): \d+ events$/);
    expect(lines.length).toBe(Number(/: (\d+) events/.exec(head!)![1]));
    for (const l of lines) {
      expect(l).toMatch(
        /^\d+\.\d{9} {2}h1:eth0 {4}> IP 10\.0\.0\.1\.\d+ > 10\.0\.0\.6\.80: Flags \[/,
      );
    }
  });

  it("refuses a bad expression with exit code 2, quoting it", async () => {
    const c = io();
    expect(await main(["run", "tcp-handshake", "--trace-filter", "tcp prot 80"], c)).toBe(2);
    expect(c.stderr).toContain(
      '--trace-filter: at column 5 of "tcp prot 80": expected "and", "or" or the end, found "prot"',
    );
  });
});
