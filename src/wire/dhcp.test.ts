import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParser } from "../../test/support/fuzz.js";
import { parseIpv4Address } from "./address.js";
import { fromHex, toHex } from "./bytes.js";
import {
  BOOTP_REPLY,
  BOOTP_REQUEST,
  chaddrFromMac,
  DHCP_FLAG_BROADCAST,
  DHCP_MESSAGE,
  type DhcpMessage,
  dhcpBufferLength,
  dhcpMessageName,
  emitDhcp,
  emptyDhcpMessage,
  macFromChaddr,
  parseDhcp,
} from "./dhcp.js";
import { ParseError } from "./parse-error.js";

const v4 = (s: string) => parseIpv4Address(s) as number;
const z = (bytes: number) => "00".repeat(bytes);
const MAC = "020000000301";

// Both messages were assembled by hand from RFC 2131 §2 and RFC 2132, wrapped in UDP/IPv4 with
// text2pcap and decoded by tshark 4.0 -V as "DHCP (Discover)" and "DHCP (ACK)" with every field
// and option as intended (broadcast flag set, lease 3600 s, T1 1800 s, T2 3150 s, option 15
// "lab" as Domain Name) and nothing malformed.
const FIXED = (op: string, yiaddr: string) =>
  `${op}010600 3903f326 0000 8000 00000000 ${yiaddr} 00000000 00000000 ${MAC}${z(10)} ${z(64)} ${z(128)} 63825363`;
const DISCOVER = `${FIXED("01", "00000000")} 350101 32040a000064 0c026331 3706010306333a3b 3d0701${MAC} ff${z(29)}`;
const ACK = `${FIXED("02", "0a000064")} 350105 36040a000001 330400000e10 3a0400000708 3b0400000c4e ${"0104ffffff00"} 03040a000001 06080a0009350a000936 0f036c6162 ff${z(5)}`;
const hex = (s: string) => s.replace(/ /g, "");

function discover(): DhcpMessage {
  const m = emptyDhcpMessage(BOOTP_REQUEST);
  m.chaddr = fromHex(MAC);
  m.xid = 0x3903f326;
  m.flags = DHCP_FLAG_BROADCAST;
  m.options = {
    messageType: DHCP_MESSAGE.DISCOVER,
    requestedAddress: v4("10.0.0.100"),
    hostName: "c1",
    parameterRequestList: [1, 3, 6, 51, 58, 59],
    clientId: fromHex(`01${MAC}`),
    other: [],
  };
  return m;
}

function ack(): DhcpMessage {
  const m = emptyDhcpMessage(BOOTP_REPLY);
  m.chaddr = fromHex(MAC);
  m.xid = 0x3903f326;
  m.flags = DHCP_FLAG_BROADCAST;
  m.yiaddr = v4("10.0.0.100");
  m.options = {
    messageType: DHCP_MESSAGE.ACK,
    serverId: v4("10.0.0.1"),
    leaseTime: 3600,
    renewalTime: 1800,
    rebindingTime: 3150,
    subnetMask: v4("255.255.255.0"),
    routers: [v4("10.0.0.1")],
    dnsServers: [v4("10.0.9.53"), v4("10.0.9.54")],
    other: [{ code: 15, data: new TextEncoder().encode("lab") }],
  };
  return m;
}

