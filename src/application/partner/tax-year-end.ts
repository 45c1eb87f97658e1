import { taxYearRange, type TaxYearEndRow } from '../../domain/tax-year-end';
import type { TaxYearEndReads } from '../../ports/tax-profile-repository.port';

export interface TaxYearEndDeps {
  reads: TaxYearEndReads;
}

/**
 * What each partner was paid in the calendar year (UTC), by currency and form type: payouts
 * completed in the year minus refunds made in it (tax-year-end.ts says why). A read: no unit of work.
 */
export async function taxYearEnd(
  deps: TaxYearEndDeps,
  year: number,
): Promise<{ year: number; rows: TaxYearEndRow[] }> {
  return { year, rows: await deps.reads.yearEnd(taxYearRange(year)) };
}
