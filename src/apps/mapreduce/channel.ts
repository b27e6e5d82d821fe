/**
 * The adapter between the sockets API and the RPC layer: a StreamSocket (TCP) seen as the
 * rpc module's ByteChannel. Kept separate so any TCP-based app can put an RpcEndpoint on a socket.
 */
import type { StreamSocket } from "../../socket/stream-socket.js";
import type { ByteChannel } from "../rpc/correlation.js";

/**
 * Wraps `socket` as a ByteChannel. `write` ignores StreamSocket's backpressure signal: the socket
 * queues every refused byte itself, and RPC messages here are small and answered one at a time.
 * The peer's FIN closes our side too, since an RPC connection is useless once half of it is gone;
 * the close reason carries the transport error's code when the connection died of one.
 */
export function streamChannel(socket: StreamSocket): ByteChannel {
  let failure: string | undefined;
  socket.onError((e) => {
    failure = e.toString();
  });
  socket.onEnd(() => socket.close());
  return {
    write: (bytes) => {
      socket.write(bytes);
    },
    onData: (cb) => socket.onData(cb),
    onClose: (cb) =>
      socket.onClose((hadError) => cb(hadError ? (failure ?? "transport error") : "closed")),
    close: () => socket.close(),
  };
}
