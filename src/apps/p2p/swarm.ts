/**
 * Client/server against peer-to-peer distribution of one file, in a round-based block-exchange
 * model (the seeds' capacity argument; Kurose & Ross §2.5): a file of B blocks, a server that
 * uploads `serverSlots` blocks per round, peers that upload one block per round. Client/server:
 * only the server uploads. Swarming: every peer with a block uploads too, rarest block first.
 */
import type { RandomStream } from "../../sim/random.js";
import { Simulator } from "../../sim/simulator.js";

/** Parameters of one comparison. */
export interface SwarmOptions {
  /** Clients (peers) that want the file. */
  clients: number;
  /** Blocks in the file (default 50). */
  blocks?: number;
  /** Blocks the server uploads per round (default 4: its link is 4x a peer's). */
  serverSlots?: number;
  /** Seconds per round: one block at a peer's upload rate (default 1). */
  roundSeconds?: number;
  seed?: number;
}

/** Completion times, in seconds. */
export interface SwarmResult {
  clients: number;
  /** Last client done, client/server. */
  clientServer: number;
  /** Last client done, swarming. */
  peerToPeer: number;
  /** Lower bounds: N·F/u_s, and max(F/u_s, N·F/(u_s + N·u)). */
  clientServerBound: number;
  peerToPeerBound: number;
  /** Mean client completion time, swarming. */
  peerToPeerMean: number;
}

/** Client/server: the server sends blocks round-robin over the clients. */
function clientServerRounds(n: number, blocks: number, slots: number): number {
  return Math.ceil((n * blocks) / slots);
}

/** Swarming: returns each client's completion round. */
function swarmRounds(n: number, blocks: number, slots: number, rng: RandomStream): number[] {
  const have = new Uint8Array(n * blocks);
  const count = new Int32Array(n);
  const copies = new Int32Array(blocks); // for rarest-first
  const done: number[] = new Array<number>(n).fill(0);
  let finished = 0;
  const wants = (to: number, b: number) => have[to * blocks + b] === 0;
  /** The rarest block `from` has (all blocks for the server, from = -1) that `to` lacks. */
  const pick = (from: number, to: number): number => {
    let best = -1;
    for (let b = 0; b < blocks; b++) {
      if (!wants(to, b) || (from >= 0 && have[from * blocks + b] === 0)) continue;
      if (best < 0 || copies[b]! < copies[best]!) best = b;
    }
    return best;
  };
  for (let round = 1; finished < n; round++) {
    const sends: [number, number][] = []; // delivered at the end of the round
    const busy = new Uint8Array(n); // a client downloads at most serverSlots + 1 blocks a round
    const offer = (from: number) => {
      for (let tries = 0; tries < 8; tries++) {
        const to = rng.nextInt(n);
        if (to === from || count[to] === blocks || busy[to]! > slots) continue;
        const b = pick(from, to);
        if (b < 0) continue;
        sends.push([to, b]);
        busy[to]!++;
        copies[b]!++; // count it now, so others pick different blocks
        return;
      }
    };
    for (let s = 0; s < slots; s++) offer(-1);
    for (let p = 0; p < n; p++) if (count[p]! > 0) offer(p);
    for (const [to, b] of sends) {
      if (have[to * blocks + b] === 1) continue;
      have[to * blocks + b] = 1;
      if (++count[to]! === blocks) {
        done[to] = round;
        finished++;
      }
    }
  }
  return done;
}

/** Runs both systems for one client count. */
export function compareDistribution(options: SwarmOptions): SwarmResult {
  const n = options.clients;
  const blocks = options.blocks ?? 50;
  const slots = options.serverSlots ?? 4;
  const sec = options.roundSeconds ?? 1;
  const rng = new Simulator({ seed: options.seed ?? 1 }).rng(`p2p:swarm:${n}`);
  const rounds = swarmRounds(n, blocks, slots, rng);
  return {
    clients: n,
    clientServer: clientServerRounds(n, blocks, slots) * sec,
    peerToPeer: Math.max(...rounds) * sec,
    clientServerBound: ((n * blocks) / slots) * sec,
    peerToPeerBound: Math.max(blocks / slots, (n * blocks) / (slots + n)) * sec,
    peerToPeerMean: (rounds.reduce((a, b) => a + b, 0) / n) * sec,
  };
}
