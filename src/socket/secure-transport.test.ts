import { describe, expect, it } from "vitest";
import {
  requireTls,
  secureTransportAvailability,
  TLS_UNAVAILABLE_MESSAGE,
  TlsUnavailableError,
} from "./index.js";

describe("secure transport in the portable engine", () => {
  it("says there is none, and where it is", () => {
    expect(secureTransportAvailability.inEngine).toBe(false);
    expect(secureTransportAvailability.nodeEntry).toBe("wirelab/node");
    expect(TLS_UNAVAILABLE_MESSAGE).toContain('"wirelab/node"');
    expect(TLS_UNAVAILABLE_MESSAGE).toContain("browser");
  });

  it("requireTls throws a typed error with a stable code", () => {
    let caught: unknown;
    try {
      requireTls("https://b.lab/");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TlsUnavailableError);
    const e = caught as TlsUnavailableError;
    expect(e.code).toBe("ERR_WIRELAB_TLS_UNAVAILABLE");
    expect(e.feature).toBe("https://b.lab/");
    expect(e.message).toBe(`https://b.lab/: ${TLS_UNAVAILABLE_MESSAGE}`);
  });
});
