/**
 * Captures on disk and their interoperability: files written through pcap-file.ts are read back
 * by readPcap and decoded by Wireshark's tshark, field by field, to the nanosecond.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scratchDir } from "../../test/support/scratch-dir.js";
import { makeTshark, skipWithoutTshark } from "../../test/support/tshark.js";
import { parseIpv4Address } from "../wire/address.js";
import { fromHex, toHex } from "../wire/bytes.js";
import { parseIpv4 } from "../wire/ipv4.js";
import { ParseError } from "../wire/parse-error.js";
import { parseUdp } from "../wire/udp.js";
import {
  CaptureBuffer,
  LINKTYPE_ETHERNET,
  LINKTYPE_RAW,
  type PcapFile,
  PcapWriter,
  readPcap,
} from "./pcap.js";
import { openCaptureFile, writeCaptureFile } from "./pcap-file.js";
import { PcapngWriter } from "./pcapng.js";

const hex = (s: string) => fromHex(s.replace(/\s+/g, ""));
const PAD18 = "00".repeat(18);
// Hand-assembled frames (IEEE 802.3 §3.2, RFC 826): 02:..:01 (192.0.2.1) asks for 192.0.2.2,
// and 02:..:02 answers; both padded to the 60-byte minimum.
const ARP_REQUEST = hex(
  "ffffffffffff 020000000001 0806 0001 0800 06 04 0001" +
    `020000000001 c0000201 000000000000 c0000202 ${PAD18}`,
);
const ARP_REPLY = hex(
  "020000000001 020000000002 0806 0001 0800 06 04 0002" +
    `020000000002 c0000202 020000000001 c0000201 ${PAD18}`,
);
// IPv4 (RFC 791) 192.0.2.1 -> 198.51.100.2, id 0x1234, DF, TTL 64, UDP (RFC 768) 40000 -> 40001
// carrying "hi!". Checksums computed by hand (Python): header 0x3c63, UDP 0x51b5.
const DATAGRAM = hex(
  "4500 001f 1234 4000 40 11 3c63 c0000201 c6336402  9c40 9c41 000b 51b5 686921",
);
const T_REQUEST = 1_000_000_001;
const T_REPLY = 1_000_250_999;
const T_DATAGRAM = 2_000_000_123;

const dir = scratchDir("wirelab-pcap-");

/** Writes the Ethernet pcap by streaming to the file, the raw one via an in-memory buffer. */
function writeFiles() {
  const eth = join(dir, "eth.pcap");
  const file = openCaptureFile(eth);
  const w = new PcapWriter(file.sink, { linkType: LINKTYPE_ETHERNET });
  w.write(T_REQUEST, ARP_REQUEST);
  w.write(T_REPLY, ARP_REPLY);
  file.close();

  const raw = join(dir, "raw.pcap");
  const buf = new CaptureBuffer();
  new PcapWriter(buf.sink, { linkType: LINKTYPE_RAW }).write(T_DATAGRAM, DATAGRAM);
  writeCaptureFile(raw, buf.toBytes());

  const ng = join(dir, "all.pcapng");
  const ngBuf = new CaptureBuffer();
  const n = new PcapngWriter(ngBuf.sink);
  const eth0 = n.addInterface({ name: "h1-eth0", linkType: LINKTYPE_ETHERNET });
  const ip0 = n.addInterface({ name: "r1-ppp0", linkType: LINKTYPE_RAW, description: "raw IP" });
  n.write(eth0, T_REQUEST, ARP_REQUEST);
  n.write(eth0, T_REPLY, ARP_REPLY, { comment: "is-at 02:00:00:00:00:02" });
  n.write(ip0, T_DATAGRAM, DATAGRAM);
  writeCaptureFile(ng, ngBuf.chunks);
  return { eth, raw, ng };
}
const files = writeFiles();

describe("capture files", () => {
  it("hand-built datagram has checksums that verify", () => {
    const ip = parseIpv4(DATAGRAM);
    expect(ip).not.toBeInstanceOf(ParseError);
    if (ip instanceof ParseError) return;
    const pseudo = { family: 4 as const, src: ip.src, dst: ip.dst };
    expect(ip.src).toBe(parseIpv4Address("192.0.2.1"));
    expect(parseUdp(ip.payload, pseudo)).toMatchObject({ srcPort: 40000, dstPort: 40001 });
  });

  it("reads back what was written to disk", () => {
    const eth = readPcap(new Uint8Array(readFileSync(files.eth))) as PcapFile;
    expect(eth).toMatchObject({ linkType: LINKTYPE_ETHERNET, nanos: true, snaplen: 262144 });
    expect(eth.records.map((r) => [r.time, r.originalLength, toHex(r.data)])).toEqual([
      [T_REQUEST, 60, toHex(ARP_REQUEST)],
      [T_REPLY, 60, toHex(ARP_REPLY)],
    ]);
    const raw = readPcap(new Uint8Array(readFileSync(files.raw))) as PcapFile;
    expect(raw.linkType).toBe(LINKTYPE_RAW);
    expect(raw.records.map((r) => [r.time, toHex(r.data)])).toEqual([
      [T_DATAGRAM, toHex(DATAGRAM)],
    ]);
    const ng = readFileSync(files.ng);
    expect(ng.length % 4).toBe(0);
    expect(toHex(ng, 0, 4)).toBe("0a0d0d0a");
  });
});

