/**
 * DNS suite: how many queries per wall-clock second the simulation answers. Warm: a client's
 * stub asks the example internet's resolver over UDP for names already in its cache, so the
 * figure is the cost of two UDP hops and the server front end. Cold: each query is a fresh
 * internet, so the resolver walks root, TLD and authoritative servers.
 */
import { exampleInternet, resolve } from "../src/apps/dns/index.js";
import { consume, type Figure, rate, type Suite } from "./harness.js";

const SUITE = "dns";
const NAMES = ["www.example.com", "mail.example.com", "www.example.net"];

/** Queries answered per wall second from a warm resolver cache, `batch` in flight at once. */
function warm(batch: number): number {
  const x = exampleInternet({ seed: 1 });
  for (const n of NAMES) resolve(x.hosts.client, n, "A");
  x.net.sim.run();
  return rate((n) => {
    let answered = 0;
    for (let done = 0; done < n; done += batch) {
      const reqs = [];
      for (let i = 0; i < Math.min(batch, n - done); i++) {
        reqs.push(resolve(x.hosts.client, NAMES[i % NAMES.length]!, "A"));
      }
      x.net.sim.run();
      for (const r of reqs) if (r.result?.ok) answered++;
    }
    consume(answered);
    return answered;
  });
}

/** Full walks per wall second (each on a fresh internet, so the cache is cold). */
function cold(): number {
  return rate((n) => {
    let answered = 0;
    for (let i = 0; i < n; i++) {
      const x = exampleInternet({ seed: i + 1 });
      const r = x.resolver.resolve("www.example.com.", "A");
      x.net.sim.run();
      if (r.result?.rcode === 0) answered++;
    }
    consume(answered);
    return answered;
  });
}

export const dnsSuite: Suite = {
  name: SUITE,
  description: "DNS queries answered per wall second (warm resolver cache over UDP; cold walks)",
  run(): Figure[] {
    const f = (name: string, value: number, note?: string): Figure => ({
      suite: SUITE,
      name,
      value,
      unit: "queries/s",
      ...(note ? { note } : {}),
    });
    return [
      f("warm cache, one at a time", warm(1)),
      f("warm cache, 100 in flight", warm(100)),
      f("cold walk (fresh internet each)", cold(), "includes building the internet"),
    ];
  },
};
