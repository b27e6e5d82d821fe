/**
 * Geolocation on the real data packages (optional dependencies). Without them the lookups are
 * skipped with a message saying how to install them, except when CI is set: then they run, and
 * a missing package fails the run.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { GeoDatabase } from "../src/apps/geo/database.js";
import {
  attribution,
  findGeoPackage,
  GEO_PACKAGES,
  GeoDataMissingError,
  installCommand,
  loadGeoDatabase,
} from "../src/cli/geo-data.js";

const missing = Object.values(GEO_PACKAGES)
  .map((p) => p.name)
  .filter((name) => findGeoPackage(name) === undefined);
const skip = missing.length > 0 && !process.env.CI;
const why = `skipped: ${missing.join(", ")} not installed (run: ${installCommand(missing.join(" "))}; with CI set this fails instead)`;

describe("the data loader", () => {
  it("says which package is missing and how to install it", () => {
    const e = new GeoDataMissingError(["@ip-location-db/asn"]);
    expect(e.message).toBe(
      "geolocation data package @ip-location-db/asn is not installed; install it with: npm install @ip-location-db/asn",
    );
    expect(findGeoPackage("@ip-location-db/no-such-package")).toBeUndefined();
  });

  it("is part of the library: GeoDatabase from wirelab, the disk loader from wirelab/node", async () => {
    const engine = await import("../src/index.js");
    const node = await import("../src/node.js");
    const { GeoDatabase: Database } = await import("../src/apps/geo/database.js");
    expect(engine.GeoDatabase).toBe(Database);
    expect(engine.specialPurposeOfText("192.168.1.1")?.purpose).toBe("private-use");
    expect(node.loadGeoDatabase).toBe(loadGeoDatabase);
    expect(node.GeoDataMissingError).toBe(GeoDataMissingError);
    expect(node.geoAttribution).toBe(attribution);
    // A database from CSV text alone, as a browser would build one.
    const db = engine.GeoDatabase.fromCsv({ countryV4: "8.8.8.0,8.8.8.255,US\n" });
    expect(db.lookup("8.8.8.8")).toEqual({ country: "US", prefix: "8.8.8.0/24" });
  });

  it("credits every data source the licences name", () => {
    for (const source of ["db-ip.com", "routeviews.org", "nro.net", "CC BY 4.0"]) {
      expect(attribution).toContain(source);
    }
  });
});

describe.skipIf(skip)(`lookups on the real @ip-location-db data ${skip ? `(${why})` : ""}`, () => {
  let db: GeoDatabase;
  const warnings: string[] = [];
  beforeAll(() => {
    db = loadGeoDatabase({ warn: (m) => warnings.push(m) });
  }, 120_000);

  it("loads every table without warnings", () => {
    expect(warnings).toEqual([]);
    // About 400k + 100k ASN ranges and 330k + 200k country ranges at the time of writing.
    expect(db.stats.rows).toBeGreaterThan(500_000);
  });

  it("knows well-known addresses", () => {
    expect(db.lookup("8.8.8.8")).toMatchObject({ asn: 15169, country: "US" });
    expect(db.lookup("8.8.8.8")?.org).toMatch(/Google/);
    expect(db.lookup("1.1.1.1")).toMatchObject({ asn: 13335 });
    expect(db.lookup("1.1.1.1")?.org).toMatch(/Cloudflare/);
    expect(db.lookup("2001:4860:4860::8888")).toMatchObject({ asn: 15169, country: "US" });
    expect(db.lookup("2606:4700:4700::1111")).toMatchObject({ asn: 13335 });
    // The country data has rows for these (AU, JP); special-purpose blocks are never placed.
    expect(db.lookup("192.168.1.10")).toBeUndefined();
    expect(db.lookup("2001:db8::1")).toBeUndefined();
    expect(db.lookup("10.0.0.1")).toBeUndefined();
  });
});

describe.skipIf(skip)(`wirelab geo ${skip ? `(${why})` : ""}`, () => {
  it("prints country, AS and prefix per address, the attribution, and exit codes by outcome", async () => {
    const { geoCommand } = await import("../src/cli/geo.js");
    let out = "";
    let err = "";
    const code = geoCommand(
      ["8.8.8.8", "10.0.0.1"],
      (s) => (out += s),
      (s) => (err += s),
    );
    expect(out.split("\n").slice(0, 2)).toEqual([
      "8.8.8.8: US, AS15169 Google LLC (8.8.8.0/24)",
      "10.0.0.1: not found: private-use, 10.0.0.0/8 (RFC 1918)",
    ]);
    expect(out).toContain("IP Geolocation by DB-IP");
    expect(code).toBe(1);
    err = "";
    expect(
      geoCommand(
        ["8.8.8.256"],
        () => {},
        (s) => (err += s),
      ),
    ).toBe(2);
    expect(err).toContain('"8.8.8.256"');
  }, 60_000);
});
