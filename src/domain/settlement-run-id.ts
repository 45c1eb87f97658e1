/**
 * A settlement run is named after what it settles: a period, and one currency or all of them. The
 * name is also its workflow's id, so a period's run can be found (and not started twice) by name.
 */
export const settlementRunId = (periodEnd: string, currency: string | null = null): string =>
  currency ? `settlement:${periodEnd}:${currency}` : `settlement:${periodEnd}`;

/** The currency scope a run claims its period with: one currency, or `*` for all of them. */
export const ALL_CURRENCIES = '*';
