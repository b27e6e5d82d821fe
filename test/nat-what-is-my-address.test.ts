/**
 * The "what is my address" service: a host behind the NAT learns its router's public address
 * with curl, as `curl ipinfo.io/ip` does; a host outside learns its own.
 */
import { describe, expect, it } from "vitest";
import { curl } from "../src/apps/http/curl.js";
import { whatIsMyAddressServer } from "../src/apps/http/what-is-my-address.js";
import { sec } from "../src/sim/time.js";
import { natLab, PUBLIC, S1, S2 } from "./support/nat-lab.js";

describe("what is my address", () => {
  it("tells a host behind the NAT the router's public address", () => {
    const lab = natLab();
    whatIsMyAddressServer(lab.s1);
    const inside = curl(lab.h1, `http://${S1}/`);
    const outside = curl(lab.s2, `http://${S1}/ip`);
    const json = curl(lab.h2, `http://${S1}/json`);
    lab.net.sim.runUntil(sec(5));
    expect(inside.exitCode).toBe(0);
    expect(inside.output).toEqual([PUBLIC]);
    expect(outside.output).toEqual([S2]);
    const m = lab.nat.mappings().find((x) => x.internal.startsWith("192.168.1.3:"))!;
    expect(JSON.parse(json.output.join(""))).toEqual({
      ip: PUBLIC,
      port: Number(m.external.split(":")[1]),
    });
  });
});
