// End-to-end TCP in a simulated network: byte-exact bulk transfers under every impairment,
// loss recovery shown in the statistics, flow control with a slow reader, IPv6, PMTUD.
import { describe, expect, it } from "vitest";
import { ms, sec } from "../src/sim/time.js";
import { TCP_LINUX_MIN_RTO } from "../src/transport/tcp/config.js";
import type { TcpConnection } from "../src/transport/tcp/connection.js";
import { bulkTransfer, chain, streamByte } from "../src/transport/tcp/transfer.test-support.js";

const MB = 1 << 20;

describe("10 MB bulk transfer arrives byte-exact", () => {
  // Linux's 200 ms minimum RTO keeps the heavy-loss runs short in simulated time.
  const client = { minRto: TCP_LINUX_MIN_RTO };
  const cases = [
    ["no impairment", {}],
    ["loss 1%", { loss: 0.01 }],
    ["loss 5%", { loss: 0.05 }],
    ["loss 10%", { loss: 0.1 }],
    ["loss 20%", { loss: 0.2 }],
    ["duplication 5%", { duplicate: 0.05 }],
    ["reordering 5%", { reorder: 0.05, reorderDelay: ms(7) }],
    ["corruption 2%", { corrupt: 0.02 }],
    ["jitter 4 ms", { jitter: ms(4) }],
    [
      "every impairment at once",
      { loss: 0.02, duplicate: 0.02, reorder: 0.02, corrupt: 0.01, jitter: ms(2) },
    ],
  ] as const;
  for (const [name, impairments] of cases) {
    it(`with ${name}`, () => {
      const { net, bAddress } = chain({ seed: 11, impairments });
      const r = bulkTransfer(net, bAddress, { bytes: 10 * MB, client });
      net.sim.runUntil(sec(3600));
      expect(r.errors).toEqual([]);
      expect(r.received).toBe(10 * MB);
      expect(r.intact).toBe(true);
      expect(r.ended).toBe(true);
      expect(r.client.history.map((h) => h.to)).toEqual([
        "SYN-SENT",
        "ESTABLISHED",
        "FIN-WAIT-1",
        "FIN-WAIT-2",
        "TIME-WAIT",
        "CLOSED",
      ]);
    });
  }

  it("counts what the impairments did", () => {
    const { net, bAddress } = chain({
      seed: 5,
      impairments: { loss: 0.02, duplicate: 0.02, reorder: 0.02, corrupt: 0.01 },
    });
    let badChecksums = 0;
    net.events.subscribe((e) => {
      if (e.kind === "drop" && e.reason === "bad-checksum") badChecksums++;
    });
    const r = bulkTransfer(net, bAddress, { bytes: 4 * MB });
    net.sim.runUntil(sec(600));
    expect(r.intact && r.received === 4 * MB).toBe(true);
    expect(r.client.stats.retransmits).toBeGreaterThan(0);
    expect(r.server!.stats.duplicateSegments).toBeGreaterThan(0);
    expect(r.server!.stats.outOfOrderSegments).toBeGreaterThan(0);
    expect(badChecksums).toBeGreaterThan(0); // corrupted segments were caught and dropped
  });
});

describe("IPv6", () => {
  it("carries a transfer over IPv6", () => {
    const { net, bAddress6 } = chain({ seed: 3, ipv6: true, impairments: { loss: 0.01 } });
    const r = bulkTransfer(net, bAddress6, { bytes: 2 * MB, ipv6: true });
    net.sim.runUntil(sec(300));
    expect(r.received).toBe(2 * MB);
    expect(r.intact).toBe(true);
    expect(r.client.info.mss).toBe(1440); // 1500 - 40 (IPv6) - 20 (TCP)
  });
});

