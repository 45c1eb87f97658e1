/**
 * How bank files travel: a pain.001 to the bank, pain.002 status reports back. A file is submitted
 * at most once: its MsgId is deterministic (the same batch gives the same id), and a transport
 * refuses a second submission of an id, answering `duplicate` instead of sending it again.
 *
 * Errors: a file the bank refuses whole (malformed) is a DomainError `BANK_FILE.FILE_REFUSED`, never
 * retried as is; anything else (5xx, timeouts, a refused connection, a full disk) is transient and
 * the same file may be submitted again, where `duplicate` then says it had got through.
 */

export interface OutgoingBankFile {
  /** GrpHdr/MsgId of the pain.001. */
  msgId: string;
  xml: string;
}

export type SubmitResult =
  | {
      kind: 'accepted';
      msgId: string;
      /** The bank's id for the file, when the channel gives one. */ fileId: string | null;
    }
  | { kind: 'duplicate'; msgId: string; detail: string };

export interface IncomingBankReport {
  /** The channel's id of the report (two deliveries of one pain.002 have two ids). */
  id: string;
  xml: string;
}

export interface ReportBatch {
  reports: IncomingBankReport[];
  /** Where the next fetch continues; null while nothing was ever fetched. */
  cursor: string | null;
}

export interface BankFileTransport {
  submit(file: OutgoingBankFile): Promise<SubmitResult>;
  /** Reports after `cursor` (null: from the first), oldest first. */
  fetchReports(cursor: string | null): Promise<ReportBatch>;
}
