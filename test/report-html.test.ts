/**
 * The run report as `wirelab run --report` writes it: every SVG parses as XML; a TCP scenario
 * gets per-connection plots (windows with cwnd, ssthresh and rwnd; srtt and RTO; goodput) and a
 * queue plot; the page loads nothing from elsewhere; and the packet table's inline script, run
 * against a minimal DOM, shows exactly the rows the TypeScript filter picks.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/io.js";
import { main } from "../src/cli/main.js";
import { TraceLog } from "../src/cli/report.js";
import { loadScenario } from "../src/scenario/load.js";
import { ScenarioRun } from "../src/scenario/run.js";
import { addRange, flowKey } from "../src/trace/goodput.js";
import type { PacketFields } from "../src/trace/packet-fields.js";
import { type PacketFilter, parsePacketFilter } from "../src/trace/packet-filter.js";
import { all, parseXml, type XmlNode } from "./support/xml.js";

const out = mkdtempSync(join(tmpdir(), "wirelab-report-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const quiet = { out: () => {}, err: () => {}, errIsTTY: false } as unknown as CliIo;

async function report(scenario: string): Promise<string> {
  const dir = join(out, scenario);
  expect(await main(["run", scenario, "--report", dir], quiet)).toBe(0);
  return readFileSync(join(dir, "report.html"), "utf8");
}

/** The figures of the page: caption and parsed SVG. */
function figures(html: string): { title: string; svg: XmlNode }[] {
  const list: { title: string; svg: XmlNode }[] = [];
  const re = /<figcaption>([^<]*)<\/figcaption>\n(<svg[\s\S]*?<\/svg>)/g;
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    list.push({ title: m[1]!.replace(/&gt;/g, ">"), svg: parseXml(m[2]!) });
  }
  return list;
}

const texts = (n: XmlNode) => all(n, (x) => x.name === "text").map((t) => t.text.trim());

