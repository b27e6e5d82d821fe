/**
 * Record types by name for the DNS APIs: callers write "AAAA" or 28, and "TYPE65" for types
 * without a mnemonic (RFC 3597 §5). Unknown names are a programming error and throw.
 */
import { dnsTypeName } from "../../wire/dns-format.js";
import { DNS_TYPE } from "../../wire/dns-rr.js";

/** A type given as a mnemonic ("A", "mx") or a code. */
export type DnsTypeInput = keyof typeof DNS_TYPE | (string & {}) | number;

/** The code of a type; throws RangeError for an unknown mnemonic or a code out of range. */
export function dnsTypeCode(type: DnsTypeInput): number {
  if (typeof type === "number") {
    if (!Number.isInteger(type) || type < 0 || type > 0xffff) {
      throw new RangeError(`bad record type ${type}`);
    }
    return type;
  }
  const upper = type.toUpperCase();
  const code = (DNS_TYPE as Record<string, number>)[upper];
  if (code !== undefined) return code;
  const m = /^TYPE([0-9]{1,5})$/.exec(upper);
  if (m && Number(m[1]) <= 0xffff) return Number(m[1]);
  // A mnemonic dig knows but the wire format has no typed rdata for (HINFO, CAA...).
  for (let c = 0; c < 0x200; c++) if (dnsTypeName(c) === upper) return c;
  throw new RangeError(`unknown record type "${type}"`);
}
