import { proxyActivities } from '@temporalio/workflow';
import type { ReconciliationActivities } from '../activities/reconciliation.activities';
import { retryPolicy } from './activity-retry';
import type { ReconciliationFetchInput, ReconciliationFetchResult } from './reconciliation-fetch.messages';

/**
 * One turn of reconciliation, started by its Schedule (overlap skip): fetch the bank's new notices
 * and closed days' statements and match them (importBankStatements). Nothing to remember between
 * turns: the same statement again is a no-op, and the notice cursor lives in the database.
 */
export async function reconciliationFetchWorkflow(
  input: ReconciliationFetchInput,
): Promise<ReconciliationFetchResult> {
  const { fetchBankStatements } = proxyActivities<ReconciliationActivities>({
    startToCloseTimeout: input.settings.activityStartToCloseMs,
    // A bank that stays unreachable: this turn ends, and the next scheduled one tries again.
    retry: { ...retryPolicy(input.settings), maximumAttempts: 5 },
  });
  return fetchBankStatements();
}
