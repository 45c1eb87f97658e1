/**
 * The reconciliation fetch's messages: what its Schedule (RECONCILIATION_SCHEDULE) starts it with
 * and what a run answers. Its code stays in reconciliation-fetch.workflow.ts.
 */
import type { StatementFetchCounts } from '../ports/reconciliation.port';
import type { ActivityRetrySettings } from './activity-retry';

export const reconciliationFetchWorkflowType = 'reconciliationFetchWorkflow';
export type ReconciliationFetchWorkflow = (
  input: ReconciliationFetchInput,
) => Promise<ReconciliationFetchResult>;

export interface ReconciliationFetchInput {
  settings: ActivityRetrySettings;
}

export type ReconciliationFetchResult = StatementFetchCounts;
