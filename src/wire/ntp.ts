/**
 * NTPv4 packets (RFC 5905 §7.3): a 48-byte header of leap indicator, version, mode, stratum,
 * poll, precision, root delay and dispersion, reference id and four 64-bit timestamps, then
 * optional extension fields and a MAC, which are carried as opaque bytes, not interpreted.
 * Timestamps are kept as their two 32-bit halves (exact on the wire); helpers convert them to
 * and from nanoseconds relative to an epoch, in era 0 (1900-2036, RFC 5905 §6).
 */
import { getU32, setU32 } from "./bytes.js";
import { invalid, type ParseError, truncated } from "./parse-error.js";

export const NTP_PORT = 123;
/** Length of the header without extension fields or MAC (RFC 5905 §7.3, Figure 8). */
export const NTP_HEADER_LENGTH = 48;
export const NTP_VERSION = 4;

/** Association modes (RFC 5905 §7.3, Figure 10). */
export const NTP_MODE_SYMMETRIC_ACTIVE = 1;
export const NTP_MODE_SYMMETRIC_PASSIVE = 2;
export const NTP_MODE_CLIENT = 3;
export const NTP_MODE_SERVER = 4;
export const NTP_MODE_BROADCAST = 5;
export const NTP_MODE_CONTROL = 6;
export const NTP_MODE_PRIVATE = 7;

/** Leap indicator 3: the clock is unsynchronized (RFC 5905 §7.3, Figure 9). */
export const NTP_LEAP_UNSYNCHRONIZED = 3;

/** Seconds from 1900-01-01 (NTP's prime epoch) to 1970-01-01 (RFC 5905 §6, Figure 4). */
export const NTP_UNIX_EPOCH_SECONDS = 2_208_988_800;
/**
 * The NTP seconds of wirelab's simulated epoch: simulation time 0 is 2026-01-01T00:00:00Z, so
 * packets carry plausible dates (this is wirelab's choice, not the RFC's).
 */
export const WIRELAB_NTP_EPOCH_SECONDS = NTP_UNIX_EPOCH_SECONDS + 1_767_225_600;

const TWO_32 = 0x1_0000_0000;
const NS_PER_S = 1e9;

/** A 64-bit NTP timestamp: seconds since 1900 (era 0) and a binary fraction of a second. */
export interface NtpTimestamp {
  /** Unsigned 32-bit seconds. */
  seconds: number;
  /** Unsigned 32-bit fraction, in units of 2^-32 s. */
  fraction: number;
}

export type NtpLeap = 0 | 1 | 2 | 3;

/** An NTP packet (RFC 5905 §7.3). */
export interface NtpPacket {
  /** Leap indicator: 0 none, 1 last minute has 61 s, 2 has 59 s, 3 unsynchronized. */
  leap: NtpLeap;
  /** Version number, 1-4. */
  version: number;
  /** Association mode, 1-7 (3 client, 4 server). */
  mode: number;
  /** 0 unspecified (kiss-o'-death), 1 primary server, 2-15 secondary, 16 unsynchronized. */
  stratum: number;
  /** Maximum interval between messages, log2 seconds (signed 8 bits). */
  poll: number;
  /** Precision of the system clock, log2 seconds (signed 8 bits). */
  precision: number;
  /** Round-trip delay to the reference clock, NTP short format (unsigned 16.16 seconds). */
  rootDelay: number;
  /** Dispersion to the reference clock, NTP short format (unsigned 16.16 seconds). */
  rootDispersion: number;
  /** Reference id: four ASCII characters at stratum 0-1, an IPv4 address or hash above. */
  referenceId: number;
  /** When the system clock was last set or corrected. */
  referenceTimestamp: NtpTimestamp;
  /** T1: when the request left the client (copied from the request by the server). */
  originTimestamp: NtpTimestamp;
  /** T2: when the request reached the server. */
  receiveTimestamp: NtpTimestamp;
  /** T3 (or T1 in a request): when this packet left its sender. */
  transmitTimestamp: NtpTimestamp;
  /** Extension fields and MAC after the header (RFC 5905 §7.5), uninterpreted; absent if none. */
  extension?: Uint8Array;
}

/** The all-zero timestamp, which means "unknown" (RFC 5905 §6). */
export const NTP_ZERO_TIMESTAMP: NtpTimestamp = Object.freeze({ seconds: 0, fraction: 0 });

/** Parses an NTP packet (a UDP payload). */
export function parseNtp(bytes: Uint8Array): NtpPacket | ParseError {
  if (bytes.length < NTP_HEADER_LENGTH) {
    return truncated("ntp", "header", 0, NTP_HEADER_LENGTH, bytes.length);
  }
  const b0 = bytes[0]!;
  const version = (b0 >>> 3) & 7;
  const mode = b0 & 7;
  // RFC 5905 §7.3: versions 1-4 are defined; 0 is not a version at all.
  if (version === 0) return invalid("ntp", "version", 0, "version 0 is not NTP");
  if (version > NTP_VERSION) return invalid("ntp", "version", 0, `version ${version} is above 4`);
  // RFC 5905 §7.3, Figure 10: mode 0 is reserved.
  if (mode === 0) return invalid("ntp", "mode", 0, "mode 0 is reserved");
  const p: NtpPacket = {
    leap: (b0 >>> 6) as NtpLeap,
    version,
    mode,
    stratum: bytes[1]!,
    poll: (bytes[2]! << 24) >> 24,
    precision: (bytes[3]! << 24) >> 24,
    rootDelay: getU32(bytes, 4),
    rootDispersion: getU32(bytes, 8),
    referenceId: getU32(bytes, 12),
    referenceTimestamp: readTimestamp(bytes, 16),
    originTimestamp: readTimestamp(bytes, 24),
    receiveTimestamp: readTimestamp(bytes, 32),
    transmitTimestamp: readTimestamp(bytes, 40),
  };
  if (bytes.length > NTP_HEADER_LENGTH) p.extension = bytes.subarray(NTP_HEADER_LENGTH);
  return p;
}