describe("the report of a TCP scenario (congestion)", async () => {
  const html = await report("congestion");
  const figs = figures(html);

  it("has well-formed SVGs: the sequence diagram and the plots", () => {
    expect(figs.length).toBe(1 + 3 * 4 + 1);
    for (const f of figs) expect(f.svg.name).toBe("svg");
  });

  it("plots each sender's windows, RTT and RTO, and goodput", () => {
    for (const h of ["h1 10.0.0.1", "h2 10.0.0.5", "h3 10.0.0.9"]) {
      const mine = figs.filter((f) => f.title.startsWith(h));
      // The 1 MB receive buffer dwarfs cwnd, so rwnd has a plot of its own.
      expect(mine.map((f) => f.title.replace(/^.*: /, ""))).toEqual([
        "windows",
        "receive window",
        "RTT and RTO",
        "goodput",
      ]);
      const [windows, rwnd, timers, goodput] = mine.map((f) => f.svg);
      const legend = (svg: XmlNode) => texts(svg).map((t) => t.replace(/ \(.*\)$/, ""));
      expect(legend(windows!)).toEqual(expect.arrayContaining(["cwnd", "ssthresh", "in flight"]));
      expect(legend(windows!)).not.toContain("rwnd");
      expect(legend(rwnd!)).toContain("rwnd");
      expect(legend(timers!)).toEqual(expect.arrayContaining(["srtt", "RTO"]));
      expect(legend(goodput!)).toContain("goodput");
      for (const svg of [windows!, rwnd!, timers!, goodput!]) {
        const lines = all(svg, (n) => n.name === "polyline");
        expect(lines.length).toBeGreaterThan(0);
        // A real series: many points.
        expect(lines[0]!.attrs.points!.split(" ").length).toBeGreaterThan(10);
      }
    }
  });

  it("plots the bottleneck queue", () => {
    const q = figs.find((f) => f.title.startsWith("Output queue length"));
    expect(q).toBeDefined();
    expect(texts(q!.svg).some((t) => t.startsWith("r1:eth3"))).toBe(true);
    expect(html).toContain("r1:eth3: at most 40 packets queued");
  });

  it("is self-contained: no external scripts, styles, images or links", () => {
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]*\s(src|href)=/i);
    // url() only for references inside the page (arrow heads: url(#head-normal)).
    expect(html).not.toMatch(/url\((?!#)/i);
    // Addresses only as XML namespace names, which are never fetched.
    expect(html.replace(/xmlns(:\w+)?="[^"]*"/g, "")).not.toMatch(/https?:\/\//);
  });

  it("has a packet table with a filter box and connection presets", () => {
    expect(html).toContain('<input id="pf"');
    const presets = html.match(/<option value="conn [^"]*"/g) ?? [];
    expect(presets.length).toBe(3);
    for (const h of ["10.0.0.1:", "10.0.0.5:", "10.0.0.9:"]) {
      expect(presets.some((p) => p.includes(h))).toBe(true);
    }
    expect((html.match(/<tr data-i=/g) ?? []).length).toBe(5000);
  });
});

/** Runs the page's inline script against a minimal DOM; returns a function that types a filter. */
function page(html: string) {
  const data = /<script type="application\/json" id="pd">([\s\S]*?)<\/script>/.exec(html)![1]!;
  const script = /<script>\n([\s\S]*?)<\/script>/.exec(html)![1]!;
  const n = (html.match(/<tr data-i=/g) ?? []).length;
  const rows = Array.from({ length: n }, () => ({ style: { display: "" } }));
  const listeners: Record<string, () => void> = {};
  const input = {
    value: "",
    addEventListener: (t: string, f: () => void) => {
      listeners[t] = f;
    },
  };
  const message = { textContent: "", className: "" };
  const document = {
    getElementById: (id: string) =>
      ({ pd: { textContent: data }, pf: input, pm: message, pc: null })[id] ?? null,
    querySelectorAll: () => rows,
  };
  runInNewContext(script, { document, JSON });
  return {
    type(text: string) {
      input.value = text;
      listeners.input!();
      return { shown: rows.map((r) => r.style.display !== "none"), message: message.textContent };
    },
    data: JSON.parse(data) as {
      hosts: Record<string, string[]>;
      fields: string[];
      rows: unknown[][];
    },
  };
}

describe("the packet table's filter in the page", async () => {
  const html = await report("tcp-handshake");
  const p = page(html);
  const fields = p.data.rows.map(
    (r) => Object.fromEntries(p.data.fields.map((k, i) => [k, r[i]])) as unknown as PacketFields,
  );

  for (const expr of ["src h2 and tcp port 80", "node r1", "not tcp", "host h1 and host h2"]) {
    it(`"${expr}" shows the rows the CLI filter matches`, () => {
      const f = parsePacketFilter(expr, p.data.hosts) as PacketFilter;
      const expected = fields.map((x) => f.matches(x));
      const r = p.type(expr);
      expect(r.shown).toEqual(expected);
      expect(r.message).toBe(`${expected.filter(Boolean).length} of ${fields.length} events`);
    });
  }

  it("says what is wrong with a bad expression, with its column", () => {
    expect(p.type("tcp prot 80").message).toBe(
      'at column 5: expected "and", "or" or the end, found "prot"',
    );
  });
});

describe("goodput", () => {
  it("counts each byte of the transfer once, retransmissions aside", () => {
    const file = join(import.meta.dirname, "../scenarios/loss-and-retransmit.yaml");
    const r = loadScenario(readFileSync(file, "utf8"), file);
    if (!r.ok) throw new Error("load failed");
    const run = ScenarioRun.create(r.scenario);
    if (Array.isArray(run)) throw new Error("build failed");
    const trace = new TraceLog(run.net);
    run.runToEnd();
    trace.stop();
    const sender = trace.connections.connections.find((c) => c.conn.stats.bytesSent > 0)!;
    expect(sender.conn.stats.bytesRetransmitted).toBeGreaterThan(0);
    const l = sender.conn.local;
    const rem = sender.conn.remote;
    expect(trace.goodput.total(flowKey(l.address, l.port, rem.address, rem.port))).toBe(1_000_000);
  });
});

describe("addRange", () => {
  it("counts exactly the bytes not covered before, and keeps ranges sorted and disjoint", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -50, max: 200 }), fc.integer({ min: 0, max: 40 }))),
        (adds) => {
          const ranges: [number, number][] = [];
          const covered = new Set<number>();
          for (const [a, len] of adds) {
            let fresh = 0;
            for (let x = a; x < a + len; x++) if (!covered.has(x)) fresh++;
            for (let x = a; x < a + len; x++) covered.add(x);
            expect(addRange(ranges, a, a + len)).toBe(fresh);
          }
          for (let i = 1; i < ranges.length; i++) {
            expect(ranges[i]![0]).toBeGreaterThan(ranges[i - 1]![1]);
          }
          const size = ranges.reduce((n, [a, b]) => n + b - a, 0);
          expect(size).toBe(covered.size);
        },
      ),
    );
  });
});
