/**
 * TCP header parse and emit rates: a bare 20-byte ACK and a 40-byte SYN with options.
 */
import { ParseError } from "../src/wire/parse-error.js";
import { seq } from "../src/wire/seq.js";
import { emitTcp, parseTcp, type TcpRecord } from "../src/wire/tcp.js";
import { consume, type Figure, rate } from "./harness.js";

export function tcpFigures(): Figure[] {
  const ack: TcpRecord = {
    srcPort: 443,
    dstPort: 51000,
    seq: seq(1000),
    ack: seq(2000),
    flags: 0x10,
    window: 65535,
    checksum: 0,
    urgentPointer: 0,
    options: [],
    payload: new Uint8Array(0),
  };
  const syn: TcpRecord = {
    ...ack,
    flags: 0x02,
    options: [
      { kind: "mss", value: 1460 },
      { kind: "sack-permitted" },
      { kind: "timestamps", tsval: 1, tsecr: 0 },
      { kind: "nop" },
      { kind: "window-scale", shift: 7 },
    ],
  };
  const figures: Figure[] = [];
  for (const [label, r] of [
    ["TCP header parse, 20 B ACK", ack],
    ["TCP header parse, 40 B SYN with options", syn],
  ] as const) {
    const bytes = emitTcp(r);
    let acc = 0;
    const v = rate((k) => {
      for (let i = 0; i < k; i++) {
        const p = parseTcp(bytes);
        if (!(p instanceof ParseError)) acc += p.window;
      }
      return k;
    });
    consume(acc);
    figures.push({ suite: "wire", name: label, value: v, unit: "headers/s", target: 20e6 });
  }
  const out = new Uint8Array(64);
  const emit = rate((k) => {
    for (let i = 0; i < k; i++) emitTcp(ack, undefined, out, 0);
    return k;
  });
  figures.push({
    suite: "wire",
    name: "TCP header emit, 20 B ACK",
    value: emit,
    unit: "headers/s",
  });
  return figures;
}
