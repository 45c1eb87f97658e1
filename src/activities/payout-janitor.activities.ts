import { log } from '@temporalio/activity';
import { isOrphaned } from '../domain/payment-orphan';
import { PAYOUT_DECLINED, type PayoutProvider } from '../ports/payout-provider.port';
import type { PaymentExecutions } from '../ports/payment-executions.port';
import type { OrphanFinding, PaymentOrphanStore } from '../ports/payment-orphan.port';
import type { UnitOfWork } from '../ports/unit-of-work.port';
import { withDomainFailures } from './activity-failure';
import { providerKeys } from './payment.activities';
import type {
  AskBankForPayoutInput,
  FindOrphanedPaymentsInput,
  FindOrphanedPaymentsResult,
  FindUnknownPayoutsInput,
  FindUnknownPayoutsResult,
  PayoutResolution,
} from './payout-janitor.activities.types';

export interface PayoutJanitorActivityDeps {
  uow: UnitOfWork;
  provider: PayoutProvider;
  /** The engine's view of payment workflows, compared with the read model to find orphans. */
  executions: PaymentExecutions;
  orphans: PaymentOrphanStore;
  clock?: () => Date;
}

/** The bank had nothing under the payout's key and has now closed it: nothing was or will be paid. */
export const PAYOUT_NOT_RECEIVED = 'PAYOUT_NOT_RECEIVED';

/**
 * The janitor's two steps: find the payments whose payout outcome is unknown, and ask the bank,
 * by the payout's own idempotency key, what became of each. Neither changes a payment: the
 * payment's workflow does that, so every transition still goes through one place.
 */
export function createPayoutJanitorActivities(deps: PayoutJanitorActivityDeps) {
  const now = deps.clock ?? (() => new Date());
  return {
    /**
     * Compares the read model with Temporal: payment workflows that closed other than by
     * completing, and the orphans already known, are looked at again; a payment whose workflow has
     * ended while it has not is recorded (and logged at error when new). Changes no payment.
     */
    findOrphanedPayments: ({ limit }: FindOrphanedPaymentsInput): Promise<FindOrphanedPaymentsResult> =>
      withDomainFailures(async () => {
        const [closed, known] = await Promise.all([
          deps.executions.closedUnsuccessfully(limit),
          deps.orphans.open(limit),
        ]);
        const ids = [...new Set([...closed.map((c) => c.paymentId), ...known.map((k) => k.paymentId)])];
        const found: OrphanFinding[] = [];
        const checked: string[] = [];
        for (const paymentId of ids) {
          const payment = await deps.uow.run((tx) => tx.payments.findById(paymentId));
          // A workflow of another deployment on the same namespace (or a payment never recorded).
          if (!payment) continue;
          checked.push(paymentId);
          const execution = await deps.executions.current(paymentId);
          if (!isOrphaned(payment.status, execution.status)) continue;
          found.push({
            paymentId,
            paymentStatus: payment.status,
            workflowStatus: execution.status,
            workflowRunId: execution.runId,
            closedAt: execution.closedAt,
          });
        }
        const { added } = await deps.orphans.reconcile(found, checked, now());
        for (const f of found.filter((x) => added.includes(x.paymentId))) {
          log.error(
            'payment orphaned: its workflow has ended while the payment has not (POST /payments/:id/recover)',
            {
              paymentId: f.paymentId,
              paymentStatus: f.paymentStatus,
              workflowStatus: f.workflowStatus,
            },
          );
        }
        return { orphaned: found.length, added: added.length };
      }),

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
