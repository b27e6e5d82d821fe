/**
 * A network interface: a node's attachment to a link, with its IPv4 and IPv6 addresses, its MTU
 * and its up/down state. It hands outgoing packets to its link's channel and incoming ones to its
 * node. Addresses carry their prefix, so the connected routes follow from them.
 */
import { formatIpv4, type Ipv4, Ipv6Address } from "../wire/address.js";
import { Ipv4Prefix, Ipv6Prefix } from "../wire/prefix.js";
import type { Channel, LinkEndpoint, PointToPointLink } from "./link.js";

/** An IPv4 address assigned to an interface, with its subnet. */
export interface Ipv4Assignment {
  address: Ipv4;
  prefix: Ipv4Prefix;
}

/** An IPv6 address assigned to an interface, with its subnet. */
export interface Ipv6Assignment {
  address: Ipv6Address;
  prefix: Ipv6Prefix;
}

/** What an interface delivers received packets to (its node). */
export interface InterfaceOwner {
  readonly name: string;
  receive(packet: Uint8Array, iface: Interface): void;
  /** Told when the interface's link loses or regains carrier. */
  linkStateChanged(iface: Interface, up: boolean): void;
}

export class Interface implements LinkEndpoint {
  readonly v4: Ipv4Assignment[] = [];
  readonly v6: Ipv6Assignment[] = [];
  /** The IPv6 link-local address (fe80::/64), always present. */
  readonly linkLocal: Ipv6Address;
  link: PointToPointLink | undefined;
  private tx: Channel | undefined;
  /** Administratively up. */
  up = true;

  constructor(
    readonly owner: InterfaceOwner,
    readonly name: string,
    /** Index within its node, starting at 1 like Linux ifindex. */
    readonly index: number,
    /** Node number within its network, to derive a unique link-local address. */
    nodeNumber: number,
  ) {
    this.linkLocal = new Ipv6Address(0xfe800000, 0, nodeNumber >>> 0, index >>> 0);
  }

  get nodeName(): string {
    return this.owner.name;
  }

  get ifaceName(): string {
    return this.name;
  }

  /** MTU of the attached link (1500 when detached). */
  get mtu(): number {
    return this.link?.mtu ?? 1500;
  }

  /** True when the interface and its link are up. */
  get operational(): boolean {
    return this.up && this.link?.up === true;
  }

  /** Attaches to one end of a link. */
  attach(link: PointToPointLink): void {
    this.link = link;
    this.tx = link.channelFrom(this);
  }

  /** Assigns an IPv4 address with its prefix length, e.g. (10.0.0.1, 24). */
  addIpv4(address: Ipv4, length: number): Ipv4Assignment {
    const a = { address: address >>> 0, prefix: new Ipv4Prefix(address, length) };
    this.v4.push(a);
    return a;
  }

  /** Assigns an IPv6 address with its prefix length, e.g. (2001:db8::1, 64). */
  addIpv6(address: Ipv6Address, length: number): Ipv6Assignment {
    const a = { address, prefix: new Ipv6Prefix(address, length) };
    this.v6.push(a);
    return a;
  }

  /** The first IPv4 address, if any. */
  get ipv4(): Ipv4 | undefined {
    return this.v4[0]?.address;
  }

  /** The first global IPv6 address, if any. */
  get ipv6(): Ipv6Address | undefined {
    return this.v6[0]?.address;
  }

  /** Sends a packet onto the link; false when the interface cannot send. */
  output(packet: Uint8Array): boolean {
    if (!this.up || this.tx === undefined) return false;
    this.tx.send(packet);
    return true;
  }

  receiveFromLink(packet: Uint8Array): void {
    if (this.up) this.owner.receive(packet, this);
  }

  linkStateChanged(up: boolean): void {
    this.owner.linkStateChanged(this, up);
  }

  toString(): string {
    const addrs = [...this.v4.map((a) => `${formatIpv4(a.address)}/${a.prefix.length}`)];
    for (const a of this.v6) addrs.push(`${a.address}/${a.prefix.length}`);
    return `${this.owner.name}:${this.name}${addrs.length ? ` ${addrs.join(" ")}` : ""}`;
  }
}
