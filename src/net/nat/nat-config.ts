/**
 * How a NAT behaves: its mapping and filtering behaviours (RFC 4787 §4.1 and §5), its timeouts
 * (RFC 4787 REQ-5, RFC 5382 REQ-5, RFC 5508 REQ-1), hairpinning and table size. The classic
 * names (full cone ... symmetric) are presets over the two behaviours.
 */
import { type Nanos, sec } from "../../sim/time.js";

/**
 * RFC 4787 §4.1 / §5: what a mapping (or a filter) depends on besides the internal endpoint:
 * nothing, the remote address, or the remote address and port.
 */
export type NatBehaviour =
  | "endpoint-independent"
  | "address-dependent"
  | "address-and-port-dependent";

/** Everything configurable about a NAT; every field has an RFC-guided default. */
export interface NatBehaviourOptions {
  /** Mapping behaviour (default endpoint-independent, RFC 4787 REQ-1). */
  mapping?: NatBehaviour;
  /** Filtering behaviour (default address-and-port-dependent, the stricter of RFC 4787 REQ-8). */
  filtering?: NatBehaviour;
  /** Translate inside-to-inside traffic sent to the public address (default true, REQ-9). */
  hairpinning?: boolean;
  /** Most mappings at once; new flows beyond it are dropped as "nat-table-full" (default 4096). */
  maxMappings?: number;
  /** UDP mapping idle timeout (default 5 min; RFC 4787 REQ-5: at least 2 min). */
  udpTimeout?: Nanos;
  /** Whether inbound UDP refreshes a mapping (default true; RFC 4787 REQ-6 leaves it open). */
  udpInboundRefresh?: boolean;
  /** Established TCP idle timeout (default 2 h 4 min, RFC 5382 REQ-5). */
  tcpEstablishedTimeout?: Nanos;
  /** Partially open or closing TCP idle timeout (default 4 min, RFC 5382 REQ-5). */
  tcpTransitoryTimeout?: Nanos;
  /** ICMP query (echo) mapping timeout (default 60 s, RFC 5508 REQ-1). */
  icmpTimeout?: Nanos;
  /** Keep the internal port as the external one when it is free (default true). */
  portPreservation?: boolean;
  /** TCP/UDP ports of the router's own services on the public address: never allocated. */
  localPorts?: readonly number[];
}

/** The options with defaults filled in. */
export type NatBehaviourSettings = Required<NatBehaviourOptions>;

export const NAT_UDP_TIMEOUT: Nanos = sec(300);
export const NAT_TCP_ESTABLISHED_TIMEOUT: Nanos = sec(2 * 3600 + 4 * 60);
export const NAT_TCP_TRANSITORY_TIMEOUT: Nanos = sec(240);
export const NAT_ICMP_TIMEOUT: Nanos = sec(60);

/** Fills in the defaults. */
export function natSettings(o: NatBehaviourOptions = {}): NatBehaviourSettings {
  return {
    mapping: o.mapping ?? "endpoint-independent",
    filtering: o.filtering ?? "address-and-port-dependent",
    hairpinning: o.hairpinning ?? true,
    maxMappings: o.maxMappings ?? 4096,
    udpTimeout: o.udpTimeout ?? NAT_UDP_TIMEOUT,
    udpInboundRefresh: o.udpInboundRefresh ?? true,
    tcpEstablishedTimeout: o.tcpEstablishedTimeout ?? NAT_TCP_ESTABLISHED_TIMEOUT,
    tcpTransitoryTimeout: o.tcpTransitoryTimeout ?? NAT_TCP_TRANSITORY_TIMEOUT,
    icmpTimeout: o.icmpTimeout ?? NAT_ICMP_TIMEOUT,
    portPreservation: o.portPreservation ?? true,
    localPorts: o.localPorts ?? [],
  };
}

/** The classic NAT types (RFC 3489's names), as behaviour pairs. */
export type NatType = "full-cone" | "address-restricted" | "port-restricted" | "symmetric";

/** RFC 4787 §3 relates the old names to mapping and filtering behaviours. */
export const NAT_TYPES: Readonly<
  Record<NatType, { mapping: NatBehaviour; filtering: NatBehaviour }>
> = {
  "full-cone": { mapping: "endpoint-independent", filtering: "endpoint-independent" },
  "address-restricted": { mapping: "endpoint-independent", filtering: "address-dependent" },
  "port-restricted": {
    mapping: "endpoint-independent",
    filtering: "address-and-port-dependent",
  },
  symmetric: { mapping: "address-and-port-dependent", filtering: "address-and-port-dependent" },
};
