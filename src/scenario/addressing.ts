/**
 * Automatic addresses: links whose ends say "auto" (the default) get them from the scenario's
 * pool, in link order. A point-to-point link takes the next free /30 (ends .1 and .2); a switch
 * takes one /24 for its LAN, and each node cabled to it the next free host address in it. A
 * half-explicit link fills its auto end from the explicit end's subnet. Explicit subnets are
 * never reused. IPv6 works the same from `pool6` (/64 per link) when it is given.
 */
import { formatIpv4, Ipv6Address } from "../wire/address.js";
import { ParseError } from "../wire/parse-error.js";
import { type Prefix, parsePrefix } from "../wire/prefix.js";
import type { ScenarioSpec } from "./schema.js";
import type { FieldPath } from "./source.js";

/** A subnet as a number range: start address and prefix length, in a family of `bits` bits. */
interface Block {
  addr: bigint;
  len: number;
}

function toBig(p: Prefix): bigint {
  if (p.family === 4) return BigInt(p.address);
  const a = p.address;
  return (BigInt(a.w0) << 96n) | (BigInt(a.w1) << 64n) | (BigInt(a.w2) << 32n) | BigInt(a.w3);
}

function format(bits: number, x: bigint, len: number): string {
  if (bits === 32) return `${formatIpv4(Number(x))}/${len}`;
  const w = (s: bigint) => Number((x >> s) & 0xffffffffn);
  return `${new Ipv6Address(w(96n), w(64n), w(32n), w(0n)).toString()}/${len}`;
}

/** Hands out blocks and host addresses of one family. */
class Allocator {
  private cursor: bigint;
  private readonly used: Block[] = [];
  private readonly taken = new Set<bigint>();

  constructor(
    readonly bits: number,
    private readonly pool: Block,
  ) {
    this.cursor = pool.addr;
  }

  /** Marks an explicit address and its subnet as used. */
  reserve(addr: bigint, len: number): void {
    this.taken.add(addr);
    this.used.push({ addr: (addr >> BigInt(this.bits - len)) << BigInt(this.bits - len), len });
  }

  private size(len: number): bigint {
    return 1n << BigInt(this.bits - len);
  }

  /** The next free aligned block of prefix length `len`, or undefined when the pool is full. */
  block(len: number): Block | undefined {
    const size = this.size(len);
    const end = this.pool.addr + this.size(this.pool.len);
    let at = ((this.cursor + size - 1n) / size) * size;
    while (at + size <= end) {
      const overlaps = this.used.some((u) => {
        const us = this.size(u.len);
        return at < u.addr + us && u.addr < at + size;
      });
      if (!overlaps) {
        this.used.push({ addr: at, len });
        this.cursor = at + size;
        return { addr: at, len };
      }
      at += size;
    }
    return undefined;
  }

  /** The next free host address in a subnet (not its first, nor for IPv4 its last). */
  host(b: Block): bigint | undefined {
    const size = this.size(b.len);
    const last = this.bits === 32 && size > 2n ? b.addr + size - 1n : b.addr + size;
    for (let x = b.addr + 1n; x < last; x++) {
      if (!this.taken.has(x)) {
        this.taken.add(x);
        return x;
      }
    }
    return undefined;
  }
}

/** Addresses to give both ends of every link, or the problems met. */
export interface AddressPlan {
  /** Per link, per end: CIDR strings. */
  ends: [string[], string[]][];
  errors: { path: FieldPath; message: string }[];
}

/** The explicit addresses of one end ("auto" and "dhcp" have none). */
function explicit(end: string | string[] | undefined): string[] {
  if (end === undefined || end === "auto" || end === "dhcp") return [];
  return Array.isArray(end) ? end : [end];
}

