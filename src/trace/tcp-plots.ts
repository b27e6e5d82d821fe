/**
 * The standard plots of one TCP connection from its TcpSeries: the windows (cwnd, ssthresh,
 * rwnd, bytes in flight) and the timers (srtt, RTO), against time in milliseconds.
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
  const windows: PlotSeries[] = [
    { name: "cwnd", unit: "bytes", points: col("cwnd", any) },
    { name: "ssthresh", unit: "bytes", points: col("ssthresh", (v) => v < SSTHRESH_INFINITE) },
    { name: "rwnd", unit: "bytes", points: col("rwnd", any) },
    { name: "in flight", unit: "bytes", points: col("inFlight", any) },
  ];
  const timers: PlotSeries[] = [
    { name: "srtt", unit: "ms", points: col("srtt", (v) => v >= 0, 1e6) },
    { name: "RTO", unit: "ms", points: col("rto", (v) => v >= 0, 1e6) },
  ];
  return [
    {
      title: `${name}: windows`,
      svg: plotSvg(windows, { title: `${name}: windows`, xLabel: "time (ms)", yLabel: "bytes" }),
    },
    {
      title: `${name}: RTT and RTO`,
      svg: plotSvg(timers, { title: `${name}: RTT and RTO`, xLabel: "time (ms)", yLabel: "ms" }),
    },
  ];
}
