/**
 * What a link does to packets besides carrying them: loss (independent or bursty), duplication,
 * reordering, corruption and jitter, in the spirit of Linux netem. Each impairment draws from its
 * own named random stream, so turning one on never changes the pattern of another.
 */
import type { RandomStream } from "../sim/random.js";
import type { Simulator } from "../sim/simulator.js";
import type { Nanos } from "../sim/time.js";

/** Gilbert-Elliott bursty loss: a two-state Markov chain, evaluated once per packet. */
export interface GilbertElliott {
  /** Probability of moving from the good to the bad state. */
  p: number;
  /** Probability of moving from the bad back to the good state. */
  r: number;
  /** Loss probability in the good state (default 0). */
  lossGood?: number;
  /** Loss probability in the bad state (default 1). */
  lossBad?: number;
}

export interface Impairments {
  /** Independent (Bernoulli) loss probability per packet. */
  loss?: number;
  /** Bursty loss; applied in addition to `loss`. */
  burstLoss?: GilbertElliott;
  /** Probability that a packet is delivered twice. */
  duplicate?: number;
  /** Fraction of packets held back by `reorderDelay`, so later packets overtake them. */
  reorder?: number;
  /** Extra delay for reordered packets (default 10 ms). */
  reorderDelay?: Nanos;
  /** Probability that one random bit of a packet is flipped. */
  corrupt?: number;
  /** Uniform extra delay in [0, jitter) per packet (can reorder, as netem's does). */
  jitter?: Nanos;
}

/** The verdict for one packet. */
export interface ImpairmentVerdict {
  lost: boolean;
  duplicated: boolean;
  corrupted: boolean;
  /** Extra delay beyond propagation, in ns. */
  extraDelay: Nanos;
}

function checkProbability(name: string, p: number | undefined): void {
  if (p !== undefined && !(p >= 0 && p <= 1)) {
    throw new RangeError(`${name} must be a probability in [0, 1], got ${p}`);
  }
}

/** Validates an impairment set, throwing a RangeError that names the bad field. */
export function validateImpairments(i: Impairments): void {
  checkProbability("loss", i.loss);
  checkProbability("duplicate", i.duplicate);
  checkProbability("reorder", i.reorder);
  checkProbability("corrupt", i.corrupt);
  if (i.burstLoss) {
    checkProbability("burstLoss.p", i.burstLoss.p);
    checkProbability("burstLoss.r", i.burstLoss.r);
    checkProbability("burstLoss.lossGood", i.burstLoss.lossGood);
    checkProbability("burstLoss.lossBad", i.burstLoss.lossBad);
  }
  for (const k of ["reorderDelay", "jitter"] as const) {
    const v = i[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
      throw new RangeError(`${k} must be a non-negative integer number of ns, got ${v}`);
    }
  }
}

/** Per-direction impairment state: the streams and the Gilbert-Elliott chain's state. */
export class ImpairmentState {
  private config: Impairments = {};
  private readonly lossRng: RandomStream;
  private readonly burstRng: RandomStream;
  private readonly dupRng: RandomStream;
  private readonly reorderRng: RandomStream;
  private readonly corruptRng: RandomStream;
  private readonly jitterRng: RandomStream;
  private bad = false;
  private readonly verdict: ImpairmentVerdict = {
    lost: false,
    duplicated: false,
    corrupted: false,
    extraDelay: 0,
  };

  /** `name` identifies the link direction, e.g. "link:r1-r2:r1>r2". */
  constructor(sim: Simulator, name: string, config: Impairments = {}) {
    this.lossRng = sim.rng(`${name}:loss`);
    this.burstRng = sim.rng(`${name}:burst-loss`);
    this.dupRng = sim.rng(`${name}:duplicate`);
    this.reorderRng = sim.rng(`${name}:reorder`);
    this.corruptRng = sim.rng(`${name}:corrupt`);
    this.jitterRng = sim.rng(`${name}:jitter`);
    this.set(config);
  }

  /** The impairments in force. */
  get current(): Readonly<Impairments> {
    return this.config;
  }

  /** Replaces the impairments (at run time too). */
  set(config: Impairments): void {
    validateImpairments(config);
    this.config = { ...config };
  }

  /** True when no impairment is configured, so the fast path can skip `decide`. */
  get none(): boolean {
    const c = this.config;
    return !(c.loss || c.burstLoss || c.duplicate || c.reorder || c.corrupt || c.jitter);
  }

  /**
   * Decides the fate of one packet; corrupts `packet` in place when so decided. The returned
   * object is reused by the next call.
   */
  decide(packet: Uint8Array): ImpairmentVerdict {
    const c = this.config;
    const v = this.verdict;
    v.lost = false;
    v.duplicated = false;
    v.corrupted = false;
    v.extraDelay = 0;
    if (c.loss && this.lossRng.chance(c.loss)) v.lost = true;
    if (c.burstLoss) {
      const ge = c.burstLoss;
      // Move the chain first, then draw the loss for the state it is in.
      this.bad = this.bad ? !this.burstRng.chance(ge.r) : this.burstRng.chance(ge.p);
      const p = this.bad ? (ge.lossBad ?? 1) : (ge.lossGood ?? 0);
      if (this.burstRng.chance(p)) v.lost = true;
    }
    if (v.lost) return v;
    if (c.duplicate && this.dupRng.chance(c.duplicate)) v.duplicated = true;
    if (c.corrupt && packet.length > 0 && this.corruptRng.chance(c.corrupt)) {
      const bit = this.corruptRng.nextInt(packet.length * 8);
      packet[bit >>> 3] = packet[bit >>> 3]! ^ (0x80 >>> (bit & 7));
      v.corrupted = true;
    }
    if (c.jitter) v.extraDelay += Math.floor(this.jitterRng.nextFloat() * c.jitter);
    if (c.reorder && this.reorderRng.chance(c.reorder)) {
      v.extraDelay += c.reorderDelay ?? 10_000_000;
    }
    return v;
  }
}
