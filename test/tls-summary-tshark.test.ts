/**
 * TLS in packet summaries against Wireshark's info column: an HTTPS GET over TLS 1.3 and over
 * TLS 1.2 (Node's tls over the simulated TCP), captured on the client; every segment whose
 * summary names TLS records must name the ones tshark names, in order, and every segment tshark
 * decodes as TLS must get a TLS text.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runNodeUntilSettled } from "../src/socket/node/pump.js";
import { createTestCa } from "../src/socket/node/test-ca.js";
import { httpsAgent } from "../src/socket/node/tls.js";
import { NetworkCapture } from "../src/trace/capture.js";
import { readPcap } from "../src/trace/pcap.js";
import { writeCaptureFile } from "../src/trace/pcap-file.js";
import { summarizeIp } from "../src/trace/summary.js";
import { ParseError } from "../src/wire/parse-error.js";
import { scratchDir } from "./support/scratch-dir.js";
import { get, leafFor, serveHttps, tlsLab } from "./support/tls-lab.js";
import { makeTshark, skipWithoutTshark } from "./support/tshark.js";

const ca = createTestCa({ keyType: "ed25519" });
const leaf = ca.issue({ ...leafFor("10.0.2.2"), keyType: "ed25519" });
const dir = scratchDir("wirelab-tls-summary-");
const SKIP = skipWithoutTshark("TLS summary tests");

/** A GET of a small page, captured on a:eth0; the capture's file name and bytes. */
async function capture(
  maxVersion: "TLSv1.2" | "TLSv1.3",
): Promise<{ file: string; pcap: Uint8Array }> {
  const lab = tlsLab(21, { ca, leaf, loss: 0 });
  const cap = new NetworkCapture(lab.n, { interfaces: ["a:eth0"] });
  serveHttps(lab, { "/page": Buffer.from("hello, world\n") });
  const agent = httpsAgent(lab.a, { ca: ca.cert, servername: "b.lab", maxVersion });
  const reply = await runNodeUntilSettled(lab.n.sim, get(agent, lab.bAddress, "/page"));
  expect(reply.status).toBe(200);
  agent.destroy();
  lab.n.sim.run();
  cap.stop();
  const pcap = cap.toPcaps().get("a:eth0");
  if (pcap === undefined) throw new Error("no capture");
  const file = join(dir, `${maxVersion}.pcap`);
  writeCaptureFile(file, pcap);
  return { file, pcap };
}

describe.skipIf(SKIP)("TLS summaries against tshark", () => {
  for (const version of ["TLSv1.3", "TLSv1.2"] as const) {
    it(`names the records of a ${version} session as tshark does`, async () => {
      const { file, pcap } = await capture(version);
      const records = readPcap(pcap);
      if (records instanceof ParseError) throw new Error(records.message);
      const info = makeTshark(dir).fields(file, ["_ws.col.Info", "tls.record.content_type"]);
      const ours: string[] = [];
      const theirs: string[] = [];
      records.records.forEach((r, i) => {
        const m = /: TLS (.*)$/.exec(summarizeIp(r.data));
        const [text, types] = info[i]!;
        if (m !== null || types !== "") {
          ours.push(m?.[1] ?? "(none)");
          theirs.push(text!);
        }
      });
      expect(ours.length).toBeGreaterThanOrEqual(5);
      expect(ours).toEqual(theirs);
    });
  }
});
