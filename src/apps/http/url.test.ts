import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpv4 } from "../../wire/address.js";
import { type HttpUrl, parseUrl, removeDotSegments, resolveUrl, UrlError } from "./url.js";

function ok(input: string): HttpUrl {
  const u = parseUrl(input);
  if (u instanceof UrlError) throw new Error(u.message);
  return u;
}

function fail(input: string): UrlError {
  const u = parseUrl(input);
  if (!(u instanceof UrlError)) throw new Error(`parsed ${input} as ${u.href}`);
  return u;
}

describe("URL parsing", () => {
  it("splits an http URL into host, port, path, query", () => {
    const u = ok("http://Example.COM:8080/a/b.html?x=1&y=2#top");
    expect(u).toMatchObject({
      host: { kind: "name", name: "example.com" },
      hostname: "example.com",
      port: 8080,
      path: "/a/b.html",
      query: "x=1&y=2",
      fragment: "top",
      target: "/a/b.html?x=1&y=2",
      authority: "example.com:8080",
      href: "http://example.com:8080/a/b.html?x=1&y=2",
    });
    expect(ok("http://example.com")).toMatchObject({
      port: 80,
      path: "/",
      query: null,
      target: "/",
      authority: "example.com",
    });
    expect(ok("http://example.com:/")).toMatchObject({ port: 80 });
  });

  it("reads IPv4 and bracketed IPv6 hosts", () => {
    const v4 = ok("http://192.0.2.1:81/");
    expect(v4.host.kind === "ipv4" && formatIpv4(v4.host.address)).toBe("192.0.2.1");
    expect(v4.authority).toBe("192.0.2.1:81");
    const v6 = ok("http://[2001:DB8::1]/x");
    expect(v6.host.kind).toBe("ipv6");
    expect([v6.hostname, v6.authority, v6.port]).toEqual(["[2001:db8::1]", "[2001:db8::1]", 80]);
    expect(ok("http://[::1]:8080").authority).toBe("[::1]:8080");
  });

  it("percent-encodes what may not be sent and removes dot segments", () => {
    expect(ok('http://h/a b/ä?q="x y"').target).toBe("/a%20b/%C3%A4?q=%22x%20y%22");
    expect(ok("http://h/a/./b/../c/").path).toBe("/a/c/");
    expect(ok("http://h/%7e%41").path).toBe("/%7e%41");
    expect(removeDotSegments("/a/b/c/./../../g")).toBe("/a/g");
    expect(removeDotSegments("/..")).toBe("/");
  });

  it("refuses what it will not guess at, quoting the input", () => {
    const cases: [string, string, string][] = [
      ["https://example.com/", "scheme", "unsupported"],
      ["ftp://example.com/", "scheme", "unsupported"],
      ["example.com/x", "scheme", "invalid"],
      ["http:example.com", "authority", "invalid"],
      ["http://user:pw@example.com/", "userinfo", "invalid"],
      ["http://example.com:99999/", "port", "invalid"],
      ["http://example.com:8o/", "port", "invalid"],
      ["http:///x", "host", "invalid"],
      ["http://exa mple.com/", "host", "invalid"],
      ["http://bücher.example/", "host", "unsupported"],
      ["http://0x7f.1/", "host", "invalid"],
      ["http://010.0.0.1/", "host", "invalid"],
      ["http://256.0.0.1/", "host", "invalid"],
      ["http://[::1/", "host", "invalid"],
      ["http://[::g]/", "host", "invalid"],
      ["http://h/a%zz", "path", "invalid"],
      ["http://h/a\\b", "url", "invalid"],
      ["http://h/a\nb", "url", "invalid"],
    ];
    for (const [input, field, reason] of cases) {
      const e = fail(input);
      expect([input, e.field, e.reason]).toEqual([input, field, reason]);
      expect(e.message).toContain(JSON.stringify(input));
      expect(e.input).toBe(input);
    }
    expect(fail("http://user@x/").offset).toBe(11);
  });

  it("resolves redirect targets against a base (RFC 3986 §5.2)", () => {
    const base = ok("http://a.example:8080/b/c/d?q");
    const r = (ref: string) => {
      const u = resolveUrl(base, ref);
      return u instanceof UrlError ? u.field : u.href;
    };
    expect(r("http://other/x")).toBe("http://other/x");
    expect(r("//other:81/x")).toBe("http://other:81/x");
    expect(r("/abs")).toBe("http://a.example:8080/abs");
    expect(r("g")).toBe("http://a.example:8080/b/c/g");
    expect(r("../g?y")).toBe("http://a.example:8080/b/g?y");
    expect(r("?y")).toBe("http://a.example:8080/b/c/d?y");
    expect(r("#f")).toBe("http://a.example:8080/b/c/d?q");
    expect(r("")).toBe("http://a.example:8080/b/c/d?q");
    expect(r("https://secure/")).toBe("scheme");
  });
});

/** Inputs both parsers accept, to compare field by field with WHATWG URL. */
const AGREED = [
  "http://example.com",
  "http://EXAMPLE.com:8080/A/B?C=D#E",
  "http://example.com:80/",
  "http://example.com./x",
  "http://10.1.2.3/",
  "http://[::1]:81/",
  "http://[2001:db8:0:0:0:0:0:1]/",
  "http://h/a b/c d?e f",
  "http://h/ünï/?q=é",
  "http://h/a/./b/../../c",
  "http://h/%41",
  "http://h?only=query",
  "  http://h/trimmed  ",
  "http://under_score.example/",
  'http://h/<>"{}`',
];

describe("URL parsing agrees with WHATWG URL where both accept", () => {
  const compare = (input: string) => {
    const ours = ok(input);
    const theirs = new URL(input);
    expect([
      ours.hostname,
      ours.port === 80 ? "" : String(ours.port),
      ours.path,
      ours.query ?? "",
    ]).toEqual([theirs.hostname, theirs.port, theirs.pathname, theirs.search.replace(/^\?/, "")]);
    expect(ours.href).toBe(theirs.href.replace(/#.*$/, ""));
  };

  it("on fixed cases", () => {
    for (const input of AGREED) compare(input);
  });

  it("on generated host names, ports, paths and queries", () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    const segment = fc.string({
      unit: fc.constantFrom(..."abzAZ09-._~!$&()*+,;=:@ é"),
      maxLength: 8,
    });
    fc.assert(
      fc.property(
        fc
          .array(label, { minLength: 1, maxLength: 4 })
          .filter((ls) => !/^[0-9]+$/.test(ls[ls.length - 1]!)),
        fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
        fc.array(segment, { maxLength: 5 }),
        fc.option(segment, { nil: undefined }),
        (labels, port, segments, query) => {
          const input = `http://${labels.join(".")}${port === undefined ? "" : `:${port}`}/${segments.join("/")}${query === undefined ? "" : `?${query}`}`;
          compare(input);
        },
      ),
      { numRuns: 3000, seed: 5 },
    );
  });
});
