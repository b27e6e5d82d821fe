/**
 * The rendezvous server and traversal peers on their own: STUN address discovery behind a NAT,
 * bad input ignored and counted, errors for unknown peers, and the STUN exchange as Wireshark
 * decodes it (XOR-MAPPED-ADDRESS carrying the NAT's public endpoint).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RendezvousServer } from "../src/apps/p2p/rendezvous-server.js";
import { emitStun, STUN_ATTR_USERNAME, textAttribute } from "../src/apps/p2p/stun.js";
import { TraversalPeer } from "../src/apps/p2p/traversal-peer.js";
import { sec } from "../src/sim/time.js";
import { sockets } from "../src/socket/index.js";
import { NetworkCapture } from "../src/trace/capture.js";
import { writeCaptureFile } from "../src/trace/pcap-file.js";
import { TransportError } from "../src/transport/errors.js";
import { SERVER, traversalLab } from "./support/traversal-lab.js";

const dir = mkdtempSync(join(tmpdir(), "wirelab-rendezvous-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HAVE_TSHARK = spawnSync("tshark", ["--version"], { stdio: "ignore" }).status === 0;
if (!HAVE_TSHARK) console.warn("rendezvous tshark test skipped: tshark is not installed");

describe("the rendezvous server", () => {
  it("tells a peer behind a NAT its public endpoint, and registers it there", () => {
    const lab = traversalLab("port-restricted", "none");
    const rv = new RendezvousServer(lab.server);
    const alice = new TraversalPeer(lab.alice, { id: "alice", server: `${SERVER}:3478` });
    lab.net.sim.runUntil(sec(1));
    expect(alice.reflexive).toBe("203.0.113.2:5000");
    expect(alice.registered).toBe(true);
    expect(rv.peers.get("alice")).toMatchObject({
      reflexive: "203.0.113.2:5000",
      local: "192.168.1.2:5000",
    });
    lab.net.sim.runUntil(sec(61)); // keepalives re-register every 20 s
    expect(rv.stats.registrations).toBe(4);
  });

  it("ignores garbage and answers bad requests with errors, never crashing", () => {
    const lab = traversalLab("none", "none");
    const rv = new RendezvousServer(lab.server);
    const s = sockets(lab.bob).bind(4000);
    if (s instanceof TransportError) throw new Error(s.message);
    const got: string[] = [];
    s.onMessage((m) => got.push(new TextDecoder().decode(m.data)));
    const to = { address: SERVER, port: 3478 };
    const junk = [
      new Uint8Array([0, 1, 0, 4, 0x21, 0x12, 0xa4, 0x42]), // a STUN header cut short
      new Uint8Array(20), // no magic cookie
      new TextEncoder().encode("{not json"),
      new TextEncoder().encode('{"t":"register","id":7}'),
      new TextEncoder().encode('{"t":"relay","to":"alice","data":"x"}'), // not registered
      new TextEncoder().encode('{"t":"registered","reflexive":"1.2.3.4:5"}'), // not for a server
    ];
    for (const j of junk) s.send(j, to);
    s.send(new TextEncoder().encode('{"t":"connect","to":"alice"}'), to);
    s.send(new TextEncoder().encode('{"t":"register","id":"bob","local":"x"}'), to);
    lab.net.sim.runUntil(sec(1));
    s.send(new TextEncoder().encode('{"t":"connect","to":"carol"}'), to);
    lab.net.sim.runUntil(sec(2));
    expect(rv.stats.ignored).toBe(6);
    expect(got).toEqual([
      '{"t":"error","reason":"not registered"}',
      '{"t":"registered","reflexive":"203.0.114.10:4000"}',
      '{"t":"error","reason":"unknown peer carol"}',
    ]);
  });

  it("a peer ignores junk and checks that are not for it", () => {
    const lab = traversalLab("full-cone", "none");
    new RendezvousServer(lab.server);
    const alice = new TraversalPeer(lab.alice, { id: "alice", server: `${SERVER}:3478` });
    lab.net.sim.runUntil(sec(1));
    const s = sockets(lab.bob).bind(4000);
    if (s instanceof TransportError) throw new Error(s.message);
    const to = { address: "203.0.113.2", port: 5000 }; // alice's full-cone mapping
    for (const j of ["{", '{"t":"peer"}', '{"t":"relayed","from":"x","data":"y"}', "\u0000"]) {
      s.send(new TextEncoder().encode(j), to);
    }
    // A well-formed Binding request for someone else, and a STUN error response.
    const tid = new Uint8Array(12).fill(1);
    s.send(
      emitStun({
        method: 1,
        class: "request",
        transactionId: tid,
        attributes: [textAttribute(STUN_ATTR_USERNAME, "carol:bob")],
      }),
      to,
    );
    s.send(emitStun({ method: 1, class: "error", transactionId: tid, attributes: [] }), to);
    lab.net.sim.runUntil(sec(2));
    expect(alice.ignored).toBe(6);
    expect(alice.received).toEqual([]);
  });

  it.skipIf(!HAVE_TSHARK)("shows Wireshark a STUN Binding exchange with the mapped address", () => {
    const lab = traversalLab("symmetric", "none");
    const capture = new NetworkCapture(lab.net, { interfaces: ["server:eth0"] });
    new RendezvousServer(lab.server);
    new TraversalPeer(lab.alice, { id: "alice", server: `${SERVER}:3478` });
    lab.net.sim.runUntil(sec(1));
    capture.stop();
    const file = join(dir, "server.pcap");
    writeCaptureFile(file, capture.toPcaps().get("server:eth0")!);
    const r = spawnSync(
      "tshark",
      [
        "-r",
        file,
        "-Y",
        "stun",
        "-T",
        "fields",
        "-e",
        "stun.type",
        "-e",
        "stun.att.ipv4",
        "-e",
        "stun.att.port",
      ],
      { encoding: "utf8", env: { ...process.env, WIRESHARK_CONFIG_DIR: dir } },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual(["0x0001\t\t", "0x0101\t203.0.113.2\t5000"]);
  });
});
