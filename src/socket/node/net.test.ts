// The node:net facade: event order on both sides, Node's error codes, half-close with
// allowHalfOpen, backpressure through write()'s return value and 'drain', virtual timeouts.
import { describe, expect, it } from "vitest";
import { sec } from "../../sim/time.js";
import { chain } from "../../transport/tcp/transfer.test-support.js";
import { net, type Socket } from "./net.js";
import { runNodeUntilSettled } from "./pump.js";

type CodedError = Error & { code: string };

function closed(s: Socket): Promise<void> {
  return new Promise((resolve) => s.once("close", () => resolve()));
}

describe("node:net facade", () => {
  it("runs an echo server and client with Node's event order", async () => {
    const { net: n, bAddress } = chain({ seed: 3, impairments: { loss: 0.01 } });
    const log: string[] = [];
    const server = net(n.node("b")).createServer((s) => {
      log.push(`server: connection from ${s.remoteAddress} (${s.remoteFamily})`);
      s.on("data", (d: Buffer) => s.write(d.toString().toUpperCase()));
      s.on("end", () => log.push("server: end"));
      s.on("close", (hadError: boolean) => log.push(`server: close ${hadError}`));
    });
    server.on("listening", () => log.push(`listening on ${server.address()?.port}`));
    server.listen(7000);
    const c = net(n.node("a")).connect(7000, bAddress, () => {
      log.push(`client: connect ${c.localAddress}->${c.remoteAddress}:${c.remotePort}`);
      c.end("hello");
    });
    let got = "";
    c.on("ready", () => log.push("client: ready"));
    c.on("data", (d: Buffer) => {
      got += d.toString();
    });
    c.on("end", () => log.push(`client: end "${got}"`));
    c.on("finish", () => log.push("client: finish"));
    const done = closed(c).then(() => log.push("client: close"));
    await runNodeUntilSettled(n.sim, done);
    expect(log).toEqual([
      "listening on 7000",
      `client: connect 10.0.0.1->${bAddress}:7000`,
      "client: ready",
      "client: finish", // the FIN is queued as soon as the SYN-ACK is in
      "server: connection from 10.0.0.1 (IPv4)", // one way later, with the handshake's ACK
      "server: end",
      "server: close false",
      'client: end "HELLO"',
      "client: close",
    ]);
  });

  it("raises ECONNREFUSED, EADDRINUSE and ECONNRESET with Node's shape", async () => {
    const { net: n, bAddress } = chain({ seed: 4 });
    const errors: string[] = [];
    const b = net(n.node("b"));
    b.createServer((s) => s.resetAndDestroy()).listen(80);
    const dup = b.createServer();
    dup.on("error", (e: CodedError) => errors.push(`listen ${e.code}`));
    dup.listen(80);
    const refused = net(n.node("a")).connect({ port: 81, host: bAddress });
    refused.on("error", (e: CodedError & { syscall: string; address: string; port: number }) =>
      errors.push(`${e.syscall} ${e.code} ${e.address}:${e.port}`),
    );
    const reset = net(n.node("a")).createConnection({ port: 80, host: bAddress });
    reset.on("error", (e: CodedError) => errors.push(`read ${e.code} ${e.message}`));
    await runNodeUntilSettled(n.sim, Promise.all([closed(refused), closed(reset)]));
    expect(errors).toEqual([
      "listen EADDRINUSE",
      `connect ECONNREFUSED ${bAddress}:81`,
      expect.stringMatching(/^read ECONNRESET read ECONNRESET/),
    ]);
  });

  it("raises ETIMEDOUT when the peer vanishes", async () => {
    const { net: n, bAddress } = chain({ seed: 5 });
    const c = net(n.node("a")).connect(80, bAddress);
    let code = "";
    c.on("error", (e: CodedError) => {
      code = e.code;
    });
    n.node("b").crash();
    await runNodeUntilSettled(n.sim, closed(c));
    expect(code).toBe("ETIMEDOUT");
  });

  it("keeps writing after the peer's FIN with allowHalfOpen", async () => {
    const { net: n, bAddress } = chain({ seed: 6 });
    const server = net(n.node("b")).createServer({ allowHalfOpen: true }, (s) => {
      let req = "";
      s.on("data", (d: Buffer) => {
        req += d.toString();
      });
      s.on("end", () => {
        // The client's side is finished; ours is still open.
        s.write(`got ${req.length} bytes;`);
        s.end(" bye");
      });
    });
    server.listen(9000);
    const c = net(n.node("a")).createConnection({
      port: 9000,
      host: bAddress,
      allowHalfOpen: true,
    });
    c.end("x".repeat(1000));
    let reply = "";
    c.on("data", (d: Buffer) => {
      reply += d.toString();
    });
    await runNodeUntilSettled(n.sim, closed(c));
    expect(reply).toBe("got 1000 bytes; bye");
  });

  it("maps TCP's accepted counts to write()'s return value and 'drain'", async () => {
    const { net: n, bAddress } = chain({ seed: 7 });
    let received = 0;
    let server: Socket | undefined;
    net(n.node("b"))
      .createServer((s) => {
        server = s;
        s.pause(); // a reader that does not read, yet
        s.on("data", (d: Buffer) => {
          received += d.length;
        });
      })
      .listen(5000);
    const c = net(n.node("a")).connect(5000, bAddress);
    c.resume(); // read the server's FIN when it comes
    const chunk = Buffer.alloc(64 * 1024, 7);
    let writes = 0;
    let drains = 0;
    const total = 96;
    let stalled = -1;
    n.sim.after(sec(2), () => {
      stalled = c.bytesWritten; // the window has been shut for a while
      server?.resume();
    });
    const writer = new Promise<void>((resolve) => {
      const more = () => {
        while (writes < total) {
          writes++;
          if (!c.write(chunk)) return;
        }
        c.end(resolve);
      };
      c.on("drain", () => {
        drains++;
        more();
      });
      more();
    });
    await runNodeUntilSettled(n.sim, Promise.all([writer, closed(c)]));
    expect(drains).toBeGreaterThan(2);
    expect(stalled).toBeGreaterThan(0);
    expect(stalled).toBeLessThan((total * chunk.length) / 2);
    expect(received).toBe(total * chunk.length);
  });

  it("emits 'timeout' after idle virtual time and closes the server after its sockets", async () => {
    const { net: n, bAddress } = chain({ seed: 8 });
    const log: string[] = [];
    const server = net(n.node("b")).createServer((s) => {
      s.resume(); // consume (nothing), so 'end' and 'close' can happen
      s.setTimeout(2000, () => {
        log.push(`timeout at ${n.sim.now / 1e9} s`);
        s.end();
      });
      server.close(() => log.push(`server closed at ${n.sim.now / 1e9} s`));
    });
    server.listen(6000);
    const c = net(n.node("a")).connect(6000, bAddress);
    c.resume(); // 'end' needs a consumer, as in Node
    c.on("end", () => c.end());
    const closedAt = closed(c).then(() => n.sim.now);
    const serverClosed = new Promise<void>((r) => server.once("close", r));
    const t = await runNodeUntilSettled(n.sim, closedAt);
    expect(t).toBeGreaterThan(sec(2));
    expect(t).toBeLessThan(sec(2.2));
    await runNodeUntilSettled(n.sim, serverClosed);
    expect(log).toEqual([
      expect.stringMatching(/^timeout at 2\.0/),
      expect.stringMatching(/^server closed at 2\.0/),
    ]);
  });
});
