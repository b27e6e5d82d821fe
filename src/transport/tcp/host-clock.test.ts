// TCP keeps time by its host's monotonic clock: on a host whose oscillator runs 1 % fast, TSvals
// on the wire, the RTO and TIME-WAIT all run 1 % fast in true time; a clock step (which the
// monotonic clock ignores) changes nothing at all in a transfer.
import { describe, expect, it } from "vitest";
import type { HostClockOptions } from "../../sim/host-clock.js";
import { ms, sec } from "../../sim/time.js";
import { ParseError } from "../../wire/parse-error.js";
import { NOP_OPTION, parseTcpOptions, type TcpOption } from "../../wire/tcp-options.js";
import { TransportError } from "../errors.js";
import type { TcpConnection } from "./connection.js";
import { type Captured, PacketScript } from "./packet-script.js";
import { PEER_SYN, TO_CLIENT } from "./script-helpers.test-support.js";
import { tcp } from "./tcp-layer.js";
import { bulkTransfer, chain } from "./transfer.test-support.js";

/** 1 % fast: the host counts 1.01 s for every true second. */
const FAST = 10_000;
const RATE = 1 + FAST * 1e-6;

const ts = (tsval: number, tsecr = 0): TcpOption[] => [
  NOP_OPTION,
  NOP_OPTION,
  { kind: "timestamps", tsval, tsecr },
];

/**
 * The TSval of a captured IPv4 datagram, read from its bytes: IHL, then the TCP data offset,
 * then the option area (RFC 9293 §3.1, RFC 7323 §3).
 */
function tsvalOnWire(c: Captured): number {
  const p = c.packet;
  const ihl = (p[0]! & 0x0f) * 4;
  const doff = (p[ihl + 12]! >> 4) * 4;
  const opts = parseTcpOptions(p, ihl + 20, ihl + doff);
  if (opts instanceof ParseError) throw new Error(opts.message);
  const t = opts.find((o) => o.kind === "timestamps");
  if (t === undefined || t.kind !== "timestamps") throw new Error("no timestamps option");
  return t.tsval;
}

/** A script whose host has the given clock, and a client connection from it to the peer. */
function client(
  clock: HostClockOptions,
  timestamps: boolean,
): { s: PacketScript; conn: TcpConnection } {
  const s = new PacketScript();
  s.host.clock.configure(clock);
  const conn = tcp(s.host).connect(
    { address: s.peerAddress, port: 80, localPort: 5000 },
    { timestamps },
  );
  if (conn instanceof TransportError) throw new Error(conn.message);
  return { s, conn };
}

/** Completes the client's handshake (the peer answers its SYN) and consumes the captures. */
function establish(s: PacketScript, timestamps: boolean): void {
  s.run(ms(15));
  s.nextRaw();
  s.inject("S.", {
    ...TO_CLIENT,
    seq: 0,
    ack: 1,
    options: [...PEER_SYN, ...(timestamps ? ts(1) : [])],
  });
  s.run(ms(25)); // 10 ms there, 10 ms back
  s.nextRaw();
}

/** Simulation instants (relative to the first) of the segments carrying data. */
function dataTimes(s: PacketScript): number[] {
  const times: number[] = [];
  for (let c = s.nextRaw(); c !== undefined; c = s.nextRaw()) {
    if (c.seg.payload.length > 0) times.push(c.time);
  }
  return times.map((t) => t - times[0]!);
}

