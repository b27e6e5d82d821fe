/**
 * The report's pictures: sequence SVGs and plots are well-formed XML (checked by a small
 * parser below) with the expected elements, plot ticks are round and scaled right, text from
 * packets is escaped, and the HTML page bundles everything in one self-contained file.
 */
import { describe, expect, it } from "vitest";
import { installGlobalRoutes } from "../src/net/global-routing.js";
import { Network } from "../src/net/network.js";
import type { PacketEvent } from "../src/net/packet-events.js";
import { ms, sec } from "../src/sim/time.js";
import { htmlReport } from "../src/trace/html-report.js";
import { formatTick, niceTicks, plotSvg } from "../src/trace/plot-svg.js";
import { type SequenceModel, sequenceDiagram } from "../src/trace/sequence.js";
import { renderSequenceSvg } from "../src/trace/sequence-svg.js";
import { renderSequenceText } from "../src/trace/sequence-text.js";
import { tcpSeriesPlots } from "../src/trace/tcp-plots.js";
import { TransportError } from "../src/transport/errors.js";
import { tcp } from "../src/transport/tcp/index.js";
import { parseXml, withClass } from "./support/xml.js";

/** h1 -- r1 -- h2; a handshake, then 100 bytes whose first copy r1 drops, then its retransmission. */
function lossyRun() {
  const net = new Network({ seed: 1 });
  net.addHost("h1");
  net.addRouter("r1");
  net.addHost("h2");
  net.connect("h1", "r1", { delay: ms(5), addresses: ["10.0.1.1/24", "10.0.1.254/24"] });
  net.connect("r1", "h2", { delay: ms(5), addresses: ["10.0.2.254/24", "10.0.2.1/24"] });
  installGlobalRoutes(net);
  const events: PacketEvent[] = [];
  net.events.subscribe((e) => events.push({ ...e, packet: e.packet.slice() }));
  let dropped = false;
  net.faults.add({
    name: "drop first data",
    decide: (p) => {
      if (dropped || p.from !== "r1" || p.packet.length <= 72) return "pass";
      dropped = true;
      return "drop";
    },
  });
  tcp(net.node("h2")).listen(80, undefined, {}, (c) => c.onData(() => {}));
  const c = tcp(net.node("h1")).connect({ address: "10.0.2.1", port: 80, localPort: 40000 });
  if (c instanceof TransportError) throw new Error(c.message);
  c.onConnect(() => c.write(new Uint8Array(100)));
  net.sim.runUntil(sec(3));
  return { events, connection: c, net };
}

describe("the XML checker", () => {
  it("rejects what is not well formed", () => {
    expect(() => parseXml("<a><b></a></b>")).toThrow();
    expect(() => parseXml("<a>x < y</a>")).toThrow();
    expect(() => parseXml("<a>R&D</a>")).toThrow();
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow();
    expect(() => parseXml("<a/><b/>")).toThrow();
    expect(() => parseXml("<a>")).toThrow();
    expect(parseXml('<a k="&lt;&#39;">R&amp;D<b/></a>').children[0]!.name).toBe("b");
  });
});

describe("renderSequenceSvg", () => {
  it("draws a line per arrow, a cross per loss, labels, columns and a time axis", () => {
    const model = sequenceDiagram(lossyRun().events);
    const svg = parseXml(renderSequenceSvg(model));
    expect(svg.name).toBe("svg");
    expect(svg.attrs.xmlns).toBe("http://www.w3.org/2000/svg");
    const arrows = withClass(svg, "arrow");
    expect(arrows.length).toBe(model.arrows.length);
    expect(arrows.map((a) => a.attrs.class)).toEqual([
      "arrow normal",
      "arrow normal",
      "arrow normal",
      "arrow lost",
      "arrow retransmission",
      "arrow normal",
    ]);
    const crosses = withClass(svg, "loss");
    expect(crosses.length).toBe(1);
    expect(crosses[0]!.children.filter((c) => c.name === "line").length).toBe(2);
    expect(crosses[0]!.attrs.stroke).toBe("#c00000");
    expect(arrows[4]!.attrs.stroke).toBe("#d55e00");
    expect(withClass(svg, "column").map((c) => c.text)).toEqual(["h1", "h2"]);
    const labels = withClass(svg, "label").map((l) => l.text);
    expect(labels[0]).toBe("SYN seq=0 &lt;mss 1460,sackOK,TS,nop,wscale 5&gt;");
    expect(labels).toContain("PSH,ACK seq=1 ack=1 len=100 (retransmission)");
    // Arrows slant down: the receive end is lower than the send end.
    for (const a of arrows.filter((x) => !x.attrs.class!.includes("lost")))
      expect(Number(a.attrs.y2)).toBeGreaterThan(Number(a.attrs.y1));
    // The idle RTO stretch is drawn as a break on the time axis.
    expect(withClass(svg, "break").length).toBeGreaterThan(0);
    expect(withClass(svg, "time-axis")[0]!.children.some((c) => c.text === "1020.002 ms")).toBe(
      true,
    );
  });

  it("escapes hostile text from packets and names", () => {
    const model: SequenceModel = {
      columns: ['<script>alert("x")</script>', "b&c"],
      arrows: [
        {
          from: '<script>alert("x")</script>',
          to: "b&c",
          sendTime: 0,
          receiveTime: ms(1),
          label: "</text><script>&",
          kind: "duplicate",
          retransmission: false,
          protocol: "udp",
          src: "1.1.1.1",
          dst: "2.2.2.2",
        },
      ],
      start: 0,
      end: ms(1),
    };
    const text = renderSequenceSvg(model);
    expect(text).not.toContain("<script");
    const svg = parseXml(text);
    expect(withClass(svg, "label")[0]!.text).toBe("&lt;/text&gt;&lt;script&gt;&amp; (duplicate)");
    expect(renderSequenceText(model)).toContain("b&c");
  });
});

