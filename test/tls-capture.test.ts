/**
 * What an HTTPS exchange looks like on the wire: the capture holds TLS records that tshark
 * decodes (handshake, then application data, content type 23) and never the page's plaintext.
 * OpenSSL draws real randomness, so the bytes differ run to run; what the simulator decides
 * (which packets, how big, when) is the same for the same seed, provided the record sizes
 * are: Ed25519 signatures are always 64 bytes, while P-256 ECDSA ones vary (DER, 70..72), so
 * this test uses an Ed25519 certificate made once.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runNodeUntilSettled } from "../src/socket/node/pump.js";
import { createTestCa } from "../src/socket/node/test-ca.js";
import { httpsAgent } from "../src/socket/node/tls.js";
import { NetworkCapture } from "../src/trace/capture.js";
import { writeCaptureFile } from "../src/trace/pcap-file.js";
import { scratchDir } from "./support/scratch-dir.js";
import { get, leafFor, serveHttps, tlsLab } from "./support/tls-lab.js";
import { makeTshark, skipWithoutTshark } from "./support/tshark.js";

const IFACE = "a:eth0";
const MARKER = "wirelab plaintext that must never be on the wire; ";
const SECRET = Buffer.from(MARKER.repeat(Math.ceil(100_000 / MARKER.length)));
const ca = createTestCa({ keyType: "ed25519" });
const leaf = ca.issue({ ...leafFor("10.0.2.2"), keyType: "ed25519" });

/** One HTTPS GET of the secret page from a, captured on a's interface. */
async function scenario(seed: number, maxVersion: "TLSv1.2" | "TLSv1.3" = "TLSv1.3") {
  const lab = tlsLab(seed, { ca, leaf });
  const capture = new NetworkCapture(lab.n, { interfaces: [IFACE] });
  const timeline: string[] = [];
  lab.n.events.subscribe((e) => {
    if (`${e.node}:${e.iface}` !== IFACE) return;
    if (e.kind === "transmit" || e.kind === "deliver")
      timeline.push(`${lab.n.sim.now} ${e.kind} ${e.packet.length}`);
  });
  serveHttps(lab, { "/secret": SECRET });
  // servername puts "b.lab" in the ClientHello's SNI, in the clear: proof that a search of the
  // capture for text would find it if it were there.
  const agent = httpsAgent(lab.a, { ca: ca.cert, servername: "b.lab", maxVersion });
  const reply = await runNodeUntilSettled(lab.n.sim, get(agent, lab.bAddress, "/secret"));
  agent.destroy();
  lab.n.sim.run(); // the closing handshake and TIME-WAIT, so the capture is complete
  capture.stop();
  const pcap = capture.toPcaps().get(IFACE);
  if (pcap === undefined) throw new Error(`no capture on ${IFACE}`);
  return { reply, pcap: Buffer.from(pcap), timeline, lost: lab.lost() };
}

const first = await scenario(21);
const tls12 = await scenario(21, "TLSv1.2");
const dir = scratchDir("wirelab-tls-tshark-");
const FILE = join(dir, "https.pcap");
const FILE12 = join(dir, "https-tls12.pcap");
writeCaptureFile(FILE, first.pcap);
writeCaptureFile(FILE12, tls12.pcap);

const SKIP_TSHARK = skipWithoutTshark("TLS tshark tests");
const tshark = makeTshark(dir);

/** Frames matching a display filter. */
const count = (filter: string, file = FILE): number => tshark.frames(file, filter).length;

describe("an HTTPS exchange in the capture", () => {
  const itTshark = it.skipIf(SKIP_TSHARK);

  it("delivers the page, over a path that lost packets", () => {
    expect(first.reply.status).toBe(200);
    expect(first.reply.body.equals(SECRET)).toBe(true);
    expect(first.lost).toBeGreaterThan(0);
  });

  it("never carries the plaintext, only the name in the ClientHello", () => {
    expect(first.pcap.length).toBeGreaterThan(SECRET.length); // the page did cross this interface
    expect(first.pcap.indexOf(MARKER.slice(0, 24))).toBe(-1);
    expect(first.pcap.indexOf("HTTP/1.1")).toBe(-1);
    expect(first.pcap.indexOf("/secret")).toBe(-1);
    expect(first.pcap.indexOf("b.lab")).toBeGreaterThan(0); // SNI: the search does find text
  });

  itTshark(
    "decodes TLS 1.3 records: one handshake, then application data, nothing malformed",
    () => {
      expect(count("tls.handshake.type == 1")).toBe(1); // ClientHello
      expect(count("tls.handshake.type == 2")).toBe(1); // ServerHello
      expect(count('tls.handshake.extensions_server_name == "b.lab"')).toBe(1);
      // TLS 1.3 records after the ServerHello all say application_data (23) outside; Wireshark
      // names that outer type tls.record.opaque_type (RFC 8446 §5.2), content_type is inside.
      expect(count("tls.record.opaque_type == 23")).toBeGreaterThan(5);
      expect(count("tls.record.content_type == 23")).toBe(0);
      expect(count("http")).toBe(0); // nothing readable as HTTP
      expect(count("_ws.malformed || _ws.expert.severity == error")).toBe(0);
      expect(tshark.run(FILE, "-q", "-z", "expert,error").trim()).toBe("");
    },
  );

  itTshark("decodes TLS 1.2 records: handshake in the clear, content type 23 after it", () => {
    expect(tls12.reply.body.equals(SECRET)).toBe(true);
    expect(tls12.pcap.indexOf(MARKER.slice(0, 24))).toBe(-1);
    expect(count("tls.handshake.type == 11", FILE12)).toBe(1); // Certificate, readable in 1.2
    expect(count("tls.record.content_type == 23", FILE12)).toBeGreaterThan(5);
    expect(count("http", FILE12)).toBe(0);
    expect(count("_ws.malformed || _ws.expert.severity == error", FILE12)).toBe(0);
  });

  it("repeats the same packet timeline for the same seed, with different bytes", async () => {
    const again = await scenario(21);
    const other = await scenario(22);
    expect(again.timeline.length).toBeGreaterThan(50);
    expect(again.timeline).toEqual(first.timeline); // times, directions and sizes
    expect(again.pcap.length).toBe(first.pcap.length);
    expect(again.pcap.equals(first.pcap)).toBe(false); // fresh keys and nonces every run
    expect(other.timeline).not.toEqual(first.timeline);
  });
});
