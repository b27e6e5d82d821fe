/**
 * Bad input at the NAT: arbitrary datagrams (valid IP headers, random TCP, UDP and ICMP bodies,
 * short or garbled quotes in ICMP errors) through both hooks never throw; and the mapping table
 * against a model: one mapping per distinct key of the mapping behaviour, external ports unique.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { NatBehaviour } from "../src/net/nat/index.js";
import { ipv4Datagram, natLab, PUBLIC } from "./support/nat-lab.js";

const PUB = 0xcb007102;
const H1 = 0xc0a80102;

describe("the NAT on random datagrams", () => {
  it("never throws, inbound, outbound or hairpinned", () => {
    const lab = natLab({ filtering: "endpoint-independent" });
    const n = lab.nat;
    const pre = lab.nat.node.ipv4.prerouting!;
    const post = lab.nat.node.ipv4.postrouting!;
    fc.assert(
      fc.property(
        fc.constantFrom(1, 6, 17, 47),
        fc.constantFrom(PUB, H1, 0x08080808),
        fc.constantFrom(PUB, H1, 0x08080808),
        fc.uint8Array({ maxLength: 80 }),
        fc.boolean(),
        (protocol, src, dst, payload, fragment) => {
          const p = ipv4Datagram({
            identification: 9,
            moreFragments: fragment,
            protocol,
            src,
            dst,
            payload,
          });
          pre(p.slice(), n.outside);
          pre(p.slice(), n.inside);
          post(p.slice(), n.outside, n.inside);
        },
      ),
      { numRuns: 20_000 },
    );
    expect(n.mappings().length).toBeGreaterThan(0);
    expect(PUBLIC).toBe("203.0.113.2");
  });
});

describe("the mapping table against a model", () => {
  const behaviours: NatBehaviour[] = [
    "endpoint-independent",
    "address-dependent",
    "address-and-port-dependent",
  ];
  it.each(behaviours)("%s: one mapping per distinct key, unique external ports", (mapping) => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.nat(3),
            fc.constantFrom(1000, 1001, 5000),
            fc.nat(2),
            fc.constantFrom(53, 80),
          ),
          { maxLength: 40 },
        ),
        (flows) => {
          const lab = natLab({ mapping });
          const t = lab.nat.table;
          const keys = new Set<string>();
          for (const [host, port, remote, rport] of flows) {
            const k =
              mapping === "endpoint-independent"
                ? `${host}:${port}`
                : mapping === "address-dependent"
                  ? `${host}:${port}>${remote}`
                  : `${host}:${port}>${remote}:${rport}`;
            keys.add(k);
            const flow = {
              protocol: 17,
              internalAddress: H1 + host,
              internalPort: port,
              remoteAddress: 0x08080800 + remote,
              remotePort: rport,
            };
            const key = t.keyOf(flow);
            if (t.findOutbound(key, 0) === undefined) {
              const m = t.create(key, flow, 0);
              if (m) m.expires = 1;
            }
          }
          const list = t.list(0);
          expect(list.length).toBe(keys.size);
          expect(new Set(list.map((m) => m.externalPort)).size).toBe(keys.size);
          expect(t.list(1)).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
