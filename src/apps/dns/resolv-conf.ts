/**
 * Per-node resolver configuration, the simulated /etc/resolv.conf (and a small /etc/hosts):
 * name servers tried in order, search domains with the ndots rule, the wait per try and the
 * number of rounds. Kept beside the node, not in it, so the net layer knows nothing of DNS.
 */
import type { Node } from "../../net/node.js";
import { type Nanos, NS_PER_S } from "../../sim/time.js";

export interface ResolvConf {
  /** Resolver addresses (IPv4 or IPv6), tried in order; at most three are used, as glibc does. */
  nameservers: string[];
  /** Search domains for names with fewer than `ndots` dots (resolv.conf(5) "search"). */
  search: string[];
  /** Dots a name needs to be tried as is before the search list (default 1). */
  ndots: number;
  /** Wait for the first try at each server (default 5 s, resolv.conf's timeout:5). */
  timeout: Nanos;
  /** Rounds over the servers (default 2, resolv.conf's attempts:2). */
  attempts: number;
  /** Static names, as in /etc/hosts: canonical name -> addresses. Consulted first. */
  hosts: Map<string, string[]>;
}

/** glibc reads at most this many nameserver lines (MAXNS). */
export const MAX_NAMESERVERS = 3;

const confs = new WeakMap<Node, ResolvConf>();

function defaults(): ResolvConf {
  return {
    nameservers: [],
    search: [],
    ndots: 1,
    timeout: 5 * NS_PER_S,
    attempts: 2,
    hosts: new Map(),
  };
}

/** The node's configuration (a default, empty one on first use); it may be changed in place. */
export function resolvConf(node: Node): ResolvConf {
  let c = confs.get(node);
  if (c === undefined) {
    c = defaults();
    confs.set(node, c);
  }
  return c;
}

/** Sets fields of the node's configuration; returns the whole of it. */
export function configureResolver(node: Node, conf: Partial<ResolvConf>): ResolvConf {
  const c = resolvConf(node);
  Object.assign(c, conf);
  return c;
}
