// The send buffer (limit, views, compaction) and the receive buffer (reassembly, SACK blocks).
import { describe, expect, it } from "vitest";
import { deriveStream } from "../../sim/random.js";
import { type SeqNumber, seq, seqAdd } from "../../wire/seq.js";
import { pattern } from "./packet-script.js";
import { RecvBuffer } from "./recv-buffer.js";
import { SendBuffer } from "./send-buffer.js";

describe("SendBuffer", () => {
  it("refuses bytes beyond its limit and frees them on consume", () => {
    const b = new SendBuffer(100);
    expect(b.append(pattern(70))).toBe(70);
    expect(b.append(pattern(70))).toBe(30);
    expect(b.free).toBe(0);
    b.consume(50);
    expect(b.free).toBe(50);
    expect(b.view(0, 3)).toEqual(Uint8Array.of(50, 51, 52));
  });

  it("keeps every byte in order through many appends, consumes and compactions", () => {
    const b = new SendBuffer(40_000);
    const rng = deriveStream(1, "send-buffer");
    let written = 0;
    let acked = 0;
    for (let i = 0; i < 2000; i++) {
      const n = b.append(pattern(rng.nextInt(3000), written));
      written += n;
      const k = rng.nextInt(b.length + 1);
      const v = b.view(0, k);
      for (let j = 0; j < v.length; j += 97) expect(v[j]).toBe((acked + j) & 0xff);
      b.consume(k);
      acked += k;
    }
    expect(b.length).toBe(written - acked);
  });
});

describe("RecvBuffer", () => {
  const base = seq(0xfffff000); // wraps during the test
  it("reassembles shuffled, overlapping, duplicated pieces byte-exact", () => {
    const r = new RecvBuffer(1 << 20, 4096);
    const total = 50_000;
    const data = pattern(total, 3);
    const rng = deriveStream(2, "recv-buffer");
    const pieces: [number, number][] = [];
    for (let off = 0; off < total; ) {
      const len = 1 + rng.nextInt(1500);
      pieces.push([off, Math.min(total, off + len)]);
      off += len;
    }
    for (let i = 0; i < 300; i++) {
      const a = rng.nextInt(total);
      pieces.push([a, Math.min(total, a + 1 + rng.nextInt(3000))]); // overlaps and duplicates
    }
    rng.shuffle(pieces);
    let nxt: SeqNumber = base;
    const out: Uint8Array[] = [];
    for (const [a, b] of pieces) {
      const rel = nxt - base >= 0 ? (nxt - base) >>> 0 : (nxt - base + 2 ** 32) >>> 0;
      if (b <= rel) continue;
      const from = Math.max(a, rel);
      nxt = seqAdd(nxt, r.insert(seqAdd(base, from), data.subarray(from, b), nxt));
      for (let d = r.read(); d !== undefined; d = r.read()) out.push(d);
    }
    const joined = new Uint8Array(total);
    let o = 0;
    for (const d of out) {
      joined.set(d, o);
      o += d.length;
    }
    expect(o).toBe(total);
    expect(joined).toEqual(data);
    expect(r.pieces).toBe(0);
  });

  it("bounds the out-of-order pieces it keeps", () => {
    const r = new RecvBuffer(1 << 20, 2);
    const nxt = seq(0);
    r.insert(seq(100), pattern(10), nxt);
    r.insert(seq(200), pattern(10), nxt);
    r.insert(seq(300), pattern(10), nxt);
    expect(r.pieces).toBe(2);
    expect(r.oooBytes).toBe(20);
  });

  it("names SACK blocks most recent first and merges adjacent pieces", () => {
    const r = new RecvBuffer(1 << 20);
    const nxt = seq(0);
    r.insert(seq(100), pattern(50), nxt);
    r.insert(seq(300), pattern(50), nxt);
    r.insert(seq(150), pattern(50), nxt);
    expect(r.sackBlocks(4)).toEqual([
      { left: 100, right: 200 },
      { left: 300, right: 350 },
    ]);
    expect(r.sackBlocks(1)).toHaveLength(1);
  });
});
