/**
 * The tax-form expiry check's messages: what its Schedule starts it with and what a run answers.
 * Its code stays in tax-form-expiry.workflow.ts.
 */
import type { ActivityRetrySettings } from './activity-retry';

/** What the check's Schedule starts (TAX_FORM_EXPIRY_SCHEDULE). */
export const taxFormExpiryWorkflowType = 'taxFormExpiryWorkflow';
export type TaxFormExpiryWorkflow = (input: TaxFormExpiryInput) => Promise<TaxFormExpiryRunResult>;

export interface TaxFormExpiryInput {
  settings: ActivityRetrySettings;
}

export interface TaxFormExpiryRunResult {
  /** Approved forms expiring within TAX_FORM_EXPIRY_NOTICE_DAYS. */
  expiring: number;
  /** Of those, partners told by this run (the others were told before). */
  noticed: number;
}
