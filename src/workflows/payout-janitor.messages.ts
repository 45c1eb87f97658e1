/**
 * The payout janitor's messages: what its Schedule starts it with and what a run answers. Its code
 * stays in payout-janitor.workflow.ts.
 */
import type { ActivityRetrySettings } from './activity-retry';

/** What the janitor's Schedule starts (JANITOR_SCHEDULE). */
export const payoutJanitorWorkflowType = 'payoutJanitorWorkflow';
export type PayoutJanitorWorkflow = (input: PayoutJanitorInput) => Promise<PayoutJanitorResult>;

export interface PayoutJanitorSettings extends ActivityRetrySettings {
  /** Payments looked at per run; the next run (JANITOR_SCHEDULE) takes the rest. */
  batchSize: number;
  /** Attempts at asking the bank about one payout before it is left for the next run. */
  bankAttempts: number;
}

export interface PayoutJanitorInput {
  settings: PayoutJanitorSettings;
}

export interface PayoutJanitorResult {
  looked: number;
  paid: number;
  notPaid: number;
  /** The bank could not answer (or the payment's workflow was gone): still PAYOUT_UNKNOWN. */
  unresolved: number;
  /** Payments whose workflow has ended while they have not (absent in runs before the check). */
  orphaned?: number;
}
