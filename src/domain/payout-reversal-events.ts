import type { DomainEvent } from './domain-event';

/**
 * The provider reversed a payout it had made (Stripe: `transfer.reversed`): the money went back to
 * the platform. Recorded on the payment for operators; its status is the workflow's to change.
 */
export type PayoutReversedByProviderData = {
  paymentId: string;
  partnerId: string;
  provider: string;
  /** The provider's id of the reversed payout (a Stripe transfer). */
  transferId: string;
  /** Everything reversed so far, cumulative (integer minor units of `currency`). */
  reversedMinor: number;
  currency: string;
  /** The provider's event id: one provider event is recorded once. */
  providerEventId: string;
};

export function payoutReversedByProviderEvent(
  id: string,
  data: PayoutReversedByProviderData,
  now: Date,
): DomainEvent<'PayoutReversedByProvider', PayoutReversedByProviderData> {
  return {
    id,
    type: 'PayoutReversedByProvider',
    occurredAt: now.toISOString(),
    aggregate: { type: 'Payment', id: data.paymentId },
    partnerId: data.partnerId,
    data,
  };
}
