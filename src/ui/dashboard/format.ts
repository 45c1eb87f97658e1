/** Display helpers shared by the views; the locale is the browser's, so operators read their own formats. */

export const shortId = (id: string): string => id.slice(0, 8);

// A 24-hour clock everywhere: an operations log reads unambiguously without AM/PM.
const timeOnly = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
const dateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

export function formatWhen(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toDateString() === now.toDateString() ? timeOnly.format(d) : dateTime.format(d);
}

const STATUS_LABELS: Record<string, string> = {
  PENDING: 'Pending',
  AWAITING_APPROVAL: 'Awaiting approval',
  PROCESSING: 'Processing',
  // Operators must see at once that these need them (or the janitor): plain words, no jargon.
  PAYOUT_UNKNOWN: 'Payout unknown',
  COMPENSATION_FAILED: 'Compensation failed',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  REJECTED: 'Rejected',
  CANCELLED: 'Cancelled',
  REFUNDED: 'Refunded',
  // The bank sent the payout back (a camt return): its commissions are paid again by a later run.
  RETURNED: 'Returned by bank',
  // Settlement runs, and a payout whose payment is not in the read model yet.
  RUNNING: 'Running',
  RELEASED: 'Released',
  // A run whose workflow failed, was terminated or timed out while it was recorded as running.
  STOPPED: 'Stopped',
  NOT_RECORDED: 'Not recorded',
  // A settlement run's approval.
  AWAITING: 'Awaiting',
  APPROVED: 'Approved',
  EXPIRED: 'Expired',
  // ISO 20022 bank files: the file as the bank answered it, and each transfer in it.
  BUILT: 'Built',
  SUBMITTED: 'Submitted',
  REFUSED: 'Refused',
  ACCEPTED: 'Accepted',
  PARTIALLY_ACCEPTED: 'Partially accepted',
  OPEN: 'Open',
  FILED: 'Filed',
  WITHDRAWN: 'Withdrawn',
  // A payout attempt at one provider.
  SENT: 'Sent',
  PAID: 'Paid',
  DECLINED: 'Declined',
  // Reconciliation: a payout by what the bank's statements said, and an exception's state.
  BOOKED: 'Booked',
  AWAITING_STATEMENT: 'Awaiting statement',
  AWAITING_SECOND_APPROVAL: 'Awaiting 2nd operator',
  RESOLVED: 'Resolved',
};

export const statusLabel = (status: string): string => STATUS_LABELS[status] ?? status;

/** `PaymentAwaitingApproval` → `Payment awaiting approval`. */
export function eventLabel(type: string): string {
  const spaced = type.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  return spaced.charAt(0) + spaced.slice(1).toLowerCase();
}
