/**
 * Hole punching between every pair of NAT types, with a relay fallback. What the NAT model
 * predicts: a check from A reaches B only if B's NAT admits A's source endpoint. With
 * endpoint-independent mapping a peer's packets to the other peer leave from the reflexive
 * endpoint the server saw, so once both have sent, any filter admits them: every pair of
 * non-symmetric NATs (and no NAT) connects directly. A symmetric NAT sends to the peer from a
 * fresh external port that nobody has learned. Its checks still pass an endpoint-independent
 * or address-dependent filter (full cone, address-restricted), or no NAT; the answer and a
 * triggered check back to that source then open the path. A port-restricted or symmetric NAT
 * on the other side admits only endpoints it has sent to, and neither side can name the fresh
 * port, so symmetric with port-restricted and symmetric with symmetric must relay.
 */
import { describe, expect, it } from "vitest";
import { RendezvousServer } from "../src/apps/p2p/rendezvous-server.js";
import { type TraversalPath, TraversalPeer } from "../src/apps/p2p/traversal-peer.js";
import { sec } from "../src/sim/time.js";
import { LAB_NAT_TYPES, type LabNatType, SERVER, traversalLab } from "./support/traversal-lab.js";

const RELAYED = new Set([
  "port-restricted|symmetric",
  "symmetric|port-restricted",
  "symmetric|symmetric",
]);
const predicted = (a: LabNatType, b: LabNatType): TraversalPath =>
  RELAYED.has(`${a}|${b}`) ? "relay" : "direct";

function exchange(a: LabNatType, b: LabNatType) {
  const lab = traversalLab(a, b);
  const rv = new RendezvousServer(lab.server);
  const alice = new TraversalPeer(lab.alice, { id: "alice", server: `${SERVER}:3478` });
  const bob = new TraversalPeer(lab.bob, { id: "bob", server: `${SERVER}:3478` });
  bob.onMessage((m) => bob.send(m.from, `re: ${m.data}`));
  lab.net.sim.runUntil(sec(1));
  alice.send("bob", "hello bob"); // connects first, then sends on the path found
  lab.net.sim.runUntil(sec(10));
  return { lab, rv, alice, bob };
}

const pairs = LAB_NAT_TYPES.flatMap((a) => LAB_NAT_TYPES.map((b) => [a, b] as const));

describe("NAT traversal over every pair of NAT types", () => {
  it.each(pairs)("%s -- %s", (a, b) => {
    const { lab, alice, bob, rv } = exchange(a, b);
    const want = predicted(a, b);
    expect([alice.link("bob")?.state, bob.link("alice")?.state]).toEqual([want, want]);
    expect(bob.received.map((m) => [m.from, m.data, m.path])).toEqual([
      ["alice", "hello bob", want],
    ]);
    expect(alice.received.map((m) => [m.from, m.data, m.path])).toEqual([
      ["bob", "re: hello bob", want],
    ]);
    expect(rv.stats.relayed).toBe(want === "relay" ? 2 : 0);
    // Where punching failed, the NATs really refused the checks.
    if (want === "relay")
      expect(lab.nats.map((n) => n.counters.filtered > 0)).toEqual([true, true]);
  });

  it("matches the prediction table", () => {
    const table = LAB_NAT_TYPES.map((a) =>
      LAB_NAT_TYPES.map((b) =>
        exchange(a, b).alice.link("bob")?.state === "direct" ? "D" : "R",
      ).join(""),
    );
    // rows alice, columns bob: none, full-cone, address-restricted, port-restricted, symmetric
    expect(table).toEqual(["DDDDD", "DDDDD", "DDDDD", "DDDDR", "DDDRR"]);
  });
});
