/**
 * Stable error codes. Callers (API, workflows) branch on `code`, never on the message,
 * so these strings are part of the public contract and must not change.
 */
export const ErrorCodes = {
  MONEY_INVALID_AMOUNT: 'MONEY.INVALID_AMOUNT',
  MONEY_UNKNOWN_CURRENCY: 'MONEY.UNKNOWN_CURRENCY',
  MONEY_CURRENCY_MISMATCH: 'MONEY.CURRENCY_MISMATCH',
  MONEY_OVERFLOW: 'MONEY.OVERFLOW',
  MONEY_TOO_MANY_DECIMALS: 'MONEY.TOO_MANY_DECIMALS',

  LINE_INVALID_REFERENCE: 'LINE.INVALID_REFERENCE',
  LINE_INVALID_DESCRIPTION: 'LINE.INVALID_DESCRIPTION',
  LINE_NON_POSITIVE_AMOUNT: 'LINE.NON_POSITIVE_AMOUNT',

  PAYMENT_NO_LINES: 'PAYMENT.NO_LINES',
  PAYMENT_LINE_CURRENCY_MISMATCH: 'PAYMENT.LINE_CURRENCY_MISMATCH',
  PAYMENT_DUPLICATE_LINE_REFERENCE: 'PAYMENT.DUPLICATE_LINE_REFERENCE',
  PAYMENT_TOTAL_MISMATCH: 'PAYMENT.TOTAL_MISMATCH',
  PAYMENT_ABOVE_MAXIMUM: 'PAYMENT.ABOVE_MAXIMUM',
  PAYMENT_INVALID_TRANSITION: 'PAYMENT.INVALID_TRANSITION',
  PAYMENT_NOT_CANCELLABLE: 'PAYMENT.NOT_CANCELLABLE',
  PAYMENT_NOT_REFUNDABLE: 'PAYMENT.NOT_REFUNDABLE',
  PAYMENT_NOT_FOUND: 'PAYMENT.NOT_FOUND',
  PARTNER_NOT_FOUND: 'PARTNER.NOT_FOUND',
  PAYMENT_NOT_AWAITING_APPROVAL: 'PAYMENT.NOT_AWAITING_APPROVAL',
  PAYMENT_FOUR_EYES_VIOLATION: 'PAYMENT.FOUR_EYES_VIOLATION',
  PAYMENT_ALREADY_SETTLED: 'PAYMENT.ALREADY_SETTLED',

  PARTNER_INVALID_NAME: 'PARTNER.INVALID_NAME',
  PARTNER_INVALID_EMAIL: 'PARTNER.INVALID_EMAIL',
  PARTNER_INVALID_PAYOUT_ACCOUNT: 'PARTNER.INVALID_PAYOUT_ACCOUNT',
  PARTNER_INVALID_WEBHOOK_URL: 'PARTNER.INVALID_WEBHOOK_URL',
  PARTNER_SUSPENDED: 'PARTNER.SUSPENDED',
  /** Extra (not in the original list): only reachable when untyped input bypasses PartnerStatus. */
  PARTNER_INVALID_STATUS: 'PARTNER.INVALID_STATUS',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** An expected, business-level failure. Anything else thrown from the domain is a bug. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  toJSON(): { name: string; code: string; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { name: this.name, code: this.code, message: this.message }
      : { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/**
 * `instanceof` alone fails when the error crosses a realm (e.g. the Temporal workflow sandbox
 * loads its own copy of this module), so fall back to a structural check.
 */
export const isDomainError = (e: unknown): e is DomainError => {
  if (e instanceof DomainError) return true;
  if (typeof e !== 'object' || e === null) return false;
  const candidate = e as { name?: unknown; code?: unknown; message?: unknown };
  return (
    candidate.name === 'DomainError' &&
    typeof candidate.code === 'string' &&
    typeof candidate.message === 'string'
  );
};
