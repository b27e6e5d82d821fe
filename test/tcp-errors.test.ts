// End-to-end TCP failures: refused, unreachable, reset, timed out under a partition, survived
// partitions, keep-alive, crashes, and the TIME-WAIT that holds a port.
import { describe, expect, it } from "vitest";
import { ms, sec } from "../src/sim/time.js";
import { TransportError } from "../src/transport/errors.js";
import type { TcpConnection } from "../src/transport/tcp/connection.js";
import { tcp } from "../src/transport/tcp/tcp-layer.js";
import { bulkTransfer, chain } from "../src/transport/tcp/transfer.test-support.js";

function connect(
  net: ReturnType<typeof chain>["net"],
  address: string,
  port: number,
  o = {},
): TcpConnection {
  const c = tcp(net.node("a")).connect({ address, port }, o);
  if (c instanceof TransportError) throw new Error(c.message);
  return c;
}

describe("refused and unreachable", () => {
  it("ECONNREFUSED when nothing listens (RST across three hops)", () => {
    const { net, bAddress } = chain();
    tcp(net.node("b"));
    const c = connect(net, bAddress, 9);
    const codes: string[] = [];
    c.onError((e) => codes.push(e.code));
    net.sim.runUntil(sec(5));
    expect(codes).toEqual(["ECONNREFUSED"]);
    expect(c.state).toBe("CLOSED");
  });

  it("ECONNREFUSED from ICMP protocol unreachable when the host runs no TCP at all", () => {
    const { net, bAddress } = chain();
    const c = connect(net, bAddress, 80);
    const codes: string[] = [];
    c.onError((e) => codes.push(e.code));
    net.sim.runUntil(sec(5));
    expect(codes).toEqual(["ECONNREFUSED"]);
  });

  it("EHOSTUNREACH from a router whose next link is down", () => {
    const { net, bAddress } = chain();
    net.setLinkUp("r2-b", false);
    const c = connect(net, bAddress, 80);
    const codes: string[] = [];
    c.onError((e) => codes.push(e.code));
    net.sim.runUntil(sec(5));
    expect(codes).toEqual(["EHOSTUNREACH"]);
  });

  it("ENETUNREACH at once without a route", () => {
    const { net } = chain();
    const c = tcp(net.node("a")).connect({ address: "192.0.2.1", port: 80 });
    expect((c as TransportError).code).toBe("ENETUNREACH");
  });
});

describe("partitions and timeouts", () => {
  it("ETIMEDOUT when a partition outlasts the user timeout", () => {
    const { net, bAddress } = chain({ seed: 6 });
    const r = bulkTransfer(net, bAddress, { bytes: 50 << 20, client: { userTimeout: sec(10) } });
    let failedAt = -1;
    r.client.onError(() => {
      failedAt = net.sim.now;
    });
    let rule: ReturnType<typeof net.partition> | undefined;
    net.sim.at(sec(1), () => {
      rule = net.partition(["a"], ["b"]);
    });
    net.sim.runUntil(sec(60));
    expect(r.errors).toContain("client ETIMEDOUT");
    expect(r.client.state).toBe("CLOSED");
    // Data unacknowledged since about 1 s; the first RTO check past 11 s gives up.
    expect(failedAt).toBeGreaterThan(sec(11));
    expect(failedAt).toBeLessThan(sec(40));
    expect(net.faults.log.some((f) => f.action === "partition")).toBe(true);
    expect(rule!.dropped).toBeGreaterThan(0); // the fault really fired
  });

  it("survives a 30 s partition in mid-transfer when the user timeout is longer", () => {
    const { net, bAddress } = chain({ seed: 6 });
    const r = bulkTransfer(net, bAddress, { bytes: 8 << 20, client: { userTimeout: sec(120) } });
    net.sim.at(ms(500), () => net.partition(["a"], ["b"]));
    net.sim.at(sec(30.5), () => net.repair());
    net.sim.runUntil(sec(200));
    expect(r.errors).toEqual([]);
    expect(r.received).toBe(8 << 20);
    expect(r.intact).toBe(true);
    expect(r.doneAt).toBeGreaterThan(sec(30.5));
    expect(r.client.stats.timeouts).toBeGreaterThanOrEqual(4);
  });

  it("keep-alives notice a dead peer (ETIMEDOUT) and keep a live one", () => {
    const { net, bAddress } = chain();
    tcp(net.node("b")).listen(80, undefined, {}, () => {});
    const o = {
      keepAlive: true,
      keepAliveIdle: sec(10),
      keepAliveInterval: sec(5),
      keepAliveProbes: 3,
    };
    const live = connect(net, bAddress, 80, o);
    net.sim.runUntil(sec(100));
    expect(live.state).toBe("ESTABLISHED");
    expect(live.stats.keepAlivesSent).toBeGreaterThan(5);
    const dead = connect(net, bAddress, 80, o);
    const codes: string[] = [];
    dead.onError((e) => codes.push(e.code));
    net.sim.runUntil(sec(101));
    net.partition(["a"], ["b"]);
    net.sim.runUntil(sec(150));
    expect(codes).toEqual(["ETIMEDOUT"]);
    expect(dead.stats.keepAlivesSent).toBe(3);
  });
});

describe("resets", () => {
  it("ECONNRESET when the server aborts in mid-transfer", () => {
    const { net, bAddress } = chain();
    const r = bulkTransfer(net, bAddress, { bytes: 8 << 20 });
    net.sim.at(ms(200), () => r.server!.abort());
    net.sim.runUntil(sec(10));
    expect(r.errors).toEqual(["client ECONNRESET"]);
    expect(r.client.state).toBe("CLOSED");
  });

  it("ECONNRESET when the server crashed and restarted (it answers with RST)", () => {
    const { net, bAddress } = chain();
    const r = bulkTransfer(net, bAddress, { bytes: 8 << 20 });
    net.sim.at(ms(200), () => net.crash("b"));
    net.sim.at(sec(2), () => net.restart("b"));
    net.sim.runUntil(sec(20));
    expect(r.errors).toEqual(["client ECONNRESET"]);
  });
});

describe("TIME-WAIT", () => {
  it("holds the active closer's port for 2·MSL = 60 s", () => {
    const { net, bAddress } = chain();
    tcp(net.node("b")).listen(80, undefined, {}, (c) => c.onEnd(() => c.end()));
    const first = tcp(net.node("a")).connect({ address: bAddress, port: 80, localPort: 4000 });
    if (first instanceof TransportError) throw new Error(first.message);
    first.onConnect(() => first.end());
    net.sim.runUntil(sec(1));
    expect(first.state).toBe("TIME-WAIT");
    const again = tcp(net.node("a")).connect({ address: bAddress, port: 80, localPort: 4000 });
    expect((again as TransportError).code).toBe("EADDRINUSE");
    net.sim.runUntil(sec(62));
    expect(first.state).toBe("CLOSED");
    const tw = first.history.find((h) => h.to === "TIME-WAIT")!.time;
    expect(first.history.at(-1)!.time - tw).toBe(sec(60));
    const third = tcp(net.node("a")).connect({ address: bAddress, port: 80, localPort: 4000 });
    expect(third).not.toBeInstanceOf(TransportError);
  });
});
