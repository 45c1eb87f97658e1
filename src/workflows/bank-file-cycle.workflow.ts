import { proxyActivities } from '@temporalio/workflow';
import type { BankFileActivities } from '../activities/bank-file.activities';
import { retryPolicy } from './activity-retry';
import type { BankFileCycleInput, BankFileCycleResult } from './bank-file-cycle.messages';

/**
 * One turn of the ISO 20022 file rail, started by its Schedule (overlap skip): batch the queued
 * transfers into pain.001 files, send what is not sent, apply the reports that came back. A turn
 * that stops half-way loses nothing: every step is idempotent and the next turn picks up the rest.
 */
export async function bankFileCycleWorkflow(input: BankFileCycleInput): Promise<BankFileCycleResult> {
  const steps = proxyActivities<BankFileActivities>({
    startToCloseTimeout: input.settings.activityStartToCloseMs,
    // A run that cannot finish ends, and the next scheduled turn tries again.
    retry: { ...retryPolicy(input.settings), maximumAttempts: 5 },
  });
  const built = await steps.closeBankFileBatches();
  const sent = await steps.submitBankFiles();
  const reports = await steps.applyBankFileReports();
  return { built, sent, reports };
}
