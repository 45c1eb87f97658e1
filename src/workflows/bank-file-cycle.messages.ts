/**
 * The bank-file cycle's messages: what its Schedule (BANK_FILE_SCHEDULE) starts it with and what a
 * run answers. Its code stays in bank-file-cycle.workflow.ts.
 */
import type { BankFileCycleCounts, BankFileReportCounts } from '../ports/bank-file-rail.port';
import type { ActivityRetrySettings } from './activity-retry';

export const bankFileCycleWorkflowType = 'bankFileCycleWorkflow';
export type BankFileCycleWorkflow = (input: BankFileCycleInput) => Promise<BankFileCycleResult>;

export interface BankFileCycleInput {
  settings: ActivityRetrySettings;
}

export interface BankFileCycleResult {
  built: BankFileCycleCounts;
  sent: BankFileCycleCounts;
  reports: BankFileReportCounts;
}
