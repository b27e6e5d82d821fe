/**
 * A curl-like tool: fetches a URL with the HTTP client and writes what curl writes. Plain runs
 * print the body; `verbose` (-v) adds curl 8's trace ("*" notes, "> " request and "< " response
 * heads) in the order curl prints them, the body where curl's stdout would interleave it.
 */
import type { Node } from "../../net/node.js";
import type { Nanos } from "../../sim/time.js";
import { ToolRun } from "../tools/tool-run.js";
import { type FetchEvent, type FetchResult, HttpClient } from "./client.js";

export interface CurlOptions {
  /** -v: the trace as well as the body. */
  verbose?: boolean;
  /** -X. */
  method?: string;
  /** -d: a request body (POST unless -X says otherwise). */
  data?: string;
  /** -H. */
  headers?: Record<string, string> | readonly (readonly [string, string])[];
  /** -L: follow redirects. */
  location?: boolean;
  /** --max-redirs (default 50, as curl). */
  maxRedirs?: number;
  /** -m: the deadline per request. */
  maxTime?: Nanos;
  /** Share a client (and its pool) between runs; a new one by default. */
  client?: HttpClient;
}

/** curl's User-Agent here. */
export const CURL_USER_AGENT = "wirelab-curl/1.0";

/** A curl run: `output` holds the transcript, `exitCode` curl's exit status. */
export class CurlRun extends ToolRun {
  result: FetchResult | undefined;
  exitCode = 0;

  /** For `curl`: records the result and finishes. */
  finish(r: FetchResult): void {
    this.result = r;
    if (!r.ok) {
      this.exitCode = r.error.curlCode;
      this.output.push(`curl: (${r.error.curlCode}) ${r.error.message}`);
    }
    this.complete();
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Runs curl on `node` for `url`. */
export function curl(node: Node, url: string, options: CurlOptions = {}): CurlRun {
  const run = new CurlRun();
  const out = run.output;
  const v = options.verbose === true;
  const client = options.client ?? new HttpClient(node, { userAgent: CURL_USER_AGENT });
  const headers: [string, string][] = Array.isArray(options.headers)
    ? options.headers.map(([n, value]) => [n, value] as [string, string])
    : Object.entries(options.headers ?? {});
  if (options.data !== undefined && !headers.some(([n]) => n.toLowerCase() === "content-type")) {
    headers.push(["Content-Type", "application/x-www-form-urlencoded"]);
  }
  const follow = options.location === true;
  const onEvent = (e: FetchEvent): void => {
    switch (e.kind) {
      case "resolved": {
        if (!v) return;
        out.push(`* Host ${e.host}:${e.port} was resolved.`);
        const six = e.addresses.filter((a) => a.family === 6).map((a) => a.address);
        const four = e.addresses.filter((a) => a.family === 4).map((a) => a.address);
        out.push(`* IPv6: ${six.length > 0 ? six.join(", ") : "(none)"}`);
        out.push(`* IPv4: ${four.length > 0 ? four.join(", ") : "(none)"}`);
        return;
      }
      case "trying":
        if (v) out.push(`*   Trying ${bracket(e.address)}:${e.port}...`);
        return;
      case "connected":
        if (v) out.push(`* Connected to ${e.host} (${e.address}) port ${e.port}`);
        return;
      case "reused":
        if (v) out.push(`* Re-using existing connection #${e.id} with host ${e.host}`);
        return;
      case "request":
        if (!v) return;
        for (const line of e.head) out.push(`> ${line}`);
        out.push(">");
        if (options.data !== undefined) {
          out.push(`* upload completely sent off: ${utf8Length(options.data)} bytes`);
        }
        return;
      case "response": {
        const r = e.response;
        if (v) {
          out.push(`< ${r.version} ${r.status}${r.reason ? ` ${r.reason}` : ""}`);
          for (const [n, value] of r.headers) out.push(`< ${n}: ${value}`);
          out.push("<");
        }
        // With -L curl skips the bodies of the redirects it follows.
        const followed = follow && REDIRECTS.has(r.status) && r.headers.has("location");
        if (v && followed) out.push("* Ignoring the response-body");
        if (!followed) out.push(...bodyLines(r.body));
        return;
      }
      case "redirect":
        if (v) out.push(`* Issue another request to this URL: '${e.url}'`);
        return;
      case "done":
        if (v) {
          out.push(
            e.kept ? `* Connection #${e.id} to host ${e.host} left intact` : "* Closing connection",
          );
        }
        return;
    }
  };
  client.fetch(
    url,
    {
      ...(options.method === undefined ? {} : { method: options.method }),
      ...(options.data === undefined ? {} : { body: options.data }),
      ...(options.maxTime === undefined ? {} : { timeout: options.maxTime }),
      headers,
      followRedirects: follow,
      maxRedirects: options.maxRedirs ?? 50,
      onEvent,
    },
    (r) => run.finish(r),
  );
  return run;
}

function bracket(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** The body as text lines; a final newline ends the last line rather than adding one. */
function bodyLines(body: Uint8Array): string[] {
  if (body.length === 0) return [];
  const text = new TextDecoder().decode(body);
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}
