/**
 * The standard plots of one TCP connection from its TcpSeries: the windows (cwnd, ssthresh,
 * rwnd, bytes in flight) and the timers (srtt, RTO), against time in milliseconds. When the
 * peer's window dwarfs cwnd, rwnd gets a plot of its own so cwnd stays readable.
 */
import { SSTHRESH_INFINITE, type TcpSeries } from "../transport/tcp/index.js";
import { type PlotSeries, plotSvg } from "./plot-svg.js";

export interface TcpPlot {
  title: string;
  svg: string;
}

/** Two plots for `series`, titled after `name` (e.g. "h1:40000 > 10.0.2.1:80"). */
export function tcpSeriesPlots(name: string, series: TcpSeries): TcpPlot[] {
  const time = series.column("time");
  const col = (c: Parameters<TcpSeries["column"]>[0], keep: (v: number) => boolean, f = 1) => {
    const values = series.column(c);
    const pts: [number, number][] = [];
    values.forEach((v, i) => {
      if (keep(v)) pts.push([time[i]! / 1e6, v / f]);
    });
    return pts;
  };
  const any = () => true;
  // ssthresh starts "infinite" and srtt at -1 (no sample): neither is a point to draw.
  const cwnd: PlotSeries = { name: "cwnd", unit: "bytes", points: col("cwnd", any) };
  const ssthresh: PlotSeries = {
    name: "ssthresh",
    unit: "bytes",
    points: col("ssthresh", (v) => v < SSTHRESH_INFINITE),
  };
  const rwnd: PlotSeries = { name: "rwnd", unit: "bytes", points: col("rwnd", any) };
  const inFlight: PlotSeries = { name: "in flight", unit: "bytes", points: col("inFlight", any) };
  const timers: PlotSeries[] = [
    { name: "srtt", unit: "ms", points: col("srtt", (v) => v >= 0, 1e6) },
    { name: "RTO", unit: "ms", points: col("rto", (v) => v >= 0, 1e6) },
  ];
  const top = (p: PlotSeries) => p.points.reduce((m, [, y]) => Math.max(m, y), 0);
  // A large receive window (a 1 MB buffer) would flatten cwnd to the axis: plot it apart then.
  const apart = top(rwnd) > 4 * Math.max(top(cwnd), top(ssthresh), 1);
  const plot = (title: string, series: PlotSeries[], yLabel: string): TcpPlot => ({
    title: `${name}: ${title}`,
    svg: plotSvg(series, { title: `${name}: ${title}`, xLabel: "time (ms)", yLabel }),
  });
  return [
    plot("windows", apart ? [cwnd, ssthresh, inFlight] : [cwnd, ssthresh, rwnd, inFlight], "bytes"),
    ...(apart ? [plot("receive window", [rwnd, inFlight], "bytes")] : []),
    plot("RTT and RTO", timers, "ms"),
  ];
}
