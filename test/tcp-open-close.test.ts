// End-to-end TCP opening and closing: simultaneous open and close, half-close request/response,
// many connections to one server, loopback, and byte-identical packet traces for one seed.
import { describe, expect, it } from "vitest";
import type { Network } from "../src/net/network.js";
import { ms, sec } from "../src/sim/time.js";
import { TransportError } from "../src/transport/errors.js";
import type { TcpConnection } from "../src/transport/tcp/connection.js";
import { tcp } from "../src/transport/tcp/tcp-layer.js";
import { bulkTransfer, chain } from "../src/transport/tcp/transfer.test-support.js";

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

function ok<T>(x: T | TransportError): T {
  if (x instanceof TransportError) throw new Error(x.message);
  return x;
}

describe("opening", () => {
  it("simultaneous open: two active opens meet and both reach ESTABLISHED", () => {
    const { net, bAddress } = chain();
    const a = ok(tcp(net.node("a")).connect({ address: bAddress, port: 6000, localPort: 5000 }));
    const b = ok(tcp(net.node("b")).connect({ address: "10.0.0.1", port: 5000, localPort: 6000 }));
    const got: string[] = [];
    b.onData((d) => got.push(str(d)));
    a.onConnect(() => a.write(text("hello")));
    net.sim.runUntil(sec(2));
    expect(a.history.map((h) => h.to)).toEqual(["SYN-SENT", "SYN-RECEIVED", "ESTABLISHED"]);
    expect(b.history.map((h) => h.to)).toEqual(["SYN-SENT", "SYN-RECEIVED", "ESTABLISHED"]);
    expect(got).toEqual(["hello"]);
  });

  it("serves 10,000 concurrent connections to one listener, then closes them all", () => {
    const { net, bAddress } = chain({ seed: 12 });
    let open = 0;
    let peak = 0;
    tcp(net.node("b")).listen(7, undefined, { backlog: 1024 }, (c) => {
      peak = Math.max(peak, ++open);
      c.onData((d) => c.write(d));
      c.onEnd(() => c.end());
      c.onClose(() => open--);
    });
    const replies = new Set<string>();
    const N = 10_000;
    for (let i = 0; i < N; i++) {
      // One new connection every 100 µs; each stays open for 5 s.
      net.sim.at(i * 100_000, () => {
        const c = ok(tcp(net.node("a")).connect({ address: bAddress, port: 7 }));
        c.onConnect(() => c.write(text(`ping ${i}`)));
        c.onData((d) => replies.add(str(d)));
        net.sim.after(sec(5), () => c.end());
      });
    }
    net.sim.runUntil(sec(80));
    expect(replies.size).toBe(N);
    expect(peak).toBe(N);
    expect(open).toBe(0);
    expect(tcp(net.node("a")).connectionCount).toBe(0); // TIME-WAIT over too
    expect(tcp(net.node("b")).connectionCount).toBe(0);
  });

  it("connects over loopback", () => {
    const { net } = chain();
    const got: string[] = [];
    tcp(net.node("a")).listen(9, undefined, {}, (c) => c.onData((d) => got.push(str(d))));
    const c = ok(tcp(net.node("a")).connect({ address: "10.0.0.1", port: 9 }));
    c.onConnect(() => c.write(text("self")));
    net.sim.runUntil(sec(1));
    expect(got).toEqual(["self"]);
  });
});

describe("closing", () => {
  it("half-close: the client ends its request and still reads the whole response", () => {
    const { net, bAddress } = chain();
    tcp(net.node("b")).listen(80, undefined, {}, (c) => {
      let request = "";
      c.onData((d) => {
        request += str(d);
      });
      c.onEnd(() => {
        expect(c.state).toBe("CLOSE-WAIT");
        c.write(text(`you said: ${request}`));
        c.end();
      });
    });
    const c = ok(tcp(net.node("a")).connect({ address: bAddress, port: 80 }));
    let response = "";
    let ended = false;
    c.onConnect(() => {
      c.write(text("GET /"));
      c.end();
    });
    c.onData((d) => {
      expect(c.state).toBe("FIN-WAIT-2");
      response += str(d);
    });
    c.onEnd(() => {
      ended = true;
    });
    net.sim.runUntil(sec(2));
    expect(response).toBe("you said: GET /");
    expect(ended).toBe(true);
    expect(c.state).toBe("TIME-WAIT");
  });

  it("simultaneous close: both FINs cross, both sides pass CLOSING to TIME-WAIT", () => {
    const { net, bAddress } = chain();
    let server: TcpConnection | undefined;
    tcp(net.node("b")).listen(80, undefined, {}, (c) => {
      server = c;
    });
    const c = ok(tcp(net.node("a")).connect({ address: bAddress, port: 80 }));
    net.sim.runUntil(sec(1));
    c.end();
    server!.end();
    net.sim.runUntil(sec(2));
    for (const x of [c, server!]) {
      expect(x.history.map((h) => h.to).slice(-3)).toEqual(["FIN-WAIT-1", "CLOSING", "TIME-WAIT"]);
    }
  });
});

/** FNV-1a over (time, bytes) of every transmit event. */
function traceHash(net: Network): () => string {
  let h = 0x811c9dc5;
  let n = 0;
  net.events.subscribe((e) => {
    if (e.kind !== "transmit") return;
    n++;
    const t = e.time;
    h = Math.imul(h ^ (t % 0x100000000), 0x01000193);
    h = Math.imul(h ^ Math.floor(t / 0x100000000), 0x01000193);
    for (let i = 0; i < e.packet.length; i++) h = Math.imul(h ^ e.packet[i]!, 0x01000193);
  });
  return () => `${n}:${(h >>> 0).toString(16)}`;
}

describe("determinism", () => {
  const run = (seed: number) => {
    const { net, bAddress } = chain({
      seed,
      impairments: { loss: 0.02, duplicate: 0.01, reorder: 0.02, corrupt: 0.005, jitter: ms(1) },
    });
    const hash = traceHash(net);
    const r = bulkTransfer(net, bAddress, { bytes: 1 << 20 });
    net.sim.runUntil(sec(120));
    expect(r.intact && r.received === 1 << 20).toBe(true);
    return hash();
  };

  it("the same seed gives a byte-identical packet trace; another seed does not", () => {
    const a = run(21);
    expect(run(21)).toBe(a);
    expect(run(22)).not.toBe(a);
  });
});
