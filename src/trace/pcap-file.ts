/**
 * Captures on disk: the only Node-specific piece of tracing. `openCaptureFile` streams a
 * writer's chunks straight to a file; `writeCaptureFile` saves a capture collected in memory.
 */
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { type CaptureSink, concatChunks } from "./pcap.js";

/** A file open for a capture writer: pass `sink` to the writer, call `close()` when done. */
export interface CaptureFile {
  readonly sink: CaptureSink;
  close(): void;
}

/** Creates (or truncates) `path` and returns a sink that appends each chunk to it. */
export function openCaptureFile(path: string): CaptureFile {
  let fd: number | undefined = openSync(path, "w");
  return {
    sink: (chunk) => {
      if (fd === undefined) throw new Error(`capture file ${path} is closed`);
      for (let o = 0; o < chunk.length; ) o += writeSync(fd, chunk, o, chunk.length - o);
    },
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** Writes a whole capture (one buffer, or a writer's chunks in order) to `path`. */
export function writeCaptureFile(path: string, capture: Uint8Array | readonly Uint8Array[]): void {
  writeFileSync(path, capture instanceof Uint8Array ? capture : concatChunks(capture));
}
