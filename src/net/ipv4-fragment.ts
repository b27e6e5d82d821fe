/**
 * IPv4 fragmentation (RFC 791 §3.2, "Fragmentation and Reassembly"): split a datagram into
 * pieces that fit an MTU, each carrying a copy of the header (with only the options whose copied
 * flag is set in fragments after the first) and a payload slice that is a multiple of 8 bytes.
 */
import { getU16, setU16 } from "../wire/bytes.js";
import { internetChecksum } from "../wire/checksum.js";
import {
  IPV4_FLAG_DF,
  IPV4_FLAG_MF,
  IPV4_FRAGMENT_OFFSET_MASK,
  IPV4_OPTION_EOL,
  IPV4_OPTION_NOP,
} from "../wire/ipv4.js";

/** Header bytes for fragments after the first: options without the copied flag are dropped. */
function laterHeader(packet: Uint8Array, hl: number): Uint8Array {
  const opts: number[] = [];
  let i = 20;
  while (i < hl) {
    const type = packet[i]!;
    if (type === IPV4_OPTION_EOL) break;
    if (type === IPV4_OPTION_NOP) {
      i++;
      continue;
    }
    const len = packet[i + 1]!;
    if (len < 2 || i + len > hl) break; // already validated on input; be defensive anyway
    if (type & 0x80) for (let k = 0; k < len; k++) opts.push(packet[i + k]!);
    i += len;
  }
  while (opts.length % 4 !== 0) opts.push(IPV4_OPTION_EOL);
  const h = new Uint8Array(20 + opts.length);
  h.set(packet.subarray(0, 20));
  h.set(opts, 20);
  h[0] = 0x40 | (h.length / 4);
  return h;
}

/**
 * Splits a valid IPv4 datagram (whose DF bit is clear) into fragments of at most `mtu` bytes.
 * Works on datagrams that are already fragments too (their MF bit and offset are respected).
 * Returns the datagram itself when it fits.
 */
export function fragmentIpv4(packet: Uint8Array, mtu: number): Uint8Array[] {
  if (packet.length <= mtu) return [packet];
  const hl = (packet[0]! & 0x0f) * 4;
  const flagsWord = getU16(packet, 6);
  const baseOffset = (flagsWord & IPV4_FRAGMENT_OFFSET_MASK) * 8;
  const lastHadMf = (flagsWord & IPV4_FLAG_MF) !== 0;
  const payload = packet.subarray(hl);
  const first = packet.subarray(0, hl);
  const later = laterHeader(packet, hl);
  const out: Uint8Array[] = [];
  let done = 0;
  while (done < payload.length) {
    const header = done === 0 ? first : later;
    const room = Math.floor((mtu - header.length) / 8) * 8;
    if (room <= 0) throw new RangeError(`MTU ${mtu} cannot carry a fragment of this datagram`);
    const size = Math.min(room, payload.length - done);
    const last = done + size >= payload.length;
    const frag = new Uint8Array(header.length + size);
    frag.set(header);
    frag.set(payload.subarray(done, done + size), header.length);
    setU16(frag, 2, frag.length);
    const mf = !last || lastHadMf ? IPV4_FLAG_MF : 0;
    setU16(frag, 6, (flagsWord & 0x4000) | mf | ((baseOffset + done) / 8));
    setU16(frag, 10, 0);
    setU16(frag, 10, internetChecksum(frag, 0, header.length));
    out.push(frag);
    done += size;
  }
  return out;
}

/**
 * The whole datagram from a reassembly's fragment-0 header and payload (RFC 791 §3.2): total
 * length set, MF and the fragment offset cleared, header checksum recomputed. Undefined when
 * it would exceed the 65,535 bytes an IPv4 total length can say.
 */
export function joinIpv4Fragments(header: Uint8Array, payload: Uint8Array): Uint8Array | undefined {
  const hl = header.length;
  const total = hl + payload.length;
  if (total > 0xffff) return undefined;
  const p = new Uint8Array(total);
  p.set(header);
  p.set(payload, hl);
  setU16(p, 2, total);
  setU16(p, 6, getU16(p, 6) & IPV4_FLAG_DF);
  setU16(p, 10, 0);
  setU16(p, 10, internetChecksum(p, 0, hl));
  return p;
}
