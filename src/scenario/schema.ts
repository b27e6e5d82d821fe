/**
 * The schema of a scenario file, in zod: the single source for validation, for the TypeScript
 * types of a parsed scenario and for the JSON Schema editors use for completion. Quantities
 * with units are parsed here (units.ts); references between entries are checked in check.ts.
 */
import { z } from "zod";
import { ParseError } from "../wire/parse-error.js";
import { parsePrefix } from "../wire/prefix.js";
import { edgeAssertionFields, hostEntry, routerEntry } from "./edge-schema.js";
import type { AppRegistry } from "./registry.js";
import { units } from "./units.js";

const NAME_RE = /^[A-Za-z0-9_.-]+$/;

/** A node, link or fault name: letters, digits, "_", "." and "-". */
const name = (what: string) =>
  z
    .string()
    .regex(NAME_RE, `expected a ${what} name of letters, digits, "_", "." and "-"`)
    .meta({ description: `A ${what} name.` });

/** True when `s` is an address with a prefix length, of the given family if one is given. */
function isCidr(s: string, family?: 4 | 6): boolean {
  if (!s.includes("/")) return false;
  const p = parsePrefix(s, { strict: false });
  return !(p instanceof ParseError) && (family === undefined || p.family === family);
}

const cidr = z
  .string()
  .refine((s) => isCidr(s), 'expected an address with a prefix length, such as "10.0.1.1/24"')
  .meta({
    description: 'An interface address with its prefix length: "10.0.1.1/24", "2001:db8::1/64".',
  });

/** A network prefix of one family, host bits zero ("10.0.0.0/16"). */
const pool = (family: 4 | 6, example: string) =>
  z
    .string()
    .refine(
      (s) => isCidr(s, family) && !(parsePrefix(s) instanceof ParseError),
      `expected an IPv${family} network such as "${example}" (host bits zero)`,
    );

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const impairmentFields = {
  loss: units.ratio("Independent loss probability per packet.").optional(),
  burstLoss: z
    .object({
      p: units.ratio("Probability of moving from the good to the bad state."),
      r: units.ratio("Probability of moving back to the good state."),
      lossGood: units.ratio("Loss in the good state (default 0).").optional(),
      lossBad: units.ratio("Loss in the bad state (default 100%).").optional(),
    })
    .strict()
    .optional()
    .meta({ description: "Gilbert-Elliott bursty loss, in addition to `loss`." }),
  duplicate: units.ratio("Probability that a packet is delivered twice.").optional(),
  reorder: units.ratio("Fraction of packets held back.").optional(),
  reorderDelay: units.duration("Extra delay of reordered packets (default 10ms).").optional(),
  corrupt: units.ratio("Probability of flipping one bit.").optional(),
  jitter: units.duration("Uniform extra delay in [0, jitter).").optional(),
};

const impairments = z.object(impairmentFields).strict();

const linkParams = {
  bandwidth: units.bandwidth("Transmission rate (default 1Gbit).").optional(),
  delay: units.duration("One-way propagation delay (default 1ms).").optional(),
  mtu: int(68, 65535).optional().meta({ description: "Largest datagram in bytes (default 1500)." }),
  queue: z
    .object({
      packets: int(1, 1e9).optional().meta({ description: "Most packets waiting (default 1000)." }),
      bytes: units.bytes("Most bytes waiting (default unlimited).").optional(),
      aqm: z.enum(["none", "codel"]).optional(),
      target: units.duration("CoDel target (default 5ms).").optional(),
      interval: units.duration("CoDel interval (default 100ms).").optional(),
    })
    .strict()
    .optional(),
  impairments: impairments.optional(),
};

const endAddresses = z.union([z.literal("auto"), z.literal("dhcp"), cidr, z.array(cidr)]).meta({
  description:
    '"auto" (from the addressing pool), "dhcp" (a host leases one from a dhcp-server app), an address, or a list of addresses.',
});

