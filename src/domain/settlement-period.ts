import { DomainError, ErrorCodes } from './domain-error';

/**
 * A settlement period is a calendar day, inclusive: a run for `periodEnd` settles every commission
 * that occurred before the first instant after that day. Days are UTC. The one place the API, the
 * activities, the Schedule's workflow and (through the API contract) the dashboard compute periods.
 */
const DAY_MS = 86_400_000;

const dayOf = (instant: number): string => new Date(instant).toISOString().slice(0, 10);

/** `YYYY-MM-DD` of a real calendar day, or SETTLEMENT.INVALID_PERIOD. */
export function parsePeriodEnd(periodEnd: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(periodEnd);
  const day = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (Number.isNaN(day) || dayOf(day) !== periodEnd) {
    throw new DomainError(
      ErrorCodes.SETTLEMENT_INVALID_PERIOD,
      `periodEnd must be a calendar date YYYY-MM-DD, got ${periodEnd}`,
    );
  }
  return periodEnd;
}

/** The first instant after the period (ISO-8601): commissions that occurred before it belong to it. */
export function periodCutoff(periodEnd: string): string {
  return new Date(Date.parse(`${parsePeriodEnd(periodEnd)}T00:00:00Z`) + DAY_MS).toISOString();
}

/** The latest period that has ended at `now`: yesterday. */
export function latestEndedPeriod(now: Date): string {
  return dayOf(now.getTime() - DAY_MS);
}

/**
 * A period that may be settled at `now`: one still under way would be settled early and its id
 * taken, and later commissions of that day would wait for the next period's run.
 */
export function assertPeriodEnded(periodEnd: string, now: Date): void {
  const today = dayOf(now.getTime());
  if (parsePeriodEnd(periodEnd) >= today) {
    throw new DomainError(
      ErrorCodes.SETTLEMENT_INVALID_PERIOD,
      `the period ending ${periodEnd} has not ended yet (today is ${today} UTC); settle up to ${latestEndedPeriod(now)} at the latest`,
    );
  }
}
