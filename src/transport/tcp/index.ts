/**
 * TCP (RFC 9293) for wirelab: `tcp(node)` is a node's TCP layer; connections are event-driven
 * handles. Everything a socket layer or a test needs is exported here; the machine's modules
 * (input, output, ack, timers) stay internal.
 */
export { TCP_DEFAULTS, TCP_LINUX_MIN_RTO, type TcpConfig } from "./config.js";
export {
  type CongestionControl,
  type CongestionFactory,
  type CongestionInit,
  initialWindowBytes,
  NewReno,
  newReno,
  SSTHRESH_INFINITE,
} from "./congestion.js";
export {
  type ConformanceCase,
  type ConformanceExpectations,
  congestionConformance,
} from "./congestion-conformance.js";
export { TcpConnection, type TcpHost } from "./connection.js";
export {
  CUBIC_ALPHA,
  CUBIC_BETA,
  CUBIC_C,
  Cubic,
  cubicFactory,
  cubicK,
  cubicWindow,
  cubicWith,
} from "./cubic.js";
export type { TcpTuple } from "./demux.js";
export { TCP_DEFAULT_BACKLOG, TcpListener, type TcpListenerStats } from "./listener.js";
export type { TcpState, TcpStateChange } from "./state.js";
export {
  TCP_SERIES_COLUMNS,
  TcpCounters,
  type TcpInfo,
  TcpSeries,
  type TcpSeriesColumn,
} from "./stats.js";
export {
  existingTcp,
  type TcpConnectOptions,
  type TcpConnectTarget,
  TcpLayer,
  type TcpLayerStats,
  type TcpListenOptions,
  tcp,
} from "./tcp-layer.js";
