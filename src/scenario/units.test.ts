/**
 * Unit syntax: what parses (and to which engine value), what is refused, and how values print.
 */
import { describe, expect, it } from "vitest";
import {
  formatDuration,
  formatRatio,
  parseBandwidth,
  parseBytes,
  parseDuration,
  parseRatio,
} from "./units.js";

describe("units", () => {
  it("parses durations into whole nanoseconds", () => {
    expect(parseDuration("5ms")).toBe(5e6);
    expect(parseDuration("1.5s")).toBe(1.5e9);
    expect(parseDuration("250us")).toBe(250e3);
    expect(parseDuration("250µs")).toBe(250e3);
    expect(parseDuration("7ns")).toBe(7);
    expect(parseDuration("2min")).toBe(120e9);
    expect(parseDuration("1h")).toBe(3600e9);
    expect(parseDuration(" 10 ms ")).toBe(10e6);
    expect(parseDuration(0)).toBe(0);
    for (const bad of [5, "5", "5 parsecs", "-1s", "ms", "1e400s", true]) {
      expect(parseDuration(bad), String(bad)).toHaveProperty("expected");
    }
  });

  it("parses bandwidths in bits per second with SI prefixes", () => {
    expect(parseBandwidth("100Mbit")).toBe(100e6);
    expect(parseBandwidth("1.5Gbit")).toBe(1.5e9);
    expect(parseBandwidth("56kbps")).toBe(56e3);
    expect(parseBandwidth("10Mbit/s")).toBe(10e6);
    expect(parseBandwidth("9600bit")).toBe(9600);
    expect(parseBandwidth(1e6)).toBe(1e6);
    for (const bad of ["fast", "0Mbit", 0, -5, "100MB"]) {
      expect(parseBandwidth(bad), String(bad)).toHaveProperty("expected");
    }
  });

  it("parses byte sizes, decimal and binary", () => {
    expect(parseBytes(1500)).toBe(1500);
    expect(parseBytes("1500B")).toBe(1500);
    expect(parseBytes("64KiB")).toBe(65536);
    expect(parseBytes("1kB")).toBe(1000);
    expect(parseBytes("2MiB")).toBe(2 * 1024 * 1024);
    for (const bad of ["1.5B", -1, "lots", 1.5]) {
      expect(parseBytes(bad), String(bad)).toHaveProperty("expected");
    }
  });

  it("parses ratios as percentages or fractions", () => {
    expect(parseRatio("10%")).toBeCloseTo(0.1);
    expect(parseRatio("0.5%")).toBeCloseTo(0.005);
    expect(parseRatio(0.25)).toBe(0.25);
    expect(parseRatio("100%")).toBe(1);
    for (const bad of ["120%", 1.5, "ten", -0.1]) {
      expect(parseRatio(bad), String(bad)).toHaveProperty("expected");
    }
  });

  it("formats the way people write them", () => {
    expect(formatDuration(40_054_000)).toBe("40.054ms");
    expect(formatDuration(1.5e9)).toBe("1.5s");
    expect(formatDuration(90e9)).toBe("1.5min");
    expect(formatDuration(78_276)).toBe("78.276us");
    expect(formatDuration(12)).toBe("12ns");
    expect(formatDuration(0)).toBe("0s");
    expect(formatRatio(0.36)).toBe("36%");
    expect(formatRatio(0.99267)).toBe("99.267%");
  });
});
