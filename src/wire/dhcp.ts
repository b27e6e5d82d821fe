/**
 * BOOTP/DHCP messages (RFC 2131 §2, options from RFC 2132): the 236-byte fixed part, the magic
 * cookie 99.130.83.99, then options. The options this stack uses are typed fields; any other
 * option is kept as code and bytes, in order, so nothing a peer sent is lost. Emit writes the
 * typed options in one fixed order, then the unknown ones, then END, and pads to 300 bytes.
 * Option overload (52) and long-option concatenation (RFC 3396) are not interpreted.
 */
import type { Ipv4 } from "./address.js";
import { getU16, getU32, setU16, setU32 } from "./bytes.js";
import type { Mac } from "./mac.js";
import { readMac, writeMac } from "./mac.js";
import { invalid, ParseError, truncated } from "./parse-error.js";

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
/** RFC 2131 §3: the first four octets of the options field, 99.130.83.99. */
export const DHCP_MAGIC_COOKIE = 0x63825363;
export const BOOTP_REQUEST = 1;
export const BOOTP_REPLY = 2;
/** RFC 2131 §2 figure 2: the leftmost bit of flags asks the server to broadcast its reply. */
export const DHCP_FLAG_BROADCAST = 0x8000;
/** ARP hardware type of Ethernet (RFC 1700), used in htype. */
export const DHCP_HTYPE_ETHERNET = 1;
/** Fixed part (236 bytes) plus the magic cookie. */
export const DHCP_HEADER_LENGTH = 240;
/** RFC 1542 §2.1: relay agents may drop BOOTP messages shorter than 300 octets. */
export const DHCP_MIN_LENGTH = 300;

/** DHCP message types, option 53 (RFC 2132 §9.6). */
export const DHCP_MESSAGE = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;

const MESSAGE_NAMES = new Map<number, string>(
  Object.entries(DHCP_MESSAGE).map(([name, type]) => [type, name]),
);

/** "DISCOVER", "ACK", ... or "TYPE-n" for a type this module does not name. */
export function dhcpMessageName(type: number | undefined): string {
  if (type === undefined) return "BOOTP";
  return MESSAGE_NAMES.get(type) ?? `TYPE-${type}`;
}

/** Option codes (RFC 2132). */
export const DHCP_OPTION = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS_SERVERS: 6,
  HOST_NAME: 12,
  REQUESTED_ADDRESS: 50,
  LEASE_TIME: 51,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_REQUEST_LIST: 55,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  CLIENT_ID: 61,
  END: 255,
} as const;

/** An option this module does not interpret, kept as it came. */
export interface DhcpRawOption {
  code: number;
  data: Uint8Array;
}

/** The options of a message; absent fields were not present. Times are in seconds. */
export interface DhcpOptions {
  messageType?: number;
  serverId?: Ipv4;
  requestedAddress?: Ipv4;
  leaseTime?: number;
  /** T1, option 58. */
  renewalTime?: number;
  /** T2, option 59. */
  rebindingTime?: number;
  subnetMask?: Ipv4;
  routers?: Ipv4[];
  dnsServers?: Ipv4[];
  hostName?: string;
  parameterRequestList?: number[];
  clientId?: Uint8Array;
  /** Every other option, in the order received. */
  other: DhcpRawOption[];
}

/** A BOOTP/DHCP message (RFC 2131 §2). `hlen` is `chaddr.length`. */
export interface DhcpMessage {
  /** 1 BOOTREQUEST, 2 BOOTREPLY. */
  op: number;
  htype: number;
  /** Client hardware address, hlen bytes (at most 16). */
  chaddr: Uint8Array;
  hops: number;
  xid: number;
  secs: number;
  /** Bit 15 is the broadcast flag (DHCP_FLAG_BROADCAST); the rest must be zero. */
  flags: number;
  ciaddr: Ipv4;
  yiaddr: Ipv4;
  siaddr: Ipv4;
  giaddr: Ipv4;
  /** Server host name, up to 64 bytes of Latin-1, NUL-terminated on the wire when shorter. */
  sname: string;
  /** Boot file name, up to 128 bytes. */
  file: string;
  options: DhcpOptions;
}

/** chaddr bytes of an Ethernet MAC address. */
export function chaddrFromMac(mac: Mac): Uint8Array {
  const b = new Uint8Array(6);
  writeMac(b, 0, mac);
  return b;
}

/** The MAC address in chaddr, when it holds one (6 bytes). */
export function macFromChaddr(chaddr: Uint8Array): Mac | undefined {
  return chaddr.length === 6 ? readMac(chaddr, 0) : undefined;
}

/** A message with every field zero or empty, to be filled in. */
export function emptyDhcpMessage(op: number): DhcpMessage {
  return {
    op,
    htype: DHCP_HTYPE_ETHERNET,
    chaddr: new Uint8Array(6),
    hops: 0,
    xid: 0,
    secs: 0,
    flags: 0,
    ciaddr: 0,
    yiaddr: 0,
    siaddr: 0,
    giaddr: 0,
    sname: "",
    file: "",
    options: { other: [] },
  };
}

