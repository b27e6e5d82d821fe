/**
 * HTTP figures: requests per wall second answered inside the simulation, one client reusing a
 * keep-alive connection for sequential GETs of a small page over the example internet (DNS once,
 * then the pooled connection), and the same with a new connection per request for comparison.
 */
import { HttpClient } from "../src/apps/http/client.js";
import { exampleWeb } from "../src/apps/http/example-web.js";
import { sec } from "../src/sim/time.js";
import type { Figure, Suite } from "./harness.js";

/** Runs `count` sequential GETs; returns requests per wall second and per simulated second. */
function measure(count: number, keepAlive: boolean): { wall: number; simulated: number } {
  const x = exampleWeb({ seed: 1 });
  const client = new HttpClient(x.hosts.client, { maxIdlePerHost: keepAlive ? 2 : 0 });
  let done = 0;
  let finishedAt = 0;
  const next = (): void => {
    if (done >= count) return;
    client.get("http://10.0.3.80/hello", (r) => {
      if (!r.ok) throw new Error(r.error.message);
      done++;
      finishedAt = x.net.sim.now;
      next();
    });
  };
  const t0 = performance.now();
  next();
  x.net.sim.runUntil(sec(3600));
  const wall = (performance.now() - t0) / 1000;
  if (done !== count) throw new Error(`only ${done}/${count} requests finished`);
  return { wall: count / wall, simulated: count / (finishedAt / 1e9) };
}

export const httpSuite: Suite = {
  name: "http",
  description: "HTTP/1.1 requests per wall second inside the simulation (sequential GETs)",
  run(): Figure[] {
    const ka = measure(2000, true);
    const fresh = measure(500, false);
    return [
      {
        suite: "http",
        name: "requests/s, keep-alive",
        value: ka.wall,
        unit: "req/s",
        note: `${ka.simulated.toFixed(0)} req per simulated s`,
      },
      {
        suite: "http",
        name: "requests/s, new connection each",
        value: fresh.wall,
        unit: "req/s",
        note: `${fresh.simulated.toFixed(0)} req per simulated s`,
      },
    ];
  },
};
