/**
 * TCP options (RFC 9293 §3.2; MSS, window scale, SACK, timestamps from RFC 9293, RFC 7323 and
 * RFC 2018): the option area decoded into an ordered list, and written back 4-byte padded.
 * EOL is not stored; the list ends where EOL or the area does, so emit(parse(x)) is exact.
 */
import { getU16, getU32, setU16, setU32 } from "./bytes.js";
import { invalid, type ParseError } from "./parse-error.js";
import type { SeqNumber } from "./seq.js";

/** Option kinds (IANA "TCP Option Kind Numbers"). */
export const TCP_OPTION_EOL = 0;
export const TCP_OPTION_NOP = 1;
export const TCP_OPTION_MSS = 2;
export const TCP_OPTION_WINDOW_SCALE = 3;
export const TCP_OPTION_SACK_PERMITTED = 4;
export const TCP_OPTION_SACK = 5;
export const TCP_OPTION_TIMESTAMPS = 8;

/** The option area is at most 40 bytes: a data offset of 15 words less the 20-byte header. */
export const TCP_OPTIONS_MAX = 40;
/** Largest usable window scale shift; larger received values are used as 14 (RFC 7323 §2.3). */
export const TCP_MAX_WINDOW_SCALE = 14;
/** Most SACK blocks one option can carry (RFC 2018 §3: 2 + 8n bytes within 40). */
export const TCP_SACK_MAX_BLOCKS = 4;

/** One SACK block (RFC 2018 §3): `left` is the first sequence number, `right` one past the last. */
export interface SackBlock {
  readonly left: SeqNumber;
  readonly right: SeqNumber;
}

/**
 * One option, in wire order. `unknown` keeps any other kind with its data (a view into the parsed
 * buffer, type and length bytes excluded); emit writes it verbatim, so a test can also use it to
 * craft a malformed known option. Values are kept as received: a window-scale `shift` above 14
 * is legal on the wire (RFC 7323 §2.3), and clamping is the TCP layer's job.
 */
export type TcpOption =
  | { readonly kind: "nop" }
  | { readonly kind: "mss"; readonly value: number }
  | { readonly kind: "window-scale"; readonly shift: number }
  | { readonly kind: "sack-permitted" }
  | { readonly kind: "sack"; readonly blocks: readonly SackBlock[] }
  | { readonly kind: "timestamps"; readonly tsval: number; readonly tsecr: number }
  | { readonly kind: "unknown"; readonly type: number; readonly data: Uint8Array };

/** The NOP option; parse shares this one frozen object rather than allocating per NOP. */
export const NOP_OPTION: TcpOption = Object.freeze({ kind: "nop" });
/** The SACK-permitted option, shared like `NOP_OPTION`. */
export const SACK_PERMITTED_OPTION: TcpOption = Object.freeze({ kind: "sack-permitted" });
/** The empty option list, shared by every segment without options. */
export const NO_TCP_OPTIONS: readonly TcpOption[] = Object.freeze([]);

/**
 * Decodes the option area bytes[start..end). Error offsets are indices into `bytes` and point at
 * the offending option's length byte (every malformation is a length problem): field "options"
 * for a missing length byte, a length below 2 or an option running past `end`, and
 * "options.<kind>" (e.g. "options.mss") for a length its kind forbids. Bytes after EOL are
 * padding and are not examined.
 */
