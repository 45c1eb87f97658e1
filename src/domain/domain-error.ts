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
  PAYMENT_NON_POSITIVE_TOTAL: 'PAYMENT.NON_POSITIVE_TOTAL',
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
  PARTNER_PAYOUT_HOLD: 'PARTNER.PAYOUT_HOLD',
  PARTNER_ALREADY_ON_HOLD: 'PARTNER.ALREADY_ON_HOLD',
  PARTNER_NOT_ON_HOLD: 'PARTNER.NOT_ON_HOLD',
  PARTNER_INVALID_HOLD_REASON: 'PARTNER.INVALID_HOLD_REASON',
  /** Extra (not in the original list): only reachable when untyped input bypasses PartnerStatus. */
  PARTNER_INVALID_STATUS: 'PARTNER.INVALID_STATUS',

  // Commission ledger: accrual, reversal and clawback of individual commissions.
  COMMISSION_INVALID_REFERENCE: 'COMMISSION.INVALID_REFERENCE',
  COMMISSION_INVALID_PARTNER: 'COMMISSION.INVALID_PARTNER',
  COMMISSION_NON_POSITIVE_AMOUNT: 'COMMISSION.NON_POSITIVE_AMOUNT',
  COMMISSION_INVALID_DESCRIPTION: 'COMMISSION.INVALID_DESCRIPTION',
  COMMISSION_INVALID_OCCURRED_AT: 'COMMISSION.INVALID_OCCURRED_AT',
  COMMISSION_INVALID_HOLD: 'COMMISSION.INVALID_HOLD',
  COMMISSION_INVALID_REASON: 'COMMISSION.INVALID_REASON',
  COMMISSION_INVALID_TRANSITION: 'COMMISSION.INVALID_TRANSITION',
  COMMISSION_NOT_REVERSIBLE: 'COMMISSION.NOT_REVERSIBLE',
  COMMISSION_ALREADY_REVERSED: 'COMMISSION.ALREADY_REVERSED',
  /** Same externalRef submitted again with a different body (idempotency conflict, HTTP 422). */
  COMMISSION_EXTERNAL_REF_CONFLICT: 'COMMISSION.EXTERNAL_REF_CONFLICT',
  COMMISSION_NOT_FOUND: 'COMMISSION.NOT_FOUND',

  // Settlement planning: configuration and the balances handed to the planner.
  SETTLEMENT_INVALID_MINIMUMS: 'SETTLEMENT.INVALID_MINIMUMS',
  SETTLEMENT_INVALID_PERIOD: 'SETTLEMENT.INVALID_PERIOD',
  SETTLEMENT_NOT_FOUND: 'SETTLEMENT.NOT_FOUND',
  SETTLEMENT_ALREADY_EXISTS: 'SETTLEMENT.ALREADY_EXISTS',
  SETTLEMENT_INVALID_MAXIMUM: 'SETTLEMENT.INVALID_MAXIMUM',
  SETTLEMENT_INVALID_BALANCE: 'SETTLEMENT.INVALID_BALANCE',
  SETTLEMENT_DUPLICATE_BALANCE: 'SETTLEMENT.DUPLICATE_BALANCE',
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
