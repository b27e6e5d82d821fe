/**
 * The NAT's mapping table: internal endpoint (plus, for dependent mapping, the remote endpoint)
 * to an external port on the public address, with per-mapping filter state, idle expiry and TCP
 * phase. Expiry is lazy: a mapping past its deadline is removed when next looked up or listed,
 * so an idle NAT schedules no events. External ports are unique per protocol, so inbound
 * lookups are one numeric map access.
 */
import type { RandomStream } from "../../sim/random.js";
import type { Nanos } from "../../sim/time.js";
import { formatIpv4, type Ipv4 } from "../../wire/address.js";
import type { NatBehaviour, NatBehaviourSettings } from "./nat-config.js";

/** An outbound flow as the mapping table sees it: protocol, internal and remote endpoints. */
export interface NatFlow {
  protocol: number;
  internalAddress: Ipv4;
  /** The port, or the echo identifier for ICMP. */
  internalPort: number;
  remoteAddress: Ipv4;
  /** 0 for ICMP echo. */
  remotePort: number;
}

/** Where a TCP flow through the NAT is, from the SYN, FIN and RST flags seen (RFC 5382 §5). */
export type NatTcpPhase = "opening" | "established" | "closing";

/** One mapping. Fields are public for the translator; tests read `snapshot()`. */
export class NatMapping {
  created: Nanos;
  lastUsed: Nanos;
  expires: Nanos;
  packetsOut = 0;
  packetsIn = 0;
  /** TCP flags seen, by direction. */
  synOut = false;
  synIn = false;
  finOut = false;
  finIn = false;
  rst = false;
  /** Remote addresses, and address*65536+port endpoints, this mapping has sent to (for filtering). */
  readonly sentToAddresses = new Set<number>();
  readonly sentToEndpoints = new Set<number>();

  constructor(
    readonly protocol: number,
    readonly internalAddress: Ipv4,
    readonly internalPort: number,
    readonly externalAddress: Ipv4,
    readonly externalPort: number,
    /** The remote endpoint the mapping is keyed on (only for dependent mapping behaviours). */
    readonly remoteAddress: Ipv4 | undefined,
    readonly remotePort: number | undefined,
    readonly key: string,
    now: Nanos,
  ) {
    this.created = now;
    this.lastUsed = now;
    this.expires = now;
  }

  get tcpPhase(): NatTcpPhase {
    if (this.rst || (this.finOut && this.finIn)) return "closing";
    return this.synOut && this.synIn ? "established" : "opening";
  }

  /** Records that the mapping sent to a remote endpoint, which opens the filter for replies. */
  permit(address: Ipv4, port: number): void {
    this.sentToAddresses.add(address);
    this.sentToEndpoints.add(address * 65536 + port);
  }

  /** RFC 4787 §5: does the filtering behaviour let a packet from this remote endpoint in? */
  admits(filtering: NatBehaviour, address: Ipv4, port: number): boolean {
    if (filtering === "endpoint-independent") return true;
    if (filtering === "address-dependent") return this.sentToAddresses.has(address);
    return this.sentToEndpoints.has(address * 65536 + port);
  }

  /** A plain description for logs and tests. */
  snapshot(): NatMappingInfo {
    const info: NatMappingInfo = {
      protocol: protocolName(this.protocol),
      internal: `${formatIpv4(this.internalAddress)}:${this.internalPort}`,
      external: `${formatIpv4(this.externalAddress)}:${this.externalPort}`,
      created: this.created,
      expires: this.expires,
      packetsOut: this.packetsOut,
      packetsIn: this.packetsIn,
    };
    if (this.remoteAddress !== undefined) {
      info.remote = `${formatIpv4(this.remoteAddress)}:${this.remotePort ?? 0}`;
    }
    if (this.protocol === 6) info.tcp = this.tcpPhase;
    return info;
  }
}

/** A mapping as tests and reports see it: addresses as "a.b.c.d:port" text. */
export interface NatMappingInfo {
  protocol: "tcp" | "udp" | "icmp";
  internal: string;
  external: string;
  /** For address(-and-port)-dependent mapping: the remote endpoint the mapping belongs to. */
  remote?: string;
  created: Nanos;
  expires: Nanos;
  packetsOut: number;
  packetsIn: number;
  tcp?: NatTcpPhase;
}

export function protocolName(p: number): "tcp" | "udp" | "icmp" {
  return p === 6 ? "tcp" : p === 17 ? "udp" : "icmp";
}

