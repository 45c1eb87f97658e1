import { log, proxyActivities } from '@temporalio/workflow';
import type { TaxFormExpiryActivities } from '../activities/tax-form-expiry.activities';
import { retryPolicy } from './activity-retry';
import type { TaxFormExpiryInput, TaxFormExpiryRunResult } from './tax-form-expiry.messages';

/**
 * Tells partners whose approved tax form expires soon (TAX_FORM_EXPIRY_NOTICE_DAYS), once per
 * filed form. Started by a Schedule (TAX_FORM_EXPIRY_SCHEDULE, overlap skip); the one step is
 * idempotent, so a missed or repeated run neither loses nor doubles a notice.
 */
export async function taxFormExpiryWorkflow(input: TaxFormExpiryInput): Promise<TaxFormExpiryRunResult> {
  const { settings } = input;
  const act = proxyActivities<TaxFormExpiryActivities>({
    startToCloseTimeout: settings.activityStartToCloseMs,
    retry: retryPolicy(settings),
  });
  const result = await act.noticeExpiringTaxForms();
  log.info('tax form expiry check done', { ...result });
  return result;
}
