import { FINAL_PAYMENT_STATUSES, type PaymentStatus } from './payment-status';

/** Where a payment's workflow is, as Temporal says (the latest run of `payment:<id>`). */
export type PaymentExecutionStatus =
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'TERMINATED'
  | 'TIMED_OUT'
  | 'CANCELLED'
  | 'CONTINUED_AS_NEW'
  | 'NOT_FOUND';

/**
 * An orphan: the payment's workflow has ended while the payment has not, so nothing will move it
 * again (no approval, payout, janitor answer or refund reaches it). A COMPLETED payment counts when
 * its workflow ended other than by finishing its refund window. Found by the janitor, repaired by
 * starting a new run that resumes from the recorded state.
 */
export function isOrphaned(payment: PaymentStatus, execution: PaymentExecutionStatus): boolean {
  if (execution === 'RUNNING' || execution === 'CONTINUED_AS_NEW') return false;
  if (FINAL_PAYMENT_STATUSES.includes(payment) || payment === 'COMPENSATION_FAILED') return false;
  if (payment === 'COMPLETED') return execution !== 'COMPLETED';
  return true;
}
