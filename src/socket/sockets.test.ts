// The native sockets API: an echo server with callbacks and with async iteration, backpressure
// against a slow reader, errors as values, UDP, and runUntilSettled's determinism.
import { describe, expect, it } from "vitest";
import { ms } from "../sim/time.js";
import { TransportError } from "../transport/errors.js";
import { chain, streamByte } from "../transport/tcp/transfer.test-support.js";
import { runUntilSettled, SimulationStalled } from "./settle.js";
import { sockets } from "./sockets.js";
import type { StreamSocket } from "./stream-socket.js";

function ok<T>(x: T | TransportError): T {
  if (x instanceof TransportError) throw new Error(x.toString());
  return x;
}

function pattern(n: number, from = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = streamByte(from + i);
  return b;
}

describe("native stream sockets", () => {
  it("echoes with callbacks, half-closing back", () => {
    const { net, bAddress } = chain({ seed: 4, impairments: { loss: 0.02 } });
    ok(
      sockets(net.node("b")).listen(7, (s) => {
        s.onData((d) => s.write(d));
        s.onEnd(() => s.end());
      }),
    );
    const c = ok(sockets(net.node("a")).connect({ address: bAddress, port: 7 }));
    const data = pattern(300_000);
    const got: Uint8Array[] = [];
    let ended = false;
    c.write(data); // before the handshake: queued, never lost
    c.end();
    c.onData((d) => got.push(d));
    c.onEnd(() => {
      ended = true;
    });
    net.sim.run();
    expect(ended).toBe(true);
    expect(Buffer.concat(got).equals(Buffer.from(data))).toBe(true);
  });

  it("echoes with for-await on both sides, driven by runUntilSettled", async () => {
    const { net, bAddress } = chain({ seed: 5, impairments: { loss: 0.01 } });
    ok(
      sockets(net.node("b")).listen(7, (s) => {
        void (async () => {
          for await (const chunk of s) s.write(chunk);
          s.end();
        })();
      }),
    );
    const c = ok(sockets(net.node("a")).connect({ address: bAddress, port: 7 }));
    const data = pattern(200_000);
    c.write(data);
    c.end();
    const read = async () => {
      const parts: Uint8Array[] = [];
      for await (const chunk of c) parts.push(chunk);
      return Buffer.concat(parts);
    };
    const echoed = await runUntilSettled(net.sim, read());
    expect(echoed.equals(Buffer.from(data))).toBe(true);
  });

  it("applies backpressure: a slow reader closes the window and the writer waits for drain", () => {
    const { net, bAddress } = chain({ seed: 6 });
    let server: StreamSocket | undefined;
    let received = 0;
    ok(
      sockets(net.node("b")).listen(9, (s) => {
        server = s;
        s.pause();
        s.onData((d) => {
          received += d.length;
        });
      }),
    );
    const c = ok(sockets(net.node("a")).connect({ address: bAddress, port: 9 }));
    const total = 4 << 20;
    let written = 0;
    let waits = 0;
    let maxPending = 0;
    const pump = () => {
      while (written < total) {
        const more = c.write(pattern(65_536, written));
        written += 65_536;
        maxPending = Math.max(maxPending, c.pendingBytes);
        if (!more) {
          waits++;
          return;
        }
      }
      c.end();
    };
    c.onConnect(pump);
    c.onDrain(pump);
    net.sim.runUntil(net.sim.now + ms(2000));
    expect(received).toBe(0);
    expect(server?.conn.info.rcvWnd).toBe(0); // the reader's window is shut
    expect(written).toBeLessThan(total); // and the writer is waiting
    server?.resume();
    net.sim.run();
    expect(received).toBe(total);
    expect(waits).toBeGreaterThan(1);
    expect(maxPending).toBeLessThanOrEqual(65_536);
  });

  it("reports refusal, address in use and reset as TransportError codes", () => {
    const { net, bAddress } = chain({ seed: 7 });
    const errors: string[] = [];
    const s = sockets(net.node("b"));
    ok(s.listen(80, (peer) => peer.abort()));
    const again = s.listen(80, () => {});
    errors.push(again instanceof TransportError ? again.code : "bound");
    const refused = ok(sockets(net.node("a")).connect({ address: bAddress, port: 81 }));
    refused.onError((e) => errors.push(`81: ${e.code}`));
    const reset = ok(sockets(net.node("a")).connect({ address: bAddress, port: 80 }));
    reset.onError((e) => errors.push(`80: ${e.code}`));
    net.sim.run();
    expect(errors).toEqual(["EADDRINUSE", "81: ECONNREFUSED", "80: ECONNRESET"]);
  });

  it("rejects the async iterator with the connection's error", async () => {
    const { net, bAddress } = chain({ seed: 8 });
    const c = ok(sockets(net.node("a")).connect({ address: bAddress, port: 99 }));
    const drain = async () => {
      for await (const _ of c) {
        // nothing arrives
      }
    };
    await expect(runUntilSettled(net.sim, drain())).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
  });
});

describe("native datagram sockets", () => {
  it("exchanges datagrams through callbacks and for-await", async () => {
    const { net, bAddress } = chain({ seed: 9 });
    const server = ok(sockets(net.node("b")).bind(53));
    server.onMessage((m) =>
      server.send(
        m.data.map((x) => x + 1),
        m.from,
      ),
    );
    const client = ok(sockets(net.node("a")).bind());
    for (const x of [1, 2, 3]) client.send(Uint8Array.of(x), { address: bAddress, port: 53 });
    const read = async () => {
      const got: number[] = [];
      for await (const m of client) {
        got.push(m.data[0]!);
        if (got.length === 3) client.close();
      }
      return got;
    };
    expect(await runUntilSettled(net.sim, read())).toEqual([2, 3, 4]);
  });
});

describe("runUntilSettled", () => {
  /** A request/response exchange with awaits inside the simulation, traced in order. */
  async function scenario(seed: number): Promise<string[]> {
    const { net, bAddress } = chain({ seed, impairments: { loss: 0.03, jitter: ms(2) } });
    const trace: string[] = [];
    net.events.subscribe((e) => trace.push(`${net.sim.now} ${e.kind}`));
    ok(
      sockets(net.node("b")).listen(7, (s) => {
        void (async () => {
          let n = 0;
          for await (const chunk of s) {
            n += chunk.length;
            trace.push(`${net.sim.now} server read ${n}`);
            await Promise.resolve();
            s.write(chunk.subarray(0, 10));
          }
          s.end();
        })();
      }),
    );
    const main = async () => {
      for (let i = 0; i < 3; i++) {
        const c = ok(sockets(net.node("a")).connect({ address: bAddress, port: 7 }));
        c.write(pattern(50_000, i));
        c.end();
        let n = 0;
        for await (const chunk of c) n += chunk.length;
        trace.push(`${net.sim.now} client ${i} got ${n}`);
      }
    };
    await runUntilSettled(net.sim, main());
    return trace;
  }

  it("gives identical traces for the same seed", async () => {
    const a = await scenario(21);
    const b = await scenario(21);
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
  });

  it("throws SimulationStalled when the simulator goes idle first", async () => {
    const { net } = chain({ seed: 1 });
    await expect(runUntilSettled(net.sim, new Promise(() => {}))).rejects.toBeInstanceOf(
      SimulationStalled,
    );
  });
});
