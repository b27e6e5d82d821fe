/**
 * The HTTP date format (RFC 9110 §5.6.7 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") from
 * simulated time. Pure integer arithmetic on days since the epoch (proleptic Gregorian), so
 * no Date object, time zone or ambient clock is involved.
 */

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const SECONDS_PER_DAY = 86_400;
/** Days in a 400-year Gregorian cycle. */
const CYCLE_DAYS = 146_097;

/**
 * `seconds` since 1970-01-01T00:00:00Z (fractions dropped) as an IMF-fixdate. Throws RangeError
 * outside years 0000-9999, which the format's 4DIGIT year cannot hold.
 */
export function formatHttpDate(seconds: number): string {
  if (!Number.isFinite(seconds)) throw new RangeError(`bad time ${seconds}`);
  const whole = Math.floor(seconds);
  const days = Math.floor(whole / SECONDS_PER_DAY);
  const secs = whole - days * SECONDS_PER_DAY;
  const { year, month, day } = civilDate(days);
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} does not fit an HTTP date`);
  // 1970-01-01 was a Thursday (index 4 counting from Sunday).
  const weekday = (((days + 4) % 7) + 7) % 7;
  const hh = Math.floor(secs / 3600);
  const mm = Math.floor((secs % 3600) / 60);
  const ss = secs % 60;
  return `${DAYS[weekday]!}, ${pad(day, 2)} ${MONTHS[month - 1]!} ${pad(year, 4)} ${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)} GMT`;
}

/**
 * Calendar date of a day count since the epoch. Shifts the year to start on 1 March (so the
 * leap day ends it), then splits into 400-year cycles, years, and 153-day five-month runs.
 */
function civilDate(days: number): { year: number; month: number; day: number } {
  const shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
  const cycle = Math.floor(shifted / CYCLE_DAYS);
  const dayOfCycle = shifted - cycle * CYCLE_DAYS;
  const yearOfCycle = Math.floor(
    (dayOfCycle -
      Math.floor(dayOfCycle / 1460) +
      Math.floor(dayOfCycle / 36_524) -
      Math.floor(dayOfCycle / (CYCLE_DAYS - 1))) /
      365,
  );
  const dayOfYear =
    dayOfCycle - (365 * yearOfCycle + Math.floor(yearOfCycle / 4) - Math.floor(yearOfCycle / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfCycle + cycle * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}
