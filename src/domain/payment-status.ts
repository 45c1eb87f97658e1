/** A payment's lifecycle states; shared by the aggregate and its events. */
export const PAYMENT_STATUSES = [
  'PENDING',
  'AWAITING_APPROVAL',
  'PROCESSING',
  // The bank may or may not have paid (timeouts, a lost answer): never guessed, resolved by the janitor.
  'PAYOUT_UNKNOWN',
  'COMPLETED',
  'FAILED',
  'REJECTED',
  'CANCELLED',
  'REFUNDED',
  // Paid out, and the bank sent the money back (a camt return: account closed…): the commissions
  // are owed again and paid by a later run, so nothing more happens to this payment.
  'RETURNED',
  // Paid out, a later step failed and giving the payout back failed too: an operator must act.
  'COMPENSATION_FAILED',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Terminal statuses: nothing can happen to the payment any more. COMPLETED is settled but still refundable. */
export const FINAL_PAYMENT_STATUSES: readonly PaymentStatus[] = [
  'FAILED',
  'REJECTED',
  'CANCELLED',
  'REFUNDED',
  'RETURNED',
];

/**
 * Statuses after which a payout needs nothing more from its settlement run. COMPENSATION_FAILED is
 * one: its workflow has ended and only an operator settles it with the bank (it alerts on its own),
 * so a run waiting for it would never finish. PAYOUT_UNKNOWN is not: the janitor resolves it.
 */
export const RUN_FINISHED_PAYMENT_STATUSES: readonly PaymentStatus[] = [
  'COMPLETED',
  ...FINAL_PAYMENT_STATUSES,
  'COMPENSATION_FAILED',
];

/**
 * A run's payouts that need nothing more from it: their payment finished (above), or RELEASED — a
 * payout an operator gave back before it started (it never had a payment).
 */
export const RUN_FINISHED_PAYOUT_STATUSES: readonly string[] = [...RUN_FINISHED_PAYMENT_STATUSES, 'RELEASED'];

export const isPaymentStatus = (value: unknown): value is PaymentStatus =>
  typeof value === 'string' && (PAYMENT_STATUSES as readonly string[]).includes(value);
