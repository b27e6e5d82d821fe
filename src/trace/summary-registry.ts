/**
 * Where packet summaries find the printers of higher layers: transport printers by IP protocol
 * number (TCP registers itself), and application printers by well-known port, the way tcpdump
 * picks a dissector. Kept apart from summary.ts so printers can register without an import cycle.
 */

/**
 * A transport printer: the text after "IP " / "IP6 " for one transport header and payload,
 * "10.0.0.1.5000 > 10.0.0.2.53: ...". Empty addresses print the ports alone ("5000 > 53: "), as
 * tcpdump does after IPv6 extension headers, where the addresses were already printed.
 */
export type TransportSummary = (src: string, dst: string, payload: Uint8Array) => string;

/**
 * An application protocol on a port: `summary` is the tcpdump -n text after the transport part
 * ("35416+ A? www.example.com. (44)"), `label` a short arrow label ("DNS A? www.example.com").
 * Both return undefined when the payload is not theirs (it does not parse), so the caller falls
 * back to the plain transport line; neither may throw. Over TCP the summary is appended to the
 * TCP part as it is, so it starts with its own separator: tcpdump writes ": HTTP: GET / ..." but
 * a space before DNS ("length 35 35416+ A? ...").
 */
export interface AppProtocol {
  name: string;
  summary(payload: Uint8Array, srcPort: number, dstPort: number): string | undefined;
  label(payload: Uint8Array, srcPort: number, dstPort: number): string | undefined;
}

const transportSummaries = new Map<number, TransportSummary>();
const udpApps = new Map<number, AppProtocol>();
const tcpApps = new Map<number, AppProtocol>();
const udpHeuristics: ((payload: Uint8Array) => AppProtocol | undefined)[] = [];

/** Registers a summary for an IP protocol number (used for TCP, whose printer lives elsewhere). */
export function registerTransportSummary(protocol: number, fn: TransportSummary): void {
  transportSummaries.set(protocol, fn);
}

/** The printer registered for an IP protocol number, if any. */
export function transportSummary(protocol: number): TransportSummary | undefined {
  return transportSummaries.get(protocol);
}

/** Registers an application protocol on UDP or TCP ports (either end of a flow may hold it). */
export function registerAppProtocol(
  transport: "udp" | "tcp",
  ports: readonly number[],
  app: AppProtocol,
): void {
  const map = transport === "udp" ? udpApps : tcpApps;
  for (const p of ports) map.set(p, app);
}

/**
 * Registers a test that recognises a UDP protocol by its bytes on any port (STUN's magic cookie),
 * tried after the port-based printers. It must be cheap: it runs on every unclaimed datagram.
 */
export function registerUdpHeuristic(test: (payload: Uint8Array) => AppProtocol | undefined): void {
  udpHeuristics.push(test);
}

/**
 * The application protocols to try for a flow, the lower port first (the well-known side of a
 * client-server flow), as tcpdump tests a service port against either end. At most two entries.
 */
export function appProtocolsFor(
  transport: "udp" | "tcp",
  srcPort: number,
  dstPort: number,
): AppProtocol[] {
  const map = transport === "udp" ? udpApps : tcpApps;
  const lo = map.get(Math.min(srcPort, dstPort));
  const hi = map.get(Math.max(srcPort, dstPort));
  if (lo === undefined) return hi === undefined ? [] : [hi];
  return hi === undefined || hi === lo ? [lo] : [lo, hi];
}

/** "addr.port", or the port alone when the address is empty (see TransportSummary). */
export function endpoint(address: string, port: number): string {
  return address === "" ? String(port) : `${address}.${port}`;
}

/** Runs the first application printer that accepts the payload; never throws. */
export function appSummary(
  transport: "udp" | "tcp",
  srcPort: number,
  dstPort: number,
  payload: Uint8Array,
  which: "summary" | "label",
): string | undefined {
  const apps = appProtocolsFor(transport, srcPort, dstPort);
  if (transport === "udp")
    for (const test of udpHeuristics) {
      const app = test(payload);
      if (app !== undefined && !apps.includes(app)) apps.push(app);
    }
  for (const app of apps) {
    let text: string | undefined;
    try {
      text = app[which](payload, srcPort, dstPort);
    } catch {
      // A printer bug must not take down a report; the plain line is still true.
      text = undefined;
    }
    if (text !== undefined) return text;
  }
  return undefined;
}