const link = z
  .object({
    between: z.tuple([name("node"), name("node")]).meta({ description: "The two ends." }),
    name: name("link").optional().meta({ description: 'Default "a-b" from the two ends.' }),
    ...linkParams,
    addresses: z.tuple([endAddresses, endAddresses]).optional(),
    ifnames: z.tuple([z.string(), z.string()]).optional(),
  })
  .strict();

const staticRoute = z
  .object({
    node: name("node"),
    to: z
      .string()
      .refine(
        (s) => s === "default" || isCidr(s),
        'expected "default" or a prefix such as "10.0.2.0/24"',
      ),
    via: z.string().meta({ description: "A gateway address, or the name of a neighbouring node." }),
    dev: z.string().optional(),
  })
  .strict();

const routes = z.array(staticRoute).optional();
const hostDefaults = z.boolean().optional().meta({
  description: "Give each host a default route via its first neighbouring router (default true).",
});

const routing = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("static"), routes, hostDefaults }).strict(),
  z
    .object({
      mode: z.literal("shortest-path"),
      metric: z.enum(["hops", "delay"]).optional(),
      recompute: z
        .boolean()
        .optional()
        .meta({ description: "Recompute routes after every topology fault (default true)." }),
      routes,
    })
    .strict(),
  z
    .object({
      mode: z.literal("distance-vector"),
      routers: z.array(name("node")).optional().meta({ description: "Default: every router." }),
      updateInterval: units.duration("RIP periodic updates (default 30s).").optional(),
      timeout: units.duration("RIP route timeout (default 180s).").optional(),
      garbageCollection: units.duration("RIP garbage collection (default 120s).").optional(),
      routes,
      hostDefaults,
    })
    .strict(),
]);

/** The actions a fault entry may carry; exactly one per entry. */
export const FAULT_ACTIONS = [
  "linkDown",
  "linkUp",
  "partition",
  "repair",
  "hold",
  "release",
  "crash",
  "restart",
  "setLink",
] as const;

const fault = z
  .object({
    at: units.duration("When the fault happens."),
    name: name("fault")
      .optional()
      .meta({ description: "Names a partition or hold to repair or release." }),
    linkDown: name("link").optional(),
    linkUp: name("link").optional(),
    partition: z
      .array(z.array(name("node")).min(1))
      .min(2)
      .optional(),
    oneWay: z.boolean().optional().meta({ description: "Partition from the first group only." }),
    repair: z
      .string()
      .optional()
      .meta({ description: '"all", or the name of a partition or hold.' }),
    hold: z.array(name("node")).min(1).optional(),
    release: z.string().optional(),
    crash: name("node").optional(),
    restart: name("node").optional(),
    setLink: z
      .object({
        link: name("link"),
        delay: units.duration("New propagation delay.").optional(),
        ...impairmentFields,
      })
      .strict()
      .optional()
      .meta({ description: "Change a link's delay or impairments (given ones replace current)." }),
  })
  .strict()
  .superRefine((f, ctx) => {
    const present = FAULT_ACTIONS.filter((a) => f[a] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `expected exactly one action (${FAULT_ACTIONS.join(", ")}), found ${present.length === 0 ? "none" : present.join(" and ")}`,
      });
    }
    if (f.oneWay !== undefined && f.partition === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["oneWay"],
        message: "oneWay goes with partition only",
      });
    }
  });

/** The kinds of assertion: exactly one of these fields says what is checked. */
export const ASSERTION_FORMS = ["metric", "route", "lease", "nat", "clock"] as const;

const comparand = z.union([z.number(), z.string(), z.boolean()]);

/** Comparisons an assertion may make. */
export const COMPARATORS = ["above", "atLeast", "below", "atMost", "equals"] as const;

