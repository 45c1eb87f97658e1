import { PAYOUT_DECLINED, type PayoutProvider } from '../domain/payout-provider.port';
import type { UnitOfWork } from '../domain/payment.repository.port';
import { withDomainFailures } from './activity-failure';
import { providerKeys } from './payment.activities';
import type {
  AskBankForPayoutInput,
  FindUnknownPayoutsInput,
  FindUnknownPayoutsResult,
  PayoutResolution,
} from './payout-janitor.activities.types';

export interface PayoutJanitorActivityDeps {
  uow: UnitOfWork;
  provider: PayoutProvider;
}

/** The bank had nothing under the payout's key and has now closed it: nothing was or will be paid. */
export const PAYOUT_NOT_RECEIVED = 'PAYOUT_NOT_RECEIVED';

/**
 * The janitor's two steps: find the payments whose payout outcome is unknown, and ask the bank,
 * by the payout's own idempotency key, what became of each. Neither changes a payment: the
 * payment's workflow does that, so every transition still goes through one place.
 */
export function createPayoutJanitorActivities(deps: PayoutJanitorActivityDeps) {
  return {
    findUnknownPayouts: ({ limit }: FindUnknownPayoutsInput): Promise<FindUnknownPayoutsResult> =>
      withDomainFailures(async () => ({
        paymentIds: await deps.uow.run((tx) => tx.payments.idsInStatus('PAYOUT_UNKNOWN', limit)),
      })),

    /** A bank that cannot answer throws (retried, then left for the next run): never a guess. */
    askBankForPayout: ({ paymentId }: AskBankForPayoutInput): Promise<PayoutResolution> =>
      withDomainFailures(async () => {
        const outcome = await deps.provider.payoutOutcome(providerKeys.payout(paymentId));
        switch (outcome.kind) {
          case 'PAID':
            return { outcome: 'PAID', payoutReference: outcome.reference };
          case 'DECLINED':
            return { outcome: 'NOT_PAID', code: PAYOUT_DECLINED, reason: outcome.reason };
          case 'NOT_PAID':
            return { outcome: 'NOT_PAID', code: PAYOUT_NOT_RECEIVED, reason: outcome.reason };
        }
      }),
  };
}

export type PayoutJanitorActivities = ReturnType<typeof createPayoutJanitorActivities>;
