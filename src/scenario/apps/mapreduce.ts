/**
 * `mapreduce`: a word-count job run by a manager and workers (src/apps/mapreduce). Tasks and
 * results travel as JSON messages over TCP; every worker sends heartbeats over UDP, and the
 * manager's failure detector declares a silent worker dead and puts its task back in the queue.
 * The output is checked against a direct count of the same text, so a lesson can assert that
 * crashes and losses changed nothing but the time it took.
 */
import { z } from "zod";
import { FixedTimeoutDetector } from "../../apps/heartbeat/detector.js";
import { MapReduceManager } from "../../apps/mapreduce/manager.js";
import { localWordCount, type Pair } from "../../apps/mapreduce/wordcount.js";
import { MapReduceWorker } from "../../apps/mapreduce/worker.js";
import { NS_PER_S } from "../../sim/time.js";
import { defineApp, type MetricValue } from "../registry.js";
import { formatDuration, units } from "../units.js";

const VOCABULARY = [
  "the",
  "quick",
  "brown",
  "fox",
  "jumps",
  "over",
  "lazy",
  "dog",
  "map",
  "reduce",
];

/** A repeatable input of `lines` lines of eight words each, drawn by a fixed recurrence. */
export function sampleCorpus(lines: number): string {
  const out: string[] = [];
  let x = 7;
  for (let i = 0; i < lines; i++) {
    const ws: string[] = [];
    for (let j = 0; j < 8; j++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      ws.push(VOCABULARY[x % VOCABULARY.length]!);
    }
    out.push(`${ws.join(" ")}, line ${i}.`);
  }
  return out.join("\n");
}

const samePairs = (a: Pair[], b: Pair[]) =>
  a.length === b.length && a.every((p, i) => p[0] === b[i]![0] && p[1] === b[i]![1]);

/** `mapreduce`: a word count over a manager and workers, with heartbeats and failure detection. */
export const mapReduceApp = defineApp({
  kind: "mapreduce",
  description:
    "A MapReduce word count: manager and workers over TCP JSON messages, heartbeats over UDP.",
  fields: {
    manager: z.string().meta({ description: "The node running the manager." }),
    workers: z
      .array(z.string())
      .min(1)
      .meta({ description: "The nodes running a worker each (they register at start)." }),
    text: z
      .string()
      .optional()
      .meta({ description: "The input text (default: a generated text of `lines` lines)." }),
    lines: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: "Lines of the generated input (default 60)." }),
    mapTasks: z.number().int().min(1).optional().meta({ description: "Default 6." }),
    reduceTasks: z.number().int().min(1).optional().meta({ description: "Default 3." }),
    rpcPort: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .optional()
      .meta({ description: "Default 6100 (no Wireshark dissector claims it)." }),
    heartbeatPort: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .optional()
      .meta({ description: "Default 6101." }),
    heartbeat: units.duration("Heartbeat interval (default 500ms).").optional(),
    suspectAfter: units.duration("Silence before a worker is suspected (default 1s).").optional(),
    deadAfter: units.duration("Silence before a worker is declared dead (default 2s).").optional(),
    taskTime: units
      .duration("Processing time of a task, besides its size (default 1s).")
      .optional(),
  },
  refs: { manager: "node", workers: "node" },
  finite: true,
  metrics: {
    finished: { kind: "boolean", description: "The job produced its output." },
    countsEqual: {
      kind: "boolean",
      description: "The job's word counts equal a direct count of the input.",
    },
    words: { kind: "count", description: "Distinct words in the output." },
    duration: { kind: "duration", description: "From the start to the job's output." },
    deadWorkers: {
      kind: "count",
      description: "Times the failure detector (or a broken connection) declared a worker dead.",
    },
    reassigned: { kind: "count", description: "Tasks taken from a dead worker and queued again." },
    ignoredLateResults: {
      kind: "count",
      description: "Results from a worker already declared dead, dropped.",
    },
    tasksCompleted: { kind: "count", description: "Task results accepted." },
  },
  describe: (s) => `${s.manager} + ${s.workers.join(", ")}`,
  start(ctx, s) {
    const sim = ctx.net.sim;
    const started = sim.now;
    const text = s.text ?? sampleCorpus(s.lines ?? 60);
    const expected = localWordCount(text);
    const rpcPort = s.rpcPort ?? 6100;
    const heartbeatPort = s.heartbeatPort ?? 6101;
    const dead = s.deadAfter ?? 2 * NS_PER_S;
    const suspect = Math.min(s.suspectAfter ?? NS_PER_S, dead);
    const manager = new MapReduceManager(ctx.node(s.manager), {
      text,
      mapTasks: s.mapTasks ?? 6,
      reduceTasks: s.reduceTasks ?? 3,
      rpcPort,
      heartbeatPort,
      detector: () => new FixedTimeoutDetector({ timeout: dead, suspectAfter: suspect }),
    });
    const address = ctx.address(s.manager);
    const base = s.taskTime ?? NS_PER_S;
    const workers = s.workers.map((w) => {
      const worker = new MapReduceWorker(ctx.node(w), {
        manager: { address, port: rpcPort },
        heartbeat: { address, port: heartbeatPort },
        interval: s.heartbeat ?? NS_PER_S / 2,
        taskTime: (_kind, size) => base + size * 100_000,
      });
      worker.boot();
      return worker;
    });
    const done: (() => void)[] = [];
    manager.onDone(() => {
      for (const fn of done) fn();
    });
    const count = (re: RegExp) => manager.log.filter((l) => re.test(l)).length;
    const metrics = (): Record<string, MetricValue> => ({
      finished: manager.output !== undefined,
      countsEqual: manager.output !== undefined && samePairs(manager.output, expected),
      words: manager.output?.length,
      duration: manager.finishedAt === undefined ? undefined : manager.finishedAt - started,
      deadWorkers: count(/ worker \S+ dead /),
      reassigned: count(/ reassigning /),
      ignoredLateResults: manager.ignoredLateResults,
      tasksCompleted: count(/ completed /),
    });
    return {
      get finished() {
        return manager.output !== undefined;
      },
      onDone(fn) {
        if (manager.output !== undefined) fn();
        else done.push(fn);
      },
      output() {
        const m = metrics();
        const lines = [
          `mapreduce: ${text.length} characters, ${workers.length} workers, manager on ${s.manager}`,
          ...manager.log,
        ];
        if (manager.output !== undefined) {
          lines.push(
            `${m.words} distinct words in ${formatDuration(Number(m.duration))}; counts ${m.countsEqual ? "equal" : "DIFFER FROM"} a direct count`,
          );
          const top = [...manager.output].sort((a, b) => b[1] - a[1]).slice(0, 5);
          lines.push(`most frequent: ${top.map(([w, c]) => `${w} ${c}`).join(", ")}`);
        }
        return lines;
      },
      metrics,
    };
  },
});
