/**
 * Where TLS lives, said plainly. The portable engine (and so the browser build) has no TLS:
 * wirelab does not implement the protocol, it runs Node's own `tls` module over the simulated
 * TCP, and that only exists in the Node entry "wirelab/node" (socket/node/tls.ts).
 */

/** Why TLS is missing here, and where to find it. */
export const TLS_UNAVAILABLE_MESSAGE =
  'TLS is not in the portable engine or the browser build: it needs the Node entry "wirelab/node" ' +
  "(connectTls, createTlsServer, createHttpsServer, httpsAgent), which runs Node's tls module " +
  "over the simulated TCP";

/** What the portable engine offers for secure transport: nothing, and where to go instead. */
export const secureTransportAvailability = Object.freeze({
  /** The engine itself never encrypts. */
  inEngine: false as const,
  /** The entry point that has TLS and HTTPS (Node only). */
  nodeEntry: "wirelab/node" as const,
  reason: TLS_UNAVAILABLE_MESSAGE,
});

/** Thrown by requireTls: a request for TLS where there is none. */
export class TlsUnavailableError extends Error {
  readonly code = "ERR_WIRELAB_TLS_UNAVAILABLE";
  constructor(readonly feature: string) {
    super(`${feature}: ${TLS_UNAVAILABLE_MESSAGE}`);
    this.name = "TlsUnavailableError";
  }
}

/** For engine code asked for something that needs TLS (e.g. an https URL): always throws. */
export function requireTls(feature: string): never {
  throw new TlsUnavailableError(feature);
}
