import { payoutReversedByProviderEvent } from '../../domain/payout-reversal-events';
import type { UnitOfWork } from '../../ports/unit-of-work.port';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RecordPayoutReversalDeps {
  uow: UnitOfWork;
  /** The log event's id for a provider event id: the same delivery again finds it already there. */
  eventIdFor: (providerEventId: string) => string;
  now?: () => Date;
}

export interface PayoutReversal {
  provider: string;
  providerEventId: string;
  paymentId: string;
  transferId: string;
  reversedMinor: number;
  currency: string;
}

/**
 * Records a reversal the provider reports on the payment it names, once per provider event
 * (providers deliver an event more than once). A payment we do not have is acknowledged and ignored:
 * the provider would otherwise redeliver it forever.
 */
export async function recordPayoutReversal(
  deps: RecordPayoutReversalDeps,
  r: PayoutReversal,
): Promise<{ recorded: boolean }> {
  const now = deps.now ?? (() => new Date());
  // Metadata anyone with the provider's dashboard can edit: only our payment ids are looked up.
  if (!UUID.test(r.paymentId)) return { recorded: false };
  return deps.uow.run(async (tx) => {
    const payment = await tx.payments.findById(r.paymentId);
    if (!payment) return { recorded: false };
    const id = deps.eventIdFor(r.providerEventId);
    if (await tx.events.has(id)) return { recorded: false };
    await tx.events.append(
      [
        payoutReversedByProviderEvent(
          id,
          {
            paymentId: r.paymentId,
            partnerId: payment.partnerId,
            provider: r.provider,
            transferId: r.transferId,
            reversedMinor: r.reversedMinor,
            currency: r.currency,
            providerEventId: r.providerEventId,
          },
          now(),
        ),
      ],
      { workflowId: null, runId: null },
    );
    return { recorded: true };
  });
}
