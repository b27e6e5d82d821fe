/**
 * Kademlia's iterative node lookup (§2.3): keep a shortlist sorted by XOR distance to the
 * target, keep up to α queries in flight to the closest unqueried contacts, merge the contacts
 * each reply names, and stop when the k closest have all answered (or, looking for a value or a
 * particular node, as soon as it is found). Each contact carries its hop depth: 1 for contacts
 * from our own table, one more than the contact that named it otherwise.
 */
import { xorDistance } from "./ids.js";
import type { Contact } from "./routing-table.js";

/** What the lookup asks of each contact: calls `done` with its reply, or undefined on timeout. */
export type QueryFn = (contact: Contact, done: (reply: QueryReply | undefined) => void) => void;

/** A contact's answer: closer contacts, or the value when looking one up. */
export interface QueryReply {
  contacts: Contact[];
  /** Present when the contact holds the value (FIND_VALUE). */
  value?: string;
  /** True when the lookup should stop here (the value, or the sought node, was reached). */
  found?: boolean;
}

/** The outcome of one lookup. */
export interface DhtLookupResult {
  /** The k closest contacts that answered, nearest first. */
  closest: Contact[];
  /** The value, for a FIND_VALUE that found one. */
  value?: string;
  /** True when a contact reported `found`. */
  found: boolean;
  /** Hop depth of the contact that answered with `found`, else of the nearest that answered. */
  hops: number;
  /** Queries sent, and queries that timed out. */
  queries: number;
  failures: number;
}

interface Candidate {
  contact: Contact;
  distance: number;
  depth: number;
  state: "new" | "asked" | "answered" | "failed";
}

/** Runs one iterative lookup; `finish` is called exactly once. */
export function iterativeLookup(
  target: number,
  seeds: readonly Contact[],
  k: number,
  alpha: number,
  query: QueryFn,
  finish: (r: DhtLookupResult) => void,
  exclude?: number,
): void {
  const list: Candidate[] = [];
  const known = new Set<number>();
  let inFlight = 0;
  let queries = 0;
  let failures = 0;
  let over = false;
  const cap = 4 * k;

  const add = (c: Contact, depth: number) => {
    if (known.has(c.id) || c.id === exclude) return;
    known.add(c.id);
    const distance = xorDistance(c.id, target);
    // Beyond 4k candidates, keep only the nearer ones: a lookup never reaches the rest.
    if (list.length >= cap && list[list.length - 1]!.distance < distance) return;
    const cand: Candidate = { contact: c, distance, depth, state: "new" };
    let i = list.length;
    while (i > 0 && list[i - 1]!.distance > cand.distance) i--;
    list.splice(i, 0, cand);
    if (list.length > cap) list.pop();
  };

  const end = (found: Candidate | undefined, value: string | undefined) => {
    over = true;
    const answered = list.filter((c) => c.state === "answered").slice(0, k);
    const hops = found?.depth ?? answered[0]?.depth ?? 0;
    const r: DhtLookupResult = {
      closest: answered.map((c) => c.contact),
      found: found !== undefined,
      hops,
      queries,
      failures,
    };
    if (value !== undefined) r.value = value;
    finish(r);
  };

  const pump = () => {
    if (over) return;
    // Candidates among the k closest that have not failed; ask the unasked ones, α at a time.
    let live = 0;
    let pendingInTopK = false;
    for (const c of list) {
      if (c.state === "failed") continue;
      if (live >= k) break;
      live++;
      if (c.state === "new") {
        if (inFlight >= alpha) {
          pendingInTopK = true;
          continue;
        }
        ask(c);
      }
      if (c.state === "asked") pendingInTopK = true;
    }
    if (!pendingInTopK && inFlight === 0) end(undefined, undefined);
  };

  const ask = (c: Candidate) => {
    c.state = "asked";
    inFlight++;
    queries++;
    query(c.contact, (reply) => {
      inFlight--;
      if (over) return;
      if (reply === undefined) {
        c.state = "failed";
        failures++;
      } else {
        c.state = "answered";
        if (reply.found === true) {
          end(c, reply.value);
          return;
        }
        for (const n of reply.contacts) add(n, c.depth + 1);
      }
      pump();
    });
  };

  for (const s of seeds) add(s, 1);
  pump();
}
