import { describe, expect, it } from "vitest";
import { readPcap } from "../trace/pcap.js";
import { runDemo } from "./demo.js";

describe("wirelab demo", () => {
  it("shows a lost ping and the path, identically on every run of the same seed", () => {
    const a = runDemo();
    const b = runDemo();
    expect(a).toEqual(b);
    expect(a).toContain("4 packets transmitted, 3 received, 25% packet loss, time 3000ms");
    expect(a.some((l) => l.includes("x DROPPED (loss)"))).toBe(true);
    expect(a).toContain(" 1  10.0.1.254  10.012 ms  10.012 ms  10.012 ms");
    expect(runDemo({ seed: 1 })).not.toEqual(a);
  });

  it("hands a capture of every interface to the writer, and says where it went", () => {
    let interfaces: string[] = [];
    let bytes: Uint8Array = new Uint8Array(0);
    let firstPcap: Uint8Array | undefined;
    const lines = runDemo({
      write: (capture) => {
        interfaces = capture.interfaces.map((i) => i.name);
        bytes = capture.toPcapng();
        firstPcap = capture.toPcaps().get("h1:eth0");
        return "out/demo.pcapng";
      },
    });
    expect(lines).toContain(
      "capture of every interface written to out/demo.pcapng (open it with Wireshark)",
    );
    expect(interfaces).toEqual([
      "h1:eth0",
      "r1:eth0",
      "r1:eth1",
      "r2:eth0",
      "r2:eth1",
      "r3:eth0",
      "r3:eth1",
      "h2:eth0",
    ]);
    // pcapng section header block type.
    expect([...bytes.subarray(0, 4)]).toEqual([0x0a, 0x0d, 0x0d, 0x0a]);
    const h1 = readPcap(firstPcap!);
    if ("records" in h1) {
      expect(h1.records[0]!.time).toBe(0);
      expect(h1.records.length).toBeGreaterThan(8);
    } else throw new Error(h1.message);
  });
});