/** The table; it knows nothing of packets. */
export class NatTable {
  private readonly byInternal = new Map<string, NatMapping>();
  /** protocol*65536 + external port -> mapping. */
  private readonly byExternal = new Map<number, NatMapping>();
  private readonly reserved: Set<number>;

  constructor(
    private readonly settings: NatBehaviourSettings,
    readonly externalAddress: Ipv4,
    private readonly rng: RandomStream,
    /** Told about each mapping removed because it expired. */
    private readonly onExpire: (m: NatMapping) => void,
  ) {
    this.reserved = new Set(settings.localPorts);
  }

  get size(): number {
    return this.byExternal.size;
  }

  /** The key of an outbound flow under the mapping behaviour (RFC 4787 §4.1). */
  keyOf(f: NatFlow): string {
    const internal = `${f.protocol}|${f.internalAddress}:${f.internalPort}`;
    const m = this.settings.mapping;
    if (m === "endpoint-independent") return internal;
    if (m === "address-dependent") return `${internal}>${f.remoteAddress}`;
    return `${internal}>${f.remoteAddress}:${f.remotePort}`;
  }

  /** The live mapping for an outbound flow's key, if any. */
  findOutbound(key: string, now: Nanos): NatMapping | undefined {
    const m = this.byInternal.get(key);
    return m === undefined ? undefined : this.live(m, now);
  }

  /** The live mapping owning an external port, if any. */
  findInbound(protocol: number, externalPort: number, now: Nanos): NatMapping | undefined {
    const m = this.byExternal.get(protocol * 65536 + externalPort);
    return m === undefined ? undefined : this.live(m, now);
  }

  /**
   * A new mapping for an outbound flow, or undefined when the table is full (after dropping
   * expired mappings) or no external port is free.
   */
  create(key: string, f: NatFlow, now: Nanos): NatMapping | undefined {
    if (this.byExternal.size >= this.settings.maxMappings) {
      this.purge(now);
      if (this.byExternal.size >= this.settings.maxMappings) return undefined;
    }
    const port = this.allocate(f.protocol, f.internalPort);
    if (port === undefined) return undefined;
    const dependent = this.settings.mapping !== "endpoint-independent";
    const portDependent = this.settings.mapping === "address-and-port-dependent";
    const m = new NatMapping(
      f.protocol,
      f.internalAddress,
      f.internalPort,
      this.externalAddress,
      port,
      dependent ? f.remoteAddress : undefined,
      portDependent ? f.remotePort : undefined,
      key,
      now,
    );
    this.byInternal.set(key, m);
    this.byExternal.set(f.protocol * 65536 + port, m);
    return m;
  }

  /** Removes every expired mapping. */
  purge(now: Nanos): void {
    for (const m of [...this.byExternal.values()]) this.live(m, now);
  }

  /** Live mappings in creation order. */
  list(now: Nanos): NatMapping[] {
    this.purge(now);
    return [...this.byExternal.values()];
  }

  clear(): void {
    this.byInternal.clear();
    this.byExternal.clear();
  }

  private live(m: NatMapping, now: Nanos): NatMapping | undefined {
    if (m.expires > now) return m;
    this.byInternal.delete(m.key);
    this.byExternal.delete(m.protocol * 65536 + m.externalPort);
    this.onExpire(m);
    return undefined;
  }

  private taken(protocol: number, port: number): boolean {
    if (protocol !== 1 && this.reserved.has(port)) return true;
    return this.byExternal.has(protocol * 65536 + port);
  }

  /**
   * The internal port itself when free and preservation is on; else a random port from the
   * same range (RFC 4787 REQ-3: 1-1023 stays below 1024, others in 1024-65535), drawn from the
   * NAT's seeded stream, then a scan from a random start so a free port is always found.
   */
  private allocate(protocol: number, internalPort: number): number | undefined {
    if (
      this.settings.portPreservation &&
      internalPort !== 0 &&
      !this.taken(protocol, internalPort)
    ) {
      return internalPort;
    }
    const low = protocol !== 1 && internalPort < 1024 ? 1 : 1024;
    const high = protocol !== 1 && internalPort < 1024 ? 1023 : 65535;
    const span = high - low + 1;
    for (let i = 0; i < 16; i++) {
      const p = low + this.rng.nextInt(span);
      if (!this.taken(protocol, p)) return p;
    }
    const start = this.rng.nextInt(span);
    for (let i = 0; i < span; i++) {
      const p = low + ((start + i) % span);
      if (!this.taken(protocol, p)) return p;
    }
    return undefined;
  }
}
