/**
 * Scenario schema pieces for the edge of the network: a host entry may carry its own clock
 * (offset, drift, steps), a router entry a NAT (RFC 4787 behaviours by the engine's names, or a
 * classic type as a preset), and assertions may check a DHCP lease, a NAT's counters or a
 * host's clock error. A plain name stays a valid entry, so older files are unchanged.
 */
import { z } from "zod";
import { NAT_TYPES } from "../net/nat/nat-config.js";
import { ParseError } from "../wire/parse-error.js";
import { parsePrefix } from "../wire/prefix.js";
import { DURATION_SYNTAX, describeValue, parseDuration, units } from "./units.js";

const SIGNED_SYNTAX = `${DURATION_SYNTAX}, with "-" in front for a negative one`;

/** "-20ms" -> -20e6 ns; a plain duration otherwise. */
export function parseSignedDuration(v: unknown): number | { expected: string } {
  const negative = typeof v === "string" && v.trim().startsWith("-");
  const d = parseDuration(negative ? (v as string).trim().slice(1) : v);
  if (typeof d !== "number") return { expected: SIGNED_SYNTAX };
  return negative ? -d : d;
}

const signedDuration = (what: string) =>
  z
    .union([z.string(), z.number()])
    .transform((v, ctx): number => {
      const r = parseSignedDuration(v);
      if (typeof r === "number") return r;
      ctx.issues.push({
        code: "custom",
        message: `expected ${r.expected}, found ${describeValue(v)}`,
        input: v,
      });
      return z.NEVER;
    })
    .meta({ description: `${what} Written as ${SIGNED_SYNTAX}.` });

const clock = z
  .object({
    offset: signedDuration("Reading minus true time at the start (default 0).").optional(),
    driftPpm: z.number().min(-100_000).max(100_000).optional().meta({
      description: "Oscillator error in parts per million: +50 gains 50us/s (default 0).",
    }),
    steps: z
      .array(
        z
          .object({
            at: units.duration("When the clock jumps."),
            by: signedDuration("How far it jumps."),
          })
          .strict(),
      )
      .optional()
      .meta({ description: "Jumps the clock takes by itself (an operator, a bug)." }),
  })
  .strict()
  .meta({ description: "The host's own clock; apps read local time from it." });

/** A host: its name, or its name with settings. */
export const hostEntry = (name: z.ZodString) =>
  z.union([name, z.object({ name, clock: clock.optional() }).strict()]);

const behaviour = z.enum([
  "endpoint-independent",
  "address-dependent",
  "address-and-port-dependent",
]);

const nat = z
  .object({
    inside: z.string().meta({
      description: "The private side: an interface name, or the link or neighbour it faces.",
    }),
    outside: z.string().meta({
      description: "The public side (its address is the public one): interface, link or neighbour.",
    }),
    type: z
      .enum(Object.keys(NAT_TYPES) as [keyof typeof NAT_TYPES, ...(keyof typeof NAT_TYPES)[]])
      .optional()
      .meta({ description: "A classic NAT type: presets mapping and filtering." }),
    mapping: behaviour.optional().meta({ description: "Default endpoint-independent." }),
    filtering: behaviour.optional().meta({ description: "Default address-and-port-dependent." }),
    hairpinning: z.boolean().optional().meta({ description: "Default true." }),
    maxMappings: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .meta({ description: "New flows beyond this many mappings are dropped (default 4096)." }),
    timeouts: z
      .object({
        udp: units.duration("UDP mapping idle timeout (default 5min).").optional(),
        tcpEstablished: units.duration("Established TCP (default 2h4min).").optional(),
        tcpTransitory: units.duration("Opening or closing TCP (default 4min).").optional(),
        icmp: units.duration("ICMP echo (default 60s).").optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .meta({ description: "NAPT between an inside and an outside interface (RFC 3022, RFC 4787)." });

/** A router: its name, or its name with settings. */
export const routerEntry = (name: z.ZodString) =>
  z.union([name, z.object({ name, nat: nat.optional() }).strict()]);

/** NAT counters an assertion may compare. */
export const NAT_COUNTERS = [
  "mappings",
  "created",
  "expired",
  "filtered",
  "tableFull",
  "hairpinned",
  "outbound",
  "inbound",
] as const;

const ipv4Network = z.string().refine((s) => {
  const p = s.includes("/") ? parsePrefix(s, { strict: false }) : undefined;
  return p !== undefined && !(p instanceof ParseError) && p.family === 4;
}, 'expected an IPv4 network such as "192.168.1.0/24"');

/** Assertion forms beside metric and route. */
export const edgeAssertionFields = {
  lease: z
    .object({
      host: z.string(),
      in: ipv4Network.optional().meta({ description: "The leased address is in this network." }),
    })
    .strict()
    .optional()
    .meta({ description: "The host holds a DHCP lease (in the given network)." }),
  nat: z
    .object({
      router: z.string(),
      count: z.enum(NAT_COUNTERS).optional().meta({ description: "Default mappings (live)." }),
    })
    .strict()
    .optional()
    .meta({ description: "A NAT counter at the end, compared like a metric." }),
  clock: z
    .object({ host: z.string() })
    .strict()
    .optional()
    .meta({ description: "The magnitude of a node's clock error at the end (a duration)." }),
};

/** The name of a host or router entry. */
export function entryName(e: string | { name: string }): string {
  return typeof e === "string" ? e : e.name;
}
