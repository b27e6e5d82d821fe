import { describe, expect, it } from "vitest";
import { installGlobalRoutes } from "../../net/global-routing.js";
import { Network } from "../../net/network.js";
import { NS_PER_S } from "../../sim/time.js";
import { sockets } from "../../socket/sockets.js";
import { isTransportError } from "../../transport/errors.js";
import { RpcEndpoint, type RpcResult } from "../rpc/correlation.js";
import { streamChannel } from "./channel.js";

function pair(loss = 0) {
  const net = new Network({ seed: 3 });
  net.addHost("a");
  net.addHost("b");
  net.connect("a", "b", {
    delay: NS_PER_S / 1000,
    bandwidth: 10e6,
    addresses: ["10.0.0.1/30", "10.0.0.2/30"],
    impairments: { loss },
  });
  installGlobalRoutes(net);
  const servers: RpcEndpoint[] = [];
  sockets(net.node("b")).listen(80, (s) => {
    const rpc = new RpcEndpoint(net.sim, streamChannel(s));
    rpc.handle("echo", (p, reply) => reply.ok(p ?? null));
    servers.push(rpc);
  });
  const s = sockets(net.node("a")).connect({ address: "10.0.0.2", port: 80 });
  if (isTransportError(s)) throw new Error(s.message);
  return { net, client: new RpcEndpoint(net.sim, streamChannel(s)), servers };
}

describe("streamChannel", () => {
  it("carries RPC requests and responses over TCP, large ones too, with loss", () => {
    const { net, client } = pair(0.05);
    const results: RpcResult[] = [];
    const big = "x".repeat(200_000);
    client.request("echo", { n: 1 }, (r) => results.push(r));
    client.request("echo", big, (r) => results.push(r), { timeout: 60 * NS_PER_S });
    net.sim.runUntil(120 * NS_PER_S);
    expect(results).toEqual([
      { ok: true, result: { n: 1 } },
      { ok: true, result: big },
    ]);
  });

  it("reports the peer's close to the RPC endpoint", () => {
    const { net, client, servers } = pair();
    const reasons: string[] = [];
    client.onClose((why) => reasons.push(why));
    client.request("echo", 1, () => {});
    net.sim.runUntil(NS_PER_S);
    servers[0]!.close();
    net.sim.runUntil(5 * NS_PER_S);
    expect(client.closed).toBe(true);
    expect(reasons).toHaveLength(1);
  });
});
