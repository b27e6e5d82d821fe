/**
 * A network interface: a node's attachment to a link, with its IPv4 and IPv6 addresses, its MTU
 * and its up/down state. It hands outgoing packets to its link's channel and incoming ones to its
 * node. Addresses carry their prefix, so the connected routes follow from them.
 */
import { formatIpv4, type Ipv4, Ipv6Address } from "../wire/address.js";
import { ARP_REQUEST, type ArpRecord, emitArp, parseArp } from "../wire/arp.js";
import {
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  emitEthernet,
  parseEthernet,
} from "../wire/ethernet.js";
import { isBroadcastMac, MAC_BROADCAST, type Mac } from "../wire/mac.js";
import { solicitedNodeAddress } from "../wire/ndp.js";
import { ParseError } from "../wire/parse-error.js";
import { Ipv4Prefix, Ipv6Prefix } from "../wire/prefix.js";
import { ArpResolver } from "./arp.js";
import type { Channel, LinkEndpoint, PointToPointLink } from "./link.js";
import { type NdpResolver, ndpForInterface } from "./ndp.js";
import type { Node } from "./node.js";

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

export class Interface implements LinkEndpoint {
  readonly v4: Ipv4Assignment[] = [];
  readonly v6: Ipv6Assignment[] = [];
  /** The IPv6 link-local address (fe80::/64), always present. */
  readonly linkLocal: Ipv6Address;
  link: PointToPointLink | undefined;
  private tx: Channel | undefined;
  /** Administratively up. */
  up = true;
  /** Bare IP datagrams on a point-to-point link, or Ethernet frames on a LAN. */
  framing: "ip" | "ethernet" = "ip";
  /** The interface's MAC address: locally administered, derived from node and index. */
  readonly mac: Mac;
  /** ARP state, on Ethernet interfaces. */
  arp: ArpResolver | undefined;
  /** Neighbor discovery state (RFC 4861), on Ethernet interfaces. */
  ndp: NdpResolver | undefined;

  constructor(
    readonly owner: Node,
    readonly name: string,
    /** Index within its node, starting at 1 like Linux ifindex. */
    readonly index: number,
    /** Node number within its network, to derive unique link-local and MAC addresses. */
    nodeNumber: number,
  ) {
    this.linkLocal = new Ipv6Address(0xfe800000, 0, nodeNumber >>> 0, index >>> 0);
    // 02:xx:xx:xx:xx:xx is locally administered unicast (IEEE 802 §8.2).
    this.mac = 0x02_00_00_00_00_00 + (nodeNumber % 0x1000000) * 0x100 + (index % 0x100);
    // RFC 4861 §7.2.1: join the solicited-node group of every unicast address.
    owner.ipv6.joinGroup(solicitedNodeAddress(this.linkLocal));
  }

