/**
 * `p2p-supernodes`: a Skype-like overlay (src/apps/p2p) on scenario nodes. Peers log in to
 * supernodes over JSON-in-UDP and keep alive; after `storeAt` they store items replicated on the
 * k peers closest to each key; after `lookupAt` every peer reads every item back and looks
 * another peer up in the supernodes' directory. A supernode crashed by the fault schedule in
 * between shows the overlay healing: its peers log in to another one, and lookups still succeed.
 */
import { z } from "zod";
import { OverlayPeer } from "../../apps/p2p/overlay-peer.js";
import { ReplicatedStore } from "../../apps/p2p/storage.js";
import { Supernode } from "../../apps/p2p/supernode.js";
import { UdpOverlayTransport } from "../../apps/p2p/udp-transport.js";
import { NS_PER_MS, NS_PER_S } from "../../sim/time.js";
import { defineApp, type MetricValue } from "../registry.js";
import { formatRatio, units } from "../units.js";

/** `p2p-supernodes`: login, replicated storage and lookups over a supernode overlay. */
export const p2pSupernodesApp = defineApp({
  kind: "p2p-supernodes",
  description:
    "A supernode overlay: peers log in, store replicated items, and look items and peers up.",
  fields: {
    supernodes: z.array(z.string()).min(1).meta({ description: "Nodes running a supernode." }),
    peers: z
      .array(z.string())
      .min(2)
      .meta({ description: "Nodes running a peer; the i-th logs in at i x 10ms." }),
    port: z.number().int().min(1).max(65_535).optional().meta({ description: "Default 4000." }),
    k: z.number().int().min(1).optional().meta({ description: "Copies of each item (default 3)." }),
    items: z.number().int().min(1).optional().meta({ description: "Items stored (default 6)." }),
    storeAt: units.duration("When the items are stored, after the start (default 1s).").optional(),
    lookupAt: units
      .duration("When every peer reads every item back, after the start (default 10s).")
      .optional(),
  },
  refs: { supernodes: "node", peers: "node" },
  finite: true,
  metrics: {
    finished: { kind: "boolean", description: "Every lookup has an answer (found or not)." },
    online: { kind: "count", description: "Peers logged in when the lookups start." },
    stored: { kind: "count", description: "Items acknowledged by k holders." },
    lookups: { kind: "count", description: "Item reads and peer lookups made." },
    found: { kind: "count", description: "Lookups that found the item (right value) or peer." },
    lookupSuccess: { kind: "ratio", description: "found / lookups." },
    supernodeFailures: {
      kind: "count",
      description: "Supernodes that the surviving supernodes found dead.",
    },
    migrated: { kind: "count", description: "Peer logins to another supernode after the first." },
    repairs: { kind: "count", description: "Items copied again after a holder was lost." },
  },
  describe: (s) => `${s.supernodes.length} supernodes, ${s.peers.length} peers`,
  start(ctx, s) {
    const sim = ctx.net.sim;
    const port = s.port ?? 4000;
    const k = s.k ?? 3;
    const itemCount = s.items ?? 6;
    const lines: string[] = [];
    const transport = (name: string) =>
      new UdpOverlayTransport(ctx.node(name), sim, ctx.address(name), port);
    const snAddresses = s.supernodes.map((n) => `${ctx.address(n)}:${port}`);
    const supernodes = s.supernodes.map(
      (n, i) => new Supernode(transport(n), { others: snAddresses.filter((_, j) => j !== i) }),
    );
    const peers = s.peers.map(
      (n, i) =>
        new OverlayPeer(transport(n), n, {
          supernodes: snAddresses,
          first: i % snAddresses.length,
        }),
    );
    const stores = peers.map((p) => new ReplicatedStore(p, { k }));
    peers.forEach((p, i) => {
      sim.after((i + 1) * 10 * NS_PER_MS, () => p.login());
    });

    const keys = Array.from({ length: itemCount }, (_, i) => `item-${i}`);
    const itemValue = (key: string) => `value of ${key}`;
    let stored = 0;
    let online = 0;
    let lookups = 0;
    let found = 0;
    let pending = 0;
    let finished = false;
    const done: (() => void)[] = [];
    const finish = () => {
      if (finished) return;
      finished = true;
      lines.push(
        `lookups: ${found} of ${lookups} succeeded (${formatRatio(lookups === 0 ? 0 : found / lookups)})`,
      );
      for (const fn of done) fn();
    };

    sim.after(s.storeAt ?? NS_PER_S, () => {
      keys.forEach((key, i) => {
        const store = stores[i % stores.length]!;
        store.put(key, itemValue(key), (holders) => {
          if (holders.length >= k) stored++;
          lines.push(
            `${(sim.now / NS_PER_S).toFixed(3)} ${store.host.name} stored ${key} on ${holders.join(", ") || "nobody"}`,
          );
        });
      });
    });

    sim.after(s.lookupAt ?? 10 * NS_PER_S, () => {
      online = peers.filter((p) => p.state === "online").length;
      const bySupernode = snAddresses
        .map((a, i) => `${s.supernodes[i]} ${peers.filter((p) => p.supernode === a).length}`)
        .join(", ");
      lines.push(
        `${(sim.now / NS_PER_S).toFixed(3)} ${online} of ${peers.length} peers online (per supernode: ${bySupernode}); every peer reads every item`,
      );
      const answered = (ok: boolean) => {
        if (ok) found++;
        if (--pending === 0) finish();
      };
      peers.forEach((p, i) => {
        if (!p.transport.up) return; // a crashed peer asks nothing
        for (const key of keys) {
          lookups++;
          pending++;
          stores[i]!.get(key, (v) => answered(v === itemValue(key)));
        }
        const other = peers[(i + 1) % peers.length]!;
        lookups++;
        pending++;
        p.lookup(other.name, (e) => answered(e?.name === other.name));
      });
      if (pending === 0) finish();
      // Every request ends in an answer or a timeout; this only bounds a bug's damage.
      sim.after(60 * NS_PER_S, finish);
    });

    const metrics = (): Record<string, MetricValue> => {
      const dead = new Set<string>();
      for (const sn of supernodes) {
        for (const e of sn.events) if (e.kind === "supernode-dead") dead.add(e.peer);
      }
      return {
        finished,
        online,
        stored,
        lookups,
        found,
        lookupSuccess: lookups === 0 ? undefined : found / lookups,
        supernodeFailures: dead.size,
        migrated: peers.reduce((n, p) => n + Math.max(0, p.logins.length - 1), 0),
        repairs: stores.reduce((n, st) => n + st.repairs.length, 0),
      };
    };
    return {
      get finished() {
        return finished;
      },
      onDone(fn) {
        if (finished) fn();
        else done.push(fn);
      },
      output() {
        const timed = [...lines.filter((l) => /^\d/.test(l))];
        for (const sn of supernodes) {
          for (const e of sn.events) {
            if (e.kind === "supernode-dead") {
              timed.push(
                `${(e.time / NS_PER_S).toFixed(3)} supernode ${sn.address} found ${e.peer} dead`,
              );
            }
          }
        }
        for (const p of peers) {
          for (const [time, sn] of p.logins.slice(1)) {
            timed.push(`${(time / NS_PER_S).toFixed(3)} ${p.name} moved to supernode ${sn}`);
          }
        }
        // Stable by time: events of one instant keep the order they were noted in.
        timed.sort((a, b) => Number.parseFloat(a) - Number.parseFloat(b));
        return [
          `p2p-supernodes: supernodes ${snAddresses.join(", ")}; ${peers.length} peers; ${itemCount} items x ${k} copies`,
          ...timed,
          ...lines.filter((l) => !/^\d/.test(l)),
        ];
      },
      metrics,
    };
  },
});
