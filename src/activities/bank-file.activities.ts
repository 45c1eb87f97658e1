import type { BankFileRail } from '../ports/bank-file-rail.port';
import { withDomainFailures } from './activity-failure';

export interface BankFileActivityDeps {
  rail: BankFileRail;
}

/** The bank-file cycle's steps (see BankFileRail); a refusal becomes a non-retryable failure. */
export function createBankFileActivities(deps: BankFileActivityDeps) {
  return {
    closeBankFileBatches: () => withDomainFailures(() => deps.rail.closeBatches()),
    submitBankFiles: () => withDomainFailures(() => deps.rail.submitFiles()),
    applyBankFileReports: () => withDomainFailures(() => deps.rail.applyReports()),
  };
}

export type BankFileActivities = ReturnType<typeof createBankFileActivities>;
