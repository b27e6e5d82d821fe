/**
 * IANA's special-purpose address registries (RFC 6890, with the blocks added since): addresses
 * that are not on the public Internet, or not one host's. Geolocation never places those that
 * are not globally reachable (the country data does have rows for some: it puts 192.168.0.0/16
 * in AU), and `wirelab geo` names the block, so a user learns why 10.0.0.1 has no country.
 */
import { FrozenLpm } from "../../net/frozen-lpm.js";
import { type IpAddress, parseIp } from "../../wire/address.js";
import { ParseError } from "../../wire/parse-error.js";
import { parsePrefix } from "../../wire/prefix.js";

/** A registry entry: the block, its purpose, the RFC that sets it aside, and whether it routes. */
export interface SpecialPurposeBlock {
  readonly prefix: string;
  readonly purpose: string;
  readonly rfc: string;
  /** The registry's "globally reachable" (multicast, in a registry of its own, counts as no). */
  readonly globallyReachable: boolean;
}

type Row = [prefix: string, purpose: string, rfc: string, globallyReachable?: true];

// As in IANA's IPv4 and IPv6 Special-Purpose Address Registries (and the multicast blocks).
const V4: Row[] = [
  ["0.0.0.0/8", "this network", "RFC 791 §3.2"],
  ["10.0.0.0/8", "private-use", "RFC 1918"],
  ["100.64.0.0/10", "shared address space for carrier-grade NAT", "RFC 6598"],
  ["127.0.0.0/8", "loopback", "RFC 1122 §3.2.1.3"],
  ["169.254.0.0/16", "link-local", "RFC 3927"],
  ["172.16.0.0/12", "private-use", "RFC 1918"],
  ["192.0.0.0/24", "IETF protocol assignments", "RFC 6890 §2.1"],
  // Anycast services inside it are reachable from anywhere, so they stay locatable.
  ["192.0.0.9/32", "port control protocol anycast", "RFC 7723", true],
  ["192.0.0.10/32", "TURN anycast", "RFC 8155", true],
  ["192.0.2.0/24", "documentation, TEST-NET-1", "RFC 5737"],
  ["192.88.99.0/24", "6to4 relay anycast, deprecated", "RFC 7526", true],
  ["192.168.0.0/16", "private-use", "RFC 1918"],
  ["198.18.0.0/15", "benchmarking", "RFC 2544"],
  ["198.51.100.0/24", "documentation, TEST-NET-2", "RFC 5737"],
  ["203.0.113.0/24", "documentation, TEST-NET-3", "RFC 5737"],
  ["224.0.0.0/4", "multicast", "RFC 5771"],
  ["240.0.0.0/4", "reserved", "RFC 1112 §4"],
  ["255.255.255.255/32", "limited broadcast", "RFC 919 §7"],
];
const V6: Row[] = [
  ["::/128", "unspecified", "RFC 4291 §2.5.2"],
  ["::1/128", "loopback", "RFC 4291 §2.5.3"],
  ["64:ff9b::/96", "IPv4-IPv6 translation", "RFC 6052", true],
  ["64:ff9b:1::/48", "local-use IPv4-IPv6 translation", "RFC 8215"],
  ["100::/64", "discard-only", "RFC 6666"],
  ["2001::/23", "IETF protocol assignments", "RFC 2928"],
  // The blocks inside it that the registry marks globally reachable.
  ["2001:1::1/128", "port control protocol anycast", "RFC 7723", true],
  ["2001:1::2/128", "TURN anycast", "RFC 8155", true],
  ["2001:3::/32", "AMT", "RFC 7450", true],
  ["2001:4:112::/48", "AS112-v6", "RFC 7535", true],
  ["2001:20::/28", "ORCHIDv2", "RFC 7343", true],
  ["2001:30::/28", "drone remote ID tags", "RFC 9374", true],
  // Teredo and 6to4 addresses lead to real hosts (the registry says "N/A"): they stay locatable.
  ["2001::/32", "Teredo", "RFC 4380", true],
  ["2001:db8::/32", "documentation", "RFC 3849"],
  ["2002::/16", "6to4", "RFC 3056", true],
  ["3fff::/20", "documentation", "RFC 9637"],
  ["fc00::/7", "unique-local", "RFC 4193"],
  ["fe80::/10", "link-local unicast", "RFC 4291 §2.5.6"],
  ["ff00::/8", "multicast", "RFC 4291 §2.7"],
];

/**
 * One family's blocks in a frozen longest-prefix-match table, so nested blocks resolve to the
 * most specific one; `byId[id]` is the block of route id `id` (id 0, no block, is undefined).
 * An 8-bit root: the tables are tiny.
 */
function table(bits: 32 | 128, rows: Row[]) {
  const words: number[] = [];
  const lengths: number[] = [];
  const blocks = rows.map(([prefix, purpose, rfc, global]) => {
    const p = parsePrefix(prefix);
    if (p instanceof ParseError) throw new Error(`bad registry prefix ${prefix}`);
    if (p.family === 4) words.push(p.address);
    else words.push(p.address.w0, p.address.w1, p.address.w2, p.address.w3);
    lengths.push(p.length);
    return { prefix, purpose, rfc, globallyReachable: global === true };
  });
  const ids = blocks.map((_, i) => i + 1);
  const lpm = FrozenLpm.build(bits, { count: blocks.length, words, lengths, ids }, { rootBits: 8 });
  return { lpm, byId: [undefined, ...blocks] };
}

const v4 = table(32, V4);
const v6 = table(128, V6);

/**
 * The special-purpose block an address is in, the most specific one if blocks nest, or
 * undefined for an ordinary global address. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is
 * classed by its IPv4 address, as the geolocation lookup treats it.
 */
export function specialPurposeOf(address: IpAddress): SpecialPurposeBlock | undefined {
  if (address.family === 4) return specialPurposeOf4(address.v4);
  return specialPurposeOfWords(address.w0, address.w1, address.w2, address.w3);
}

/** The same for an IPv6 address as four big-endian words. */
export function specialPurposeOfWords(
  w0: number,
  w1: number,
  w2: number,
  w3: number,
): SpecialPurposeBlock | undefined {
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return specialPurposeOf4(w3);
  return v6.byId[v6.lpm.lookup128(w0, w1, w2, w3)];
}

/** The same for an IPv4 address as an unsigned 32-bit number. */
export function specialPurposeOf4(address: number): SpecialPurposeBlock | undefined {
  return v4.byId[v4.lpm.lookup32(address)];
}

/** The same, for address text; undefined too when the text is not an address. */
export function specialPurposeOfText(text: string): SpecialPurposeBlock | undefined {
  const a = parseIp(text);
  return a instanceof ParseError ? undefined : specialPurposeOf(a);
}
