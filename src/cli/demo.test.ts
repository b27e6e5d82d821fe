import { describe, expect, it } from "vitest";
import { runDemo } from "./demo.js";

describe("npm start demo", () => {
  it("shows a lost ping and the path, identically on every run of the same seed", () => {
    const a = runDemo();
    const b = runDemo();
    expect(a).toEqual(b);
    expect(a).toContain("4 packets transmitted, 3 received, 25% packet loss, time 3000ms");
    expect(a.some((l) => l.includes("x DROPPED (loss)"))).toBe(true);
    expect(a).toContain(" 1  10.0.1.254  10.012 ms  10.012 ms  10.012 ms");
    expect(runDemo({ seed: 1 })).not.toEqual(a);
  });
});
