/**
 * RIP version 2 messages (RFC 2453 §4): a 4-byte header (command, version, must-be-zero) and up
 * to 25 route entries of 20 bytes (address family, route tag, address, mask, next hop, metric).
 * Authentication entries (family 0xFFFF) are reported as unsupported.
 */
import type { Ipv4 } from "./address.js";
import { getU16, getU32, setU16, setU32 } from "./bytes.js";
import { invalid, ParseError, truncated } from "./parse-error.js";

export const RIP_PORT = 520;
/** RIPv2 multicast group 224.0.0.9 (RFC 2453 §4.5). */
export const RIP_GROUP = 0xe0000009;
export const RIP_INFINITY = 16;
export const RIP_MAX_ENTRIES = 25;
export const RIP_COMMAND_REQUEST = 1;
export const RIP_COMMAND_RESPONSE = 2;
/** Address family identifier for IPv4 entries. */
export const RIP_AF_INET = 2;

export interface RipEntry {
  /** Address family: 2 for IPv4; 0 in a whole-table request (RFC 2453 §3.9.1). */
  family: number;
  routeTag: number;
  address: Ipv4;
  mask: number;
  nextHop: Ipv4;
  /** 1-16; 16 is infinity (unreachable). */
  metric: number;
}

export interface RipMessage {
  command: 1 | 2;
  version: number;
  entries: RipEntry[];
}

/** Parses a RIP message (the UDP payload). */
export function parseRip(bytes: Uint8Array): RipMessage | ParseError {
  if (bytes.length < 4) return truncated("rip", "header", 0, 4, bytes.length);
  const command = bytes[0]!;
  if (command !== RIP_COMMAND_REQUEST && command !== RIP_COMMAND_RESPONSE) {
    return invalid(
      "rip",
      "command",
      0,
      `command ${command} is neither request (1) nor response (2)`,
    );
  }
  const version = bytes[1]!;
  if (version === 0)
    return invalid("rip", "version", 1, "version 0 messages are ignored (RFC 2453 §3.6)");
  if ((bytes.length - 4) % 20 !== 0) {
    return invalid(
      "rip",
      "entries",
      4,
      `${bytes.length - 4} bytes is not a whole number of 20-byte entries`,
    );
  }
  const count = (bytes.length - 4) / 20;
  if (count > RIP_MAX_ENTRIES) return invalid("rip", "entries", 4, `${count} entries exceed 25`);
  const entries: RipEntry[] = [];
  for (let i = 0; i < count; i++) {
    const o = 4 + 20 * i;
    const family = getU16(bytes, o);
    if (family === 0xffff) {
      return new ParseError(
        "rip",
        "entries.family",
        o,
        "unsupported",
        "authentication is not supported",
      );
    }
    const metric = getU32(bytes, o + 16);
    if (metric < 1 && !(command === RIP_COMMAND_REQUEST && family === 0)) {
      return invalid("rip", "entries.metric", o + 16, `metric ${metric} is below 1`);
    }
    if (metric > RIP_INFINITY)
      return invalid("rip", "entries.metric", o + 16, `metric ${metric} exceeds 16`);
    entries.push({
      family,
      routeTag: getU16(bytes, o + 2),
      address: getU32(bytes, o + 4),
      mask: getU32(bytes, o + 8),
      nextHop: getU32(bytes, o + 12),
      metric,
    });
  }
  return { command: command as 1 | 2, version, entries };
}

/** Emits a RIP message; throws RangeError beyond 25 entries. */
export function emitRip(m: RipMessage): Uint8Array {
  if (m.entries.length > RIP_MAX_ENTRIES)
    throw new RangeError("a RIP message holds at most 25 entries");
  const b = new Uint8Array(4 + 20 * m.entries.length);
  b[0] = m.command;
  b[1] = m.version;
  m.entries.forEach((e, i) => {
    const o = 4 + 20 * i;
    setU16(b, o, e.family);
    setU16(b, o + 2, e.routeTag);
    setU32(b, o + 4, e.address);
    setU32(b, o + 8, e.mask);
    setU32(b, o + 12, e.nextHop);
    setU32(b, o + 16, e.metric);
  });
  return b;
}

/** The whole-table request (RFC 2453 §3.9.1): one entry, family 0, metric 16. */
export function ripWholeTableRequest(): RipMessage {
  return {
    command: RIP_COMMAND_REQUEST,
    version: 2,
    entries: [{ family: 0, routeTag: 0, address: 0, mask: 0, nextHop: 0, metric: RIP_INFINITY }],
  };
}
