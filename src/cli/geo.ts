/**
 * `wirelab geo ADDRESS...`: where an address is, by country and autonomous system, from the
 * optional @ip-location-db data packages, printed with the attribution their licences ask for.
 */
import { specialPurposeOfText } from "../apps/geo/special-purpose.js";
import { attribution, GeoDataMissingError, loadGeoDatabase } from "./geo-data.js";

/** Runs the command; returns the exit code (0 found, 1 not found, 2 bad input or no data). */
export function geoCommand(
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  if (args.length === 0) {
    err("wirelab geo: give one or more IPv4 or IPv6 addresses, e.g. wirelab geo 8.8.8.8\n");
    return 2;
  }
  let db: ReturnType<typeof loadGeoDatabase>;
  try {
    db = loadGeoDatabase({ warn: (m) => err(`${m}\n`) });
  } catch (e) {
    if (e instanceof GeoDataMissingError) {
      err(`wirelab geo: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let code = 0;
  for (const a of args) {
    let r: ReturnType<typeof db.lookup>;
    try {
      r = db.lookup(a);
    } catch (e) {
      err(`wirelab geo: ${(e as Error).message}\n`);
      code = 2;
      continue;
    }
    if (r === undefined) {
      // Say why when the address is one no table can hold (private, documentation, ...).
      const special = specialPurposeOfText(a);
      const why = special ? `: ${special.purpose}, ${special.prefix} (${special.rfc})` : "";
      out(`${a}: not found${why}\n`);
      if (code === 0) code = 1;
      continue;
    }
    const as = r.asn !== undefined ? `AS${r.asn}${r.org ? ` ${r.org}` : ""}` : "AS unknown";
    out(`${a}: ${r.country ?? "??"}, ${as} (${r.prefix})\n`);
  }
  out(`\n${attribution}\n`);
  return code;
}