  /** Sends a gratuitous-free ARP request for `target` (for tests and tools such as arping). */
  arpRequest(target: Ipv4): void {
    const src = this.v4.find((a) => a.prefix.contains(target))?.address ?? this.ipv4 ?? 0;
    const arp: ArpRecord = {
      op: ARP_REQUEST,
      senderMac: this.mac,
      senderIp: src,
      targetMac: 0,
      targetIp: target,
    };
    this.sendFrame(MAC_BROADCAST, ETHERTYPE_ARP, emitArp(arp));
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

  /** Attaches to one end of a link, carrying Ethernet frames when `framing` says so. */
  attach(link: PointToPointLink, framing: "ip" | "ethernet" = "ip"): void {
    this.link = link;
    this.tx = link.channelFrom(this);
    this.framing = framing;
    if (framing === "ethernet") {
      this.arp = new ArpResolver({
        sim: this.owner.sim,
        mac: this.mac,
        sourceFor: (t) => this.v4.find((a) => a.prefix.contains(t))?.address ?? this.ipv4,
        isOwnAddress: (a) => this.v4.some((x) => x.address === a),
        sendArp: (arp, dst) => this.sendFrame(dst, ETHERTYPE_ARP, emitArp(arp)),
        deliverResolved: (packet, dst) => this.sendFrame(dst, ETHERTYPE_IPV4, packet),
        unresolved: (packets) => this.owner.unresolved(this, packets),
      });
      this.ndp = ndpForInterface(this);
    }
  }

  /** Assigns an IPv4 address with its prefix length, e.g. (10.0.0.1, 24). */
  addIpv4(address: Ipv4, length: number): Ipv4Assignment {
    const a = { address: address >>> 0, prefix: new Ipv4Prefix(address, length) };
    this.v4.push(a);
    return a;
  }

  /** Removes an IPv4 address (a lease that ended); false when the interface did not have it. */
  removeIpv4(address: Ipv4): boolean {
    const i = this.v4.findIndex((a) => a.address === address >>> 0);
    if (i === -1) return false;
    this.v4.splice(i, 1);
    return true;
  }

  /** Assigns an IPv6 address with its prefix length, e.g. (2001:db8::1, 64). */
  addIpv6(address: Ipv6Address, length: number): Ipv6Assignment {
    const a = { address, prefix: new Ipv6Prefix(address, length) };
    this.v6.push(a);
    this.owner.ipv6.joinGroup(solicitedNodeAddress(address));
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

  /**
   * Sends an IPv4 datagram toward `nextHop`: as is on a point-to-point link; in a frame on
   * Ethernet, to the broadcast address, the multicast mapping (RFC 1112 §6.4) or the MAC that ARP
   * finds. Returns false when the interface cannot send.
   */
  sendIpv4(packet: Uint8Array, nextHop: Ipv4): boolean {
    if (this.framing === "ip") return this.output(packet);
    if (!this.up || this.tx === undefined) return false;
    if (nextHop === 0xffffffff || this.isSubnetBroadcast(nextHop)) {
      return this.sendFrame(MAC_BROADCAST, ETHERTYPE_IPV4, packet);
    }
    if (nextHop >>> 28 === 0xe) {
      return this.sendFrame(0x01_00_5e_00_00_00 + (nextHop & 0x7fffff), ETHERTYPE_IPV4, packet);
    }
    this.arp!.send(packet, nextHop);
    return true;
  }

  /**
   * Sends an IPv6 packet toward `nextHop` (by default its destination). Point-to-point links
   * carry it as is; on Ethernet, multicast goes to 33:33 + the group's low 32 bits (RFC 2464 §7)
   * and unicast to the MAC that neighbor discovery finds (RFC 4861 §7.2.2).
   */
  sendIpv6(packet: Uint8Array, nextHop?: Ipv6Address): boolean {
    if (this.framing === "ip") return this.output(packet);
    if (!this.up || this.tx === undefined || packet.length < 40) return false;
    if (packet[24] === 0xff) {
      const low32 =
        ((packet[36]! << 24) | (packet[37]! << 16) | (packet[38]! << 8) | packet[39]!) >>> 0;
      return this.sendFrame(0x3333_0000_0000 + low32, ETHERTYPE_IPV6, packet);
    }
    this.ndp!.send(packet, nextHop ?? Ipv6Address.fromBytes(packet, 24));
    return true;
  }

  private isSubnetBroadcast(a: Ipv4): boolean {
    return this.v4.some(
      (x) => x.prefix.length < 31 && (x.prefix.address | ~x.prefix.mask) >>> 0 === a,
    );
  }

  /** Wraps a payload in an Ethernet II frame from this interface and sends it. */
  sendFrame(dst: Mac, etherType: number, payload: Uint8Array): boolean {
    return this.output(emitEthernet({ dst, src: this.mac, etherType, payload }));
  }

  receiveFromLink(packet: Uint8Array): void {
    if (!this.up) return;
    if (this.framing === "ip") return this.owner.receive(packet, this);
    const f = parseEthernet(packet);
    if (f instanceof ParseError) return this.owner.drop(packet, "bad-header", this);
    // The NIC's filter: our address, broadcast, or multicast (group filtering happens in IP).
    if (f.dst !== this.mac && !isBroadcastMac(f.dst) && (Math.floor(f.dst / 2 ** 40) & 1) === 0) {
      return this.owner.drop(packet, "not-for-us", this);
    }
    if (f.etherType === ETHERTYPE_ARP) {
      const arp = parseArp(f.payload);
      if (arp instanceof ParseError) return this.owner.drop(packet, "bad-header", this);
      return this.arp?.input(arp);
    }
    if (f.etherType === ETHERTYPE_IPV4 || f.etherType === ETHERTYPE_IPV6) {
      return this.owner.receive(f.payload, this);
    }
  }

  linkStateChanged(up: boolean): void {
    if (!up) {
      this.arp?.clear();
      this.ndp?.clear();
    }
    this.owner.linkStateChanged(this, up);
  }

  toString(): string {
    const addrs = [...this.v4.map((a) => `${formatIpv4(a.address)}/${a.prefix.length}`)];
    for (const a of this.v6) addrs.push(`${a.address}/${a.prefix.length}`);
    return `${this.owner.name}:${this.name}${addrs.length ? ` ${addrs.join(" ")}` : ""}`;
  }
}
