import { Context } from '@temporalio/activity';
import { periodCutoff } from '../domain/settlement-period';
import type { PayoutMinimums } from '../domain/payout-minimums.value-object';
import { RUN_FINISHED_PAYOUT_STATUSES } from '../domain/payment-status';
import type { SettlementPayoutStarter } from '../ports/settlement-payout-starter.port';
import type { TransactionScope, UnitOfWork } from '../ports/unit-of-work.port';
import { nameBasedUuid } from '../shared/name-based-uuid';
import { settlementEvent, type SettlementEventData } from '../domain/settlement-events';
import { planSettlement, type SettlementPolicy } from '../domain/settlement-plan';
import { fixableSkips, skippedInSettlementEvent } from '../domain/partner-action-notices';
import type { SettlementItem, SettlementRun } from '../ports/settlement-repository.port';
import { DomainError, ErrorCodes } from '../domain/domain-error';
import {
  decideRunApproval,
  expireRunApproval,
  runApprovalReasons,
  type RunApproval,
} from '../domain/settlement-approval';
import { withDomainFailures } from './activity-failure';
import { executionMeta } from './execution-meta';
import type {
  ClaimSettlementPeriodInput,
  CompleteSettlementInput,
  CompleteSettlementResult,
  DecideSettlementRunInput,
  DecideSettlementRunResult,
  PlanSettlementInput,
  PlanSettlementResult,
  SettlementPageInput,
  SettlementPageResult,
  SettlementProgressInput,
  SettlementProgressResult,
  StartSettlementPayoutsInput,
  StartSettlementPayoutsResult,
} from './settlement.activities.types';

export interface SettlementActivityDeps {
  uow: UnitOfWork;
  minimums: PayoutMinimums;
  /** Largest single payment (PAYMENT_MAX_AMOUNT_MINOR), or the largest safe integer. */
  maxPaymentMinor: SettlementPolicy['maxPaymentMinor'];
  /** Deterministic: a re-planned (retried) run names the same payments, so none is started twice. */
  paymentIdFor: (settlementId: string, partnerId: string, currency: string) => string;
  /** Starts a payout's payment workflow (the worker's Temporal client); only the starter needs it. */
  payouts?: SettlementPayoutStarter;
  /** The API's public key (hex): the run checks an approval's signature with it. */
  decisionVerifyKey?: string;
  clock?: () => Date;
}

/** Payment workflows started at once by the run's starter: enough to keep the slots full. */
const PARALLEL_STARTS = 20;

/**
 * A run's payouts by payment status: from its counters (one read), or — for a run planned before
 * counters — from a scan of its items joined with their payments.
 */