export function parseTcpOptions(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
): readonly TcpOption[] | ParseError {
  let list: TcpOption[] | undefined;
  let i = start;
  while (i < end) {
    const type = bytes[i]!;
    // RFC 9293 §3.2: EOL marks the end of the list; what follows is zero padding.
    if (type === TCP_OPTION_EOL) break;
    if (type === TCP_OPTION_NOP) {
      if (list === undefined) list = [];
      list.push(NOP_OPTION);
      i++;
      continue;
    }
    // RFC 9293 §3.2: every other kind carries a length byte counting kind and length.
    if (i + 1 >= end) return invalid("tcp", "options", i + 1, `option ${type} has no length byte`);
    const len = bytes[i + 1]!;
    if (len < 2) {
      return invalid("tcp", "options", i + 1, `option ${type} length ${len} is below 2`);
    }
    if (i + len > end) {
      return invalid("tcp", "options", i + 1, `option ${type} of length ${len} runs past the area`);
    }
    let option: TcpOption;
    switch (type) {
      case TCP_OPTION_MSS:
        if (len !== 4) return badLength("mss", i, len, "4");
        option = { kind: "mss", value: getU16(bytes, i + 2) };
        break;
      case TCP_OPTION_WINDOW_SCALE:
        if (len !== 3) return badLength("window-scale", i, len, "3");
        option = { kind: "window-scale", shift: bytes[i + 2]! };
        break;
      case TCP_OPTION_SACK_PERMITTED:
        if (len !== 2) return badLength("sack-permitted", i, len, "2");
        option = SACK_PERMITTED_OPTION;
        break;
      case TCP_OPTION_SACK:
        // RFC 2018 §3: 2 + 8n bytes, n blocks of two 32-bit sequence numbers.
        if (len < 10 || (len - 2) % 8 !== 0 || len > 2 + 8 * TCP_SACK_MAX_BLOCKS) {
          return badLength("sack", i, len, "2 + 8n with n in 1-4");
        }
        option = { kind: "sack", blocks: readSackBlocks(bytes, i + 2, i + len) };
        break;
      case TCP_OPTION_TIMESTAMPS:
        if (len !== 10) return badLength("timestamps", i, len, "10");
        option = { kind: "timestamps", tsval: getU32(bytes, i + 2), tsecr: getU32(bytes, i + 6) };
        break;
      default:
        // RFC 9293 §3.2: an unknown kind is skipped by its length.
        option = { kind: "unknown", type, data: bytes.subarray(i + 2, i + len) };
    }
    if (list === undefined) list = [];
    list.push(option);
    i += len;
  }
  return list ?? NO_TCP_OPTIONS;
}

function badLength(kind: string, i: number, len: number, want: string): ParseError {
  return invalid("tcp", `options.${kind}`, i + 1, `${kind} option length ${len} is not ${want}`);
}

function readSackBlocks(bytes: Uint8Array, from: number, to: number): SackBlock[] {
  const blocks: SackBlock[] = [];
  for (let j = from; j < to; j += 8) {
    blocks.push({ left: getU32(bytes, j) as SeqNumber, right: getU32(bytes, j + 4) as SeqNumber });
  }
  return blocks;
}

/** Bytes one option occupies on the wire. */
function optionLength(o: TcpOption): number {
  switch (o.kind) {
    case "nop":
      return 1;
    case "mss":
      return 4;
    case "window-scale":
      return 3;
    case "sack-permitted":
      return 2;
    case "sack":
      return 2 + 8 * o.blocks.length;
    case "timestamps":
      return 10;
    case "unknown":
      return 2 + o.data.length;
  }
}

/** Bytes the options occupy on the wire before padding. */
export function tcpOptionsLength(options: readonly TcpOption[]): number {
  let n = 0;
  for (let k = 0; k < options.length; k++) n += optionLength(options[k]!);
  return n;
}

/** Bytes the option area takes once padded to a 32-bit boundary. */
export function tcpOptionsPaddedLength(options: readonly TcpOption[]): number {
  return (tcpOptionsLength(options) + 3) & ~3;
}

/**
 * Writes `options` into `out` at `offset` (a new buffer when `out` is omitted), zero-padded to a
 * 32-bit boundary, and returns the area's bytes. Throws RangeError for a list that cannot be
 * encoded: more than 40 bytes, a SACK with no blocks or more than 4, or an unknown option of
 * kind 0 or 1 (they have no length byte).
 */
export function emitTcpOptions(
  options: readonly TcpOption[],
  out?: Uint8Array,
  offset = 0,
): Uint8Array {
  const padded = tcpOptionsPaddedLength(options);
  if (padded > TCP_OPTIONS_MAX) {
    throw new RangeError(`TCP options of ${padded} bytes exceed ${TCP_OPTIONS_MAX}`);
  }
  const buf = out ?? new Uint8Array(padded);
  writeTcpOptions(options, buf, offset, offset + padded);
  return buf.subarray(offset, offset + padded);
}

/**
 * Writes `options` at buf[from..) and zero-fills the rest of buf[from..to). The caller has checked
 * that they fit; shared by `emitTcpOptions` and `emitTcp`.
 */
