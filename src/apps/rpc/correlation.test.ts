import { describe, expect, it } from "vitest";
import { Simulator } from "../../sim/simulator.js";
import { ms, sec } from "../../sim/time.js";
import { RpcEndpoint, type RpcOptions, type RpcResult } from "./correlation.js";
import { RpcError } from "./envelope.js";
import { decodeAll, encodeFrame, type Framing, type JsonValue } from "./framing.js";
import { type MemoryChannelOptions, memoryChannelPair } from "./memory-channel.js";

function pair(opts: RpcOptions = {}, channel: MemoryChannelOptions = {}) {
  const sim = new Simulator({ seed: 5 });
  const [ca, cb] = memoryChannelPair(sim, { delay: ms(1), ...channel });
  const client = new RpcEndpoint(sim, ca, opts);
  const server = new RpcEndpoint(sim, cb, opts);
  return { sim, ca, cb, client, server };
}

/** Records each callback with the time it ran. */
function recorder(sim: Simulator) {
  const got: { t: number; r: RpcResult }[] = [];
  return { got, cb: (r: RpcResult) => got.push({ t: sim.now, r }) };
}

const show = (r: RpcResult) => (r.ok ? r.result : `${r.error.code}: ${r.error.message}`);

describe.each<Framing>(["length-prefixed", "json-lines"])("RPC over %s", (framing) => {
  it("answers a request after one round trip", () => {
    const { sim, client, server } = pair({ framing });
    server.handle("add", (p, reply) => {
      const [a, b] = p as number[];
      reply.ok(a! + b!);
    });
    const { got, cb } = recorder(sim);
    expect(client.request("add", [2, 3], cb)).toBe(1);
    sim.run();
    expect(got).toEqual([{ t: ms(2), r: { ok: true, result: 5 } }]);
    expect(client.pendingCount).toBe(0);
    expect(client.stats.responsesReceived).toBe(1);
    expect(server.stats.requestsServed).toBe(1);
  });

  it("matches responses to requests by id when answers come back out of order, over 1-3 byte chunks", () => {
    const { sim, client, server } = pair({ framing }, { maxChunk: 3, rng: "chunks" });
    // Later requests are answered sooner.
    server.handle("echo", (p, reply) => {
      sim.after(ms(100 - (p as number)), () => reply.ok({ echo: p as number }));
    });
    const results = new Map<number, JsonValue>();
    for (let i = 0; i < 50; i++) {
      client.request("echo", i, (r) => results.set(i, r.ok ? r.result : "error"));
    }
    sim.run();
    expect(results.size).toBe(50);
    for (let i = 0; i < 50; i++) expect(results.get(i)).toEqual({ echo: i });
  });

  it("times out on the simulator's clock and ignores the late answer", () => {
    const { sim, client, server } = pair({ framing, timeout: ms(50) });
    server.handle("slow", (_p, reply) => sim.after(ms(80), () => reply.ok("late")));
    const { got, cb } = recorder(sim);
    client.request("slow", null, cb);
    client.request("slow", null, cb, { timeout: ms(200) });
    sim.run();
    expect(got.map((g) => [g.t, show(g.r)])).toEqual([
      [ms(50), "timeout: no response to slow #1 within 0.050000000 s"],
      [ms(82), "late"],
    ]);
    expect(client.stats.timeouts).toBe(1);
    expect(client.stats.lateResponses).toBe(1);
  });

  it("fails every pending request, in order, when the connection closes", () => {
    const { sim, client, server, cb: serverChannel } = pair({ framing });
    server.handle("never", () => {});
    const { got, cb } = recorder(sim);
    for (let i = 0; i < 3; i++) client.request("never", i, cb);
    sim.after(ms(10), () => serverChannel.close());
    sim.run();
    expect(got.map((g) => [g.t, show(g.r)])).toEqual(
      [1, 2, 3].map((id) => [
        ms(11),
        `closed: connection closed before never #${id} was answered: closed by peer`,
      ]),
    );
    expect(client.closed).toBe(true);
    const after = client.request("never", null, cb);
    expect(after).toBeInstanceOf(RpcError);
    expect((after as RpcError).code).toBe("closed");
  });

  it("answers unknown methods, carries application errors, delivers notifications, cancels", () => {
    const { sim, client, server } = pair({ framing });
    server.handle("fail", (_p, reply) => reply.fail("no-such-file", "gone", { path: "/x" }));
    const notes: JsonValue[] = [];
    server.onNotify("log", (p) => notes.push(p ?? null));
    const { got, cb } = recorder(sim);
    client.request("nope", undefined, cb);
    client.request("fail", undefined, cb);
    const id = client.request("never", undefined, cb) as number;
    expect(client.notify("log", "hello")).toBeUndefined();
    expect(client.notify("unheard")).toBeUndefined();
    expect(client.cancel(id)).toBe(true);
    expect(client.cancel(id)).toBe(false);
    sim.run();
    expect(got.map((g) => show(g.r))).toEqual([
      "cancelled: cancelled by caller",
      'method-not-found: no method "nope"',
      "no-such-file: gone",
    ]);
    const failed = got[2]!.r;
    expect(!failed.ok && failed.error.data).toEqual({ path: "/x" });
    expect(notes).toEqual(["hello"]);
    expect(server.stats.unhandledNotifications).toBe(1);
    // The cancelled request was still answered (method-not-found): a late response.
    expect(client.stats.lateResponses).toBe(1);
  });

  it("refuses oversize messages with a clear error on both sides", () => {
    const { sim, client, server } = pair({ framing, maxMessageSize: 200 });
    const big = client.request("x", "y".repeat(300), () => {});
    expect(big).toBeInstanceOf(RpcError);
    expect((big as RpcError).message).toMatch(/exceeds the maximum of 200/);
    server.handle("big", (_p, reply) => reply.ok("z".repeat(300)));
    const { got, cb } = recorder(sim);
    client.request("big", null, cb);
    sim.run();
    expect(show(got[0]!.r)).toMatch(/^too-large: message of \d+ bytes exceeds the maximum of 200$/);
    expect(client.closed).toBe(false);
  });

  it("answers a framing error with an error reply and closes the connection", () => {
    // 120 bytes: the full error reply does not fit, so its message is shortened.
    const { sim, ca, server, client } = pair({ framing, maxMessageSize: 120 });
    const replies: unknown[] = [];
    // Watch the raw bytes the server sends back.
    ca.onData((b) => replies.push(b.slice()));
    const { got, cb } = recorder(sim);
    server.handle("never", () => {});
    client.request("never", null, cb);
    sim.after(ms(5), () => {
      ca.write(framing === "length-prefixed" ? new Uint8Array([0, 1, 0, 0]) : new Uint8Array(200));
    });
    sim.run();
    const all = decodeAll(
      framing,
      Uint8Array.from((replies as Uint8Array[]).flatMap((b) => [...b])),
    ) as JsonValue[];
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ id: null, type: "response", error: { code: "parse-error" } });
    expect((all[0] as { error: { message: string } }).error.message.length).toBeLessThanOrEqual(30);
    expect(server.closed).toBe(true);
    expect(server.stats.framingErrors).toBe(1);
    expect(client.closed).toBe(true);
    expect(got.map((g) => g.r.ok)).toEqual([false]);
  });

  it("answers an invalid envelope by id and keeps the connection", () => {
    const { sim, ca, server } = pair({ framing });
    const raw: Uint8Array[] = [];
    ca.onData((b) => raw.push(b.slice()));
    const frame = (v: JsonValue) => encodeFrame(framing, v) as Uint8Array;
    ca.write(frame({ id: 9, type: "request", method: "" }));
    ca.write(frame([1, 2]));
    sim.run();
    const replies = decodeAll(framing, Uint8Array.from(raw.flatMap((b) => [...b])));
    expect(replies).toEqual([
      {
        id: 9,
        type: "response",
        error: {
          code: "invalid-request",
          message: "rpc: invalid method at byte 0: method must be a non-empty string",
        },
      },
      {
        id: null,
        type: "response",
        error: {
          code: "invalid-request",
          message: expect.stringMatching(
            /^rpc: invalid envelope at byte (41|38): not a JSON object$/,
          ),
        },
      },
    ]);
    expect(server.closed).toBe(false);
    expect(server.stats.invalidMessages).toBe(2);
  });
});

it("treats a second reply to one request as a bug", () => {
  const { sim, client, server } = pair();
  server.handle("twice", (_p, reply) => {
    reply.ok(1);
    expect(reply.done).toBe(true);
    expect(() => reply.ok(2)).toThrow(/answered twice/);
  });
  client.request("twice", null, () => {});
  sim.run();
  expect(client.stats.responsesReceived).toBe(1);
});

it("is deterministic: same seed, same chunking, same timeline", () => {
  const run = () => {
    const { sim, client, server } = pair({}, { maxChunk: 5, rng: "c" });
    const log: string[] = [];
    server.handle("sq", (p, reply) =>
      sim.after(ms(p as number), () => reply.ok((p as number) ** 2)),
    );
    for (let i = 0; i < 20; i++) {
      client.request("sq", i % 7, (r) => log.push(`${sim.now} ${i} ${JSON.stringify(show(r))}`), {
        timeout: ms(6),
      });
    }
    sim.runUntil(sec(1));
    return log;
  };
  const a = run();
  expect(a).toHaveLength(20);
  expect(run()).toEqual(a);
});
