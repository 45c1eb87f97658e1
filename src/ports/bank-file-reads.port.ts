/** What operators read of the ISO 20022 file rail: files, their documents, and what could not be applied. */
export type BankFileItemStatus = 'OPEN' | 'FILED' | 'ACCEPTED' | 'REJECTED' | 'WITHDRAWN';
export type BankFileStatus =
  'BUILT' | 'SUBMITTED' | 'REFUSED' | 'ACCEPTED' | 'PARTIALLY_ACCEPTED' | 'REJECTED';

export interface BankFileSummary {
  msgId: string;
  paymentInformationId: string;
  /** Masked: country, check digits and the last four characters. */
  debtorAccount: string;
  currency: string;
  executionDate: string;
  numberOfTransactions: number;
  /** Integer minor units of `currency`. */
  controlSumMinor: number;
  status: BankFileStatus;
  bankFileId: string | null;
  refusal: string | null;
  createdAt: string;
  submittedAt: string | null;
  items: Record<BankFileItemStatus, number>;
  reports: number;
}

export interface BankFileReportSummary {
  id: string;
  msgId: string;
  groupStatus: string | null;
  receivedAt: string;
}

export type BankFileAnomalyKind =
  | 'UNKNOWN_FILE'
  | 'UNKNOWN_TRANSACTION'
  | 'CONTRADICTORY_STATUS'
  | 'UNRECOGNISED_STATUS'
  | 'MALFORMED_REPORT';

export interface BankFileAnomaly {
  id: number;
  reportId: string;
  originalMsgId: string | null;
  endToEndId: string | null;
  kind: BankFileAnomalyKind;
  detail: string;
  createdAt: string;
}

export interface BankFileReads {
  files(opts: { limit: number }): Promise<BankFileSummary[]>;
  fileXml(msgId: string): Promise<string | undefined>;
  reportsOf(msgId: string): Promise<BankFileReportSummary[]>;
  reportXml(msgId: string, reportId: string): Promise<string | undefined>;
  anomalies(limit: number): Promise<BankFileAnomaly[]>;
}
