import { DomainError } from '../../../domain/domain-error';

/**
 * Stable codes of the ISO 20022 file layer (pain.001 out, pain.002 in). Callers branch on `code`,
 * never on the message: like domain-error.ts's, these strings are a contract.
 */
export const BankFileErrorCodes = {
  /** An account that is not a valid IBAN (checksum, country length and BBAN format, by ibantools). */
  INVALID_IBAN: 'BANK_FILE.INVALID_IBAN',
  /** A BIC that is not a valid ISO 9362 BIC (by ibantools). */
  INVALID_BIC: 'BANK_FILE.INVALID_BIC',
  /** A local (non-IBAN) account number that is empty or longer than ISO's 34 characters. */
  INVALID_ACCOUNT: 'BANK_FILE.INVALID_ACCOUNT',
  /** An amount that is not a positive integer number of minor units. */
  INVALID_AMOUNT: 'BANK_FILE.INVALID_AMOUNT',
  /** An amount or a control sum with more than the 18 digits ISO 20022 amounts allow. */
  AMOUNT_TOO_LARGE: 'BANK_FILE.AMOUNT_TOO_LARGE',
  /** A payment id that is not a UUID (its 32 hex digits are the EndToEndId). */
  INVALID_PAYMENT_ID: 'BANK_FILE.INVALID_PAYMENT_ID',
  /** The same payment twice in one batch. */
  DUPLICATE_PAYMENT: 'BANK_FILE.DUPLICATE_PAYMENT',
  /** A batch with no transfers. */
  EMPTY_BATCH: 'BANK_FILE.EMPTY_BATCH',
  /** A name or reference that is empty, too long for its ISO field, or holds control characters. */
  INVALID_TEXT: 'BANK_FILE.INVALID_TEXT',
  /** An execution date that is not a calendar date (YYYY-MM-DD), or a creation time that is not a time. */
  INVALID_DATE: 'BANK_FILE.INVALID_DATE',
  /** A status report that is not well-formed XML or lacks what a pain.002 must carry. */
  MALFORMED_REPORT: 'BANK_FILE.MALFORMED_REPORT',
  /** A well-formed document that is not a pain.002.001.11 status report. */
  UNSUPPORTED_REPORT: 'BANK_FILE.UNSUPPORTED_REPORT',
  /** The bank refused a file whole (schema or content): it is not sent again as is. */
  FILE_REFUSED: 'BANK_FILE.FILE_REFUSED',
  /** A MsgId a transport cannot use as a file name (only letters, digits and dashes, ≤ 35). */
  INVALID_MESSAGE_ID: 'BANK_FILE.INVALID_MESSAGE_ID',
} as const;

export type BankFileErrorCode = (typeof BankFileErrorCodes)[keyof typeof BankFileErrorCodes];

/** A DomainError (so isDomainError and the problem+json mapping treat it as any business error). */
export const bankFileError = (
  code: BankFileErrorCode,
  message: string,
  details?: Record<string, unknown>,
): DomainError => new DomainError(code, message, details);

/** An account for messages and error details: its last four characters only ("****3000"). */
export const maskAccount = (account: string): string => `****${account.replace(/\s+/g, '').slice(-4)}`;
