/**
 * dig's transcript line by line, its error lines, truncation reaching the TCP hook, and
 * determinism: the same seed gives the same transcript and the same packets, byte for byte.
 */
import { describe, expect, it } from "vitest";
import { type DnsTransport, dig, exampleInternet, lookup } from "../src/apps/dns/index.js";
import { sec } from "../src/sim/time.js";

describe("dig", () => {
  it("prints the walk's answer as dig does, with the trailer", () => {
    const x = exampleInternet({ seed: 42 });
    const run = dig(x.hosts.client, "www.example.com", { server: "10.0.0.53" });
    x.net.sim.run();
    expect(run.finished).toBe(true);
    expect(run.output).toEqual([
      "",
      "; <<>> DiG 9.18 (wirelab) <<>> @10.0.0.53 www.example.com A",
      "; (1 server found)",
      ";; global options: +cmd",
      ";; Got answer:",
      ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 40619",
      ";; flags: qr rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1",
      "",
      ";; OPT PSEUDOSECTION:",
      "; EDNS: version: 0, flags:; udp: 1232",
      ";; QUESTION SECTION:",
      ";www.example.com.\t\tIN\tA",
      "",
      ";; ANSWER SECTION:",
      "www.example.com.\t300\tIN\tA\t10.0.3.80",
      "",
      // Client to resolver and back (20 ms), and three 20 ms round trips: root, TLD, example.com.
      ";; Query time: 80 msec",
      ";; SERVER: 10.0.0.53#53(10.0.0.53) (UDP)",
      // Simulated runs have no wall clock: WHEN is the simulated time of the answer.
      ";; WHEN: 0.080115840 s of simulated time",
      ";; MSG SIZE  rcvd: 60",
      "",
    ]);
    expect(run.response?.id).toBe(run.query?.id);
  });

  it("shows a referral from an authoritative server asked without recursion", () => {
    const x = exampleInternet({ seed: 1 });
    const run = dig(x.hosts.client, "host.sub.example.com", {
      server: "10.0.3.53",
      recurse: false,
    });
    x.net.sim.run();
    const text = run.output.join("\n");
    expect(run.output[1]).toBe(
      "; <<>> DiG 9.18 (wirelab) <<>> @10.0.3.53 host.sub.example.com A +norecurse",
    );
    expect(text).toContain(";; flags: qr; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 2");
    expect(text).toContain(
      ";; AUTHORITY SECTION:\nsub.example.com.\t300\tIN\tNS\tns.sub.example.com.\n",
    );
    expect(text).toContain(";; ADDITIONAL SECTION:\nns.sub.example.com.\t300\tIN\tA\t10.0.3.54\n");
  });

  it("reports timeouts as dig does", () => {
    const x = exampleInternet({ seed: 1 });
    x.net.partition(["client"], ["resolver"]);
    const run = dig(x.hosts.client, "www.example.com", { timeout: sec(1) });
    x.net.sim.run();
    expect(run.output.slice(1)).toEqual([
      "; <<>> DiG 9.18 (wirelab) <<>> www.example.com A",
      ";; global options: +cmd",
      ";; communications error to 10.0.0.53#53: timed out",
      ";; communications error to 10.0.0.53#53: timed out",
      ";; communications error to 10.0.0.53#53: timed out",
      ";; no servers could be reached",
    ]);
    expect(x.net.sim.now).toBe(sec(3));
  });

  it("retries a truncated answer over the TCP hook and says it is unavailable", () => {
    const x = exampleInternet({ seed: 1 });
    const calls: string[] = [];
    const tcp: DnsTransport = {
      protocol: "TCP",
      query(server, _bytes, _options, done) {
        calls.push(`${server.address}#${server.port}`);
        x.net.sim.after(0, () => done({ kind: "unavailable", reason: "TCP fallback unavailable" }));
        return { cancel() {} };
      },
    };
    const run = dig(x.hosts.client, "big.example.com", {
      server: "10.0.3.53",
      type: "TXT",
      recurse: false,
      transports: { tcp },
    });
    x.net.sim.run();
    expect(calls).toEqual(["10.0.3.53#53"]);
    expect(run.output.slice(4, 8)).toEqual([
      ";; Truncated, retrying in TCP mode.",
      ";; Connection to 10.0.3.53#53(10.0.3.53) for big.example.com. failed: TCP fallback unavailable.",
      ";; Got answer:",
      `;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: ${run.response?.id}`,
    ]);
    expect(run.output[8]).toMatch(/^;; flags: qr aa tc; QUERY: 1, ANSWER: \d+,/);
    expect(run.response?.tc).toBe(true);
  });
});

/** A scripted session, with every packet event on the network as text. */
function session(seed: number) {
  const x = exampleInternet({ seed });
  const trace: string[] = [];
  x.net.events.subscribe((e) => {
    const hex = Array.from(e.packet, (b) => b.toString(16).padStart(2, "0")).join("");
    trace.push(`${e.time} ${e.kind} ${e.node} ${e.iface ?? ""} ${e.reason ?? ""} ${hex}`);
  });
  const digs = [dig(x.hosts.client, "www.example.com", { type: "AAAA" })];
  lookup(x.hosts.client, "web", {});
  x.net.sim.run();
  digs.push(
    dig(x.hosts.client, "nope.example.com"),
    dig(x.hosts.client, "big.example.com", { type: "TXT" }),
  );
  x.net.sim.run();
  return { text: digs.map((d) => d.text).join(""), trace };
}

describe("determinism", () => {
  it("gives the same transcript and the same packets for the same seed", () => {
    const a = session(42);
    const b = session(42);
    expect(a.trace.length).toBeGreaterThan(100);
    expect(b.text).toBe(a.text);
    expect(b.trace).toEqual(a.trace);
    // Another seed draws other ids and ports.
    const c = session(43);
    expect(c.trace).not.toEqual(a.trace);
    expect(c.text.replace(/id: \d+/g, "")).toBe(a.text.replace(/id: \d+/g, ""));
  });
});
