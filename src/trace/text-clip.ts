/** Shortening of untrusted text for one-line labels (sequence diagram arrows stay readable). */

/** Longest piece of packet-derived text put into an arrow label. */
export const LABEL_TEXT_MAX = 40;

/** `text` cut to `max` characters, with "..." marking the cut. */
export function clip(text: string, max = LABEL_TEXT_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
