import {
  noticeExpiringTaxForms,
  type TaxFormExpiryDeps,
  type TaxFormExpiryResult,
} from '../application/partner/tax-form-expiry';
import { withDomainFailures } from './activity-failure';

/** The tax-form expiry check's one step: the use case, over the worker's unit of work. */
export function createTaxFormExpiryActivities(deps: TaxFormExpiryDeps) {
  return {
    noticeExpiringTaxForms(): Promise<TaxFormExpiryResult> {
      return withDomainFailures(() => noticeExpiringTaxForms(deps));
    },
  };
}

export type TaxFormExpiryActivities = ReturnType<typeof createTaxFormExpiryActivities>;
