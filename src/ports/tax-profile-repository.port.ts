import type { TaxProfile } from '../domain/tax-profile.aggregate';
import type { TaxYearEndRow } from '../domain/tax-year-end';
import type { TaxFormFacts } from '../domain/payability';

/** Partners' tax profiles; the tax id is sealed and opened by the implementation. */
export interface TaxProfileRepository {
  findByPartnerId(partnerId: string): Promise<TaxProfile | undefined>;
  /** Insert or replace; refuses a stale version (OptimisticConcurrencyError). */
  save(profile: TaxProfile): Promise<void>;
  /** APPROVED forms whose expiry day is within [from, to] (YYYY-MM-DD); no tax id is opened. */
  expiringBetween(range: { from: string; to: string }): Promise<ExpiringTaxForm[]>;
}

export interface ExpiringTaxForm {
  partnerId: string;
  formType: string;
  expiresOn: string;
  /** The filed form's version: a form filed again is a new one. */
  submittedAt: string;
}

/** What payability reads of a form (no tax id, nothing to open). */
export interface TaxFormReads {
  formOf(partnerId: string): Promise<TaxFormFacts | null>;
  /** The forms of these partners in one query; a partner without one is absent. */
  formsOf(partnerIds: readonly string[]): Promise<Map<string, TaxFormFacts>>;
}

/** The year-end export's sums (see tax-year-end.ts); instants as ISO strings, [from, to). */
export interface TaxYearEndReads {
  yearEnd(range: { from: string; to: string }): Promise<TaxYearEndRow[]>;
}
