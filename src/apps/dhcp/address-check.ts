/**
 * IPv4 address conflict detection (RFC 5227) for an address a host is about to use: wait a random
 * time, send ARP probes at random intervals, and if no other host claims the address during the
 * probes and a final wait, report it free and announce it. A conflict is any ARP packet from
 * another host whose sender is the address, or another host's probe for it (§2.1.1). The DHCP
 * client runs one before using a leased address (RFC 2131 §4.4.1). Timings are configurable so
 * that labs can run scaled down; the defaults are the RFC's. Defending an address once in use
 * (§2.4) is not done here.
 */
import type { ArpResolver } from "../../net/arp.js";
import type { HostClock } from "../../sim/host-clock.js";
import type { LocalTimer } from "../../sim/local-timer.js";
import type { RandomStream } from "../../sim/random.js";
import { type Nanos, NS_PER_S } from "../../sim/time.js";
import type { Ipv4 } from "../../wire/address.js";
import type { ArpRecord } from "../../wire/arp.js";
import type { Mac } from "../../wire/mac.js";

/** The constants of RFC 5227 §1.1 that probing and announcing use. */
export interface AddressCheckTimings {
  /** Upper bound of the random wait before the first probe (PROBE_WAIT, 1 s). */
  probeWait: Nanos;
  /** Probes sent (PROBE_NUM, 3). */
  probeNum: number;
  /** Bounds of the random gap between probes (PROBE_MIN 1 s, PROBE_MAX 2 s). */
  probeMin: Nanos;
  probeMax: Nanos;
  /** Wait after the last probe before the address counts as free (ANNOUNCE_WAIT, 2 s). */
  announceWait: Nanos;
  /** Announcements sent once the address is in use (ANNOUNCE_NUM, 2). */
  announceNum: number;
  /** Gap between announcements (ANNOUNCE_INTERVAL, 2 s). */
  announceInterval: Nanos;
}

/** RFC 5227 §1.1 defaults. */
export const RFC5227_TIMINGS: Readonly<AddressCheckTimings> = Object.freeze({
  probeWait: NS_PER_S,
  probeNum: 3,
  probeMin: NS_PER_S,
  probeMax: 2 * NS_PER_S,
  announceWait: 2 * NS_PER_S,
  announceNum: 2,
  announceInterval: 2 * NS_PER_S,
});

/** RFC 5227 §1.1 MAX_CONFLICTS and RATE_LIMIT_INTERVAL: after 10 conflicts, one try a minute. */
export const ACD_MAX_CONFLICTS = 10;
export const ACD_RATE_LIMIT_INTERVAL = 60 * NS_PER_S;

/** The RFC timings with `scale` applied to every duration (counts unchanged). */
export function scaledAddressCheckTimings(
  scale: number,
  base = RFC5227_TIMINGS,
): AddressCheckTimings {
  const t = (n: Nanos) => Math.round(n * scale);
  return {
    ...base,
    probeWait: t(base.probeWait),
    probeMin: t(base.probeMin),
    probeMax: t(base.probeMax),
    announceWait: t(base.announceWait),
    announceInterval: t(base.announceInterval),
  };
}

export interface AddressCheckEvents {
  /** Another host uses or wants the address: probing stopped. */
  conflict(arp: ArpRecord): void;
  /** No conflict: configure the address now; announcements follow. */
  free(): void;
}

export type AddressCheckPhase = "idle" | "probing" | "announcing" | "done" | "conflict";

/** One run of probe, wait, announce for one address on one interface. */
export class AddressCheck {
  private phase: AddressCheckPhase = "idle";
  private sent = 0;
  private readonly timer: LocalTimer;
  private unwatch: (() => void) | undefined;

  constructor(
    /** The host's clock: RFC 5227's waits are the host's own. */
    clock: HostClock,
    private readonly arp: ArpResolver,
    /** The interface's own MAC, so its own probes are not taken for another host's. */
    private readonly mac: Mac,
    readonly address: Ipv4,
    private readonly rng: RandomStream,
    readonly timings: AddressCheckTimings,
    private readonly on: AddressCheckEvents,
  ) {
    this.timer = clock.timer(() => this.step());
  }

  get state(): AddressCheckPhase {
    return this.phase;
  }

  /** Starts probing (RFC 5227 §2.1.1: first a random wait in [0, PROBE_WAIT]). */
  start(): this {
    if (this.phase !== "idle") return this;
    this.phase = "probing";
    this.unwatch = this.arp.watch(this.address, (a) => this.heard(a));
    this.timer.set(this.uniform(0, this.timings.probeWait));
    return this;
  }

  /** Stops probing or announcing (the lease went away, the node crashed). */
  cancel(): void {
    this.timer.cancel();
    this.stopWatching();
    if (this.phase === "probing" || this.phase === "announcing") this.phase = "done";
  }

  private step(): void {
    const t = this.timings;
    if (this.phase === "probing") {
      if (this.sent < t.probeNum) {
        this.arp.probe(this.address);
        this.sent++;
        // §2.1.1: probes PROBE_MIN..PROBE_MAX apart; ANNOUNCE_WAIT after the last one.
        const last = this.sent === t.probeNum;
        this.timer.set(last ? t.announceWait : this.uniform(t.probeMin, t.probeMax));
        return;
      }
      // §2.1.1: no conflict by the end of ANNOUNCE_WAIT: the address may be used.
      this.phase = "announcing";
      this.stopWatching();
      this.sent = 0;
      this.on.free();
      if (this.phase !== "announcing") return; // cancelled from the callback
    }
    if (this.phase === "announcing") {
      // §2.3: ANNOUNCE_NUM announcements, ANNOUNCE_INTERVAL apart.
      if (this.sent < t.announceNum) {
        this.arp.announce(this.address);
        this.sent++;
      }
      if (this.sent < t.announceNum) this.timer.set(t.announceInterval);
      else this.phase = "done";
    }
  }

  /** §2.1.1: a conflict is the address as sender, or another host probing for it. */
  private heard(a: ArpRecord): void {
    if (this.phase !== "probing") return;
    const fromOther = a.senderMac !== this.mac;
    const probe = a.senderIp === 0 && a.targetIp === this.address;
    if (!(a.senderIp === this.address || (probe && fromOther))) return;
    this.phase = "conflict";
    this.timer.cancel();
    this.stopWatching();
    this.on.conflict(a);
  }

  private stopWatching(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }

  /** A uniform time in [lo, hi], from the seeded stream. */
  private uniform(lo: Nanos, hi: Nanos): Nanos {
    return hi <= lo ? lo : lo + Math.floor(this.rng.nextFloat() * (hi - lo));
  }
}
