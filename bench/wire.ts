/**
 * Wire suite: parse and emit rates for IPv4 and TCP headers (records through the checked
 * parsers, not views), and Internet checksum throughput.
 */
import { emitIpv4, type Ipv4Record, parseIpv4 } from "../src/wire/ipv4.js";
import { ParseError } from "../src/wire/parse-error.js";
import { checksumFigures } from "./checksum.js";
import { consume, type Figure, rate, type Suite } from "./harness.js";
import { tcpFigures } from "./wire-tcp.js";

function ipv4Figures(): Figure[] {
  const record: Ipv4Record = {
    dscp: 0,
    ecn: 0,
    identification: 0x1234,
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol: 6,
    headerChecksum: 0,
    src: 0x0a000001,
    dst: 0x0a000002,
    options: [],
    payload: new Uint8Array(0),
  };
  const bytes = emitIpv4(record);
  let n = 0;
  const parse = rate((k) => {
    for (let i = 0; i < k; i++) {
      const r = parseIpv4(bytes);
      if (!(r instanceof ParseError)) n += r.ttl;
    }
    return k;
  });
  const out = new Uint8Array(64);
  const emit = rate((k) => {
    for (let i = 0; i < k; i++) {
      record.identification = i & 0xffff;
      emitIpv4(record, out, 0);
    }
    return k;
  });
  consume(n);
  return [
    {
      suite: "wire",
      name: "IPv4 header parse (checksum verified)",
      value: parse,
      unit: "headers/s",
      note: "20-byte header, parseIpv4 to a record",
    },
    { suite: "wire", name: "IPv4 header emit (checksum computed)", value: emit, unit: "headers/s" },
  ];
}

export const wireSuite: Suite = {
  name: "wire",
  description: "header parse/emit rates and checksum throughput",
  run() {
    return [...ipv4Figures(), ...tcpFigures(), ...checksumFigures()];
  },
};
