import { DomainError, ErrorCodes } from './domain-error';

/**
 * A settlement period is a calendar day, inclusive, in the programme's time zone
 * (SETTLEMENT_TIME_ZONE, UTC by default): a run for `periodEnd` settles every commission that
 * occurred before the first instant of the next day there. The one place the API, the activities,
 * the Schedule's workflow and (through the API contract) the dashboard compute periods.
 *
 * Zone rules come from Intl (the runtime's ICU time zone data), never from offsets written here:
 * days may be 23 or 25 hours long, and a day may even start at 01:00 where DST begins at midnight.
 */
export const DEFAULT_TIME_ZONE = 'UTC';

const DAY_MS = 86_400_000;
/** UTC offsets stay within −12 h and +14 h: a day starts within this distance of its UTC midnight. */
const SEARCH_MS = 36 * 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'iso8601',
      numberingSystem: 'latn',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** `YYYY-MM-DD` of `instant` (ms) in `timeZone`. */
function dayIn(instant: number, timeZone: string): string {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)!.value;
  return `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`;
}

const utcDay = (instant: number): string => new Date(instant).toISOString().slice(0, 10);
const utcMidnight = (day: string): number => Date.parse(`${day}T00:00:00Z`);

/**
 * The first instant (ms) of calendar day `day` in `timeZone`: the earliest instant whose local
 * date is `day` or later. Found by bisection over Intl's answers, so a DST change at midnight (a
 * day that starts at 01:00, or whose midnight happens twice) needs no special case.
 */
function startOfDay(day: string, timeZone: string): number {
  const midnight = utcMidnight(day);
  let lo = midnight - SEARCH_MS; // local date before `day`
  let hi = midnight + SEARCH_MS; // local date `day` or after
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (dayIn(mid, timeZone) >= day) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * An IANA time zone name the runtime knows (e.g. "America/Bogota", "UTC"), in its canonical
 * spelling, or SETTLEMENT.INVALID_TIME_ZONE. Offsets such as "+05:00" are refused: the Temporal
 * Schedule takes names only, and an offset has no DST.
 */
export function parseTimeZone(name: string): string {
  const invalid = (): DomainError =>
    new DomainError(
      ErrorCodes.SETTLEMENT_INVALID_TIME_ZONE,
      `not an IANA time zone name such as "UTC" or "America/Bogota": ${JSON.stringify(name)}`,
      { timeZone: name },
    );
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) throw invalid();
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    throw invalid();
  }
  // Intl matches names case-insensitively; the Temporal server (Go's tz database) does not.
  return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
}

/** `YYYY-MM-DD` of a real calendar day, or SETTLEMENT.INVALID_PERIOD. */
export function parsePeriodEnd(periodEnd: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(periodEnd);
  const day = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (Number.isNaN(day) || utcDay(day) !== periodEnd) {
    throw new DomainError(
      ErrorCodes.SETTLEMENT_INVALID_PERIOD,
      `periodEnd must be a calendar date YYYY-MM-DD, got ${periodEnd}`,
    );
  }
  return periodEnd;
}

/**
 * The first instant after the period (ISO-8601, UTC): commissions that occurred before it belong
 * to it. With a time zone, the next day's local midnight (or its first instant, if that is later).
 */
export function periodCutoff(periodEnd: string, timeZone: string = DEFAULT_TIME_ZONE): string {
  const nextDay = utcDay(utcMidnight(parsePeriodEnd(periodEnd)) + DAY_MS);
  return new Date(startOfDay(nextDay, timeZone)).toISOString();
}

/** The latest period that has ended at `now`: yesterday, in the time zone. */
export function latestEndedPeriod(now: Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  return utcDay(utcMidnight(dayIn(now.getTime(), timeZone)) - DAY_MS);
}

/**
 * A period that may be settled at `now`: one still under way would be settled early and its id
 * taken, and later commissions of that day would wait for the next period's run.
 */
export function assertPeriodEnded(periodEnd: string, now: Date, timeZone: string = DEFAULT_TIME_ZONE): void {
  const today = dayIn(now.getTime(), timeZone);
  if (parsePeriodEnd(periodEnd) >= today) {
    throw new DomainError(
      ErrorCodes.SETTLEMENT_INVALID_PERIOD,
      `the period ending ${periodEnd} has not ended yet (today is ${today} ${timeZone}); settle up to ${latestEndedPeriod(now, timeZone)} at the latest`,
    );
  }
}