/** Emits an NTP packet; throws RangeError on a field that does not fit its bits. */
export function emitNtp(p: NtpPacket): Uint8Array {
  checkField("leap", p.leap, 0, 3);
  checkField("version", p.version, 0, 7);
  checkField("mode", p.mode, 0, 7);
  checkField("stratum", p.stratum, 0, 255);
  checkField("poll", p.poll, -128, 127);
  checkField("precision", p.precision, -128, 127);
  const ext = p.extension ?? new Uint8Array(0);
  const b = new Uint8Array(NTP_HEADER_LENGTH + ext.length);
  b[0] = (p.leap << 6) | (p.version << 3) | p.mode;
  b[1] = p.stratum;
  b[2] = p.poll & 0xff;
  b[3] = p.precision & 0xff;
  for (const [o, name, v] of [
    [4, "rootDelay", p.rootDelay],
    [8, "rootDispersion", p.rootDispersion],
    [12, "referenceId", p.referenceId],
  ] as const) {
    checkField(name, v, 0, 0xffff_ffff);
    setU32(b, o, v);
  }
  writeTimestamp(b, 16, p.referenceTimestamp);
  writeTimestamp(b, 24, p.originTimestamp);
  writeTimestamp(b, 32, p.receiveTimestamp);
  writeTimestamp(b, 40, p.transmitTimestamp);
  b.set(ext, NTP_HEADER_LENGTH);
  return b;
}

/** Length `emitNtp` will produce. */
export function ntpBufferLength(p: NtpPacket): number {
  return NTP_HEADER_LENGTH + (p.extension?.length ?? 0);
}

/** True when two timestamps are bit-for-bit equal (the origin check of RFC 5905 §8). */
export function ntpTimestampEquals(a: NtpTimestamp, b: NtpTimestamp): boolean {
  return a.seconds === b.seconds && a.fraction === b.fraction;
}

/** True for the all-zero "unknown" timestamp. */
export function ntpTimestampIsZero(t: NtpTimestamp): boolean {
  return t.seconds === 0 && t.fraction === 0;
}

/**
 * The timestamp of `ns` nanoseconds after an epoch given in NTP seconds (default wirelab's),
 * rounded to the nearest 2^-32 s; seconds wrap modulo 2^32 (NTP eras, RFC 5905 §6).
 */
export function ntpTimestampFromNanos(
  ns: number,
  epochSeconds = WIRELAB_NTP_EPOCH_SECONDS,
): NtpTimestamp {
  if (!Number.isFinite(ns)) throw new RangeError("an NTP timestamp needs a finite time");
  let whole = Math.floor(ns / NS_PER_S);
  let fraction = Math.round(((ns - whole * NS_PER_S) * TWO_32) / NS_PER_S);
  if (fraction >= TWO_32) {
    fraction -= TWO_32;
    whole += 1;
  }
  const seconds = (((epochSeconds + whole) % TWO_32) + TWO_32) % TWO_32;
  return { seconds, fraction };
}

/**
 * Nanoseconds from an epoch (default wirelab's) to the timestamp, taking the seconds difference
 * as a signed 32-bit number so it is right within 68 years either side (RFC 5905 §6).
 */
export function ntpTimestampToNanos(
  t: NtpTimestamp,
  epochSeconds = WIRELAB_NTP_EPOCH_SECONDS,
): number {
  const seconds = (t.seconds - epochSeconds) | 0;
  return seconds * NS_PER_S + (t.fraction * NS_PER_S) / TWO_32;
}

/** Nanoseconds in an NTP short-format value (unsigned 16.16 seconds, RFC 5905 §6). */
export function ntpShortToNanos(v: number): number {
  return (v * NS_PER_S) / 0x1_0000;
}

/** The NTP short-format value nearest to `ns` (clamped to 0 .. 65536 s - 2^-16 s). */
export function ntpShortFromNanos(ns: number): number {
  const v = Math.round((ns * 0x1_0000) / NS_PER_S);
  return Math.max(0, Math.min(0xffff_ffff, v));
}

/** A reference id from up to four ASCII characters ("GPS", "LOCL"), NUL-padded. */
export function ntpReferenceIdFromText(text: string): number {
  let v = 0;
  for (let i = 0; i < 4; i++) v = v * 256 + (text.charCodeAt(i) & 0xff);
  return v;
}

function readTimestamp(b: Uint8Array, o: number): NtpTimestamp {
  return { seconds: getU32(b, o), fraction: getU32(b, o + 4) };
}

function writeTimestamp(b: Uint8Array, o: number, t: NtpTimestamp): void {
  checkField("timestamp seconds", t.seconds, 0, 0xffff_ffff);
  checkField("timestamp fraction", t.fraction, 0, 0xffff_ffff);
  setU32(b, o, t.seconds);
  setU32(b, o + 4, t.fraction);
}

function checkField(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new RangeError(`NTP ${name} ${v} is outside ${lo}..${hi}`);
  }
}
