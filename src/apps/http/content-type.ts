/**
 * Content-Type for static files by file extension (RFC 9110 §8.3), for the HTTP server's
 * static routes. Text types name UTF-8 so browsers need not sniff; unknown extensions get
 * application/octet-stream, the RFC 9110 §8.3 fallback.
 */

const TYPES: ReadonlyMap<string, string> = new Map([
  ["html", "text/html; charset=utf-8"],
  ["htm", "text/html; charset=utf-8"],
  ["css", "text/css; charset=utf-8"],
  ["js", "text/javascript; charset=utf-8"],
  ["mjs", "text/javascript; charset=utf-8"],
  ["json", "application/json"],
  ["txt", "text/plain; charset=utf-8"],
  ["md", "text/markdown; charset=utf-8"],
  ["csv", "text/csv; charset=utf-8"],
  ["xml", "application/xml"],
  ["svg", "image/svg+xml"],
  ["png", "image/png"],
  ["jpg", "image/jpeg"],
  ["jpeg", "image/jpeg"],
  ["gif", "image/gif"],
  ["webp", "image/webp"],
  ["ico", "image/vnd.microsoft.icon"],
  ["pdf", "application/pdf"],
  ["wasm", "application/wasm"],
  ["woff", "font/woff"],
  ["woff2", "font/woff2"],
  ["mp4", "video/mp4"],
  ["mp3", "audio/mpeg"],
  ["zip", "application/zip"],
  ["gz", "application/gzip"],
]);

/** Fallback for unknown or missing extensions (RFC 9110 §8.3). */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** The media type for a path or file name by its extension, case-insensitive. */
export function contentTypeFor(path: string): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  if (dot <= slash + 1) return DEFAULT_CONTENT_TYPE; // no extension, or a dot file like ".env"
  return TYPES.get(path.slice(dot + 1).toLowerCase()) ?? DEFAULT_CONTENT_TYPE;
}
