/**
 * ICMP errors about TCP segments, decoded from the quoted datagram (RFC 792 / RFC 4443 quote
 * at least the IP header and the first 8 bytes: ports and sequence number) into what the
 * connection acts on: which tuple, what kind of error, the quoted sequence number to validate
 * (RFC 5927), and for "too big" the MSS the path now allows (RFC 1191, RFC 8201).
 */
import type { Ipv6Address } from "../../wire/address.js";
import { getU16, getU32 } from "../../wire/bytes.js";
import type { Icmpv4Record } from "../../wire/icmpv4.js";
import type { Icmpv6Record } from "../../wire/icmpv6.js";
import { IP_PROTOCOL_TCP } from "../../wire/ipv4.js";
import { parseIpv6 } from "../../wire/ipv6.js";
import { ParseError } from "../../wire/parse-error.js";
import type { SeqNumber } from "../../wire/seq.js";
import type { TransportErrorCode } from "../errors.js";
import type { IcmpKind } from "./user.js";

/** An ICMP error, attributed to one of our connections by the segment it quotes. */
export interface IcmpReport {
  /** Our address and port (the quoted source), and the peer's (the quoted destination). */
  local: number | Ipv6Address;
  remote: number | Ipv6Address;
  localPort: number;
  remotePort: number;
  /** Sequence number of the quoted segment. */
  quoted: SeqNumber;
  kind: IcmpKind;
  code: TransportErrorCode;
  /** For "too-big": the largest TCP payload the path carries. */
  pathMss: number;
}

/** RFC 792 / RFC 1122 §4.2.3.9 / RFC 1191 for an ICMPv4 message; undefined if not about TCP. */
export function icmpv4Report(msg: Icmpv4Record): IcmpReport | undefined {
  if (msg.type !== "destination-unreachable" && msg.type !== "time-exceeded") return undefined;
  const q = msg.original;
  if (q.length < 20 || q[9] !== IP_PROTOCOL_TCP) return undefined;
  const hl = (q[0]! & 0x0f) * 4;
  if (q.length < hl + 8) return undefined;
  const r: IcmpReport = {
    local: getU32(q, 12),
    remote: getU32(q, 16),
    localPort: getU16(q, hl),
    remotePort: getU16(q, hl + 2),
    quoted: getU32(q, hl + 4) as SeqNumber,
    kind: "soft",
    code: "EHOSTUNREACH",
    pathMss: 0,
  };
  if (msg.type === "time-exceeded") return r;
  const code = msg.code;
  if (code === 4) {
    // RFC 1191 §4: the next-hop MTU, or 576 from a router too old to say it (RFC 1191 §5).
    const mtu = msg.nextHopMtu > 0 ? msg.nextHopMtu : 576;
    r.kind = "too-big";
    r.code = "EMSGSIZE";
    r.pathMss = mtu - 40;
  } else if (code === 2 || code === 3) {
    r.kind = "port-unreachable"; // protocol or port unreachable: nobody will answer
    r.code = "ECONNREFUSED";
  } else {
    r.kind = "unreachable";
    r.code = code === 0 || code === 6 ? "ENETUNREACH" : "EHOSTUNREACH";
  }
  return r;
}

/** RFC 4443 / RFC 8201 for an ICMPv6 message; undefined if not about TCP. */
export function icmpv6Report(msg: Icmpv6Record): IcmpReport | undefined {
  if (
    msg.type !== "destination-unreachable" &&
    msg.type !== "packet-too-big" &&
    msg.type !== "time-exceeded"
  ) {
    return undefined;
  }
  const ip = parseIpv6(msg.original, { allowPartial: true });
  if (ip instanceof ParseError || ip.upperProtocol !== IP_PROTOCOL_TCP) return undefined;
  const q = ip.payload;
  if (q.length < 8) return undefined;
  const r: IcmpReport = {
    local: ip.src,
    remote: ip.dst,
    localPort: getU16(q, 0),
    remotePort: getU16(q, 2),
    quoted: getU32(q, 4) as SeqNumber,
    kind: "soft",
    code: "EHOSTUNREACH",
    pathMss: 0,
  };
  if (msg.type === "packet-too-big") {
    r.kind = "too-big";
    r.code = "EMSGSIZE";
    r.pathMss = Math.max(1280, msg.mtu) - 60; // RFC 8201 §4: never below the minimum MTU
  } else if (msg.type === "destination-unreachable") {
    r.kind = msg.code === 4 ? "port-unreachable" : "unreachable";
    r.code = msg.code === 4 ? "ECONNREFUSED" : msg.code === 0 ? "ENETUNREACH" : "EHOSTUNREACH";
  }
  return r;
}