const P = "dhcp";

function readText(b: Uint8Array, start: number, length: number): string {
  let s = "";
  for (let i = start; i < start + length && b[i] !== 0; i++) s += String.fromCharCode(b[i]!);
  return s;
}

function addressList(data: Uint8Array, field: string, at: number): Ipv4[] | ParseError {
  if (data.length === 0 || data.length % 4 !== 0) {
    return invalid(P, field, at, `length ${data.length} is not a positive multiple of 4`);
  }
  const out: Ipv4[] = [];
  for (let i = 0; i < data.length; i += 4) out.push(getU32(data, i));
  return out;
}

/** Parses a DHCP message (the UDP payload). A message without the magic cookie is refused. */
export function parseDhcp(bytes: Uint8Array): DhcpMessage | ParseError {
  if (bytes.length < DHCP_HEADER_LENGTH) {
    return truncated(P, "header", 0, DHCP_HEADER_LENGTH, bytes.length);
  }
  const op = bytes[0]!;
  if (op !== BOOTP_REQUEST && op !== BOOTP_REPLY) {
    return invalid(P, "op", 0, `op ${op} is neither BOOTREQUEST (1) nor BOOTREPLY (2)`);
  }
  const hlen = bytes[2]!;
  if (hlen > 16) return invalid(P, "hlen", 2, `hlen ${hlen} exceeds the 16-byte chaddr`);
  if (getU32(bytes, 236) !== DHCP_MAGIC_COOKIE) {
    return new ParseError(P, "cookie", 236, "unsupported", "no DHCP magic cookie (plain BOOTP)");
  }
  const options = parseOptions(bytes);
  if (options instanceof ParseError) return options;
  return {
    op,
    htype: bytes[1]!,
    chaddr: bytes.slice(28, 28 + hlen),
    hops: bytes[3]!,
    xid: getU32(bytes, 4),
    secs: getU16(bytes, 8),
    flags: getU16(bytes, 10),
    ciaddr: getU32(bytes, 12),
    yiaddr: getU32(bytes, 16),
    siaddr: getU32(bytes, 20),
    giaddr: getU32(bytes, 24),
    sname: readText(bytes, 44, 64),
    file: readText(bytes, 108, 128),
    options,
  };
}

/** Options from byte 240 to END (RFC 2132 §2: pad and end are single bytes, others code+len). */
function parseOptions(b: Uint8Array): DhcpOptions | ParseError {
  const o: DhcpOptions = { other: [] };
  const seen = new Set<number>();
  let i = DHCP_HEADER_LENGTH;
  for (;;) {
    if (i >= b.length) return truncated(P, "options.end", i, 1, 0);
    const code = b[i]!;
    if (code === DHCP_OPTION.END) return o;
    if (code === DHCP_OPTION.PAD) {
      i++;
      continue;
    }
    if (i + 2 > b.length) return truncated(P, "options.length", i + 1, 1, 0);
    const len = b[i + 1]!;
    if (i + 2 + len > b.length)
      return truncated(P, `options.${code}`, i + 2, len, b.length - i - 2);
    const data = b.subarray(i + 2, i + 2 + len);
    const err = typedOption(o, code, data, i);
    if (err instanceof ParseError) return err;
    if (err === true) {
      if (seen.has(code)) return invalid(P, `options.${code}`, i, `option ${code} appears twice`);
      seen.add(code);
    }
    i += 2 + len;
  }
}

function exact(data: Uint8Array, n: number, code: number, at: number): ParseError | undefined {
  return data.length === n
    ? undefined
    : invalid(P, `options.${code}`, at, `length ${data.length}, expected ${n}`);
}

/**
 * Stores a known option in its field (true), or an unknown one in `other` (false); a known
 * option of the wrong length is an error.
 */
function typedOption(
  o: DhcpOptions,
  code: number,
  d: Uint8Array,
  at: number,
): boolean | ParseError {
  const C = DHCP_OPTION;
  switch (code) {
    case C.MESSAGE_TYPE:
      o.messageType = d[0]!;
      return exact(d, 1, code, at) ?? true;
    case C.SUBNET_MASK:
    case C.SERVER_ID:
    case C.REQUESTED_ADDRESS:
    case C.LEASE_TIME:
    case C.RENEWAL_TIME:
    case C.REBINDING_TIME: {
      const e = exact(d, 4, code, at);
      if (e) return e;
      const v = getU32(d, 0);
      if (code === C.SUBNET_MASK) o.subnetMask = v;
      else if (code === C.SERVER_ID) o.serverId = v;
      else if (code === C.REQUESTED_ADDRESS) o.requestedAddress = v;
      else if (code === C.LEASE_TIME) o.leaseTime = v;
      else if (code === C.RENEWAL_TIME) o.renewalTime = v;
      else o.rebindingTime = v;
      return true;
    }
    case C.ROUTER:
    case C.DNS_SERVERS: {
      const list = addressList(d, `options.${code}`, at);
      if (list instanceof ParseError) return list;
      if (code === C.ROUTER) o.routers = list;
      else o.dnsServers = list;
      return true;
    }
    case C.HOST_NAME:
      // RFC 2132 §3.14: minimum length 1.
      if (d.length === 0) return invalid(P, "options.12", at, "empty host name");
      o.hostName = readText(d, 0, d.length);
      if (o.hostName.length !== d.length) return invalid(P, "options.12", at, "NUL in host name");
      return true;
    case C.PARAMETER_REQUEST_LIST:
      if (d.length === 0) return invalid(P, "options.55", at, "empty parameter request list");
      o.parameterRequestList = [...d];
      return true;
    case C.CLIENT_ID:
      // RFC 2132 §9.14: type octet and at least one octet of identifier.
      if (d.length < 2) return invalid(P, "options.61", at, "client identifier shorter than 2");
      o.clientId = d.slice();
      return true;
    default:
      o.other.push({ code, data: d.slice() });
      return false;
  }
}

