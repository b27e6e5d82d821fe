/**
 * A "what is my address" service, like ipinfo.io/ip or icanhazip.com: GET / answers with the
 * client's address as this server sees it, one line of text. Behind a NAT that is the router's
 * public address, which is how a host learns it (`curl http://ip.example/`).
 */
import type { Node } from "../../net/node.js";
import { type HttpServer, type HttpServerOptions, httpServer } from "./server.js";

/**
 * Starts the service on `node`: GET / and /ip answer "address\n" (text/plain), /json answers
 * {"ip": address, "port": port} with the client's port as well.
 */
export function whatIsMyAddressServer(
  node: Node,
  port = 80,
  options: HttpServerOptions = {},
): HttpServer {
  const server = httpServer(node, port, { serverName: "wirelab-whatismyaddress/1.0", ...options });
  const plain: Parameters<HttpServer["get"]>[1] = (req, res) =>
    res.send(`${req.remote.address}\n`, "text/plain; charset=utf-8");
  server.get("/", plain);
  server.get("/ip", plain);
  server.get("/json", (req, res) => res.json({ ip: req.remote.address, port: req.remote.port }));
  return server;
}
