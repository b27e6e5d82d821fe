/**
 * Wire suite: parse and emit rates for IPv4 and TCP headers, and checksum throughput.
 */

import { checksumFigures } from "./checksum.js";
import type { Suite } from "./harness.js";

export const wireSuite: Suite = {
  name: "wire",
  description: "header parse/emit rates and checksum throughput",
  run() {
    return [...checksumFigures()];
  },
};
