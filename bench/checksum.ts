/**
 * Checksum figures: Internet checksum throughput over a full-size 1,500-byte packet and a
 * 64 KiB buffer, in MB/s (10^6 bytes per second).
 */
import { internetChecksum } from "../src/wire/checksum.js";
import { consume, type Figure, rate } from "./harness.js";

export function checksumFigures(): Figure[] {
  const figures: Figure[] = [];
  for (const size of [1500, 65536]) {
    const buf = new Uint8Array(size);
    for (let i = 0; i < size; i++) buf[i] = (i * 131 + 7) & 0xff;
    let acc = 0;
    const perSec = rate((n) => {
      for (let i = 0; i < n; i++) acc += internetChecksum(buf);
      return n;
    });
    consume(acc);
    figures.push({
      suite: "wire",
      name: `checksum, ${size} B buffers`,
      value: (perSec * size) / 1e6,
      unit: "MB/s",
    });
  }
  return figures;
}
