// The machine alone, smoltcp style: segments in, `outbox` out, no network. Here: sending
// across the 2^32 sequence wrap, which the scripted tests cannot force (ISNs are hashed).
import { describe, expect, it } from "vitest";
import { ms } from "../../sim/time.js";
import { type SeqNumber, seq, seqAdd, seqDiff } from "../../wire/seq.js";
import { TCP_FLAG_ACK, TCP_FLAG_SYN, type TcpRecord } from "../../wire/tcp.js";
import { resolveConfig } from "./config.js";
import { segmentArrives } from "./input.js";
import { output } from "./output.js";
import { pattern } from "./packet-script.js";
import { Tcb } from "./tcb.js";
import { onTimers } from "./timers.js";
import { openActive, userSend } from "./user.js";

function segment(s: SeqNumber, ack: SeqNumber, flags: number, window = 65535): TcpRecord {
  return {
    srcPort: 80,
    dstPort: 5000,
    seq: s,
    ack,
    flags,
    window,
    checksum: 0,
    urgentPointer: 0,
    options: [{ kind: "mss", value: 1000 }],
    payload: new Uint8Array(0),
  };
}

describe("Tcb without a network", () => {
  it("sends, retransmits and frees data across the 2^32 sequence wrap", () => {
    const cfg = resolveConfig({ timestamps: false, sack: false, windowScaling: false });
    const tcb = new Tcb(cfg, 5000, 80, 1460, 536, 0);
    const iss = seq(0xfffff800); // 2048 bytes before the wrap
    openActive(tcb, iss, 0, 0);
    expect(tcb.outbox.splice(0).map((r) => r.seq)).toEqual([iss]);
    const peer = seq(777);
    segmentArrives(tcb, segment(peer, seqAdd(iss, 1), TCP_FLAG_SYN | TCP_FLAG_ACK), ms(10));
    output(tcb, ms(10));
    expect(tcb.state).toBe("ESTABLISHED");
    tcb.outbox.length = 0;
    expect(userSend(tcb, pattern(5000), ms(10))).toBe(5000);
    const sent = tcb.outbox.splice(0);
    expect(sent.map((r) => seqDiff(r.seq, seqAdd(iss, 1)))).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(sent[3]!.seq).toBe(953); // 0xfffff801 + 3000, wrapped
    expect(sent[4]!.payload).toEqual(pattern(5000).subarray(4000));
    // ACK the first three segments (past the wrap); the rest times out and is resent.
    segmentArrives(tcb, segment(seqAdd(peer, 1), seqAdd(iss, 3001), TCP_FLAG_ACK), ms(20));
    expect(tcb.snd.length).toBe(2000);
    expect(tcb.flightSize).toBe(2000);
    onTimers(tcb, ms(20) + tcb.rtt.rto);
    const again = tcb.outbox.splice(0);
    expect(again.map((r) => r.seq)).toEqual([seqAdd(iss, 3001)]);
    expect(again[0]!.payload).toEqual(pattern(5000).subarray(3000, 4000));
    expect(tcb.stats.timeouts).toBe(1);
  });
});
