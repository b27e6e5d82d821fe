/**
 * The small internet the CLI's tools run in when no scenario is given: two hosts and four
 * routers with two paths between them (a short one and a long one), 100 Mbit/s links with
 * 5 ms of delay, hosts on /24s with explicit addresses, and the shortest-path oracle.
 */
import { loadScenario, type Scenario } from "./load.js";

/** The default internet as a scenario file. */
export const DEFAULT_INTERNET_YAML = `# The default small internet:
#
#   h1 (10.0.1.1) -- r1 -- r2 -- r3 -- h2 (10.0.2.1)
#                     \\          /
#                      r4 ------      (the long way round: 20 ms per link)
name: default-internet
description: Two hosts, four routers, two paths; shortest-path routing.
seed: 1
hosts: [h1, h2]
routers: [r1, r2, r3, r4]
addressing: { pool: 10.255.0.0/16, prefix: 30 }
defaults:
  link: { bandwidth: 100Mbit, delay: 5ms }
links:
  - { between: [h1, r1], addresses: [10.0.1.1/24, 10.0.1.254/24] }
  - { between: [r1, r2] }
  - { between: [r2, r3] }
  - { between: [r3, h2], addresses: [10.0.2.254/24, 10.0.2.1/24] }
  - { between: [r1, r4], delay: 20ms }
  - { between: [r4, r3], delay: 20ms }
routing: { mode: shortest-path, metric: delay }
`;

/** The default internet, loaded (it is always valid: a test says so). */
export function defaultInternet(): Scenario {
  const r = loadScenario(DEFAULT_INTERNET_YAML, "<default internet>");
  if (!r.ok) throw new Error(`the default internet is invalid: ${r.errors[0]?.message}`);
  return r.scenario;
}