const assertion = z
  .object({
    name: z.string().optional().meta({ description: "A label for the report." }),
    app: z.string().optional().meta({ description: "The app whose metric is checked." }),
    metric: z.string().optional().meta({
      description:
        "An app metric (loss, rtt.max, delivered...) or a network one (routing.convergence).",
    }),
    route: z
      .object({ from: name("node"), to: z.string(), hops: int(0, 255).optional() })
      .strict()
      .optional()
      .meta({ description: "A path exists along the routing tables (of `hops` hops)." }),
    ...edgeAssertionFields,
    below: comparand.optional(),
    above: comparand.optional(),
    atMost: comparand.optional(),
    atLeast: comparand.optional(),
    equals: comparand.optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const cmp = COMPARATORS.filter((c) => a[c] !== undefined);
    const forms = ASSERTION_FORMS.filter((f) => a[f] !== undefined);
    if (forms.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `expected either ${ASSERTION_FORMS.slice(0, -1).join(", ")} or ${ASSERTION_FORMS.at(-1)}, found ${forms.length === 0 ? "none" : forms.join(" and ")}`,
      });
    } else if (a.route === undefined && a.lease === undefined && cmp.length === 0) {
      ctx.addIssue({
        code: "custom",
        message: `expected a comparison beside ${forms[0]} (${COMPARATORS.join(", ")}), found none`,
      });
    } else if (a.route !== undefined && (cmp.length > 0 || a.app !== undefined)) {
      ctx.addIssue({ code: "custom", message: "a route assertion takes no app or comparison" });
    } else if (a.metric === undefined && a.route === undefined && a.app !== undefined) {
      ctx.addIssue({ code: "custom", path: ["app"], message: `${forms[0]} takes no app` });
    } else if (a.lease !== undefined && cmp.length > 0) {
      ctx.addIssue({ code: "custom", message: "a lease assertion takes no comparison" });
    }
  });

/** Builds the scenario schema for the app kinds of `registry`. */
/* Host and router entries with settings (clock, NAT) are in edge-schema.ts. */
export function buildScenarioSchema(registry: AppRegistry) {
  return z
    .object({
      $schema: z.string().optional(),
      name: z.string().optional(),
      description: z.string().optional(),
      seed: int(0, 0xffffffff).optional().meta({ description: "Master seed (default 1)." }),
      hosts: z.array(hostEntry(name("node"))).optional(),
      routers: z.array(routerEntry(name("node"))).optional(),
      switches: z.array(name("node")).optional(),
      addressing: z
        .object({
          pool: pool(4, "10.0.0.0/16").optional().meta({ description: "Default 10.0.0.0/16." }),
          prefix: int(1, 30)
            .optional()
            .meta({ description: "Point-to-point subnets (default 30)." }),
          lanPrefix: int(1, 30).optional().meta({ description: "Switch subnets (default 24)." }),
          pool6: pool(6, "2001:db8::/48").optional().meta({ description: "IPv6 too when given." }),
          prefix6: int(1, 126).optional().meta({ description: "IPv6 subnets (default 64)." }),
        })
        .strict()
        .optional(),
      defaults: z
        .object({ link: z.object(linkParams).strict().optional() })
        .strict()
        .optional(),
      links: z.array(link).optional(),
      routing: routing.optional().meta({ description: "Default: shortest-path." }),
      apps: z.array(registry.entrySchema()).optional(),
      faults: z.array(fault).optional(),
      stop: z
        .object({
          until: units
            .duration("Stop at this simulated time (default: when apps are done, at most 1h).")
            .optional(),
          whenAppsDone: z.boolean().optional().meta({
            description: "Stop once every app that ends has ended (default: when no until).",
          }),
        })
        .strict()
        .optional(),
      assert: z.array(assertion).optional(),
    })
    .strict()
    .meta({ title: "wirelab scenario" });
}

/** A scenario file after validation: quantities in engine units (ns, bit/s, bytes, fractions). */
export type ScenarioSpec = z.output<ReturnType<typeof buildScenarioSchema>>;
/** One link entry. */
export type LinkSpec = NonNullable<ScenarioSpec["links"]>[number];
/** One fault entry. */
export type FaultSpec = NonNullable<ScenarioSpec["faults"]>[number];
/** One assertion entry. */
export type AssertionSpec = NonNullable<ScenarioSpec["assert"]>[number];
/** The routing section. */
export type RoutingSpec = NonNullable<ScenarioSpec["routing"]>;
/** Link parameters (a link's, or the defaults). */
export type LinkParams = Pick<LinkSpec, "bandwidth" | "delay" | "mtu" | "queue" | "impairments">;
