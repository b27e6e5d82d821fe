/**
 * Name arithmetic for the DNS applications: labels, parents, and "is this name at or below that
 * one" on canonical text (dns-name.ts), done label by label so an escaped dot ("a\.b") is never
 * taken for a label boundary. Zones, caches and bailiwick checks all key on these canonical forms.
 */
import { dnsNameCanonical, isDnsName } from "../../wire/dns-name.js";

/** The canonical (lower-case, absolute) text of a name; throws RangeError on an invalid name. */
export const canonicalName = dnsNameCanonical;

/** The canonical text of `name`, or undefined when it is not a valid name. */
export function tryCanonicalName(name: string): string | undefined {
  return isDnsName(name) ? dnsNameCanonical(name) : undefined;
}

/**
 * The labels of a canonical name, leftmost first, each still in presentation form ("www",
 * "example", "com"); the root has none.
 */
export function nameLabels(name: string): string[] {
  if (name === ".") return [];
  const labels: string[] = [];
  let start = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x5c) {
      // An escape: "\X" or "\DDD"; skip what it covers so an escaped dot stays in the label.
      const d = name.charCodeAt(i + 1);
      i += d >= 0x30 && d <= 0x39 ? 3 : 1;
    } else if (c === 0x2e) {
      labels.push(name.slice(start, i));
      start = i + 1;
    }
  }
  if (start < name.length) labels.push(name.slice(start));
  return labels;
}

/** A name from labels (leftmost first): "www" "example" "com" -> "www.example.com.". */
export function joinLabels(labels: readonly string[]): string {
  return labels.length === 0 ? "." : `${labels.join(".")}.`;
}

/** The parent of a canonical name ("example.com." -> "com."); the root's parent is undefined. */
export function parentName(name: string): string | undefined {
  if (name === ".") return undefined;
  return joinLabels(nameLabels(name).slice(1));
}

/** True when canonical `name` equals `ancestor` or lies below it (RFC 1034 §3.1 subdomain). */
export function isAtOrBelow(name: string, ancestor: string): boolean {
  if (ancestor === ".") return true;
  if (name === ancestor) return true;
  if (name.length <= ancestor.length || !name.endsWith(ancestor)) return false;
  const n = nameLabels(name);
  const a = nameLabels(ancestor);
  if (n.length <= a.length) return false;
  for (let i = 1; i <= a.length; i++) if (n[n.length - i] !== a[a.length - i]) return false;
  return true;
}

/**
 * The names from `name` up to and including the root, nearest first:
 * "www.example.com." -> ["www.example.com.", "example.com.", "com.", "."].
 */
export function ancestors(name: string): string[] {
  const labels = nameLabels(name);
  const out: string[] = [];
  for (let i = 0; i <= labels.length; i++) out.push(joinLabels(labels.slice(i)));
  return out;
}

/**
 * Resolves a name as written in a zone file or a builder call against `origin` (RFC 1035 §5.1):
 * "@" is the origin, a name ending in an unescaped dot is absolute, anything else is relative.
 * Returns the absolute text (not yet checked or canonicalised).
 */
export function absoluteName(text: string, origin: string): string {
  if (text === "@") return origin;
  if (endsWithUnescapedDot(text)) return text;
  return origin === "." ? `${text}.` : `${text}.${origin}`;
}

/** True when the text ends with a dot that is a separator, not part of an escape. */
function endsWithUnescapedDot(text: string): boolean {
  if (!text.endsWith(".")) return false;
  let backslashes = 0;
  for (let i = text.length - 2; i >= 0 && text.charCodeAt(i) === 0x5c; i--) backslashes++;
  return backslashes % 2 === 0;
}
