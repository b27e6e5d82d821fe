/**
 * The Node edge of geolocation: finds the optional `@ip-location-db` data packages through
 * Node's module resolution, reads their CSV files and builds a `GeoDatabase`. The packages are
 * optional dependencies, so a missing one is reported with the command that installs it.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type GeoCsv, GeoDatabase, type GeoOptions } from "../apps/geo/database.js";

/** The data packages and the CSV files used from each. */
export const GEO_PACKAGES = {
  asn: {
    name: "@ip-location-db/asn",
    v4: "asn-ipv4.csv",
    v6: "asn-ipv6.csv",
  },
  country: {
    name: "@ip-location-db/geo-whois-asn-country",
    v4: "geo-whois-asn-country-ipv4.csv",
    v6: "geo-whois-asn-country-ipv6.csv",
  },
} as const;

/** Which data a caller wants. */
export type GeoKind = keyof typeof GEO_PACKAGES;

/**
 * Credit the data licences ask for (CC BY 4.0 for RouteViews, DB-IP and the NRO; the country
 * package itself is CC0 but carries NRO data). Print it wherever lookup results are shown.
 */
export const attribution = [
  "IP-to-ASN data: @ip-location-db/asn (https://github.com/sapics/ip-location-db), CC BY 4.0",
  "(https://creativecommons.org/licenses/by/4.0/), built with modifications from RouteViews",
  "(https://www.routeviews.org), IP to ASN Lite by DB-IP (https://db-ip.com) and RIR statistics",
  "by the NRO (https://www.nro.net).",
  "IP-to-country data: @ip-location-db/geo-whois-asn-country, CC0 1.0, built from geofeeds and",
  "RIR WHOIS and ASN data by the NRO (https://www.nro.net), CC BY 4.0.",
  "IP Geolocation by DB-IP: https://db-ip.com",
].join("\n");

/** The shell command that installs a data package. */
export function installCommand(packageName: string): string {
  return `npm install ${packageName}`;
}

/** No data package could be found. */
export class GeoDataMissingError extends Error {
  constructor(readonly packages: readonly string[]) {
    super(packages.map(missingMessage).join("\n"));
    this.name = "GeoDataMissingError";
  }
}

function missingMessage(name: string): string {
  return `geolocation data package ${name} is not installed; install it with: ${installCommand(name)}`;
}

/** The directory of an installed package, or undefined when Node cannot resolve it. */
export function findGeoPackage(name: string): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/** What to read and where to report a missing package. */
export interface ReadGeoOptions {
  /** Data to load; default both. */
  kinds?: readonly GeoKind[];
  /** Address families to load; default both. */
  families?: readonly (4 | 6)[];
  /** Receives one line per missing package; default: standard error. */
  warn?: (message: string) => void;
}

/**
 * Reads the CSV files of the installed data packages. A missing package is reported through
 * `warn` and skipped; if none is installed, throws `GeoDataMissingError`.
 */
export function readGeoCsv(options: ReadGeoOptions = {}): GeoCsv {
  const kinds = options.kinds ?? (["asn", "country"] as const);
  const families = options.families ?? ([4, 6] as const);
  const warn = options.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  const csv: GeoCsv = {};
  const missing: string[] = [];
  for (const kind of kinds) {
    const pkg = GEO_PACKAGES[kind];
    const dir = findGeoPackage(pkg.name);
    if (dir === undefined) {
      missing.push(pkg.name);
      continue;
    }
    for (const family of families) {
      const text = readFileSync(join(dir, family === 4 ? pkg.v4 : pkg.v6), "utf8");
      if (kind === "asn") csv[family === 4 ? "asnV4" : "asnV6"] = text;
      else csv[family === 4 ? "countryV4" : "countryV6"] = text;
    }
  }
  if (missing.length === kinds.length) throw new GeoDataMissingError(missing);
  for (const name of missing) warn(missingMessage(name));
  return csv;
}

/** Reads the installed data packages and builds the database (a few seconds for all of it). */
export function loadGeoDatabase(options: ReadGeoOptions & GeoOptions = {}): GeoDatabase {
  return GeoDatabase.fromCsv(readGeoCsv(options), options);
}