async function payoutStatuses(tx: TransactionScope, settlementId: string): Promise<Record<string, number>> {
  const counters = await tx.settlements.counters(settlementId);
  if (Object.keys(counters).length === 0) return tx.settlements.payoutStatusCounts(settlementId);
  const byStatus: Record<string, number> = {};
  for (const statuses of Object.values(counters)) {
    for (const [status, c] of Object.entries(statuses)) {
      if (status === 'SKIPPED') continue;
      byStatus[status] = (byStatus[status] ?? 0) + c.count;
    }
  }
  return byStatus;
}

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
    RUN_FINISHED_PAYOUT_STATUSES.reduce((sum, s) => sum + (byStatus[s] ?? 0), 0);

  /** How the run stands; past the next milestone, a SettlementProgress event (once per milestone). */
  async function reportProgress(
    tx: TransactionScope,
    input: SettlementProgressInput,
  ): Promise<SettlementProgressResult> {
    const byStatus = await payoutStatuses(tx, input.settlementId);
    const finished = finishedOf(byStatus);
    const reported = finished >= input.reportAtFinished;
    // The same milestone's event has the same id: a re-run of this step (its workflow task lost
    // after the commit, or a restarted starter) finds it and appends nothing.
    const eventId = nameBasedUuid('settlement-progress', `${input.settlementId}:${input.reportAtFinished}`);
    if (reported && !(await tx.events.has(eventId))) {
      const data = {
        settlementId: input.settlementId,
        periodEnd: input.periodEnd,
        currency: input.currency,
        itemCount: input.itemCount,
        skippedCount: input.skippedCount,
        finishedCount: finished,
        byStatus,
      };
      await tx.events.append(
        [{ ...settlementEvent('SettlementProgress', data, now()), id: eventId }],
        executionMeta(),
      );
    }
    return { byStatus, finished, awaitingApproval: byStatus.AWAITING_APPROVAL ?? 0, reported };
  }

  return {
    async planSettlementRun(input: PlanSettlementInput): Promise<PlanSettlementResult> {
      const cutoff = periodCutoff(input.periodEnd, input.timeZone);
      const signing = deps.decisionVerifyKey ? { decisionKey: deps.decisionVerifyKey } : {};
      const approvalOf = (r: SettlementRun) =>
        r.approval ? { approval: { status: r.approval.status, deadline: r.approval.deadline } } : {};
      return withDomainFailures(() =>
        deps.uow.run(async (tx) => {
          const existing = await tx.settlements.find(input.settlementId);
          if (existing) return { ...summarise(existing), totals: {}, ...approvalOf(existing), ...signing };
          const at = now();
          // One run per period, whoever starts it (the API claims first; the Schedule and older
          // clients meet the claim here): a period another run settles is not claimed twice.
          const holder = await tx.settlements.claimPeriod(
            input.periodEnd,
            input.currency,
            input.settlementId,
            at.toISOString(),
          );
          if (holder !== input.settlementId) {
            throw new DomainError(
              ErrorCodes.SETTLEMENT_ALREADY_EXISTS,
              `the period ${input.periodEnd} is settled by the run ${holder}: one run per period`,
              { settlementId: holder },
            );
          }
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
          // Over its thresholds, the run waits for a second operator before any payout starts;
          // the decision to wait commits with the plan, so a resumed run waits for the same one.
          const reasons = runApprovalReasons(plan.totals, input.approval, input.trigger);
          if (reasons.length > 0 && input.approval) {
            run.status = 'AWAITING_APPROVAL';
            run.approval = {
              status: 'AWAITING',
              reasons,
              deadline: new Date(at.getTime() + input.approval.timeoutMs).toISOString(),
              decidedBy: null,
              decidedAt: null,
              reason: null,
            };
          }
          await tx.settlements.update(run);
          // From here the run is counted by its payments' own transitions, never by a scan.
          await tx.settlements.initCounters(run.id);
          const started = settlementEvent(
            'SettlementStarted',
            { ...summarise(run), totals: plan.totals, trigger: run.trigger, startedBy: run.startedBy },
            at,
          );
          const awaiting = run.approval
            ? [
                settlementEvent(
                  'SettlementAwaitingApproval',
                  {
                    ...summarise(run),
                    totals: plan.totals,
                    approvalReasons: run.approval.reasons,
                    approvalDeadline: run.approval.deadline,
                  },
                  at,
                ),
              ]
            : [];
          await tx.events.append([started, ...awaiting], executionMeta());
          // A partner left out for a reason they can fix is told, once per run: the notice commits
          // with the plan (outbox), and its id derives from the run and the partner.
          const skipNotices = fixableSkips(plan.skipped).map((skip) =>
            skippedInSettlementEvent({
              id: nameBasedUuid('settlement-skip-notice', `${run.id}:${skip.partnerId}`),
              settlementId: run.id,
              skip,
              now: at,
            }),
          );
          await tx.events.append(skipNotices, executionMeta());
          await tx.partnerNotices.add(skipNotices);
          return { ...summarise(run), totals: plan.totals, ...approvalOf(run), ...signing };
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

    /** Claims the period for the run (see `SettlementRepository.claimPeriod`): the run that holds it. */
    claimSettlementPeriod(input: ClaimSettlementPeriodInput): Promise<string> {
      return deps.uow.run((tx) =>
        tx.settlements.claimPeriod(input.periodEnd, input.currency, input.settlementId, now().toISOString()),
      );
    },

    settlementProgress(input: SettlementProgressInput): Promise<SettlementProgressResult> {
      return deps.uow.run((tx) => reportProgress(tx, input));
    },

    /**
     * Starts the next page of the run's payouts (at most `pageSize`) as payment workflows of their
     * own — no parent, so nothing reports back into the run's history — keeping at most
     * `concurrency` in flight, counted from the run's counters (one read per look, whatever the
     * run's size), and appends the run's progress events as it goes. Resumes from its heartbeat or
     * the run's record of how far it got; a payout started before counts as started (its id is
     * deterministic). Returns when the page is started, or when every payout has finished.
     */
    async startSettlementPayouts(input: StartSettlementPayoutsInput): Promise<StartSettlementPayoutsResult> {
      const ctx = Context.current();
      const saved = ctx.info.heartbeatDetails as StartSettlementPayoutsResult | undefined;
      const recorded = await deps.uow.run((tx) => tx.settlements.startedCursor(input.settlementId));
      const from = [input, saved ?? input, recorded].reduce((a, b) => (b.afterSeq > a.afterSeq ? b : a));
      let { afterSeq, started } = from;
      let reportAtFinished = Math.max(input.reportAtFinished, saved?.reportAtFinished ?? 0);
      const pageEnd = Math.min(input.itemCount, input.started + input.pageSize);
      for (;;) {
        const progress = await deps.uow.run((tx) => reportProgress(tx, { ...input, reportAtFinished }));
        if (progress.reported) reportAtFinished = progress.finished + input.reportEvery;
        const result = { afterSeq, started, reportAtFinished, ...progress };
        ctx.heartbeat(result);
        if (started >= pageEnd || progress.finished >= input.itemCount) return result;
        // Released payouts never started: they hold no slot.
        const { byStatus } = progress;
        const inFlight =
          started - (progress.finished - (byStatus.RELEASED ?? 0)) - (byStatus.AWAITING_APPROVAL ?? 0);
        const room = Math.min(input.concurrency - inFlight, pageEnd - started);
        if (room <= 0) {
          await ctx.sleep(input.pollIntervalMs);
          continue;
        }
        // A run terminated meanwhile stops here, not at its next heartbeat (up to half a minute on).
        const run = ctx.info.workflowExecution;
        if (run && deps.payouts && !(await deps.payouts.isLiveRun(run.workflowId, run.runId))) return result;
        const page = await deps.uow.run((tx) =>
          tx.settlements.payoutPage(input.settlementId, afterSeq, room),
        );
        // The rest were released before they started.
        if (page.length === 0) return { ...result, started: input.itemCount };
        for (let i = 0; i < page.length; i += PARALLEL_STARTS) {
          await Promise.all(
            page.slice(i, i + PARALLEL_STARTS).map((item) => {
              if (!deps.payouts) throw new Error('startSettlementPayouts needs a payout starter');
              return deps.payouts.start({
                settlementId: input.settlementId,
                paymentId: item.paymentId!,
                partnerId: item.partnerId,
                currency: item.currency,
                plannedNetMinor: Number(item.netMinor),
                startedBy: input.startedBy,
              });
            }),
          );
        }
        afterSeq = page.at(-1)!.seq;
        started += page.length;
        await deps.uow.run((tx) => tx.settlements.recordStarted(input.settlementId, afterSeq, started));
      }
    },

    /**
     * Records a decision on a run awaiting approval — an operator's (four eyes: not its starter),
     * or the run's own expiry past its deadline — under the run's row lock, so a decision and the
     * expiry racing each other agree on one outcome. A rejected or expired run gives every payout
     * back (commissions PAYABLE) in the same transaction. The expiry of a decided run answers the
     * decision; an operator's decision on a run not awaiting one is refused.
     */
    decideSettlementRun(input: DecideSettlementRunInput): Promise<DecideSettlementRunResult> {
      return withDomainFailures(() =>
        deps.uow.run(async (tx) => {
          const run = await tx.settlements.find(input.settlementId);
          if (!run) {
            throw new DomainError(
              ErrorCodes.SETTLEMENT_NOT_FOUND,
              `settlement ${input.settlementId} not found`,
            );
          }
          const at = now();
          const before = run.approval ?? null;
          const after: RunApproval | null =
            input.action === 'expire'
              ? before && expireRunApproval(before, at)
              : decideRunApproval(before, run, {
                  action: input.action,
                  actor: input.actor,
                  reason: input.reason,
                  at,
                });
          const answer = (released: number): DecideSettlementRunResult => ({
            settlementId: run.id,
            approval: run.approval!.status,
            status: run.status,
            decidedBy: run.approval!.decidedBy,
            releasedPayouts: released,
          });
          if (!after || !before) {
            throw new DomainError(
              ErrorCodes.SETTLEMENT_NOT_AWAITING_APPROVAL,
              `the run ${run.id} does not need approval`,
            );
          }
          if (after === before || after.status === before.status) return answer(0);
          run.approval = after;
          run.updatedAt = at.toISOString();
          let released = 0;
          if (after.status === 'APPROVED') {
            run.status = 'RUNNING';
          } else {
            released = (await tx.settlements.releaseUnstarted(run.id, run.updatedAt)).payouts;
            run.status = after.status === 'REJECTED' ? 'REJECTED' : 'RELEASED';
            run.completedAt = run.updatedAt;
          }
          await tx.settlements.update(run);
          const type =
            after.status === 'APPROVED'
              ? 'SettlementApproved'
              : after.status === 'REJECTED'
                ? 'SettlementRejected'
                : 'SettlementReleased';
          await tx.events.append(
            [
              settlementEvent(
                type,
                {
                  ...summarise(run),
                  decidedBy: after.decidedBy ?? 'system',
                  ...(after.reason ? { reason: after.reason } : {}),
                  ...(type === 'SettlementReleased' ? { releasedBy: 'system', releasedCount: released } : {}),
                },
                at,
              ),
            ],
            executionMeta(),
          );
          return answer(released);
        }),
      );
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
          const byStatus = await payoutStatuses(tx, run.id);
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
