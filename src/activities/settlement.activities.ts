import { periodCutoff } from '../domain/settlement-period';
import type { PayoutMinimums } from '../domain/payout-minimums.value-object';
import { RUN_FINISHED_PAYMENT_STATUSES } from '../domain/payment-status';
import type { UnitOfWork } from '../ports/unit-of-work.port';
import { settlementEvent, type SettlementEventData } from '../domain/settlement-events';
import { planSettlement } from '../domain/settlement-plan';
import type { SettlementItem, SettlementRun } from '../ports/settlement-repository.port';
import { DomainError, ErrorCodes } from '../domain/domain-error';
import { withDomainFailures } from './activity-failure';
import { executionMeta } from './execution-meta';
import type {
  CompleteSettlementInput,
  CompleteSettlementResult,
  PlanSettlementInput,
  PlanSettlementResult,
  SettlementPageInput,
  SettlementPageResult,
  SettlementProgressInput,
  SettlementProgressResult,
} from './settlement.activities.types';

export interface SettlementActivityDeps {
  uow: UnitOfWork;
  minimums: PayoutMinimums;
  /** Largest single payment (PAYMENT_MAX_AMOUNT_MINOR), or the largest safe integer. */
  maxPaymentMinor: number;
  /** Deterministic: a re-planned (retried) run names the same payments, so none is started twice. */
  paymentIdFor: (settlementId: string, partnerId: string, currency: string) => string;
  clock?: () => Date;
}

/** Payment statuses after which a payout needs nothing more from its run (see the domain's list). */
export const FINISHED_PAYMENT_STATUSES: readonly string[] = RUN_FINISHED_PAYMENT_STATUSES;

const summarise = (
  run: SettlementRun,
): Pick<SettlementEventData, 'settlementId' | 'periodEnd' | 'currency' | 'itemCount' | 'skippedCount'> => ({
  settlementId: run.id,
  periodEnd: run.periodEnd,
  currency: run.currency,
  itemCount: run.itemCount,
  skippedCount: run.skippedCount,
});

/**
 * A settlement run's database steps. Planning is one transaction: claim every payable entry of the
 * period, sum per partner and currency, decide with the domain's planner, give back what is not
 * paid this time, and record one item per payout with its payment's id.
 */
export function createSettlementActivities(deps: SettlementActivityDeps) {
  const now = deps.clock ?? (() => new Date());
  const finishedOf = (byStatus: Record<string, number>): number =>
    FINISHED_PAYMENT_STATUSES.reduce((sum, s) => sum + (byStatus[s] ?? 0), 0);

  return {
    async planSettlementRun(input: PlanSettlementInput): Promise<PlanSettlementResult> {
      const cutoff = periodCutoff(input.periodEnd);
      return withDomainFailures(() =>
        deps.uow.run(async (tx) => {
          const existing = await tx.settlements.find(input.settlementId);
          if (existing) return { ...summarise(existing), totals: {} };
          const at = now();
          const run: SettlementRun = {
            id: input.settlementId,
            periodEnd: input.periodEnd,
            currency: input.currency,
            status: 'RUNNING',
            trigger: input.trigger,
            startedBy: input.startedBy,
            itemCount: 0,
            skippedCount: 0,
            createdAt: at.toISOString(),
            updatedAt: at.toISOString(),
            completedAt: null,
          };
          await tx.settlements.create(run);
          await tx.settlements.claimPayable({
            settlementId: run.id,
            cutoff,
            currency: input.currency,
            now: run.createdAt,
          });
          const plan = planSettlement(await tx.settlements.claimedBalances(run.id), {
            minimums: deps.minimums,
            maxPaymentMinor: deps.maxPaymentMinor,
          });
          await tx.settlements.release(run.id, plan.skipped, run.createdAt);
          const items: SettlementItem[] = [
            ...plan.payouts.map((p, i) => ({
              seq: i + 1,
              partnerId: p.partnerId,
              currency: p.currency,
              paymentId: deps.paymentIdFor(run.id, p.partnerId, p.currency),
              netMinor: String(p.netMinor),
              commissionCount: p.commissionCount,
              clawbackCount: p.clawbackCount,
              skipReason: null,
              skipDetail: null,
            })),
            ...plan.skipped.map((s, i) => ({
              seq: plan.payouts.length + i + 1,
              partnerId: s.partnerId,
              currency: s.currency,
              paymentId: null,
              netMinor: s.netMinor,
              commissionCount: s.commissionCount,
              clawbackCount: s.clawbackCount,
              skipReason: s.reason,
              skipDetail: s.detail,
            })),
          ];
          await tx.settlements.recordItems(run.id, items, run.createdAt);
          run.itemCount = plan.payouts.length;
          run.skippedCount = plan.skipped.length;
          await tx.settlements.update(run);
          await tx.events.append(
            [
              settlementEvent(
                'SettlementStarted',
                { ...summarise(run), totals: plan.totals, trigger: run.trigger, startedBy: run.startedBy },
                at,
              ),
            ],
            executionMeta(),
          );
          return { ...summarise(run), totals: plan.totals };
        }),
      );
    },

    loadSettlementPage(input: SettlementPageInput): Promise<SettlementPageResult> {
      return deps.uow.run(async (tx) => ({
        items: (await tx.settlements.payoutPage(input.settlementId, input.afterSeq, input.limit)).map(
          (i) => ({
            seq: i.seq,
            partnerId: i.partnerId,
            currency: i.currency,
            paymentId: i.paymentId!,
            netMinor: Number(i.netMinor),
          }),
        ),
      }));
    },

    settlementProgress(input: SettlementProgressInput): Promise<SettlementProgressResult> {
      return deps.uow.run(async (tx) => {
        const byStatus = await tx.settlements.payoutStatusCounts(input.settlementId);
        const finished = finishedOf(byStatus);
        const reported = finished >= input.reportAtFinished;
        if (reported) {
          await tx.events.append(
            [
              settlementEvent(
                'SettlementProgress',
                {
                  settlementId: input.settlementId,
                  periodEnd: input.periodEnd,
                  currency: input.currency,
                  itemCount: input.itemCount,
                  skippedCount: input.skippedCount,
                  finishedCount: finished,
                  byStatus,
                },
                now(),
              ),
            ],
            executionMeta(),
          );
        }
        return { byStatus, finished, awaitingApproval: byStatus.AWAITING_APPROVAL ?? 0, reported };
      });
    },

    completeSettlementRun(input: CompleteSettlementInput): Promise<CompleteSettlementResult> {
      return withDomainFailures(() =>
        deps.uow.run(async (tx) => {
          const run = await tx.settlements.find(input.settlementId);
          if (!run) {
            throw new DomainError(
              ErrorCodes.SETTLEMENT_NOT_FOUND,
              `settlement ${input.settlementId} not found`,
            );
          }
          const byStatus = await tx.settlements.payoutStatusCounts(run.id);
          if (run.status !== 'COMPLETED') {
            const at = now();
            run.status = 'COMPLETED';
            run.completedAt = at.toISOString();
            run.updatedAt = run.completedAt;
            await tx.settlements.update(run);
            await tx.events.append(
              [
                settlementEvent(
                  'SettlementCompleted',
                  { ...summarise(run), finishedCount: finishedOf(byStatus), byStatus },
                  at,
                ),
              ],
              executionMeta(),
            );
          }
          return { settlementId: run.id, byStatus, completedAt: run.completedAt! };
        }),
      );
    },
  };
}

export type SettlementActivities = ReturnType<typeof createSettlementActivities>;
