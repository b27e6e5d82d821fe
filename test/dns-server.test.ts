/**
 * An authoritative server facing bad and unusual queries over the simulated network: garbage
 * gets FORMERR (or nothing, when there is no header to answer) and the server keeps serving;
 * other opcodes NOTIMP; EDNS0 is echoed and bounds the response size, with TC when cut.
 */
import { describe, expect, it } from "vitest";
import { exampleInternet } from "../src/apps/dns/index.js";
import { TransportError } from "../src/transport/errors.js";
import { type UdpSocket, udp } from "../src/transport/udp.js";
import {
  createDnsMessage,
  type DnsMessage,
  emitDnsMessage,
  parseDnsMessage,
} from "../src/wire/dns.js";
import { ParseError } from "../src/wire/parse-error.js";

/** A client socket on the example's client host that keeps every response. */
function client(seed: number) {
  const x = exampleInternet({ seed });
  const socket = udp(x.hosts.client).bind(5353) as UdpSocket;
  if (socket instanceof TransportError) throw new Error(socket.message);
  const got: Uint8Array[] = [];
  socket.onMessage((m) => got.push(m.data));
  const send = (bytes: Uint8Array, to = "10.0.3.53") => {
    socket.send(bytes, 53, to);
    x.net.sim.run();
  };
  const last = (): DnsMessage => {
    const m = parseDnsMessage(got[got.length - 1]!);
    if (m instanceof ParseError) throw new Error(m.message);
    return m;
  };
  return { x, got, send, last, server: x.servers.ns1! };
}

const query = (fields: Partial<DnsMessage> = {}) =>
  emitDnsMessage(
    createDnsMessage({
      id: 0x1234,
      questions: [{ name: "www.example.com.", type: 1, class: 1 }],
      ...fields,
    }),
  );

describe("authoritative server: bad input", () => {
  it("answers malformed queries with FORMERR, drops what it cannot answer, and keeps serving", () => {
    const c = client(1);
    // A header claiming one question, and nothing after it.
    c.send(Uint8Array.from([0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]));
    expect(c.last()).toMatchObject({
      id: 0xbeef,
      qr: true,
      rd: true,
      rcode: 1,
      questions: [],
      answers: [],
    });
    // Shorter than a header: no id to answer to.
    c.send(Uint8Array.from([1, 2, 3, 4, 5]));
    expect(c.got).toHaveLength(1);
    // A response (QR set) is never answered.
    c.send(emitDnsMessage(createDnsMessage({ qr: true, id: 9 })));
    expect(c.got).toHaveLength(1);
    // Two questions.
    const two = { name: "a.example.com.", type: 1, class: 1 };
    c.send(emitDnsMessage(createDnsMessage({ id: 7, questions: [two, two] })));
    expect(c.last()).toMatchObject({ id: 7, rcode: 1 });
    // Seeded random garbage: every datagram gets FORMERR or is dropped; nothing throws.
    const rng = c.x.net.sim.rng("test:garbage");
    for (let i = 0; i < 200; i++) {
      const b = rng.fill(new Uint8Array(rng.nextInt(80)));
      if (b.length > 2) b[2] = b[2]! & 0x7f; // mostly queries, so they are answered
      c.send(b);
    }
    const s = c.server.stats;
    expect(s.received).toBe(s.answered + s.dropped);
    expect(s.rcodes.get(1)).toBeGreaterThan(100);
    // Still serving.
    c.send(query());
    expect(c.last()).toMatchObject({ id: 0x1234, aa: true, rcode: 0 });
    expect(c.last().answers).toHaveLength(1);
  });

  it("answers NOTIMP to other opcodes, REFUSED outside its zones, BADVERS to EDNS version 1", () => {
    const c = client(2);
    c.send(query({ opcode: 2 }));
    expect(c.last()).toMatchObject({
      opcode: 2,
      rcode: 4,
      questions: [{ name: "www.example.com." }],
    });
    c.send(
      emitDnsMessage(
        createDnsMessage({ id: 5, questions: [{ name: "www.example.org.", type: 1, class: 1 }] }),
      ),
    );
    expect(c.last()).toMatchObject({ rcode: 5, aa: false });
    c.send(
      query({ edns: { udpPayloadSize: 1232, version: 1, dnssecOk: false, z: 0, options: [] } }),
    );
    expect(c.last()).toMatchObject({ rcode: 16, edns: { version: 0, udpPayloadSize: 1232 } });
  });

  it("sizes UDP answers to 512 without EDNS, to the advertised size with it, and sets TC", () => {
    const c = client(3);
    const big = (edns: number | null) =>
      query({
        questions: [{ name: "big.example.com.", type: 16, class: 1 }],
        edns:
          edns === null
            ? null
            : { udpPayloadSize: edns, version: 0, dnssecOk: false, z: 0, options: [] },
      });
    c.send(big(null));
    expect(c.got[c.got.length - 1]!.length).toBeLessThanOrEqual(512);
    expect(c.last()).toMatchObject({ tc: true, edns: null });
    const withoutEdns = c.last().answers.length;
    c.send(big(1000));
    expect(c.got[c.got.length - 1]!.length).toBeLessThanOrEqual(1000);
    expect(c.last()).toMatchObject({ tc: true, edns: { udpPayloadSize: 1232 } });
    expect(c.last().answers.length).toBeGreaterThan(withoutEdns);
    // A client offering more than the server's 1232 still gets at most 1232.
    c.send(big(4096));
    expect(c.got[c.got.length - 1]!.length).toBeLessThanOrEqual(1232);
    expect(c.last().tc).toBe(true);
    // Sizes below 512 are read as 512 (RFC 6891 §6.2.5).
    c.send(big(100));
    expect(c.got[c.got.length - 1]!.length).toBeGreaterThan(400);
    expect(c.server.stats.truncated).toBe(4);
  });
});
