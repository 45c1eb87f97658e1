import { assertPeriodEnded, latestEndedPeriod } from '../../domain/settlement-period';

export interface SettlementRequest {
  /** Defaults to the latest period that has ended (yesterday). */
  periodEnd?: string;
  /** One currency, or every currency (null). */
  currency?: string | null;
}

/** The period a request names (or the latest that has ended), refused unless it has ended. */
export function requestedPeriod(
  req: SettlementRequest,
  now: Date,
  /** SETTLEMENT_TIME_ZONE: where "yesterday" is; UTC by default. */
  timeZone?: string,
): { periodEnd: string; currency: string | null } {
  const periodEnd = req.periodEnd ?? latestEndedPeriod(now, timeZone);
  assertPeriodEnded(periodEnd, now, timeZone);
  return { periodEnd, currency: req.currency ?? null };
}
