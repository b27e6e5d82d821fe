/**
 * Number formatting shared by the command-line-shaped tools, matching what iputils and
 * traceroute print.
 */

/** Milliseconds with three significant digits, as iputils ping prints RTTs (0.264, 4.12, 40.0, 123). */
export function msSignificant(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** Milliseconds with three decimals (ping's summary, traceroute's probes). */
export function ms3(ms: number): string {
  return ms.toFixed(3);
}
