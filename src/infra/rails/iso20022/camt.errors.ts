import { DomainError } from '../../../domain/domain-error';

/**
 * Stable codes of the statements we read (camt.053 end-of-day statements, camt.054 notices).
 * Callers branch on `code`, never on the message. A document refused with one of them is refused
 * whole: nothing of it is to be applied.
 */
export const CamtErrorCodes = {
  /** Not well-formed XML, a DOCTYPE, or a document that lacks what its message must carry. */
  MALFORMED_STATEMENT: 'BANK_FILE.MALFORMED_STATEMENT',
  /** A well-formed document that is neither a camt.053.001.08 nor a camt.054.001.08. */
  UNSUPPORTED_STATEMENT: 'BANK_FILE.UNSUPPORTED_STATEMENT',
  /** An amount that is not a decimal, has more decimals than its currency, or names no known currency. */
  INVALID_STATEMENT_AMOUNT: 'BANK_FILE.INVALID_STATEMENT_AMOUNT',
} as const;

export type CamtErrorCode = (typeof CamtErrorCodes)[keyof typeof CamtErrorCodes];

/** A DomainError, as every bank-file error is (isDomainError and problem+json treat it alike). */
export const camtError = (
  code: CamtErrorCode,
  message: string,
  details?: Record<string, unknown>,
): DomainError => new DomainError(code, message, details);
