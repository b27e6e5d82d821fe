import { describe, expect, it } from "vitest";
import { fromHex } from "../wire/bytes.js";
import { summarizeFrame, summarizeIp } from "./summary.js";

describe("tcpdump-style summaries", () => {
  it("prints ICMP echo, UDP and ARP like tcpdump -n", () => {
    // 10.0.0.1 -> 10.0.0.2 echo request id 1 seq 2, 4 data bytes (ICMP checksum left zero).
    const echo = fromHex("4500002000000000400166db0a0000010a000002 0800000000010002 61626364");
    expect(summarizeIp(echo)).toBe(
      "IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 2, length 12",
    );
    const udp = fromHex("4500001f00000000401166cc0a0000010a000002 30390035000b0000 686921");
    expect(summarizeIp(udp)).toBe("IP 10.0.0.1.12345 > 10.0.0.2.53: UDP, length 3");
    const arp = fromHex(
      "ffffffffffff 020000000101 0806 0001 0800 06 04 0001 020000000101 0a000001 000000000000 0a000002" +
        "000000000000000000000000000000000000",
    );
    expect(summarizeFrame(arp)).toBe(
      "02:00:00:00:01:01 > ff:ff:ff:ff:ff:ff, ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28",
    );
  });

  it("says what is wrong with a malformed packet instead of throwing", () => {
    expect(summarizeIp(fromHex("4500"))).toMatch(/^IP \[malformed: ipv4: truncated/);
    const good = fromHex("4500002000000000400100000a0000010a000002 0800000000010002 61626364");
    expect(summarizeIp(good)).toMatch(/\[bad hdr cksum\]$/);
    expect(summarizeFrame(fromHex("0102"))).toMatch(/^\[malformed frame/);
  });
});