export function writeTcpOptions(
  options: readonly TcpOption[],
  buf: Uint8Array,
  from: number,
  to: number,
): void {
  let i = from;
  for (let k = 0; k < options.length; k++) {
    const o = options[k]!;
    switch (o.kind) {
      case "nop":
        buf[i++] = TCP_OPTION_NOP;
        break;
      case "mss":
        buf[i] = TCP_OPTION_MSS;
        buf[i + 1] = 4;
        setU16(buf, i + 2, o.value);
        i += 4;
        break;
      case "window-scale":
        buf[i] = TCP_OPTION_WINDOW_SCALE;
        buf[i + 1] = 3;
        buf[i + 2] = o.shift;
        i += 3;
        break;
      case "sack-permitted":
        buf[i] = TCP_OPTION_SACK_PERMITTED;
        buf[i + 1] = 2;
        i += 2;
        break;
      case "sack": {
        const n = o.blocks.length;
        if (n < 1 || n > TCP_SACK_MAX_BLOCKS) {
          throw new RangeError(`a SACK option carries 1-4 blocks, not ${n} (RFC 2018 §3)`);
        }
        buf[i] = TCP_OPTION_SACK;
        buf[i + 1] = 2 + 8 * n;
        for (let b = 0; b < n; b++) {
          setU32(buf, i + 2 + 8 * b, o.blocks[b]!.left);
          setU32(buf, i + 6 + 8 * b, o.blocks[b]!.right);
        }
        i += 2 + 8 * n;
        break;
      }
      case "timestamps":
        buf[i] = TCP_OPTION_TIMESTAMPS;
        buf[i + 1] = 10;
        setU32(buf, i + 2, o.tsval);
        setU32(buf, i + 6, o.tsecr);
        i += 10;
        break;
      case "unknown":
        if (o.type === TCP_OPTION_EOL || o.type === TCP_OPTION_NOP) {
          throw new RangeError(`TCP option kind ${o.type} has no length byte; use "nop" or omit`);
        }
        buf[i] = o.type;
        buf[i + 1] = 2 + o.data.length;
        buf.set(o.data, i + 2);
        i += 2 + o.data.length;
    }
  }
  buf.fill(TCP_OPTION_EOL, i, to); // EOL, then zero padding (RFC 9293 §3.1 "Padding")
}

/** The options a TCP layer acts on, as plain fields. */
export interface TcpOptionSummary {
  /** Maximum segment size (RFC 9293 §3.7.1). */
  mss?: number;
  /** Window scale shift as received, possibly above 14 (RFC 7323 §2.3). */
  windowScale?: number;
  /** SACK-permitted seen (RFC 2018 §2). */
  sackPermitted: boolean;
  /** SACK blocks (RFC 2018 §3). */
  sack?: readonly SackBlock[];
  /** Timestamps (RFC 7323 §3). */
  timestamps?: { tsval: number; tsecr: number };
}

/** Collects the known options of `options`; when a kind repeats, the last one wins. */
export function summarizeTcpOptions(options: readonly TcpOption[]): TcpOptionSummary {
  const s: TcpOptionSummary = { sackPermitted: false };
  for (let k = 0; k < options.length; k++) {
    const o = options[k]!;
    switch (o.kind) {
      case "mss":
        s.mss = o.value;
        break;
      case "window-scale":
        s.windowScale = o.shift;
        break;
      case "sack-permitted":
        s.sackPermitted = true;
        break;
      case "sack":
        s.sack = o.blocks;
        break;
      case "timestamps":
        s.timestamps = { tsval: o.tsval, tsecr: o.tsecr };
        break;
    }
  }
  return s;
}

/**
 * Lays out the options of a summary with NOPs so each multi-byte option starts word aligned, in
 * the order Linux sends them: MSS, SACK-permitted + timestamps (or NOP NOP before either alone),
 * NOP + window scale, NOP NOP + SACK. A SYN with all four gives 020405b4 0402080a ... 01030307.
 */
export function buildTcpOptions(s: Partial<TcpOptionSummary>): TcpOption[] {
  const list: TcpOption[] = [];
  if (s.mss !== undefined) list.push({ kind: "mss", value: s.mss });
  if (s.timestamps !== undefined) {
    if (s.sackPermitted === true) list.push(SACK_PERMITTED_OPTION);
    else list.push(NOP_OPTION, NOP_OPTION);
    const { tsval, tsecr } = s.timestamps;
    list.push({ kind: "timestamps", tsval, tsecr });
  } else if (s.sackPermitted === true) {
    list.push(NOP_OPTION, NOP_OPTION, SACK_PERMITTED_OPTION);
  }
  if (s.windowScale !== undefined)
    list.push(NOP_OPTION, { kind: "window-scale", shift: s.windowScale });
  if (s.sack !== undefined && s.sack.length > 0) {
    list.push(NOP_OPTION, NOP_OPTION, { kind: "sack", blocks: s.sack });
  }
  return list;
}