/** Plans every link's addresses. */
export function planAddresses(spec: ScenarioSpec): AddressPlan {
  const links = spec.links ?? [];
  const switches = new Set(spec.switches ?? []);
  const a = spec.addressing ?? {};
  const fam = (pool: string, bits: number) => {
    const p = parsePrefix(pool) as Prefix;
    return new Allocator(bits, { addr: toBig(p), len: p.length });
  };
  const alloc4 = fam(a.pool ?? "10.0.0.0/16", 32);
  const alloc6 = a.pool6 !== undefined ? fam(a.pool6, 128) : undefined;
  const errors: AddressPlan["errors"] = [];
  const poolPath = (i: number, v6: boolean): FieldPath =>
    spec.addressing?.[v6 ? "pool6" : "pool"] !== undefined
      ? ["addressing", v6 ? "pool6" : "pool"]
      : ["links", i];

  // Explicit addresses first, so automatic ones never collide with them.
  const given = links.map((l) => [explicit(l.addresses?.[0]), explicit(l.addresses?.[1])] as const);
  for (const ends of given) {
    for (const text of ends.flat()) {
      const p = parsePrefix(text, { strict: false });
      if (p instanceof ParseError) continue;
      const host = parsePrefix(text.slice(0, text.indexOf("/"))) as Prefix;
      (p.family === 4 ? alloc4 : alloc6)?.reserve(toBig(host), p.length);
    }
  }
  const lans = new Map<string, { v4?: Block; v6?: Block }>();
  // A LAN's subnet is its first explicit address's, when one of its links has one.
  links.forEach((l, i) => {
    l.between.forEach((n, j) => {
      if (!switches.has(n)) return;
      const lan = lans.get(n) ?? {};
      lans.set(n, lan);
      for (const text of given[i]![1 - j]!) {
        const p = parsePrefix(text, { strict: false }) as Prefix;
        const key = p.family === 4 ? "v4" : "v6";
        lan[key] ??= { addr: toBig(p), len: p.length };
      }
    });
  });

  const ends = links.map((l, i): [string[], string[]] => {
    const out: [string[], string[]] = [[...given[i]![0]], [...given[i]![1]]];
    const auto = [0, 1].map(
      (j) => (l.addresses?.[j] ?? "auto") === "auto" && !switches.has(l.between[j]!),
    );
    const sw = l.between.findIndex((n) => switches.has(n));
    for (const [alloc, v6] of [
      [alloc4, false],
      [alloc6, true],
    ] as const) {
      if (alloc === undefined) continue;
      const bits = alloc.bits;
      const full = () =>
        errors.push({
          path: poolPath(i, v6),
          message: `the IPv${v6 ? 6 : 4} address pool is exhausted at links[${i}]`,
        });
      let subnet: Block | undefined;
      if (sw !== -1) {
        const lan = lans.get(l.between[sw]!)!;
        const key = v6 ? "v6" : "v4";
        if (auto[1 - sw] && lan[key] === undefined) {
          const b = alloc.block(v6 ? (a.prefix6 ?? 64) : (a.lanPrefix ?? 24));
          if (b === undefined) {
            full();
            continue;
          }
          lan[key] = b;
        }
        subnet = lan[key];
      } else if (auto[0] !== auto[1]) {
        // Half explicit: the auto end joins the explicit end's subnet of this family.
        const text = out[auto[0] ? 1 : 0].find((t) => t.includes(":") === v6);
        const p = text === undefined ? undefined : (parsePrefix(text, { strict: false }) as Prefix);
        subnet = p === undefined ? undefined : { addr: toBig(p), len: p.length };
      } else if (auto[0] && auto[1]) {
        subnet = alloc.block(v6 ? (a.prefix6 ?? 64) : (a.prefix ?? 30));
        if (subnet === undefined) {
          full();
          continue;
        }
      }
      if (subnet === undefined) continue;
      for (const j of [0, 1] as const) {
        if (!auto[j]) continue;
        const x = alloc.host(subnet);
        if (x === undefined) {
          errors.push({
            path: ["links", i],
            message: `no free address left in ${format(bits, subnet.addr, subnet.len)}`,
          });
          continue;
        }
        out[j].push(format(bits, x, subnet.len));
      }
    }
    return out;
  });
  return { ends, errors };
}
