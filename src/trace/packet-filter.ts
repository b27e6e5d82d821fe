/**
 * A small filter language for packet events, in the spirit of tcpdump's:
 *
 *   host h1 and tcp port 80          src 10.0.0.1 or dst host h2        not arp
 *   udp and not port 53              node r1 and kind drop              reason queue-full
 *   conn 10.0.0.1:40000 10.0.1.1:80  (tcp or udp) and ip6               icmp and host 10.0.2.1
 *
 * Terms: `host H`, `src [host] H`, `dst [host] H` (H a node name, meaning any of its addresses,
 * or an address); `tcp`, `udp`, `icmp`, `icmp6`, `arp`, `ip`, `ip6`; `port P`, `src port P`,
 * `dst port P`, and `tcp port P` / `udp port P` for both at once; `conn A:P B:P` (one
 * connection, either direction); `node N` (where the event happened); `kind K` (transmit, drop,
 * deliver, enqueue, send, forward, duplicate, corrupt) and `reason R` (a drop's reason). They
 * combine with `and` (`&&`), `or` (`||`), `not` (`!`) and parentheses; `and` binds tighter.
 *
 * The parser and the matcher are each one self-contained function (no references outside their
 * bodies), so the HTML report embeds their source and filters its packet table with the very
 * same code in the browser.
 */
import { ParseError } from "../wire/parse-error.js";
import type { PacketFields } from "./packet-fields.js";

/** A parsed filter: a tree of and/or/not over tests. Plain JSON, so it can be embedded. */
export type FilterNode =
  | { op: "and" | "or"; a: FilterNode; b: FilterNode }
  | { op: "not"; a: FilterNode }
  | { op: "addr"; dir: "src" | "dst" | "any"; addrs: string[] }
  | { op: "proto"; p: string }
  | { op: "family"; f: number }
  | { op: "port"; dir: "src" | "dst" | "any"; port: number }
  | { op: "conn"; a: string[]; ap: number; b: string[]; bp: number }
  | { op: "node"; name: string }
  | { op: "kind"; k: string }
  | { op: "reason"; r: string }
  | { op: "all" };

/** The parser's raw result: a tree, or where (0-based column) and what went wrong. */
export type FilterParse =
  | { ok: true; node: FilterNode }
  | { ok: false; at: number; message: string };

/**
 * Parses `text`; `hosts` maps node names to their addresses. Self-contained (see the header).
 * An empty expression matches everything.
 */
export function parseFilterExpression(text: string, hosts: Record<string, string[]>): FilterParse {
  const KINDS = [
    "send",
    "enqueue",
    "transmit",
    "deliver",
    "forward",
    "duplicate",
    "corrupt",
    "drop",
  ];
  const tokens: { s: string; at: number }[] = [];
  const re = /\s*(&&|\|\||[()!]|[^\s()!]+)/y;
  re.lastIndex = 0;
  while (re.lastIndex < text.length) {
    const m = re.exec(text);
    if (m === null) break; // only spaces are left
    tokens.push({ s: m[1]!, at: m.index + m[0].length - m[1]!.length });
  }
  let i = 0;
  const peek = () => tokens[i]?.s.toLowerCase();
  class Fail {
    constructor(
      readonly at: number,
      readonly message: string,
    ) {}
  }
  const fail = (what: string): never => {
    const t = tokens[i];
    throw new Fail(
      t === undefined ? text.length : t.at,
      `expected ${what}, found ${t === undefined ? "the end" : `"${t.s}"`}`,
    );
  };
  const word = (what: string): string => {
    const t = tokens[i];
    if (t === undefined || /^(&&|\|\||[()!])$/.test(t.s)) return fail(what);
    i++;
    return t.s;
  };
  const isAddress = (s: string) =>
    /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || (s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s));
  const addresses = (what: string): string[] => {
    const at = i;
    const h = word(what);
    const known = hosts[h];
    if (known !== undefined) return known;
    if (isAddress(h)) return [h.toLowerCase()];
    i = at;
    return fail(`${what} (a node name or an address)`);
  };
  const portNumber = (): number => {
    const at = i;
    const p = word("a port number");
    if (/^\d+$/.test(p) && Number(p) <= 65535) return Number(p);
    i = at;
    return fail("a port number from 0 to 65535");
  };
  const endpoint = (): [string[], number] => {
    const at = i;
    const t = word("an endpoint such as h1:80 or 10.0.0.1:40000");
    const c = t.lastIndexOf(":");
    const host = c > 0 ? t.slice(0, c).replace(/^\[|\]$/g, "") : "";
    const port = c > 0 ? t.slice(c + 1) : "";
    const addrs = hosts[host] ?? (isAddress(host) ? [host.toLowerCase()] : undefined);
    if (addrs === undefined || !/^\d+$/.test(port) || Number(port) > 65535) {
      i = at;
      return fail("an endpoint such as h1:80 or 10.0.0.1:40000");
    }
    return [addrs, Number(port)];
  };
  const primary = (): FilterNode => {
    const t = peek();
    if (t === "(") {
      i++;
      const e = or();
      if (peek() !== ")") fail('")"');
      i++;
      return e;
    }
    if (t === "not" || t === "!") {
      i++;
      return { op: "not", a: primary() };
    }
    if (t === "host") {
      i++;
      return { op: "addr", dir: "any", addrs: addresses('a host after "host"') };
    }
    if (t === "src" || t === "dst") {
      i++;
      if (peek() === "port") {
        i++;
        return { op: "port", dir: t, port: portNumber() };
      }
      if (peek() === "host") i++;
      return { op: "addr", dir: t, addrs: addresses(`a host after "${t}"`) };
    }
    if (t === "port") {
      i++;
      return { op: "port", dir: "any", port: portNumber() };
    }
    if (t === "tcp" || t === "udp" || t === "icmp" || t === "icmp6" || t === "arp") {
      i++;
      const proto: FilterNode = { op: "proto", p: t };
      if ((t === "tcp" || t === "udp") && peek() === "port") {
        i++;
        return { op: "and", a: proto, b: { op: "port", dir: "any", port: portNumber() } };
      }
      return proto;
    }
    if (t === "ip" || t === "ip6") {
      i++;
      return { op: "family", f: t === "ip" ? 4 : 6 };
    }
    if (t === "conn") {
      i++;
      const [a, ap] = endpoint();
      const [b, bp] = endpoint();
      return { op: "conn", a, ap, b, bp };
    }
    if (t === "node") {
      i++;
      const at = i;
      const n = word('a node name after "node"');
      if (hosts[n] === undefined) {
        i = at;
        fail(`a node name (one of ${Object.keys(hosts).join(", ")})`);
      }
      return { op: "node", name: n };
    }
    if (t === "kind") {
      i++;
      const at = i;
      const k = word(`an event kind (${KINDS.join(", ")})`).toLowerCase();
      if (!KINDS.includes(k)) {
        i = at;
        fail(`an event kind (${KINDS.join(", ")})`);
      }
      return { op: "kind", k };
    }
    if (t === "reason") {
      i++;
      return { op: "reason", r: word("a drop reason such as queue-full or loss").toLowerCase() };
    }
    return fail(
      'a term (host, src, dst, port, tcp, udp, icmp, icmp6, arp, ip, ip6, conn, node, kind, reason, not or "(")',
    );
  };
  const and = (): FilterNode => {
    let e = primary();
    while (peek() === "and" || peek() === "&&") {
      i++;
      e = { op: "and", a: e, b: primary() };
    }
    return e;
  };
  const or = (): FilterNode => {
    let e = and();
    while (peek() === "or" || peek() === "||") {
      i++;
      e = { op: "or", a: e, b: and() };
    }
    return e;
  };
  try {
    if (tokens.length === 0) return { ok: true, node: { op: "all" } };
    const node = or();
    if (i < tokens.length) fail('"and", "or" or the end');
    return { ok: true, node };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, at: e.at, message: e.message };
    throw e;
  }
}

