/**
 * The ISO 20022 file rail's cycle, as the bank-file workflow drives it: batch queued transfers into
 * pain.001 files, send the files not yet sent, apply the pain.002 reports that came back. Each step
 * is idempotent (a file's MsgId is a function of its batch; a report is applied once by its id).
 */
export interface BankFileCycleCounts {
  files: number;
  transfers: number;
}

export interface BankFileReportCounts {
  reports: number;
  accepted: number;
  rejected: number;
  /** What a report said that could not be applied (kept for an operator). */
  anomalies: number;
}

export interface BankFileRail {
  closeBatches(): Promise<BankFileCycleCounts>;
  submitFiles(): Promise<BankFileCycleCounts>;
  applyReports(): Promise<BankFileReportCounts>;
}
