import { BankFileErrorCodes, bankFileError } from './bank-file.errors';
import { paymentIdOfEndToEndId } from './iso20022-ids.util';
import { isoXmlReader } from './iso-xml.reader';

/**
 * pain.002.001.11 (CustomerPaymentStatusReportV11): the bank's answer to a pain.001, at group,
 * PmtInf and transaction level. Parsed into plain data; nothing here decides what a status means
 * for a payment beyond `outcomeOf` — applying a report (and raising one that names an unknown
 * transaction or contradicts an earlier one) is the caller's job.
 */

export const PAIN_002_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.11';

/**
 * What a status code means for a payout (ExternalPaymentTransactionStatus1Code):
 *  ACCEPTED  — the bank will execute it or has (ACCP, ACSP, ACSC, ACWC, ACFC, ACWP);
 *  REJECTED  — it will not be paid (RJCT; CANC: cancelled before execution);
 *  PENDING   — not decided yet (PDNG, RCVD, ACTC: only technically valid; PART at group level);
 *  UNRECOGNISED — any other code: to be raised to an operator, never guessed.
 */
export type StatusOutcome = 'ACCEPTED' | 'REJECTED' | 'PENDING' | 'UNRECOGNISED';

const OUTCOMES: Readonly<Record<string, StatusOutcome>> = {
  ACCP: 'ACCEPTED',
  ACSP: 'ACCEPTED',
  ACSC: 'ACCEPTED',
  ACWC: 'ACCEPTED',
  ACFC: 'ACCEPTED',
  ACWP: 'ACCEPTED',
  RJCT: 'REJECTED',
  CANC: 'REJECTED',
  PDNG: 'PENDING',
  RCVD: 'PENDING',
  ACTC: 'PENDING',
  PART: 'PENDING',
};

export const outcomeOf = (status: string): StatusOutcome => OUTCOMES[status] ?? 'UNRECOGNISED';

export interface StatusReason {
  /** ExternalStatusReason1Code (AC01, AC04, AM04, FF01, …), or null when the bank gave a proprietary one. */
  code: string | null;
  proprietary: string | null;
  additionalInformation: string[];
}

export interface TransactionStatus {
  originalEndToEndId: string | null;
  originalInstructionId: string | null;
  /** The payment the EndToEndId names (its UUID), or null when it is not one of our ids. */
  paymentId: string | null;
  /** TxSts as sent, or null when the bank left it to the PmtInf or group status. */
  status: string | null;
  reasons: StatusReason[];
  /** The PmtInf it was reported under. */
  originalPaymentInformationId: string;
}

export interface PaymentInformationStatus {
  originalPaymentInformationId: string;
  originalNumberOfTransactions: number | null;
  originalControlSum: string | null;
  status: string | null;
  reasons: StatusReason[];
  transactions: TransactionStatus[];
}

export interface PaymentStatusReport {
  messageId: string;
  createdAt: string;
  originalMessageId: string;
  /** The original message's name, e.g. "pain.001.001.10". */
  originalMessageNameId: string;
  originalNumberOfTransactions: number | null;
  originalControlSum: string | null;
  groupStatus: string | null;
  groupReasons: StatusReason[];
  paymentInformations: PaymentInformationStatus[];
  /** Every transaction of every PmtInf, in document order. */
  transactions: TransactionStatus[];
}

const malformed = (message: string, details?: Record<string, unknown>) =>
  bankFileError(BankFileErrorCodes.MALFORMED_REPORT, message, details);

const { readDocument, child, list, text, required, count } = isoXmlReader({
  what: 'status report',
  repeated: ['OrgnlPmtInfAndSts', 'TxInfAndSts', 'StsRsnInf', 'AddtlInf', 'NbOfTxsPerSts'],
  malformed,
  missing: (path, name) => `a pain.002 needs ${path}/${name}`,
});

const reasons = (node: unknown): StatusReason[] =>
  list(node, 'StsRsnInf').map((r) => ({
    code: text(child(r, 'Rsn'), 'Cd'),
    proprietary: text(child(r, 'Rsn'), 'Prtry'),
    additionalInformation: list(r, 'AddtlInf').filter((s): s is string => typeof s === 'string'),
  }));

