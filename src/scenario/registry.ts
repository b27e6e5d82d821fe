/**
 * The application registry: a map from an app kind ("ping", "udp-stream", later "http-get" or
 * "mapreduce") to its definition: the schema of its fields, which fields name nodes, the
 * metrics it reports for assertions, and a starter. The scenario schema is built from it, so
 * registering an app adds it to validation, to the JSON Schema and to the runner at once.
 */
import { z } from "zod";
import type { Network } from "../net/network.js";
import type { Node } from "../net/node.js";
import type { Nanos } from "../sim/time.js";
import { units } from "./units.js";

/** How a metric's value is written and compared: ns, a fraction, a count or a flag. */
export type MetricKind = "duration" | "ratio" | "count" | "boolean";

/** A metric an app reports at the end of a run. */
export interface MetricSpec {
  kind: MetricKind;
  description: string;
}

/** A metric's value; undefined when there is none (no reply, so no round-trip time). */
export type MetricValue = number | boolean | undefined;

/** What a starter gets: the network and helpers to resolve names. */
export interface AppContext {
  readonly net: Network;
  /** The app's name in the scenario ("p1", or "ping-1" when unnamed). */
  readonly name: string;
  /** The host or router with this name. */
  node(name: string): Node;
  /**
   * The address to use for a target: an address literal as given, or a node's first address of
   * the family (IPv4 unless `family` is 6). Throws when the node has none.
   */
  address(target: string, family?: 4 | 6): string;
}

/** A started application. */
export interface AppInstance {
  readonly finished: boolean;
  /** Calls `fn` when the app has finished (never, for servers). */
  onDone(fn: () => void): void;
  /** What the app printed, like the real tool's output. */
  output(): string[];
  /** Values for assertions, keyed by metric name. */
  metrics(): Record<string, MetricValue>;
}

/** Fields every app entry has besides its own. */
export interface AppSpecBase {
  kind: string;
  name?: string;
  /** When to start (ns, default 0). */
  at?: Nanos;
}

/** An app entry after validation: the base fields and the kind's own. */
export type AppSpec = AppSpecBase & Record<string, unknown>;

/** How a field refers to the network: a host or router name, or a node name or an address. */
export type RefKind = "node" | "target";

/** An application kind. `Shape` is the zod shape of its own fields. */
export interface AppDefinition<Shape extends z.ZodRawShape = z.ZodRawShape> {
  kind: string;
  /** One line for the JSON Schema and `--help`. */
  description: string;
  fields: Shape;
  /** Fields that name nodes, checked against the topology with their positions. */
  refs: { [K in keyof Shape & string]?: RefKind };
  /** True when the app ends by itself (a ping), false for servers that run until the end. */
  finite: boolean;
  metrics: Record<string, MetricSpec>;
  /** A short description of an entry for output headers, e.g. "h1 -> h2". */
  describe(spec: z.output<z.ZodObject<Shape>>): string;
  start(ctx: AppContext, spec: z.output<z.ZodObject<Shape>>): AppInstance;
}

/** Declares an app kind; erases its field types so definitions can share one registry. */
export function defineApp<S extends z.ZodRawShape>(def: AppDefinition<S>): AppDefinition {
  return def as unknown as AppDefinition;
}

/** Application kinds by name, in registration order. */
export class AppRegistry {
  private readonly defs = new Map<string, AppDefinition>();

  constructor(defs: readonly AppDefinition[] = []) {
    for (const d of defs) this.register(d);
  }

  /** Adds a kind; refuses a second definition of the same kind. */
  register(def: AppDefinition): this {
    if (this.defs.has(def.kind)) throw new Error(`app kind "${def.kind}" is already registered`);
    this.defs.set(def.kind, def);
    return this;
  }

  get(kind: string): AppDefinition | undefined {
    return this.defs.get(kind);
  }

  get kinds(): string[] {
    return [...this.defs.keys()];
  }

  /** The schema of one `apps` entry: a union discriminated by `kind`. */
  entrySchema(): z.ZodType<AppSpec> {
    const options = [...this.defs.values()].map((d) =>
      z
        .object({
          kind: z.literal(d.kind),
          name: z.string().min(1).optional().meta({ description: "Name used by assertions." }),
          at: units.duration("When to start (default 0s).").optional(),
          ...d.fields,
        })
        .strict()
        .meta({ title: d.kind, description: d.description }),
    );
    if (options.length === 0) throw new Error("no app kinds registered");
    return z.discriminatedUnion(
      "kind",
      options as unknown as [z.ZodObject, ...z.ZodObject[]],
    ) as unknown as z.ZodType<AppSpec>;
  }
}