describe("loss recovery", () => {
  it("repairs light random loss by fast retransmit (SACK), rarely by timeout", () => {
    const { net, bAddress } = chain({ seed: 2, impairments: { loss: 0.01 } });
    const r = bulkTransfer(net, bAddress, { bytes: 4 * MB });
    net.sim.runUntil(sec(300));
    expect(r.intact && r.received === 4 * MB).toBe(true);
    const st = r.client.stats;
    expect(st.fastRetransmits).toBeGreaterThan(5);
    expect(st.sackRecoveries).toBe(st.fastRetransmits);
    expect(st.timeouts).toBeLessThan(st.fastRetransmits);
    // The series recorded the losses: cwnd fell at least once.
    const cwnd = r.client.series.column("cwnd");
    let fell = false;
    for (let i = 1; i < cwnd.length; i++) if (cwnd[i]! < cwnd[i - 1]!) fell = true;
    expect(fell).toBe(true);
  });

  it("repairs without SACK by NewReno fast recovery", () => {
    const { net, bAddress } = chain({ seed: 2, impairments: { loss: 0.01 } });
    const r = bulkTransfer(net, bAddress, { bytes: 2 * MB, client: { sack: false } });
    net.sim.runUntil(sec(300));
    expect(r.intact && r.received === 2 * MB).toBe(true);
    expect(r.client.stats.fastRetransmits).toBeGreaterThan(0);
    expect(r.client.stats.sackRecoveries).toBe(0);
  });

  it("falls back on the retransmission timer when a link is down for 3 s", () => {
    const { net, bAddress } = chain({ seed: 4 });
    const r = bulkTransfer(net, bAddress, { bytes: 8 * MB });
    net.sim.at(ms(300), () => net.setLinkUp("r1-r2", false));
    net.sim.at(ms(3300), () => net.setLinkUp("r1-r2", true));
    net.sim.runUntil(sec(120));
    expect(r.intact && r.received === 8 * MB).toBe(true);
    const st = r.client.stats;
    expect(st.timeouts).toBeGreaterThanOrEqual(2); // backed off: 1 s, 2 s, ...
    const rto = r.client.series.column("rto");
    expect(Math.max(...rto)).toBeGreaterThanOrEqual(sec(2));
  });
});

describe("flow control", () => {
  it("a reader that stops closes the window; the sender probes, backing off, then resumes", () => {
    const { net, bAddress } = chain({ seed: 8 });
    const BUF = 64 * 1024;
    let srv: TcpConnection | undefined;
    const r = bulkTransfer(net, bAddress, {
      bytes: 256 * 1024,
      server: { receiveBufferSize: BUF },
      onServer: (c) => {
        srv = c;
        c.pause();
      },
    });
    net.sim.runUntil(sec(20));
    expect(srv!.readableLength).toBe(BUF); // full, and not a byte more
    expect(r.client.info.sndWnd).toBe(0);
    const probes = r.client.stats.zeroWindowProbes;
    expect(probes).toBeGreaterThanOrEqual(3);
    expect(probes).toBeLessThan(8); // backed off exponentially, not every RTO
    srv!.resume();
    net.sim.runUntil(sec(60));
    expect(r.received).toBe(256 * 1024);
    expect(r.intact).toBe(true);
    // The sender never had more in flight than the window the receiver offered.
    const s = r.client.series;
    for (let i = 0; i < s.length; i++) {
      const row = s.row(i);
      expect(row.inFlight).toBeLessThanOrEqual(Math.max(row.rwnd, 1));
    }
  });

  it("a slow reader: buffered data stays within the receive buffer, every byte arrives", () => {
    const { net, bAddress } = chain({ seed: 8 });
    const BUF = 64 * 1024;
    let got = 0;
    let intact = true;
    let maxBuffered = 0;
    bulkTransfer(net, bAddress, {
      bytes: 400 * 1024,
      server: { receiveBufferSize: BUF },
      onServer: (c) => {
        c.pause();
        const tick = () => {
          maxBuffered = Math.max(maxBuffered, c.readableLength);
          const d = c.read(16 * 1024);
          if (d !== undefined) {
            for (let i = 0; i < d.length; i++) if (d[i] !== streamByte(got + i)) intact = false;
            got += d.length;
          }
          if (c.state !== "CLOSED") net.sim.after(ms(250), tick);
        };
        net.sim.after(ms(250), tick);
      },
    });
    net.sim.runUntil(sec(60));
    expect(got).toBe(400 * 1024);
    expect(intact).toBe(true);
    expect(maxBuffered).toBeLessThanOrEqual(BUF);
  });
});

describe("path MTU discovery", () => {
  it("lowers the MSS on ICMP fragmentation needed and still delivers everything", () => {
    const { net, bAddress } = chain({ seed: 9, middleMtu: 1000 });
    const r = bulkTransfer(net, bAddress, { bytes: 1 * MB });
    net.sim.runUntil(sec(60));
    expect(r.intact && r.received === MB).toBe(true);
    expect(r.client.info.mss).toBe(960);
  });
});
