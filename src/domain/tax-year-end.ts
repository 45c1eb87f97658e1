import { csvDecimal, csvRow } from './csv.util';
import { DomainError, ErrorCodes } from './domain-error';

/**
 * The year-end export for 1099-NEC / 1042-S style filing (filed nowhere by us): per partner,
 * currency and form type, what was paid out in the calendar year (UTC) and what came back.
 *
 * Cash basis, as the IRS forms are: a payout counts in the year its payment COMPLETED; a refund
 * (the whole payment sent back, status REFUNDED) is subtracted in the year it was refunded, so a
 * January refund of a December payout lowers the new year, never rewrites a filed one. `netMinor`
 * can therefore be negative.
 */
export const TAX_YEAR_MIN = 2000;
export const TAX_YEAR_MAX = 2100;

export interface TaxYearEndRow {
  partnerId: string;
  partnerName: string | null;
  /** The form on file now (one per partner); null when the partner has filed none. */
  formType: string | null;
  formStatus: string | null;
  taxCountry: string | null;
  legalName: string | null;
  currency: string;
  /** Exact decimal integer strings: sums may pass 2^53. */
  paidMinor: string;
  refundedMinor: string;
  netMinor: string;
  paymentCount: number;
  refundCount: number;
}

export const TAX_YEAR_END_COLUMNS = [
  'year',
  'partner_id',
  'partner_name',
  'form_type',
  'form_status',
  'tax_country',
  'legal_name',
  'currency',
  'paid_minor',
  'refunded_minor',
  'net_minor',
  'payment_count',
  'refund_count',
] as const;

/** The year's bounds as instants: [1 January 00:00 UTC, next 1 January). */
export function taxYearRange(year: number): { from: string; to: string } {
  if (!Number.isInteger(year) || year < TAX_YEAR_MIN || year > TAX_YEAR_MAX) {
    throw new DomainError(
      ErrorCodes.TAX_YEAR_INVALID,
      `year must be a calendar year ${TAX_YEAR_MIN}..${TAX_YEAR_MAX}`,
      { year },
    );
  }
  return { from: `${year}-01-01T00:00:00.000Z`, to: `${year + 1}-01-01T00:00:00.000Z` };
}

/** Net = paid − refunded, exact. */
export const netOf = (paidMinor: string, refundedMinor: string): string =>
  (BigInt(paidMinor) - BigInt(refundedMinor)).toString();

export const taxYearEndHeader = (): string => TAX_YEAR_END_COLUMNS.join(',');

/** Amounts are numbers (a negative net stays a number, never a formula-guarded text). */
export function taxYearEndLine(year: number, r: TaxYearEndRow): string {
  return csvRow([
    year,
    r.partnerId,
    r.partnerName,
    r.formType,
    r.formStatus,
    r.taxCountry,
    r.legalName,
    r.currency,
    csvDecimal(r.paidMinor),
    csvDecimal(r.refundedMinor),
    csvDecimal(r.netMinor),
    r.paymentCount,
    r.refundCount,
  ]);
}
