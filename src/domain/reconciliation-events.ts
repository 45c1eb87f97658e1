import { newEventId, type DomainEvent } from './domain-event';

/**
 * The bank returned a payout (camt.054 notice or a camt.053 credit with RtrInf): the money came
 * back, the payment's commissions are owed again. The payment's status is not changed here (the
 * workflow owns it); its reconciliation state is RETURNED.
 */
export type PaymentReturnedData = {
  paymentId: string;
  partnerId: string;
  amountMinor: number;
  currency: string;
  /** ISO return reason code (AC04, MD07, …), or null for a proprietary one. */
  returnCode: string | null;
  reason: string;
  /** The bank's entry (AcctSvcrRef) that returned it. */
  entryRef: string;
  /** Commissions given back to PAYABLE. */
  commissionsReleased: number;
};

export function paymentReturnedEvent(
  data: PaymentReturnedData,
  now: Date,
): DomainEvent<'PaymentReturned', PaymentReturnedData> {
  return {
    id: newEventId(),
    type: 'PaymentReturned',
    occurredAt: now.toISOString(),
    aggregate: { type: 'Payment', id: data.paymentId },
    partnerId: data.partnerId,
    data,
  };
}