describe("TCP on a host clock 1 % fast", () => {
  /** Writes a byte every 10 s of true time for 100 s; the TSvals of the data segments. */
  function tsvals(driftPpm: number): { tsval: number; time: number }[] {
    const { s, conn } = client({ driftPpm }, true);
    establish(s, true);
    const out: { tsval: number; time: number }[] = [];
    for (let i = 0; i <= 10; i++) {
      conn.write(new Uint8Array([i]));
      s.run(ms(20));
      const c = s.nextRaw()!;
      expect(c.seg.payload.length).toBe(1);
      out.push({ tsval: tsvalOnWire(c), time: c.time });
      s.inject(".", { ...TO_CLIENT, seq: 1, ack: 2 + i, options: ts(2 + i, tsvalOnWire(c)) });
      s.run(sec(10) - ms(20));
    }
    return out;
  }

  it("sends TSvals that advance 1 % faster than true time (RFC 7323 §5.4 clock on the host's oscillator)", () => {
    const fast = tsvals(FAST);
    const perfect = tsvals(0);
    const span = (xs: { tsval: number; time: number }[]) => ({
      ms: (xs.at(-1)!.time - xs[0]!.time) / 1e6,
      ticks: (xs.at(-1)!.tsval - xs[0]!.tsval) >>> 0,
    });
    const f = span(fast);
    const p = span(perfect);
    expect(f.ms).toBe(100_000);
    expect(p.ms).toBe(100_000);
    // The ms clock is truncated at both ends, so each count is within one tick.
    expect(Math.abs(p.ticks - 100_000)).toBeLessThanOrEqual(1);
    expect(Math.abs(f.ticks - 101_000)).toBeLessThanOrEqual(1);
    // Every 10 s of true time is 10.1 s of the host's.
    for (let i = 1; i < fast.length; i++) {
      const d = (fast[i]!.tsval - fast[i - 1]!.tsval) >>> 0;
      expect(Math.abs(d - 10_100)).toBeLessThanOrEqual(1);
    }
  });

  it("fires the RTO after RTO of local time, i.e. RTO/1.01 of true time, on a blackholed path", () => {
    const run = (driftPpm: number) => {
      const { s, conn } = client({ driftPpm }, false);
      establish(s, false);
      expect(conn.info.rto).toBe(sec(1)); // RFC 6298 (2.4): the 1 s floor
      conn.write(new Uint8Array(100));
      s.run(sec(20)); // the peer never acknowledges
      return { times: dataTimes(s), rto: conn.info.rto };
    };
    const perfect = run(0);
    expect(perfect.times).toEqual([0, sec(1), sec(3), sec(7), sec(15)]);
    const fast = run(FAST);
    // Backoff doubles 1, 2, 4, 8 s of local time (RFC 6298 (5.5)), each deadline a whole ns.
    const local = [0, sec(1), sec(3), sec(7), sec(15), sec(31)];
    const expected = local.map((l) => Math.ceil(l / RATE)).filter((t) => t <= sec(20));
    expect(fast.times.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      expect(Math.abs(fast.times[i]! - expected[i]!)).toBeLessThanOrEqual(1);
    }
    expect(fast.times[1]).toBeLessThan(sec(1) - ms(9));
    expect(fast.rto).toBe(perfect.rto);
  });

  it("keeps TIME-WAIT for 2·MSL of local time (RFC 9293 §3.10.7.4)", () => {
    const run = (driftPpm: number) => {
      const { s, conn } = client({ driftPpm }, false);
      const changes: { to: string; at: number }[] = [];
      tcp(s.host).onTrace((_c, ch) => changes.push({ to: ch.to, at: s.net.sim.now }));
      establish(s, false);
      conn.end();
      s.run(ms(15));
      s.nextRaw(); // our FIN
      s.inject("F.", { ...TO_CLIENT, seq: 1, ack: 2 });
      s.run(sec(100));
      const tw = changes.find((c) => c.to === "TIME-WAIT")!;
      const closed = changes.find((c) => c.to === "CLOSED")!;
      const hist = conn.history;
      const localTw =
        hist.find((c) => c.to === "CLOSED")!.time - hist.find((c) => c.to === "TIME-WAIT")!.time;
      return { trueTw: closed.at - tw.at, localTw, state: conn.state };
    };
    const perfect = run(0);
    expect(perfect).toEqual({ trueTw: sec(60), localTw: sec(60), state: "CLOSED" });
    const fast = run(FAST);
    expect(fast.localTw).toBe(sec(60));
    expect(Math.abs(fast.trueTw - Math.ceil(sec(60) / RATE))).toBeLessThanOrEqual(1);
    expect(fast.state).toBe("CLOSED");
  });
});

describe("TCP and clock steps", () => {
  /** A 2 MB transfer over three lossy hops; both hosts' clocks as given. */
  function transfer(a: HostClockOptions, b: HostClockOptions) {
    const { net, bAddress } = chain({ impairments: { loss: 0.01 } });
    net.node("a").clock.configure(a);
    net.node("b").clock.configure(b);
    const r = bulkTransfer(net, bAddress, { bytes: 2_000_000, client: { timestamps: true } });
    net.sim.run();
    const st = r.client.stats;
    return { r, sent: [st.retransmits, st.timeouts, st.bytesSent] };
  }

  it("a step back by an hour (and one forward) mid-transfer disturbs nothing, byte for byte", () => {
    const plain = transfer({}, {});
    expect(plain.r.received).toBe(2_000_000);
    expect(plain.r.intact).toBe(true);
    expect(plain.r.client.stats.retransmits).toBeGreaterThan(0); // the loss is exercised
    const stepped = transfer(
      { offset: sec(5), steps: [{ at: ms(300), by: -sec(3600) }] },
      { steps: [{ at: ms(450), by: sec(3600) }] },
    );
    expect(stepped.r.received).toBe(2_000_000);
    expect(stepped.r.intact).toBe(true);
    expect(stepped.r.errors).toEqual([]);
    expect(stepped.r.ended).toBe(true);
    // The steps happen during the transfer, and the monotonic clock ignores them: same
    // completion instant, same retransmissions, same bytes.
    expect(stepped.r.doneAt).toBeGreaterThan(ms(450));
    expect(stepped.r.doneAt).toBe(plain.r.doneAt);
    expect(stepped.sent).toEqual(plain.sent);
    expect(stepped.r.client.history).toEqual(plain.r.client.history);
  });
});