describe("dhcp", () => {
  it("decodes golden bytes", () => {
    expect(parseDhcp(fromHex(DISCOVER))).toEqual(discover());
    const a = parseDhcp(fromHex(ACK)) as DhcpMessage;
    expect(a).toEqual(ack());
    expect(dhcpMessageName(a.options.messageType)).toBe("ACK");
    expect(macFromChaddr(a.chaddr)).toBe(0x020000000301);
    expect(toHex(chaddrFromMac(0x020000000301))).toBe(MAC);
  });

  it("names every message type of RFC 2132 §9.6, and says so for others", () => {
    const names = [1, 2, 3, 4, 5, 6, 7, 8].map(dhcpMessageName);
    expect(names).toEqual([
      "DISCOVER",
      "OFFER",
      "REQUEST",
      "DECLINE",
      "ACK",
      "NAK",
      "RELEASE",
      "INFORM",
    ]);
    expect([0, 9, 255].map(dhcpMessageName)).toEqual(["TYPE-0", "TYPE-9", "TYPE-255"]);
    expect(dhcpMessageName(undefined)).toBe("BOOTP");
  });

  it("encodes golden bytes, padded to the 300-byte BOOTP minimum", () => {
    expect(toHex(emitDhcp(discover()))).toBe(hex(DISCOVER));
    expect(toHex(emitDhcp(ack()))).toBe(hex(ACK));
    expect(emitDhcp(ack()).length).toBe(300);
    expect(dhcpBufferLength(ack())).toBe(300);
    const big = ack();
    big.options.other.push({ code: 43, data: new Uint8Array(200) });
    expect(emitDhcp(big).length).toBe(dhcpBufferLength(big));
    expect(dhcpBufferLength(big)).toBe(240 + 54 + 202 + 1);
  });

  it("skips pad options and ignores bytes after END", () => {
    const b = fromHex(`${FIXED("01", "00000000")} 00 00 350103 ff 35`);
    expect(parseDhcp(b)).toMatchObject({ options: { messageType: 3, other: [] } });
  });

  it("refuses malformed messages naming the field", () => {
    const base = hex(DISCOVER);
    const at = (offset: number, bytes: string) =>
      fromHex(base.slice(0, 2 * offset) + bytes + base.slice(2 * offset + bytes.length));
    expect(parseDhcp(fromHex(base).subarray(0, 239))).toMatchObject({
      field: "header",
      reason: "truncated",
    });
    expect(parseDhcp(at(0, "03"))).toMatchObject({ field: "op", offset: 0 });
    expect(parseDhcp(at(2, "11"))).toMatchObject({ field: "hlen", offset: 2 });
    expect(parseDhcp(at(236, "63825364"))).toMatchObject({
      field: "cookie",
      reason: "unsupported",
    });
    expect(parseDhcp(at(240, "3502"))).toMatchObject({ field: "options.53", offset: 240 });
    expect(parseDhcp(at(243, "3203"))).toMatchObject({ field: "options.50", offset: 243 });
    expect(parseDhcp(at(243, "350101"))).toMatchObject({ reason: "invalid", field: "options.53" });
    expect(parseDhcp(fromHex(`${FIXED("01", "00000000")} 3d0101 ff`))).toMatchObject({
      field: "options.61",
    });
    // No END before the buffer ends.
    expect(parseDhcp(fromHex(`${FIXED("01", "00000000")} 350101`))).toMatchObject({
      field: "options.end",
      reason: "truncated",
    });
    expect(parseDhcp(fromHex(`${FIXED("01", "00000000")} 3504 0102`))).toMatchObject({
      field: "options.53",
      reason: "truncated",
    });
    expect(parseDhcp(fromHex(`${FIXED("01", "00000000")} 0305 0a0000010a ff`))).toMatchObject({
      field: "options.3",
    });
  });

  it("refuses to encode what does not fit", () => {
    const m = discover();
    m.sname = "x".repeat(65);
    expect(() => emitDhcp(m)).toThrow(RangeError);
    const n = discover();
    n.options.other.push({ code: 43, data: new Uint8Array(256) });
    expect(() => emitDhcp(n)).toThrow(RangeError);
  });

  it("round-trips any message and survives fuzzing", () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const text = (max: number) =>
      fc.string({ maxLength: max }).map((s) => s.replace(/[^\x20-\x7e]/g, "a"));
    const known = new Set([0, 1, 3, 6, 12, 50, 51, 53, 54, 55, 58, 59, 61, 255]);
    const options = fc.record(
      {
        messageType: fc.integer({ min: 1, max: 255 }),
        serverId: u32,
        requestedAddress: u32,
        leaseTime: u32,
        renewalTime: u32,
        rebindingTime: u32,
        subnetMask: u32,
        routers: fc.array(u32, { minLength: 1, maxLength: 4 }),
        dnsServers: fc.array(u32, { minLength: 1, maxLength: 4 }),
        hostName: text(40).filter((s) => s.length > 0),
        parameterRequestList: fc.array(fc.integer({ min: 0, max: 255 }), {
          minLength: 1,
          maxLength: 10,
        }),
        clientId: fc.uint8Array({ minLength: 2, maxLength: 20 }),
        other: fc.array(
          fc.record({
            code: fc.integer({ min: 1, max: 254 }).filter((c) => !known.has(c)),
            data: fc.uint8Array({ maxLength: 30 }),
          }),
          { maxLength: 4 },
        ),
      },
      { requiredKeys: ["other"] },
    );
    const message = fc.record({
      op: fc.constantFrom(1, 2),
      htype: fc.integer({ min: 0, max: 255 }),
      chaddr: fc.uint8Array({ maxLength: 16 }),
      hops: fc.integer({ min: 0, max: 255 }),
      xid: u32,
      secs: fc.integer({ min: 0, max: 0xffff }),
      flags: fc.constantFrom(0, DHCP_FLAG_BROADCAST),
      ciaddr: u32,
      yiaddr: u32,
      siaddr: u32,
      giaddr: u32,
      sname: text(64),
      file: text(128),
      options,
    });
    fc.assert(
      fc.property(message, (m) => {
        const b = emitDhcp(m);
        expect(b.length).toBe(dhcpBufferLength(m));
        expect(parseDhcp(b)).toEqual(m);
      }),
    );
    fuzzParser(parseDhcp, [fromHex(DISCOVER), fromHex(ACK)], { maxLength: 320 });
    expect(parseDhcp(new Uint8Array(0))).toBeInstanceOf(ParseError);
  });
});