describe("plotSvg", () => {
  it("picks round ticks", () => {
    expect(niceTicks(0, 14480)).toEqual({
      min: 0,
      max: 15000,
      step: 5000,
      values: [0, 5000, 10000, 15000],
    });
    expect(niceTicks(0, 14480).values).toEqual([0, 5000, 10000, 15000]);
    expect(niceTicks(0, 0.7).values).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0, 0.7, 7).values).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(niceTicks(-3, 12).values).toEqual([-5, 0, 5, 10, 15]);
    expect(niceTicks(3, 97).values).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(5, 5).values.length).toBeGreaterThan(1);
    expect(formatTick(0.30000000000000004, 0.1)).toBe("0.3");
    expect(formatTick(15000, 5000)).toBe("15k");
    expect(formatTick(2_500_000, 500_000)).toBe("2.5M");
  });

  it("scales points into the plot area, with a legend and several series", () => {
    const text = plotSvg(
      [
        {
          name: "cwnd",
          unit: "bytes",
          points: [
            [0, 0],
            [50, 5000],
            [100, 10000],
          ],
        },
        {
          name: "ssthresh",
          unit: "bytes",
          points: [
            [0, 8000],
            [100, 8000],
          ],
        },
      ],
      {
        title: "Windows & <things>",
        xLabel: "time (ms)",
        yLabel: "bytes",
        width: 640,
        height: 320,
      },
    );
    const svg = parseXml(text);
    const lines = withClass(svg, "series");
    expect(lines.length).toBe(2);
    // Plot area: x 64..624, y 36..272; y axis 0..10000, x axis 0..100.
    expect(lines[0]!.attrs.points).toBe("64,272 344,154 624,36");
    expect(lines[1]!.attrs.points).toBe("64,83.2 624,83.2");
    expect(withClass(svg, "xtick").map((t) => t.text)).toEqual([
      "0",
      "20",
      "40",
      "60",
      "80",
      "100",
    ]);
    expect(withClass(svg, "ytick").map((t) => t.text)).toEqual([
      "0",
      "2000",
      "4000",
      "6000",
      "8000",
      "10k",
    ]);
    const legend = withClass(svg, "legend")[0]!;
    expect(legend.children.filter((c) => c.name === "text").map((t) => t.text)).toEqual([
      "cwnd (bytes)",
      "ssthresh (bytes)",
    ]);
    expect(text).toContain("Windows &amp; &lt;things&gt;");
    expect(() => parseXml(plotSvg([], { title: "empty", xLabel: "x", yLabel: "y" }))).not.toThrow();
  });

  it("plots a TCP connection's windows and timers", () => {
    const { connection } = lossyRun();
    const plots = tcpSeriesPlots("h1:40000 > 10.0.2.1:80", connection.series);
    // 100 bytes never grow cwnd near the 64 KiB window, so rwnd gets a plot of its own.
    expect(plots.map((p) => p.title)).toEqual([
      "h1:40000 > 10.0.2.1:80: windows",
      "h1:40000 > 10.0.2.1:80: receive window",
      "h1:40000 > 10.0.2.1:80: RTT and RTO",
    ]);
    for (const p of plots) expect(withClass(parseXml(p.svg), "series").length).toBeGreaterThan(0);
  });
});

describe("htmlReport", () => {
  it("bundles summary, assertions, topology, diagrams, plots and faults in one page", () => {
    const { events, connection, net } = lossyRun();
    const model = sequenceDiagram(events);
    const html = htmlReport({
      title: "loss & retransmit",
      summary: ["seed 1", "stopped at 3 s"],
      assertions: [
        { label: "transfer complete", passed: true, actual: "100 bytes", expected: "100 bytes" },
        { label: "rtt < 5ms", passed: false, actual: "20ms", expected: "below 5ms" },
      ],
      topology: net.describe(),
      diagrams: [
        { title: "h1 and h2", svg: renderSequenceSvg(model), text: renderSequenceText(model) },
      ],
      plots: tcpSeriesPlots("h1", connection.series),
      faults: [{ time: ms(20), action: "rule", detail: "<drop> first data" }],
    });
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html.match(/<html/g)?.length).toBe(1);
    expect(html.match(/<\/html>/g)?.length).toBe(1);
    expect(html).toContain("<title>loss &amp; retransmit</title>");
    expect(html).toContain("1 of 2 passed");
    expect(html).toContain('<td class="fail">FAIL</td>');
    expect(html).toContain("&lt;drop&gt; first data");
    expect(html).toContain("PSH,ACK seq=1 ack=1 len=100 (lost: fault-rule)");
    // Self-contained: no scripts, no external references.
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(http/i);
    // Each inline SVG is well formed on its own.
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).toBe(4); // the sequence diagram and three plots
    for (const s of svgs) expect(parseXml(s).name).toBe("svg");
    // And the HTML's own sections balance.
    for (const tag of ["section", "table", "figure", "pre", "tr"])
      expect(html.split(`<${tag}`).length, tag).toBe(html.split(`</${tag}>`).length);
  });
});
