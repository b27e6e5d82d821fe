import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Simulator } from "../sim/simulator.js";
import { ms, sec } from "../sim/time.js";
import { formatIpv4, parseIpv4Address } from "../wire/address.js";
import { getU16 } from "../wire/bytes.js";
import type { Icmpv4Record } from "../wire/icmpv4.js";
import { emitIpv4, parseIpv4 } from "../wire/ipv4.js";
import { ParseError } from "../wire/parse-error.js";
import { installGlobalRoutes } from "./global-routing.js";
import { fragmentIpv4 } from "./ipv4-fragment.js";
import { Network } from "./network.js";
import type { PacketEvent } from "./packet-events.js";
import { Reassembler } from "./reassembly.js";

const ip = (s: string) => parseIpv4Address(s) as number;

function datagram(size: number, opts: { df?: boolean; options?: Uint8Array[] } = {}): Uint8Array {
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 7) & 0xff;
  return emitIpv4({
    dscp: 0,
    ecn: 0,
    identification: 0x1234,
    dontFragment: opts.df ?? false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol: 17,
    headerChecksum: 0,
    src: ip("10.0.0.1"),
    dst: ip("10.0.0.2"),
    // Type 0x07 (record route, not copied) and 0x83 (loose source route, copied).
    options: (opts.options ?? []).map((d, i) => ({
      kind: "option" as const,
      type: i === 0 ? 0x07 : 0x83,
      data: d,
    })),
    payload,
  });
}

describe("IPv4 fragmentation (RFC 791 §3.2)", () => {
  it("splits into 8-byte-aligned pieces within the MTU that reassemble to the original", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9000 }),
        fc.integer({ min: 68, max: 1500 }),
        fc.boolean(),
        (size, mtu, withOptions) => {
          const opts = withOptions ? { options: [new Uint8Array(6), new Uint8Array(2)] } : {};
          const d = datagram(size, opts);
          const frags = fragmentIpv4(d, mtu);
          if (d.length <= mtu) {
            expect(frags).toEqual([d]);
            return;
          }
          const sim = new Simulator();
          let done: Uint8Array | undefined;
          const r = new Reassembler(sim, {
            complete: (_h, payload) => (done = payload),
            timedOut: () => {},
          });
          // Deliver in reverse order to exercise the hole list.
          for (const f of [...frags].reverse()) {
            expect(f.length).toBeLessThanOrEqual(mtu);
            const rec = parseIpv4(f);
            expect(rec).not.toBeInstanceOf(ParseError); // header checksum is valid
            if (rec instanceof ParseError) return;
            if (rec.moreFragments) expect(rec.payload.length % 8).toBe(0);
            // Only the copied option survives past the first fragment.
            if (withOptions && rec.fragmentOffset > 0)
              expect(rec.options.map((o) => o.kind === "option" && o.type)).toEqual([0x83]);
            r.add(
              "k",
              f.subarray(0, f.length - rec.payload.length),
              rec.fragmentOffset * 8,
              rec.payload,
              rec.moreFragments,
              f,
            );
          }
          expect(done).toEqual((parseIpv4(d) as { payload: Uint8Array }).payload);
          expect(r.inProgress).toBe(0);
          expect(r.bytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reassembles with duplicates and overlaps, and refuses bad fragments", () => {
    const sim = new Simulator();
    const done: Uint8Array[] = [];
    const r = new Reassembler(sim, { complete: (_h, p) => done.push(p), timedOut: () => {} });
    const h = new Uint8Array(20);
    const piece = (n: number, v: number) => new Uint8Array(n).fill(v);
    expect(r.add("a", h, 0, piece(7, 1), true, h)).toBe(false); // non-final, not a multiple of 8
    expect(r.inProgress).toBe(0);
    r.add("a", h, 8, piece(8, 2), true, h);
    r.add("a", h, 8, piece(8, 2), true, h); // duplicate
    r.add("a", h, 16, piece(3, 3), false, h);
    expect(r.add("a", h, 24, piece(8, 4), true, h)).toBe(false); // past the known end
    expect(done).toHaveLength(0);
    r.add("a", h, 0, piece(8, 1), true, h);
    expect(done).toEqual([
      new Uint8Array([1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3]),
    ]);
  });

  it("frees buffers on timeout and enforces the byte budget", () => {
    const sim = new Simulator();
    const timeouts: (Uint8Array | undefined)[] = [];
    const r = new Reassembler(
      sim,
      { complete: () => {}, timedOut: (first) => timeouts.push(first) },
      { timeout: sec(30), maxBytes: 100 },
    );
    const h = new Uint8Array(20);
    expect(r.add("x", h, 8, new Uint8Array(64), true, h)).toBe(true);
    expect(r.add("y", h, 0, new Uint8Array(64), true, h)).toBe(false); // 128 > 100
    expect(r.refused).toBe(1);
    expect(r.bytes).toBe(64);
    sim.run();
    expect(sim.now).toBe(sec(30));
    expect(timeouts).toEqual([undefined]); // fragment zero never came: no ICMP
    expect(r.bytes).toBe(0);
    expect(r.inProgress).toBe(0);
  });
});

