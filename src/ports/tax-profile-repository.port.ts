import type { TaxProfile } from '../domain/tax-profile.aggregate';
import type { TaxFormFacts } from '../domain/payability';

/** Partners' tax profiles; the tax id is sealed and opened by the implementation. */
export interface TaxProfileRepository {
  findByPartnerId(partnerId: string): Promise<TaxProfile | undefined>;
  /** Insert or replace; refuses a stale version (OptimisticConcurrencyError). */
  save(profile: TaxProfile): Promise<void>;
}

/** What payability reads of a form (no tax id, nothing to open). */
export interface TaxFormReads {
  formOf(partnerId: string): Promise<TaxFormFacts | null>;
  /** The forms of these partners in one query; a partner without one is absent. */
  formsOf(partnerIds: readonly string[]): Promise<Map<string, TaxFormFacts>>;
}
