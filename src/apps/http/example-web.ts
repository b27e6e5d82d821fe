/**
 * The DNS example internet with a web server: www.example.com (10.0.3.80) is given to the
 * host of ns1 as a second address, so names resolve through the real hierarchy and the server
 * is two links from the client. Routes cover the status codes, for tests and the demo.
 */
import {
  type ExampleInternet,
  type ExampleInternetOptions,
  exampleInternet,
} from "../dns/example-internet.js";
import { type HttpServer, type HttpServerOptions, httpServer } from "./server.js";

/** The example internet plus `server` on www.example.com:80. */
export interface ExampleWeb extends ExampleInternet {
  server: HttpServer;
}

/** The front page's bytes, for byte-exact checks. */
export const EXAMPLE_INDEX =
  "<!doctype html>\n<title>Example</title>\n<p>Hello from wirelab.</p>\n";

/** Builds the example internet with an HTTP server on www.example.com. */
export function exampleWeb(
  options: ExampleInternetOptions & { http?: HttpServerOptions } = {},
): ExampleWeb {
  const x = exampleInternet(options);
  const host = x.hosts.ns1;
  x.net.assign(host.interfaces[0]!, "10.0.3.80/24");
  const server = httpServer(host, 80, options.http);
  server.static({
    "/": EXAMPLE_INDEX,
    "/index.html": EXAMPLE_INDEX,
    "/robots.txt": "User-agent: *\n",
  });
  server.redirect("/old", "/");
  server.get("/hello", (_req, res) => res.send("hello, world\n"));
  server.post("/echo", (req, res) =>
    res.send(req.body, req.headers.get("content-type") ?? "application/octet-stream"),
  );
  server.get("/chunked", (_req, res) => {
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.write("one\n");
    res.write("two\n");
    res.end("three\n");
  });
  server.get("/boom", () => {
    throw new Error("handler bug");
  });
  return { ...x, server };
}