/** h1 -- r1 -(MTU 576)- r2 -- h2 */
function narrowPath(loss = 0): Network {
  const net = new Network({ seed: 3 });
  net.addHost("h1");
  net.addHost("h2");
  net.addRouter("r1");
  net.addRouter("r2");
  net.connect("h1", "r1", { delay: ms(1), addresses: ["10.0.1.1/24", "10.0.1.2/24"] });
  net.connect("r1", "r2", {
    delay: ms(1),
    mtu: 576,
    addresses: ["10.0.2.1/24", "10.0.2.2/24"],
    impairments: { loss },
  });
  net.connect("r2", "h2", { delay: ms(1), addresses: ["10.0.3.1/24", "10.0.3.2/24"] });
  installGlobalRoutes(net);
  return net;
}

describe("fragmentation across a network", () => {
  it("fragments at the router before the narrow link and reassembles at the destination", () => {
    const net = narrowPath();
    const events: PacketEvent[] = [];
    net.events.subscribe((e) => events.push(e));
    const replies: Icmpv4Record[] = [];
    net.node("h1").ipv4.onIcmp((m) => replies.push(m));
    const data = new Uint8Array(3000).map((_, i) => i & 0xff);
    net.node("h1").ipv4.sendIcmp(ip("10.0.3.2"), {
      type: "echo-request",
      checksum: 0,
      identifier: 9,
      sequence: 1,
      data,
    });
    net.sim.run();
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ type: "echo-reply", identifier: 9 });
    expect((replies[0] as { data: Uint8Array }).data).toEqual(data);
    // h1 sends 3028 bytes as fragments of 1480 + 1480 + 48 payload bytes; r1 cuts each 1480-byte
    // piece again into 552 + 552 + 376 for the 576-byte link: 7 fragments from r1.
    const onNarrow = events.filter(
      (e) => e.kind === "transmit" && e.link === "r1-r2" && e.node === "r1",
    );
    expect(onNarrow.map((e) => e.packet.length - 20)).toEqual([552, 552, 376, 552, 552, 376, 48]);
    expect(onNarrow.every((e) => e.packet.length <= 576)).toBe(true);
  });

  it("answers DF with fragmentation needed carrying the next-hop MTU (RFC 1191)", () => {
    const net = narrowPath();
    const got: { from: string; msg: Icmpv4Record }[] = [];
    net.node("h1").ipv4.onIcmp((msg, d) => got.push({ from: formatIpv4(d.src), msg }));
    net.node("h1").ipv4.sendIcmp(
      ip("10.0.3.2"),
      {
        type: "echo-request",
        checksum: 0,
        identifier: 1,
        sequence: 1,
        data: new Uint8Array(1000),
      },
      { dontFragment: true },
    );
    net.sim.run();
    expect(got).toHaveLength(1);
    expect(got[0]!.from).toBe("10.0.1.2");
    expect(got[0]!.msg).toMatchObject({
      type: "destination-unreachable",
      code: 4,
      nextHopMtu: 576,
    });
  });

  it("loses the datagram when a fragment is lost, frees the buffer on timeout and reports it", () => {
    const net = narrowPath();
    // Drop the second fragment on the narrow link only.
    let seen = 0;
    net.faults.add({
      name: "drop 2nd fragment",
      decide: (p) => (p.link === "r1-r2" && p.from === "r1" && ++seen === 2 ? "drop" : "pass"),
    });
    const got: Icmpv4Record[] = [];
    net.node("h1").ipv4.onIcmp((m) => got.push(m));
    const events: PacketEvent[] = [];
    net.events.subscribe((e) => events.push(e));
    net.node("h1").ipv4.sendIcmp(ip("10.0.3.2"), {
      type: "echo-request",
      checksum: 0,
      identifier: 2,
      sequence: 1,
      data: new Uint8Array(2000),
    });
    net.sim.runUntil(sec(10));
    expect(net.node("h2").ipv4.reassembler.inProgress).toBe(1);
    net.sim.run();
    expect(net.node("h2").ipv4.reassembler.inProgress).toBe(0);
    expect(net.node("h2").ipv4.reassembler.bytes).toBe(0);
    // No reply; a time exceeded (reassembly, code 1) from h2 instead, quoting fragment zero.
    expect(got.map((m) => [m.type, (m as { code?: number }).code])).toEqual([["time-exceeded", 1]]);
    const quoted = (got[0] as { original: Uint8Array }).original;
    expect(getU16(quoted, 6) & 0x1fff).toBe(0);
    expect(
      events.some((e) => e.kind === "drop" && e.reason === "reassembly-timeout" && e.node === "h2"),
    ).toBe(true);
  });
});
