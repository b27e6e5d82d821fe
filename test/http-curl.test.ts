/**
 * The curl-like tool: its -v transcript against curl 8's shape line by line, -L through a
 * redirect on a reused connection, errors with curl's exit codes, and determinism.
 */
import { describe, expect, it } from "vitest";
import { curl } from "../src/apps/http/curl.js";
import { exampleWeb } from "../src/apps/http/example-web.js";
import { ms, sec } from "../src/sim/time.js";

describe("curl", () => {
  it("prints curl -v's transcript for a GET", () => {
    const x = exampleWeb();
    const run = curl(x.hosts.client, "http://www.example.com/", { verbose: true });
    x.net.sim.runUntil(sec(5));
    expect(run.finished).toBe(true);
    expect(run.exitCode).toBe(0);
    expect(run.output).toEqual([
      "* Host www.example.com:80 was resolved.",
      "* IPv6: 2001:db8:3::80",
      "* IPv4: 10.0.3.80",
      "*   Trying 10.0.3.80:80...",
      "* Connected to www.example.com (10.0.3.80) port 80",
      "> GET / HTTP/1.1",
      "> Host: www.example.com",
      "> User-Agent: wirelab-curl/1.0",
      "> Accept: */*",
      ">",
      "< HTTP/1.1 200 OK",
      "< Date: Mon, 01 Jan 2024 00:00:00 GMT",
      "< Server: wirelab-httpd/1.0",
      "< Content-Type: text/html; charset=utf-8",
      "< Content-Length: 66",
      "<",
      "<!doctype html>",
      "<title>Example</title>",
      "<p>Hello from wirelab.</p>",
      "* Connection #0 to host www.example.com left intact",
    ]);
  });

  it("follows a redirect with -L on the same connection, and posts -d data", () => {
    const x = exampleWeb();
    const moved = curl(x.hosts.client, "http://www.example.com/old", {
      verbose: true,
      location: true,
    });
    const post = curl(x.hosts.client, "http://www.example.com/echo", { data: "a=1&b=2" });
    x.net.sim.runUntil(sec(5));
    const o = moved.output;
    expect(o.slice(o.indexOf("< HTTP/1.1 301 Moved Permanently"))).toEqual([
      "< HTTP/1.1 301 Moved Permanently",
      "< Date: Mon, 01 Jan 2024 00:00:00 GMT",
      "< Server: wirelab-httpd/1.0",
      "< Location: /",
      "< Content-Type: text/html; charset=utf-8",
      "< Content-Length: 22",
      "<",
      "* Ignoring the response-body",
      "* Connection #0 to host www.example.com left intact",
      "* Issue another request to this URL: 'http://www.example.com/'",
      "* Re-using existing connection #0 with host www.example.com",
      "> GET / HTTP/1.1",
      "> Host: www.example.com",
      "> User-Agent: wirelab-curl/1.0",
      "> Accept: */*",
      ">",
      "< HTTP/1.1 200 OK",
      "< Date: Mon, 01 Jan 2024 00:00:00 GMT",
      "< Server: wirelab-httpd/1.0",
      "< Content-Type: text/html; charset=utf-8",
      "< Content-Length: 66",
      "<",
      "<!doctype html>",
      "<title>Example</title>",
      "<p>Hello from wirelab.</p>",
      "* Connection #0 to host www.example.com left intact",
    ]);
    expect(post.output).toEqual(["a=1&b=2"]);
  });

  it("fails like curl: 6 for an unknown host, 7 for a refused port, 28 on timeout", () => {
    const x = exampleWeb();
    const nx = curl(x.hosts.client, "http://nope.example.com/");
    const refused = curl(x.hosts.client, "http://www.example.com:81/");
    x.server.get("/slow", () => {}); // never answers
    const slow = curl(x.hosts.client, "http://www.example.com/slow", { maxTime: sec(1) });
    x.net.sim.runUntil(sec(10));
    expect(nx.output).toEqual(["curl: (6) Could not resolve host: nope.example.com"]);
    expect([nx.exitCode, refused.exitCode, slow.exitCode]).toEqual([6, 7, 28]);
    expect(refused.output[0]).toMatch(
      /^curl: \(7\) Failed to connect to www\.example\.com port 81/,
    );
  });

  it("prints the same transcript for the same seed over lossy links", () => {
    const transcript = (seed: number) => {
      const x = exampleWeb({ seed });
      x.net.setImpairments("client-core", { loss: 0.02, jitter: ms(1) });
      x.net.setImpairments("ns1-core", { loss: 0.02 });
      x.server.get("/big", (_req, res) => res.send("x".repeat(30_000)));
      const run = curl(x.hosts.client, "http://www.example.com/big", { verbose: true });
      let end = -1;
      run.onDone(() => {
        end = x.net.sim.now;
      });
      x.net.sim.runUntil(sec(60));
      expect(run.exitCode).toBe(0);
      return { text: run.text, end };
    };
    const a = transcript(11);
    expect(transcript(11)).toEqual(a);
    expect(a.text).toContain(`${"x".repeat(30_000)}\n`);
  });
});