const SKIP_TSHARK = skipWithoutTshark("pcap interop tests");
/** IPv4 and UDP checksums verified. */
const tshark = makeTshark(dir, ["ip.check_checksum:TRUE", "udp.check_checksum:TRUE"]);

/** Asserts that tshark's expert analysis finds no errors (malformed packets, bad checksums). */
function expectNoExpertErrors(file: string): void {
  const out = tshark.run(file, "-q", "-z", "expert,error");
  expect(out).not.toMatch(/Errors|Malformed|Bad checksum/);
  expect(out.trim()).toBe("");
}

describe("tshark interop", () => {
  const itTshark = it.skipIf(SKIP_TSHARK);

  itTshark("decodes the Ethernet pcap: ARP request and reply, ns timestamps", () => {
    const cols = ["frame.time_epoch", "frame.len", "eth.src", "eth.dst", "eth.type"];
    cols.push("arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4");
    cols.push("arp.dst.hw_mac", "arp.dst.proto_ipv4");
    expect(tshark.fields(files.eth, cols)).toEqual([
      [
        "1.000000001",
        "60",
        "02:00:00:00:00:01",
        "ff:ff:ff:ff:ff:ff",
        "0x0806",
        "1",
        "02:00:00:00:00:01",
        "192.0.2.1",
        "00:00:00:00:00:00",
        "192.0.2.2",
      ],
      [
        "1.000250999",
        "60",
        "02:00:00:00:00:02",
        "02:00:00:00:00:01",
        "0x0806",
        "2",
        "02:00:00:00:00:02",
        "192.0.2.2",
        "02:00:00:00:00:01",
        "192.0.2.1",
      ],
    ]);
    expectNoExpertErrors(files.eth);
  });

  itTshark("decodes the raw-IP pcap: IPv4 + UDP with good checksums", () => {
    const cols = ["frame.time_epoch", "frame.protocols", "ip.src", "ip.dst", "ip.ttl"];
    cols.push("ip.checksum.status", "udp.srcport", "udp.dstport", "udp.length");
    cols.push("udp.checksum.status", "data.data");
    expect(tshark.fields(files.raw, cols)).toEqual([
      [
        "2.000000123",
        "raw:ip:udp:data",
        "192.0.2.1",
        "198.51.100.2",
        "64",
        "1", // good
        "40000",
        "40001",
        "11",
        "1", // good
        "686921",
      ],
    ]);
    expectNoExpertErrors(files.raw);
  });

  itTshark("decodes the pcapng: two interfaces of different link types, a comment", () => {
    const cols = ["frame.time_epoch", "frame.interface_id", "frame.interface_name"];
    cols.push("frame.comment", "frame.protocols", "eth.src", "arp.opcode", "udp.srcport");
    expect(tshark.fields(files.ng, cols)).toEqual([
      ["1.000000001", "0", "h1-eth0", "", "eth:ethertype:arp", "02:00:00:00:00:01", "1", ""],
      [
        "1.000250999",
        "0",
        "h1-eth0",
        "is-at 02:00:00:00:00:02",
        "eth:ethertype:arp",
        "02:00:00:00:00:02",
        "2",
        "",
      ],
      ["2.000000123", "1", "r1-ppp0", "", "raw:ip:udp:data", "", "", "40000"],
    ]);
    expectNoExpertErrors(files.ng);
  });

  itTshark("reports a bad checksum and a malformed frame (the check can fail)", () => {
    const bad = join(dir, "bad.pcap");
    const buf = new CaptureBuffer();
    const w = new PcapWriter(buf.sink, { linkType: LINKTYPE_RAW });
    const corrupt = Uint8Array.from(DATAGRAM);
    corrupt[11] = corrupt[11]! ^ 1; // header checksum 0x3c63 -> 0x3c62
    w.write(1, corrupt);
    w.write(2, DATAGRAM.subarray(0, 24)); // UDP header cut short
    writeCaptureFile(bad, buf.chunks);
    const out = tshark.run(bad, "-q", "-z", "expert,error");
    expect(out).toMatch(/Bad checksum/);
    expect(out).toMatch(/Malformed/);
  });
});