/** Parses a pain.002.001.11; refuses anything else with BANK_FILE.MALFORMED_REPORT or UNSUPPORTED_REPORT. */
export function parsePain002(xml: string): PaymentStatusReport {
  const document = readDocument(xml, (namespace) => {
    if (namespace !== PAIN_002_NAMESPACE) {
      throw bankFileError(BankFileErrorCodes.UNSUPPORTED_REPORT, 'the document is not a pain.002.001.11', {
        namespace,
      });
    }
  });
  const report = child(document, 'CstmrPmtStsRpt');
  if (!report) throw malformed('a pain.002 needs Document/CstmrPmtStsRpt');
  const header = child(report, 'GrpHdr');
  const group = child(report, 'OrgnlGrpInfAndSts');
  if (!header || !group) throw malformed('a pain.002 needs GrpHdr and OrgnlGrpInfAndSts');

  const paymentInformations = list(report, 'OrgnlPmtInfAndSts').map((p, i): PaymentInformationStatus => {
    const path = `OrgnlPmtInfAndSts[${i}]`;
    const originalPaymentInformationId = required(p, 'OrgnlPmtInfId', path);
    return {
      originalPaymentInformationId,
      originalNumberOfTransactions: count(p, 'OrgnlNbOfTxs', path),
      originalControlSum: text(p, 'OrgnlCtrlSum'),
      status: text(p, 'PmtInfSts'),
      reasons: reasons(p),
      transactions: list(p, 'TxInfAndSts').map((t) => {
        const originalEndToEndId = text(t, 'OrgnlEndToEndId');
        return {
          originalEndToEndId,
          originalInstructionId: text(t, 'OrgnlInstrId'),
          paymentId: originalEndToEndId === null ? null : paymentIdOfEndToEndId(originalEndToEndId),
          status: text(t, 'TxSts'),
          reasons: reasons(t),
          originalPaymentInformationId,
        };
      }),
    };
  });

  return {
    messageId: required(header, 'MsgId', 'GrpHdr'),
    createdAt: required(header, 'CreDtTm', 'GrpHdr'),
    originalMessageId: required(group, 'OrgnlMsgId', 'OrgnlGrpInfAndSts'),
    originalMessageNameId: required(group, 'OrgnlMsgNmId', 'OrgnlGrpInfAndSts'),
    originalNumberOfTransactions: count(group, 'OrgnlNbOfTxs', 'OrgnlGrpInfAndSts'),
    originalControlSum: text(group, 'OrgnlCtrlSum'),
    groupStatus: text(group, 'GrpSts'),
    groupReasons: reasons(group),
    paymentInformations,
    transactions: paymentInformations.flatMap((p) => p.transactions),
  };
}

/**
 * The status a report gives one transaction of the original file: its own TxSts, else its PmtInf's
 * status, else the group's — a PART (partially accepted) level says nothing about a single
 * transaction and is skipped. Null when the report says nothing about it. EndToEndIds compare
 * without case (some bank systems upper-case what they echo).
 */
export function transactionStatusIn(
  report: PaymentStatusReport,
  ref: { endToEndId: string; paymentInformationId: string },
): { status: string; reasons: StatusReason[] } | null {
  const pmtInf = report.paymentInformations.find(
    (p) => p.originalPaymentInformationId === ref.paymentInformationId,
  );
  const endToEndId = ref.endToEndId.toLowerCase();
  const tx = pmtInf?.transactions.find((t) => t.originalEndToEndId?.toLowerCase() === endToEndId);
  if (tx?.status) return { status: tx.status, reasons: tx.reasons };
  if (pmtInf?.status && pmtInf.status !== 'PART') return { status: pmtInf.status, reasons: pmtInf.reasons };
  if (report.groupStatus && report.groupStatus !== 'PART') {
    return { status: report.groupStatus, reasons: report.groupReasons };
  }
  return null;
}
