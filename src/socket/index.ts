/**
 * The native sockets API (portable engine code): stream and datagram sockets over wirelab's
 * TCP and UDP, and `runUntilSettled` for driving a simulation from async code. The Node-shaped
 * facades live in ./node/ and are exported from src/node.ts.
 */
export { DATAGRAM_QUEUE_LIMIT, DatagramSocket } from "./datagram.js";
export {
  requireTls,
  secureTransportAvailability,
  TLS_UNAVAILABLE_MESSAGE,
  TlsUnavailableError,
} from "./secure-transport.js";
export { runUntilSettled, type SettleOptions, SimulationStalled } from "./settle.js";
export {
  type ListenOptions,
  type Sockets,
  type StreamConnectOptions,
  StreamServer,
  sockets,
} from "./sockets.js";
export { STREAM_READ_HIGH_WATER, StreamSocket } from "./stream-socket.js";