/** True when the fields of one event satisfy `n`. Self-contained (see the header). */
export function matchFilter(n: FilterNode, f: PacketFields): boolean {
  switch (n.op) {
    case "all":
      return true;
    case "and":
      return matchFilter(n.a, f) && matchFilter(n.b, f);
    case "or":
      return matchFilter(n.a, f) || matchFilter(n.b, f);
    case "not":
      return !matchFilter(n.a, f);
    case "addr":
      return (
        (n.dir !== "dst" && n.addrs.includes(f.src)) || (n.dir !== "src" && n.addrs.includes(f.dst))
      );
    case "proto":
      return f.protocol === n.p;
    case "family":
      return f.family === n.f;
    case "port":
      return (n.dir !== "dst" && f.sport === n.port) || (n.dir !== "src" && f.dport === n.port);
    case "conn":
      return (
        f.sport >= 0 &&
        ((n.a.includes(f.src) && f.sport === n.ap && n.b.includes(f.dst) && f.dport === n.bp) ||
          (n.b.includes(f.src) && f.sport === n.bp && n.a.includes(f.dst) && f.dport === n.ap))
      );
    case "node":
      return f.node === n.name;
    case "kind":
      return f.kind === n.k;
    case "reason":
      return f.reason === n.r;
  }
}

/** A compiled filter. */
export interface PacketFilter {
  readonly text: string;
  readonly tree: FilterNode;
  /** True when the expression names event kinds itself (`kind ...`). */
  readonly choosesKinds: boolean;
  matches(f: PacketFields): boolean;
}

function mentionsKind(n: FilterNode): boolean {
  if (n.op === "kind") return true;
  if (n.op === "and" || n.op === "or") return mentionsKind(n.a) || mentionsKind(n.b);
  if (n.op === "not") return mentionsKind(n.a);
  return false;
}

/**
 * Compiles a filter expression. A mistake comes back as a ParseError whose detail quotes the
 * expression and points at the column: `at column 9 of "host h1 andd tcp": expected ...`.
 */
export function parsePacketFilter(
  text: string,
  hosts: Record<string, string[]>,
): PacketFilter | ParseError {
  const r = parseFilterExpression(text, hosts);
  if (!r.ok) {
    return new ParseError(
      "trace-filter",
      "expression",
      r.at,
      "invalid",
      `at column ${r.at + 1} of "${text}": ${r.message}`,
    );
  }
  const tree = r.node;
  return {
    text,
    tree,
    choosesKinds: mentionsKind(tree),
    matches: (f) => matchFilter(tree, f),
  };
}
