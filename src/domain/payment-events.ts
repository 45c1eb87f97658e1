import type { CommissionLineProps } from './commission-line.value-object';
import type { DomainEvent } from './domain-event';
import type { PaymentStatus } from './payment-status';

export const PAYMENT_EVENT_TYPES = [
  'PaymentCreated',
  'PaymentAwaitingApproval',
  'PaymentApproved',
  'PaymentRejected',
  'PaymentProcessing',
  'PaymentCompleted',
  'PaymentFailed',
  'PaymentCancelled',
  'PaymentRefunded',
  'PaymentReturned',
  'PaymentPayoutUnknown',
  'PaymentCompensationFailed',
] as const satisfies readonly PaymentEventType[];

export type PaymentEventType =
  | 'PaymentCreated'
  | 'PaymentAwaitingApproval'
  | 'PaymentApproved'
  | 'PaymentRejected'
  | 'PaymentProcessing'
  | 'PaymentCompleted'
  | 'PaymentFailed'
  | 'PaymentCancelled'
  | 'PaymentRefunded'
  | 'PaymentReturned'
  | 'PaymentPayoutUnknown'
  | 'PaymentCompensationFailed';

/**
 * Payload of every payment event. A type alias (not an interface) so it stays assignable to
 * `Record<string, unknown>`, i.e. to the generic DomainEvent the event log accepts.
 */
export type PaymentEventData = {
  paymentId: string;
  partnerId: string;
  /** Status after the event. */
  status: PaymentStatus;
  /** Payment total in minor units. */
  amountMinor: number;
  currency: string;
  /** Aggregate version after the event; lets consumers order and de-duplicate. */
  version: number;
  actor?: string;
  reason?: string | null;
  payoutReference?: string;
  refundReference?: string;
  createdBy?: string;
  lines?: CommissionLineProps[];
  /** PaymentReturned: the ISO return reason code (AC04, MD07, …), null for a proprietary one. */
  returnCode?: string | null;
  /** PaymentReturned: the bank's entry (AcctSvcrRef) that brought the money back. */
  entryRef?: string;
  /** PaymentReturned: how many settled commissions went back to PAYABLE. */
  commissionsReleased?: number;
};

export type PaymentDomainEvent = DomainEvent<PaymentEventType, PaymentEventData>;