/** Options as [code, bytes] in emit order. Throws RangeError on values that cannot be encoded. */
function optionList(o: DhcpOptions): [number, Uint8Array][] {
  const C = DHCP_OPTION;
  const out: [number, Uint8Array][] = [];
  const u32 = (code: number, v: number | undefined) => {
    if (v === undefined) return;
    const b = new Uint8Array(4);
    setU32(b, 0, v);
    out.push([code, b]);
  };
  const list = (code: number, v: Ipv4[] | undefined) => {
    if (v === undefined) return;
    const b = new Uint8Array(4 * v.length);
    for (let k = 0; k < v.length; k++) setU32(b, 4 * k, v[k]!);
    out.push([code, b]);
  };
  if (o.messageType !== undefined) out.push([C.MESSAGE_TYPE, Uint8Array.of(o.messageType)]);
  u32(C.SERVER_ID, o.serverId);
  u32(C.REQUESTED_ADDRESS, o.requestedAddress);
  u32(C.LEASE_TIME, o.leaseTime);
  u32(C.RENEWAL_TIME, o.renewalTime);
  u32(C.REBINDING_TIME, o.rebindingTime);
  u32(C.SUBNET_MASK, o.subnetMask);
  list(C.ROUTER, o.routers);
  list(C.DNS_SERVERS, o.dnsServers);
  if (o.hostName !== undefined) out.push([C.HOST_NAME, latin1(o.hostName, 255, "host name")]);
  if (o.parameterRequestList !== undefined) {
    out.push([C.PARAMETER_REQUEST_LIST, Uint8Array.from(o.parameterRequestList)]);
  }
  if (o.clientId !== undefined) out.push([C.CLIENT_ID, o.clientId]);
  for (const x of o.other) {
    if (x.code === C.PAD || x.code === C.END) throw new RangeError("pad and end are not options");
    out.push([x.code, x.data]);
  }
  for (const [code, data] of out) {
    if (data.length > 255) throw new RangeError(`option ${code} longer than 255 bytes`);
  }
  return out;
}

function latin1(s: string, max: number, what: string): Uint8Array {
  if (s.length > max) throw new RangeError(`${what} longer than ${max} bytes`);
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || c === 0) throw new RangeError(`${what} has a character that is not Latin-1`);
    b[i] = c;
  }
  return b;
}

/** Encoded length of a message: header, options, END, padded to 300. */
export function dhcpBufferLength(m: DhcpMessage): number {
  let n = DHCP_HEADER_LENGTH + 1;
  for (const [, data] of optionList(m.options)) n += 2 + data.length;
  return Math.max(n, DHCP_MIN_LENGTH);
}

/** Encodes a message; throws RangeError for values that do not fit their fields. */
export function emitDhcp(m: DhcpMessage): Uint8Array {
  if (m.chaddr.length > 16) throw new RangeError("chaddr longer than 16 bytes");
  const opts = optionList(m.options);
  let n = DHCP_HEADER_LENGTH + 1;
  for (const [, data] of opts) n += 2 + data.length;
  const b = new Uint8Array(Math.max(n, DHCP_MIN_LENGTH));
  b[0] = m.op;
  b[1] = m.htype;
  b[2] = m.chaddr.length;
  b[3] = m.hops;
  setU32(b, 4, m.xid);
  setU16(b, 8, m.secs);
  setU16(b, 10, m.flags);
  setU32(b, 12, m.ciaddr);
  setU32(b, 16, m.yiaddr);
  setU32(b, 20, m.siaddr);
  setU32(b, 24, m.giaddr);
  b.set(m.chaddr, 28);
  b.set(latin1(m.sname, 64, "sname"), 44);
  b.set(latin1(m.file, 128, "file"), 108);
  setU32(b, 236, DHCP_MAGIC_COOKIE);
  let i = DHCP_HEADER_LENGTH;
  for (const [code, data] of opts) {
    b[i] = code;
    b[i + 1] = data.length;
    b.set(data, i + 2);
    i += 2 + data.length;
  }
  b[i] = DHCP_OPTION.END; // the rest stays zero: pad options (RFC 2132 §3.1)
  return b;
}
